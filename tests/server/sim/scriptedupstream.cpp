#include "scriptedupstream.h"

#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>

namespace keybrake::test {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {
constexpr std::string_view kDefaultAnswer = "HTTP/1.1 200 OK\r\n"
                                            "Content-Type: application/json\r\n"
                                            "Content-Length: 11\r\n"
                                            "\r\n"
                                            "{\"ok\":true}";
}

ScriptedUpstream::ScriptedUpstream(std::shared_ptr<asio::ssl::context> tls, std::string answer)
    : m_tls(std::move(tls))
    , m_answer(answer.empty() ? std::string(kDefaultAnswer) : std::move(answer))
    , m_acceptor(m_io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0))
{
    m_port = m_acceptor.local_endpoint().port();
    m_thread = std::thread([this] { run(); });
}

ScriptedUpstream::~ScriptedUpstream()
{
    m_stopping = true;
    // Wakes the blocking accept.
    boost::system::error_code ignored;
    tcp::socket wake(m_io);
    wake.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), m_port), ignored);
    m_thread.join();
}

bool ScriptedUpstream::waitUntilClosed(int count, std::chrono::milliseconds timeout)
{
    std::unique_lock lock(m_mutex);
    return m_changed.wait_for(lock, timeout, [&] { return m_closed >= count; });
}

template<class Stream>
void ScriptedUpstream::serve(Stream &stream)
{
    boost::beast::flat_buffer buffer;
    bhttp::request<bhttp::string_body> request;
    boost::system::error_code error;
    bhttp::read(stream, buffer, request, error);
    if (!error)
        asio::write(stream, asio::buffer(m_answer), error);
}

void ScriptedUpstream::run()
{
    for (;;) {
        tcp::socket socket(m_io);
        boost::system::error_code error;
        m_acceptor.accept(socket, error);
        if (m_stopping)
            return;
        if (error)
            continue;
        ++m_accepted;
        if (m_tls) {
            asio::ssl::stream<tcp::socket &> stream(socket, *m_tls);
            stream.handshake(asio::ssl::stream_base::server, error);
            if (!error)
                serve(stream);
        } else {
            serve(socket);
        }
        // No close_notify and no "Connection: close": the peer finds out from the socket.
        socket.shutdown(tcp::socket::shutdown_both, error);
        socket.close(error);
        {
            std::lock_guard lock(m_mutex);
            ++m_closed;
        }
        m_changed.notify_all();
    }
}

} // namespace keybrake::test
