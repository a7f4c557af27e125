#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace keybrake::test {

// A deliberately rude upstream on 127.0.0.1, for what keybrake-sim cannot do: it answers one
// request per connection and then closes the connection although the answer promised keep-alive,
// or answers with bytes of its choosing; optionally over TLS. Runs on its own thread.
class ScriptedUpstream
{
public:
    // `tls` null: plain TCP. `answer` empty: a valid 200 with a small JSON body.
    explicit ScriptedUpstream(std::shared_ptr<boost::asio::ssl::context> tls = nullptr,
                              std::string answer = {});
    ~ScriptedUpstream();

    std::uint16_t port() const { return m_port; }
    int accepted() const { return m_accepted.load(); }
    // Waits until the server has closed `count` connections in all.
    bool waitUntilClosed(int count, std::chrono::milliseconds timeout);

private:
    void run();
    template<class Stream>
    void serve(Stream &stream);

    std::shared_ptr<boost::asio::ssl::context> m_tls;
    std::string m_answer;
    boost::asio::io_context m_io;
    boost::asio::ip::tcp::acceptor m_acceptor;
    std::uint16_t m_port = 0;
    std::atomic<bool> m_stopping {false};
    std::atomic<int> m_accepted {0};
    std::mutex m_mutex;
    std::condition_variable m_changed;
    int m_closed = 0;
    std::thread m_thread;
};

} // namespace keybrake::test
