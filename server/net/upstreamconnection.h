#pragma once

#include "net/upstreamclient.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace keybrake {

// One keep-alive connection of an UpstreamClient's pool, plain TCP or TLS. Its I/O runs on its own
// strand (run connect() and exchange() through co_spawn on executor()), and it is used by one call
// at a time: the pool hands it out exclusively.
class UpstreamConnection
{
public:
    using Strand = boost::asio::strand<boost::asio::any_io_executor>;
    using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
    using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;

    struct ConnectOutcome
    {
        UpstreamFailure failure = UpstreamFailure::None;
        std::string detail;
    };

    struct ExchangeOutcome
    {
        UpstreamFailure failure = UpstreamFailure::None;
        std::string detail;
        HttpResponse response;
        bool anyByteWritten = false; // false: the vendor cannot have seen the request
        bool reusable = false; // the answer left the connection ready for another request
    };

    // `tls` null means plain HTTP.
    UpstreamConnection(const boost::asio::any_io_executor &executor,
                       std::shared_ptr<boost::asio::ssl::context> tls);
    ~UpstreamConnection();

    const Strand &executor() const { return m_strand; }

    // TCP connect to the first endpoint that answers, then for TLS the handshake with SNI and
    // verification of the certificate chain and of `host` (a name or an IP literal).
    boost::asio::awaitable<ConnectOutcome>
    connect(std::vector<boost::asio::ip::tcp::endpoint> endpoints, std::string host,
            std::string authority, std::chrono::milliseconds timeout);

    boost::asio::awaitable<ExchangeOutcome> exchange(const HttpRequest &request,
                                                     std::chrono::milliseconds timeout,
                                                     std::size_t maxResponseBytes);

    // A non-blocking peek at an idle connection: true when the peer closed or reset it, or sent
    // something unasked, so it must not carry a request. Call only while no operation is pending.
    bool peerClosed();

    // Safe from any thread while no operation is pending.
    void close();

    std::chrono::steady_clock::time_point idleSince;

private:
    boost::beast::tcp_stream &tcp();

    Strand m_strand;
    std::shared_ptr<boost::asio::ssl::context> m_context;
    std::optional<boost::beast::tcp_stream> m_plain;
    std::optional<boost::beast::ssl_stream<boost::beast::tcp_stream>> m_tls;
    boost::beast::flat_buffer m_buffer;
};

} // namespace keybrake
