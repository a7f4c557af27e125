#include "http/httpserver.h"

#include "http/httpstream.h"
#include "http/transferencoding.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>

#include <array>
#include <optional>

namespace keybrake::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {
constexpr auto kAsTuple = asio::as_tuple(asio::use_awaitable);
}

class HttpServer::Session : public std::enable_shared_from_this<HttpServer::Session>
{
public:
    Session(HttpServer &server, tcp::socket socket, std::string listenerName,
            std::shared_ptr<asio::ssl::context> tls)
        : m_server(server)
        , m_stream(std::move(socket), std::move(tls))
        , m_listenerName(std::move(listenerName))
    {
        boost::system::error_code ignored;
        m_address = m_stream.socket().remote_endpoint(ignored).address();
    }

    asio::awaitable<void> run();
    enum class Refusal { None, ServerFull, AddressFull };
    void setRefusal(Refusal refusal) { m_refusal = refusal; }
    const asio::ip::address &address() const { return m_address; }

    // Called from any thread during shutdown: an idle connection is closed at once, a busy one
    // closes after answering.
    void closeIfIdle()
    {
        asio::post(m_stream.get_executor(), [self = shared_from_this()] {
            if (self->m_idle) {
                boost::system::error_code ignored;
                self->m_stream.socket().close(ignored);
            }
        });
    }

    void forceClose()
    {
        asio::post(m_stream.get_executor(), [self = shared_from_this()] {
            boost::system::error_code ignored;
            self->m_stream.socket().close(ignored);
        });
    }

private:
    asio::awaitable<bool> answerError(std::string_view target, unsigned status,
                                      std::string_view code, std::string_view message);
    asio::awaitable<void> lingerAfterError();
    asio::awaitable<bool> awaitNextRequest(beast::flat_buffer &buffer, bool first);
    asio::awaitable<void> closeConnection();

    HttpServer &m_server;
    HttpStream m_stream;
    std::string m_listenerName;
    asio::ip::address m_address;
    bool m_idle = true; // touched only on the session's strand
    Refusal m_refusal = Refusal::None;
    bool m_answeredError = false; // the connection ends with a refusal the client may not expect
    bool m_handshakeDone = false;
};

asio::awaitable<bool> HttpServer::Session::answerError(std::string_view target, unsigned status,
                                                       std::string_view code,
                                                       std::string_view message)
{
    Response response = m_server.m_errorBody(target, status, code, message);
    response.keep_alive(false);
    response.prepare_payload();
    m_stream.tcp().expires_after(m_server.m_limits.writeTimeout);
    co_await bhttp::async_write(m_stream, response, kAsTuple);
    m_answeredError = true;
    co_return false;
}

// After an error answer the client may still be sending what was refused (a body announced over
// 1 MiB is refused at its header). Closing with unread data makes the kernel reset the
// connection, and a client still writing then loses the answer with it; so, like nginx's
// lingering close, read and discard what keeps arriving, for a bounded time and amount, first.
asio::awaitable<void> HttpServer::Session::lingerAfterError()
{
    boost::system::error_code ignored;
    m_stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    std::array<char, 16 * 1024> scratch {};
    std::size_t discarded = 0;
    m_stream.tcp().expires_after(std::chrono::seconds(2));
    while (discarded < 4 * 1024 * 1024) {
        auto [error, read] = co_await m_stream.async_read_some(asio::buffer(scratch), kAsTuple);
        if (error)
            break;
        discarded += read;
    }
}

// A kept-alive connection may wait idleTimeout for its next request; once a request has begun (and
// on a new connection from the start, TLS handshake included) the whole header must arrive within
// headerTimeout. So a client that trickles a header byte by byte (slowloris) holds a connection
// for headerTimeout at most. False when the connection should end.
asio::awaitable<bool> HttpServer::Session::awaitNextRequest(beast::flat_buffer &buffer, bool first)
{
    const auto &limits = m_server.m_limits;
    if (first || buffer.size() > 0)
        co_return true;
    m_stream.tcp().expires_after(limits.idleTimeout);
    auto [error, read] = co_await m_stream.async_read_some(buffer.prepare(4096), kAsTuple);
    buffer.commit(read);
    co_return !error;
}

asio::awaitable<void> HttpServer::Session::closeConnection()
{
    boost::system::error_code ignored;
    if (auto *tls = m_stream.tls(); tls && m_handshakeDone) {
        // close_notify, briefly: a client that reads to the end of the stream then sees a clean
        // end.
        m_stream.tcp().expires_after(std::chrono::seconds(2));
        co_await tls->async_shutdown(kAsTuple);
    }
    m_stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    m_stream.socket().close(ignored);
}

