#pragma once

#include <boost/asio/async_result.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <memory>

namespace keybrake::http {

// One accepted connection, plain or TLS, chosen at run time: the listener's TLS context (reloaded
// on SIGHUP) decides per connection. It is an AsyncStream, so Beast reads and writes HTTP through
// it either way; the timeouts stay on the TCP layer (tcp()), where they cover the TLS records too.
class HttpStream
{
public:
    using executor_type = boost::beast::tcp_stream::executor_type;
    using TlsStream = boost::asio::ssl::stream<boost::beast::tcp_stream &>;

    HttpStream(boost::asio::ip::tcp::socket socket,
               std::shared_ptr<boost::asio::ssl::context> tlsContext)
        : m_tcp(std::move(socket))
        , m_tlsContext(std::move(tlsContext))
    {
        if (m_tlsContext)
            m_tls = std::make_unique<TlsStream>(m_tcp, *m_tlsContext);
    }

    executor_type get_executor() noexcept { return m_tcp.get_executor(); }
    boost::beast::tcp_stream &tcp() { return m_tcp; }
    boost::asio::ip::tcp::socket &socket() { return m_tcp.socket(); }
    TlsStream *tls() { return m_tls.get(); }

    template<class MutableBuffers, class Token>
    auto async_read_some(const MutableBuffers &buffers, Token &&token)
    {
        return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
            [this](auto handler, const MutableBuffers &b) {
                if (m_tls)
                    m_tls->async_read_some(b, std::move(handler));
                else
                    m_tcp.async_read_some(b, std::move(handler));
            },
            token, buffers);
    }

    template<class ConstBuffers, class Token>
    auto async_write_some(const ConstBuffers &buffers, Token &&token)
    {
        return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
            [this](auto handler, const ConstBuffers &b) {
                if (m_tls)
                    m_tls->async_write_some(b, std::move(handler));
                else
                    m_tcp.async_write_some(b, std::move(handler));
            },
            token, buffers);
    }

private:
    boost::beast::tcp_stream m_tcp;
    // Kept alive by every connection that was accepted under it, across a reload.
    std::shared_ptr<boost::asio::ssl::context> m_tlsContext;
    std::unique_ptr<TlsStream> m_tls;
};

} // namespace keybrake::http
