#include "loadconnection.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

namespace keybrake::bench {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
constexpr auto kAsTuple = asio::as_tuple(asio::use_awaitable);

LoadConnection::LoadConnection(asio::any_io_executor executor, asio::ip::tcp::endpoint endpoint,
                               std::chrono::seconds timeout)
    : m_stream(std::move(executor))
    , m_endpoint(endpoint)
    , m_timeout(timeout)
{
}

asio::awaitable<boost::system::error_code> LoadConnection::connect()
{
    close();
    m_stream.expires_after(m_timeout);
    auto [error] = co_await m_stream.async_connect(m_endpoint, kAsTuple);
    if (!error) {
        // Small requests and answers: Nagle would add up to 40 ms of delayed-ACK wait.
        m_stream.socket().set_option(asio::ip::tcp::no_delay(true), error);
        m_open = !error;
    }
    co_return error;
}

asio::awaitable<Exchange> LoadConnection::exchange(const LoadRequest &request)
{
    Exchange result;
    m_stream.expires_after(m_timeout);
    auto [writeError, written] = co_await bhttp::async_write(m_stream, request, kAsTuple);
    if (writeError) {
        result.error = writeError;
        close();
        co_return result;
    }
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(16 * 1024 * 1024);
    auto [readError, read] = co_await bhttp::async_read(m_stream, m_buffer, parser, kAsTuple);
    if (readError) {
        result.error = readError;
        close();
        co_return result;
    }
    result.status = parser.get().result_int();
    result.keepAlive = parser.get().keep_alive();
    if (!result.keepAlive)
        close();
    co_return result;
}

void LoadConnection::close()
{
    if (!m_open && !m_stream.socket().is_open())
        return;
    boost::system::error_code ignored;
    m_stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    m_stream.close();
    m_buffer.clear();
    m_open = false;
}

} // namespace keybrake::bench