asio::awaitable<void> HttpServer::Session::run()
{
    const auto &limits = m_server.m_limits;
    beast::flat_buffer buffer;
    boost::system::error_code ignored;
    RequestContext context {m_stream.socket().remote_endpoint(ignored), m_listenerName};
    m_stream.tcp().expires_after(limits.headerTimeout);
    if (auto *tls = m_stream.tls()) {
        auto [handshakeError] =
            co_await tls->async_handshake(asio::ssl::stream_base::server, kAsTuple);
        if (handshakeError) {
            m_stream.socket().close(ignored);
            co_return;
        }
        m_handshakeDone = true;
    }
    if (m_refusal != Refusal::None) {
        co_await answerError({}, 503, "too_many_connections",
                             m_refusal == Refusal::AddressFull
                                 ? "Too many open connections from this address; close some or "
                                   "retry shortly."
                                 : "The server has too many open connections; retry shortly.");
        co_await closeConnection();
        co_return;
    }

    for (bool first = true;; first = false) {
        bhttp::request_parser<bhttp::string_body> parser;
        parser.header_limit(static_cast<std::uint32_t>(limits.headerLimit));
        parser.body_limit(limits.bodyLimit);

        m_idle = true;
        if (m_server.shuttingDown())
            break;
        if (!co_await awaitNextRequest(buffer, first))
            break;
        m_idle = false;
        if (!first)
            m_stream.tcp().expires_after(limits.headerTimeout);
        auto [headerError, headerBytes] =
            co_await bhttp::async_read_header(m_stream, buffer, parser, kAsTuple);
        if (headerError == bhttp::error::end_of_stream || headerError == beast::error::timeout
            || headerError == asio::error::operation_aborted
            || headerError == asio::error::connection_reset || headerError == asio::error::eof
            || headerError == asio::error::bad_descriptor
            || headerError == asio::ssl::error::stream_truncated)
            break;
        // The parser checks a Content-Length against the body limit while it reads the header,
        // so an announced body over 1 MiB fails here, before any of it is read.
        if (headerError == bhttp::error::body_limit) {
            co_await answerError(std::string(parser.get().target()), 413, "body_too_large",
                                 "The request body is larger than 1 MiB.");
            break;
        }
        if (headerError == bhttp::error::header_limit) {
            co_await answerError({}, 431, "header_too_large",
                                 "The request's header is larger than the server accepts "
                                 "(16 KiB).");
            break;
        }
        if (headerError) {
            co_await answerError({}, 400, "bad_request", "The request is not valid HTTP/1.1.");
            break;
        }
        const std::string target(parser.get().target());
        if (const auto length = parser.content_length(); length && *length > limits.bodyLimit) {
            co_await answerError(target, 413, "body_too_large",
                                 "The request body is larger than 1 MiB.");
            break;
        }
        if (!transferEncodingAccepted(parser.get())) {
            co_await answerError(target, 501, "unsupported_transfer_encoding",
                                 "Transfer-Encoding must be \"chunked\" alone, sent once: the "
                                 "server implements no other transfer coding.");
            break;
        }
        if (bhttp::token_list(parser.get()[bhttp::field::expect]).exists("100-continue")) {
            bhttp::response<bhttp::empty_body> proceed {bhttp::status::continue_, 11};
            m_stream.tcp().expires_after(limits.writeTimeout);
            auto [continueError, n] = co_await bhttp::async_write(m_stream, proceed, kAsTuple);
            if (continueError)
                break;
        }
        m_stream.tcp().expires_after(limits.bodyTimeout);
        auto [bodyError, bodyBytes] =
            co_await bhttp::async_read(m_stream, buffer, parser, kAsTuple);
        if (bodyError == bhttp::error::body_limit) {
            co_await answerError(target, 413, "body_too_large",
                                 "The request body is larger than 1 MiB.");
            break;
        }
        if (bodyError == beast::error::timeout || bodyError == asio::error::operation_aborted
            || bodyError == asio::error::connection_reset || bodyError == asio::error::eof
            || bodyError == bhttp::error::partial_message
            || bodyError == asio::ssl::error::stream_truncated)
            break;
        if (bodyError) {
            co_await answerError(target, 400, "bad_request", "The request body could not be read.");
            break;
        }
        m_stream.tcp().expires_never();

        Request request = parser.release();
        const bool keepAlive = request.keep_alive();
        Response response;
        bool closeWithoutAnswer = false;
        context.stream = std::make_shared<ResponseStream>(m_stream, limits.writeTimeout,
                                                          m_server.m_shuttingDown);
        m_server.m_activeRequests.fetch_add(1);
        try {
            response = co_await m_server.m_handler(std::move(request), context);
        } catch (const CloseWithoutAnswer &) {
            closeWithoutAnswer = true;
        } catch (const std::exception &) {
            response = m_server.m_errorBody(target, 500, "internal_error",
                                            "The server failed while handling this request.");
        }
        m_server.m_activeRequests.fetch_sub(1);
        if (closeWithoutAnswer)
            break;
        if (context.stream->begun()) {
            // The handler answered through the stream; an unfinished one cannot be continued.
            if (!context.stream->ended() || context.stream->failed() || !keepAlive
                || m_server.shuttingDown())
                break;
            continue;
        }
        response.keep_alive(keepAlive && !m_server.shuttingDown());
        response.prepare_payload();
        m_stream.tcp().expires_after(limits.writeTimeout);
        auto [writeError, written] = co_await bhttp::async_write(m_stream, response, kAsTuple);
        if (writeError || !response.keep_alive())
            break;
    }
    if (m_answeredError && !m_stream.tls())
        co_await lingerAfterError();
    co_await closeConnection();
}

