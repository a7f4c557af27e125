#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace keybrake::http {

class HttpStream;

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Response = boost::beast::http::response<boost::beast::http::string_body>;

struct ServerLimits
{
    std::size_t headerLimit = 16 * 1024;
    std::uint64_t bodyLimit = 1024 * 1024; // larger bodies get 413 body_too_large
    std::chrono::seconds idleTimeout {60}; // waiting for a kept-alive connection's next request
    // From a new connection (or a kept-alive one's first byte) to the end of the request's header,
    // TLS handshake included: a slowloris client holds a connection this long at most.
    std::chrono::seconds headerTimeout {10};
    std::chrono::seconds bodyTimeout {30}; // reading a request body once its header arrived
    std::chrono::seconds writeTimeout {30};
    std::size_t maxConnections = 20000;
    // Open connections from one source address; the rest are refused with 503 at once, so one
    // client cannot take every connection. 0: a quarter of maxConnections (at least 8).
    std::size_t maxConnectionsPerAddress = 0;
};

// A response whose body is produced while it is sent, in chunks: CSV exports and server-sent
// events. A handler that begins one answers through it; the Response it returns is then ignored.
class ResponseStream
{
public:
    ResponseStream(HttpStream &stream, std::chrono::seconds writeTimeout,
                   const std::atomic<bool> &serverClosing);

    // Sends the status and header with Transfer-Encoding: chunked. False when the client is gone.
    boost::asio::awaitable<bool> begin(boost::beast::http::response_header<> header);
    // Sends one chunk; false when the client is gone (the handler should stop producing).
    boost::asio::awaitable<bool> write(std::string_view data);
    // Sends the last chunk; the connection may then serve another request.
    boost::asio::awaitable<void> end();

    bool begun() const { return m_begun; }
    bool ended() const { return m_ended; }
    bool failed() const { return m_failed; }
    // The server is shutting down: a long-lived stream (events) should end soon.
    bool closing() const { return m_serverClosing.load(); }

    // Calls `onHangUp` on the connection's executor when the client closes the connection (or
    // sends more, which an event-stream client never does). A long-lived stream that is mostly
    // idle would otherwise notice a vanished client only when a write fails. The handler must
    // call stopWatchingHangUp() before it returns.
    void watchHangUp(std::function<void()> onHangUp);
    void stopWatchingHangUp();

private:
    HttpStream &m_stream;
    std::chrono::seconds m_writeTimeout;
    const std::atomic<bool> &m_serverClosing;
    bool m_begun = false;
    bool m_ended = false;
    bool m_failed = false;
    bool m_watching = false;
};

struct RequestContext
{
    boost::asio::ip::tcp::endpoint remote;
    std::string listenerName; // "main" or "admin"
    std::shared_ptr<ResponseStream> stream; // for handlers that stream their answer
};

// Thrown by a handler to close the connection without answering: a peer that read the request and
// then vanished (keybrake-sim's "drop" fault, which the proxy must tell apart from a refusal).
struct CloseWithoutAnswer
{
};

// Called once per request, on the connection's strand. It never sees a malformed or oversized
// request: those are answered by the server itself through the ErrorBody hook.
using Handler = std::function<boost::asio::awaitable<Response>(Request, RequestContext)>;

// Builds the body of a refusal that the server decides before a handler runs (400, 413, 431, 503
// over the connection limit). `target` is the request target when the header was readable, so
// the application can answer proxy routes in the vendor's error shape.
using ErrorBody = std::function<Response(std::string_view target, unsigned status,
                                         std::string_view code, std::string_view message)>;

// An HTTP/1.1 server on Boost.Beast: one coroutine per connection, explicit timeouts on every
// socket operation, body and header limits enforced by the parser, keep-alive, and a graceful
// shutdown that lets in-flight requests finish.
class HttpServer
{
public:
    HttpServer(boost::asio::io_context &io, ServerLimits limits, Handler handler,
               ErrorBody errorBody);
    ~HttpServer();
    HttpServer(const HttpServer &) = delete;
    HttpServer &operator=(const HttpServer &) = delete;

    // Binds host:port (port 0 picks a free one) and starts accepting; returns the bound endpoint.
    // Throws boost::system::system_error when the address cannot be bound.
    boost::asio::ip::tcp::endpoint listen(const std::string &host, std::uint16_t port,
                                          std::string listenerName = "main");

    // Stops accepting, closes idle keep-alive connections, lets every request already being
    // handled finish and answer (with Connection: close), then calls `done` — at the latest
    // after `grace`, when the stragglers are cut off.
    void shutdown(std::chrono::milliseconds grace, std::function<void()> done);

    // TLS for connections accepted from now on (both listeners); nullptr: plain HTTP. Connections
    // already open keep the context they began with. Safe from any thread (SIGHUP reloads).
    void setTlsContext(std::shared_ptr<boost::asio::ssl::context> context);
    bool tlsEnabled() const;

    std::size_t openConnections() const;
    std::size_t activeRequests() const;
    bool shuttingDown() const { return m_shuttingDown.load(); }

    class Session; // one connection; public so the implementation file can name it

private:
    boost::asio::awaitable<void> acceptLoop(std::shared_ptr<boost::asio::ip::tcp::acceptor>,
                                            std::string listenerName);
    void sessionFinished(Session *session);
    void maybeFinishShutdown();

    boost::asio::io_context &m_io;
    ServerLimits m_limits;
    Handler m_handler;
    ErrorBody m_errorBody;
    std::vector<std::shared_ptr<boost::asio::ip::tcp::acceptor>> m_acceptors;

    mutable std::mutex m_mutex;
    std::unordered_set<std::shared_ptr<Session>> m_sessions;
    std::map<boost::asio::ip::address, std::size_t> m_connectionsPerAddress;
    std::shared_ptr<boost::asio::ssl::context> m_tlsContext;
    std::atomic<bool> m_shuttingDown {false};
    std::atomic<std::size_t> m_activeRequests {0};
    std::function<void()> m_shutdownDone;
    std::shared_ptr<boost::asio::steady_timer> m_graceTimer;

    friend class Session;
};

} // namespace keybrake::http
