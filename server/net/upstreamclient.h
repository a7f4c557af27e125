#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/verb.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace keybrake {

struct UpstreamOptions
{
    // Large enough that a burst of a thousand concurrent calls to a slow vendor does not queue
    // behind a handful of sockets; beyond it a call waits up to connectTimeout for a free one.
    std::size_t maxConnections = 1024;
    std::chrono::seconds idleKeepAlive {30};
    std::chrono::milliseconds connectTimeout {
        5000}; // DNS wait excepted; TCP connect + TLS handshake
    std::chrono::milliseconds responseTimeout {30000}; // writing the request and reading the answer
    std::size_t maxResponseBytes = 8 * 1024 * 1024;
};

struct UpstreamRequest
{
    boost::beast::http::verb method = boost::beast::http::verb::get;
    std::string target; // path and query, appended to the base URL's path
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
};

// What the proxy needs to know to settle a hold: whether the vendor can have acted on the call.
enum class UpstreamFailure {
    None,
    ConnectFailed, // DNS, refused, unreachable, no free connection in time: nothing was sent
    TlsFailed, // handshake or certificate verification: nothing was sent
    TimedOutAfterSend,
    ConnectionLostAfterSend,
    BadResponse, // unparsable or larger than maxResponseBytes
};

const char *toString(UpstreamFailure failure);

struct UpstreamResult
{
    UpstreamFailure failure = UpstreamFailure::None;
    std::string detail; // a sentence for logs and the audit row; never holds a secret
    boost::beast::http::response<boost::beast::http::string_body> response;
    double latencyMs = 0; // from the call to the last byte of the answer (or the failure)
};

// An HTTP/1.1 client for one vendor base URL ("https://api.stripe.com", "http://127.0.0.1:9000/x")
// with a pool of keep-alive connections. send() is safe to call from several threads at once; each
// connection does its I/O on its own strand. A request is never retried once any of its bytes were
// written (the vendor may have acted on it), so stale keep-alive sockets are detected and replaced
// before writing.
class UpstreamClient
{
public:
    // Throws std::invalid_argument for a base URL that is not http(s)://host[:port][/path], and
    // for https without a TLS context.
    UpstreamClient(boost::asio::any_io_executor executor, std::string baseUrl,
                   UpstreamOptions options = {},
                   std::shared_ptr<boost::asio::ssl::context> tls = nullptr);
    ~UpstreamClient();
    UpstreamClient(const UpstreamClient &) = delete;
    UpstreamClient &operator=(const UpstreamClient &) = delete;

    boost::asio::awaitable<UpstreamResult> send(UpstreamRequest request);

    // Connections being opened, in use or idle.
    std::size_t openConnections() const;
    std::size_t idleConnections() const;

    class Pool; // the shared state; public so the implementation files can name it

private:
    std::shared_ptr<Pool> m_pool;
};

// A TLS client context that trusts the system's certificate store and verifies peers. Hostname
// verification is added per connection.
std::shared_ptr<boost::asio::ssl::context> makeVerifyingTlsContext();

} // namespace keybrake