ResponseStream::ResponseStream(HttpStream &stream, std::chrono::seconds writeTimeout,
                               const std::atomic<bool> &serverClosing)
    : m_stream(stream)
    , m_writeTimeout(writeTimeout)
    , m_serverClosing(serverClosing)
{
}

asio::awaitable<bool> ResponseStream::begin(bhttp::response_header<> header)
{
    m_begun = true;
    bhttp::response<bhttp::empty_body> response(std::move(header));
    response.version(11);
    response.chunked(true);
    bhttp::response_serializer<bhttp::empty_body> serializer(response);
    m_stream.tcp().expires_after(m_writeTimeout);
    auto [error, written] = co_await bhttp::async_write_header(m_stream, serializer, kAsTuple);
    m_stream.tcp().expires_never();
    m_failed = static_cast<bool>(error);
    co_return !m_failed;
}

asio::awaitable<bool> ResponseStream::write(std::string_view data)
{
    if (m_failed || data.empty())
        co_return !m_failed;
    m_stream.tcp().expires_after(m_writeTimeout);
    auto [error, written] = co_await asio::async_write(
        m_stream, bhttp::make_chunk(asio::const_buffer(data.data(), data.size())), kAsTuple);
    m_stream.tcp().expires_never();
    m_failed = static_cast<bool>(error);
    co_return !m_failed;
}

asio::awaitable<void> ResponseStream::end()
{
    if (m_failed || m_ended)
        co_return;
    m_stream.tcp().expires_after(m_writeTimeout);
    auto [error, written] =
        co_await asio::async_write(m_stream, bhttp::make_chunk_last(), kAsTuple);
    m_stream.tcp().expires_never();
    m_failed = static_cast<bool>(error);
    m_ended = true;
}

void ResponseStream::watchHangUp(std::function<void()> onHangUp)
{
    m_watching = true;
    m_stream.socket().async_wait(tcp::socket::wait_read,
                                 [onHangUp = std::move(onHangUp)](boost::system::error_code error) {
                                     if (!error)
                                         onHangUp();
                                 });
}

void ResponseStream::stopWatchingHangUp()
{
    if (!m_watching)
        return;
    m_watching = false;
    // Nothing else is pending on the socket while the handler runs this.
    boost::system::error_code ignored;
    m_stream.socket().cancel(ignored);
}

HttpServer::HttpServer(asio::io_context &io, ServerLimits limits, Handler handler,
                       ErrorBody errorBody)
    : m_io(io)
    , m_limits(limits)
    , m_handler(std::move(handler))
    , m_errorBody(std::move(errorBody))
{
}

HttpServer::~HttpServer() = default;

tcp::endpoint HttpServer::listen(const std::string &host, std::uint16_t port,
                                 std::string listenerName)
{
    const tcp::endpoint endpoint(asio::ip::make_address(host), port);
    auto acceptor = std::make_shared<tcp::acceptor>(asio::make_strand(m_io));
    acceptor->open(endpoint.protocol());
    acceptor->set_option(asio::socket_base::reuse_address(true));
    acceptor->bind(endpoint);
    acceptor->listen(asio::socket_base::max_listen_connections);
    m_acceptors.push_back(acceptor);
    asio::co_spawn(acceptor->get_executor(), acceptLoop(acceptor, std::move(listenerName)),
                   asio::detached);
    return acceptor->local_endpoint();
}

