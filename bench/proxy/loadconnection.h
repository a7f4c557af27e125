#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>

namespace keybrake::bench {

using LoadRequest = boost::beast::http::request<boost::beast::http::string_body>;

struct Exchange
{
    boost::system::error_code error; // transport failure or timeout; status is then 0
    unsigned status = 0;
    bool keepAlive = false; // false: the server asked to close, so the connection is gone
};

// One client connection of the load generator. The request is shared and const (serialising it
// again for every call costs nothing worth measuring next to the servers under test).
class LoadConnection
{
public:
    LoadConnection(boost::asio::any_io_executor executor, boost::asio::ip::tcp::endpoint endpoint,
                   std::chrono::seconds timeout);

    boost::asio::awaitable<boost::system::error_code> connect();
    boost::asio::awaitable<Exchange> exchange(const LoadRequest &request);
    bool isOpen() const { return m_open; }
    void close();

private:
    boost::beast::tcp_stream m_stream;
    boost::beast::flat_buffer m_buffer;
    boost::asio::ip::tcp::endpoint m_endpoint;
    std::chrono::seconds m_timeout;
    bool m_open = false;
};

} // namespace keybrake::bench