asio::awaitable<void> HttpServer::acceptLoop(std::shared_ptr<tcp::acceptor> acceptor,
                                             std::string listenerName)
{
    for (;;) {
        auto [error, socket] = co_await acceptor->async_accept(asio::make_strand(m_io), kAsTuple);
        if (error == asio::error::operation_aborted || !acceptor->is_open())
            co_return;
        if (error) {
            // EMFILE and friends: back off briefly instead of spinning.
            asio::steady_timer pause(acceptor->get_executor(), std::chrono::milliseconds(50));
            co_await pause.async_wait(kAsTuple);
            continue;
        }
        boost::system::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        auto executor = socket.get_executor();
        std::shared_ptr<Session> session;
        {
            std::lock_guard lock(m_mutex);
            session =
                std::make_shared<Session>(*this, std::move(socket), listenerName, m_tlsContext);
            // Over a limit the connection is still served, but only with a 503 and a close:
            // a clear answer instead of a growing accept queue.
            const std::size_t perAddress = m_limits.maxConnectionsPerAddress
                ? m_limits.maxConnectionsPerAddress
                : std::max<std::size_t>(8, m_limits.maxConnections / 4);
            std::size_t &fromAddress = m_connectionsPerAddress[session->address()];
            if (m_sessions.size() >= m_limits.maxConnections)
                session->setRefusal(Session::Refusal::ServerFull);
            else if (fromAddress >= perAddress)
                session->setRefusal(Session::Refusal::AddressFull);
            ++fromAddress;
            m_sessions.insert(session);
        }
        Session *raw = session.get();
        asio::co_spawn(executor, session->run(),
                       [this, raw, session](std::exception_ptr) { sessionFinished(raw); });
    }
}

void HttpServer::sessionFinished(Session *session)
{
    {
        std::lock_guard lock(m_mutex);
        for (auto it = m_sessions.begin(); it != m_sessions.end(); ++it) {
            if (it->get() == session) {
                if (auto count = m_connectionsPerAddress.find(session->address());
                    count != m_connectionsPerAddress.end() && --count->second == 0)
                    m_connectionsPerAddress.erase(count);
                m_sessions.erase(it);
                break;
            }
        }
    }
    maybeFinishShutdown();
}

void HttpServer::shutdown(std::chrono::milliseconds grace, std::function<void()> done)
{
    m_shuttingDown.store(true);
    for (auto &acceptor : m_acceptors) {
        asio::post(acceptor->get_executor(), [acceptor] {
            boost::system::error_code ignored;
            acceptor->close(ignored);
        });
    }
    std::vector<std::shared_ptr<Session>> sessions;
    {
        std::lock_guard lock(m_mutex);
        m_shutdownDone = std::move(done);
        sessions.assign(m_sessions.begin(), m_sessions.end());
    }
    for (auto &session : sessions)
        session->closeIfIdle();
    m_graceTimer = std::make_shared<asio::steady_timer>(m_io, grace);
    m_graceTimer->async_wait([this](boost::system::error_code error) {
        if (error)
            return;
        std::vector<std::shared_ptr<Session>> stragglers;
        {
            std::lock_guard lock(m_mutex);
            stragglers.assign(m_sessions.begin(), m_sessions.end());
        }
        for (auto &session : stragglers)
            session->forceClose();
    });
    maybeFinishShutdown();
}

void HttpServer::maybeFinishShutdown()
{
    std::function<void()> done;
    {
        std::lock_guard lock(m_mutex);
        if (!m_shuttingDown.load() || !m_sessions.empty() || !m_shutdownDone)
            return;
        done = std::move(m_shutdownDone);
        m_shutdownDone = nullptr;
    }
    if (m_graceTimer)
        m_graceTimer->cancel();
    done();
}

void HttpServer::setTlsContext(std::shared_ptr<asio::ssl::context> context)
{
    std::lock_guard lock(m_mutex);
    m_tlsContext = std::move(context);
}

bool HttpServer::tlsEnabled() const
{
    std::lock_guard lock(m_mutex);
    return m_tlsContext != nullptr;
}

std::size_t HttpServer::openConnections() const
{
    std::lock_guard lock(m_mutex);
    return m_sessions.size();
}

std::size_t HttpServer::activeRequests() const
{
    return m_activeRequests.load();
}

} // namespace keybrake::http
