#include "net/upstreamclient.h"

#include "net/upstreamconnection.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/url/parse.hpp>
#include <openssl/ssl.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <string_view>

namespace keybrake {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto kAsTuple = asio::as_tuple(asio::use_awaitable);
// Vendors sit behind anycast load balancers whose addresses change rarely; re-resolving once a
// minute follows a move without a DNS query per connection during a burst.
constexpr auto kResolveTtl = std::chrono::seconds(60);
// A request that failed before any byte left is retried on a fresh connection at most this often.
constexpr int kMaxUnsentRetries = 2;

// Headers that describe one hop, or that this client computes itself. The caller's values would
// break the pool (Connection: close, a second Content-Length) or lie about the body.
constexpr std::array<std::string_view, 10> kOwnHeaders = {"connection",
                                                          "keep-alive",
                                                          "proxy-connection",
                                                          "transfer-encoding",
                                                          "te",
                                                          "upgrade",
                                                          "host",
                                                          "content-length",
                                                          "expect",
                                                          "trailer"};

bool isOwnHeader(std::string_view name)
{
    return std::any_of(kOwnHeaders.begin(), kOwnHeaders.end(), [name](std::string_view own) {
        return name.size() == own.size()
            && std::equal(name.begin(), name.end(), own.begin(), [](char a, char b) {
                   return std::tolower(static_cast<unsigned char>(a)) == b;
               });
    });
}

double millisSince(Clock::time_point start)
{
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

} // namespace

const char *toString(UpstreamFailure failure)
{
    switch (failure) {
    case UpstreamFailure::None:
        return "none";
    case UpstreamFailure::ConnectFailed:
        return "connect_failed";
    case UpstreamFailure::TlsFailed:
        return "tls_failed";
    case UpstreamFailure::TimedOutAfterSend:
        return "timed_out_after_send";
    case UpstreamFailure::ConnectionLostAfterSend:
        return "connection_lost_after_send";
    case UpstreamFailure::BadResponse:
        return "bad_response";
    }
    return "unknown";
}

class UpstreamClient::Pool : public std::enable_shared_from_this<Pool>
{
public:
    using ConnectionPtr = std::shared_ptr<UpstreamConnection>;

    Pool(asio::any_io_executor executor, std::string baseUrl, UpstreamOptions options,
         std::shared_ptr<ssl::context> tls);

    asio::awaitable<UpstreamResult> send(UpstreamRequest request);
    void shutdown();

    std::size_t openConnections() const
    {
        std::lock_guard lock(m_mutex);
        return m_open;
    }
    std::size_t idleConnections() const
    {
        std::lock_guard lock(m_mutex);
        return m_idle.size();
    }

private:
    // A connection for one call, or why there is none.
    struct Lease
    {
        ConnectionPtr connection;
        UpstreamFailure failure = UpstreamFailure::None;
        std::string detail;
    };

    // A call waiting for a connection while all maxConnections are taken. Exactly one message is
    // ever sent to it, by whoever takes it off m_waiters under the mutex: a released connection,
    // a null pointer granting a free slot, or an error when its wait timed out.
    using Handoff =
        asio::experimental::concurrent_channel<void(boost::system::error_code, ConnectionPtr)>;
    using Resolution = asio::experimental::concurrent_channel<void(boost::system::error_code,
                                                                   std::vector<tcp::endpoint>)>;

    bhttp::request<bhttp::string_body> buildMessage(UpstreamRequest &&request) const;
    asio::awaitable<Lease> acquire();
    asio::awaitable<Lease> openConnection();
    asio::awaitable<std::pair<boost::system::error_code, std::vector<tcp::endpoint>>> resolve();
    void release(ConnectionPtr connection);
    void discard(const ConnectionPtr &connection);
    void freeSlotLocked();
    void expireWaiter(const std::shared_ptr<Handoff> &waiter);
    void scheduleSweepLocked();
    void sweep();
    static void closeOnStrand(const ConnectionPtr &connection);

    asio::any_io_executor m_executor;
    UpstreamOptions m_options;
    std::shared_ptr<ssl::context> m_tls;
    std::string m_host; // for DNS and certificate verification
    std::string m_port;
    std::string m_authority; // for the Host header and messages: host[:port] as written
    std::string m_basePath; // without a trailing slash

    mutable std::mutex m_mutex;
    std::size_t m_open = 0; // connecting, in use and idle
    std::vector<ConnectionPtr> m_idle; // the most recently used last
    std::deque<std::shared_ptr<Handoff>> m_waiters;
    std::vector<tcp::endpoint> m_endpoints;
    Clock::time_point m_resolvedAt;
    bool m_resolving = false;
    std::vector<std::shared_ptr<Resolution>> m_resolutionWaiters;
    asio::steady_timer m_sweepTimer;
    bool m_sweepScheduled = false;
    bool m_shutDown = false;
};

UpstreamClient::Pool::Pool(asio::any_io_executor executor, std::string baseUrl,
                           UpstreamOptions options, std::shared_ptr<ssl::context> tls)
    : m_executor(std::move(executor))
    , m_options(options)
    , m_tls(std::move(tls))
    , m_sweepTimer(asio::make_strand(m_executor))
{
    const auto url = boost::urls::parse_absolute_uri(baseUrl);
    if (!url || !url->has_authority() || url->host_address().empty() || url->has_query()
        || url->has_fragment() || url->has_userinfo())
        throw std::invalid_argument("upstream base URL must be http(s)://host[:port][/path]");
    const bool https = url->scheme_id() == boost::urls::scheme::https;
    if (!https && url->scheme_id() != boost::urls::scheme::http)
        throw std::invalid_argument("upstream base URL must start with http:// or https://");
    if (https && !m_tls)
        throw std::invalid_argument("an https upstream needs a TLS context");
    if (!https)
        m_tls.reset();
    m_host = url->host_address();
    m_port = url->has_port() ? std::string(url->port()) : (https ? "443" : "80");
    m_authority = url->encoded_host_and_port();
    m_basePath = url->encoded_path();
    while (!m_basePath.empty() && m_basePath.back() == '/')
        m_basePath.pop_back();
    if (m_options.maxConnections == 0)
        m_options.maxConnections = 1;
}

bhttp::request<bhttp::string_body>
UpstreamClient::Pool::buildMessage(UpstreamRequest &&request) const
{
    std::string target = m_basePath;
    if (request.target.empty() || request.target.front() != '/')
        target += '/';
    target += request.target;
    bhttp::request<bhttp::string_body> message {request.method, target, 11};
    for (auto &[name, value] : request.headers) {
        if (!isOwnHeader(name))
            message.insert(name, value);
    }
    message.set(bhttp::field::host, m_authority);
    message.body() = std::move(request.body);
    message.keep_alive(true);
    message.prepare_payload();
    return message;
}

asio::awaitable<UpstreamResult> UpstreamClient::Pool::send(UpstreamRequest request)
{
    const auto self = shared_from_this(); // the client may be destroyed while this call runs
    const auto start = Clock::now();
    const auto message = buildMessage(std::move(request));
    UpstreamResult result;
    for (int attempt = 0;; ++attempt) {
        Lease lease = co_await acquire();
        if (!lease.connection) {
            result.failure = lease.failure;
            result.detail = std::move(lease.detail);
            break;
        }
        const ConnectionPtr connection = lease.connection;
        auto outcome = co_await asio::co_spawn(
            connection->executor(),
            connection->exchange(message, m_options.responseTimeout, m_options.maxResponseBytes),
            asio::use_awaitable);
        if (outcome.failure == UpstreamFailure::None) {
            if (outcome.reusable)
                release(connection);
            else
                discard(connection);
            result.response = std::move(outcome.response);
            break;
        }
        discard(connection);
        // The peer reset a connection between the staleness check and the write: nothing left
        // this machine, so the vendor cannot have acted and another connection may carry it.
        if (!outcome.anyByteWritten && attempt < kMaxUnsentRetries)
            continue;
        result.failure = outcome.failure;
        result.detail = std::move(outcome.detail);
        break;
    }
    result.latencyMs = millisSince(start);
    co_return result;
}

asio::awaitable<UpstreamClient::Pool::Lease> UpstreamClient::Pool::acquire()
{
    for (;;) {
        ConnectionPtr candidate;
        std::vector<ConnectionPtr> expired;
        std::shared_ptr<Handoff> waiter;
        bool mayOpen = false;
        {
            std::lock_guard lock(m_mutex);
            const auto now = Clock::now();
            while (!m_idle.empty() && !candidate) {
                ConnectionPtr connection = std::move(m_idle.back());
                m_idle.pop_back();
                if (now - connection->idleSince >= m_options.idleKeepAlive) {
                    expired.push_back(std::move(connection));
                    --m_open;
                } else {
                    candidate = std::move(connection);
                }
            }
            if (!candidate) {
                if (m_open < m_options.maxConnections) {
                    ++m_open;
                    mayOpen = true;
                } else {
                    waiter = std::make_shared<Handoff>(m_executor, 1);
                    m_waiters.push_back(waiter);
                }
            }
        }
        for (const auto &connection : expired)
            closeOnStrand(connection);
        if (candidate) {
            // The connection is ours alone now, so peeking at its socket is safe.
            if (!candidate->peerClosed())
                co_return Lease {candidate};
            discard(candidate);
            continue;
        }
        if (mayOpen)
            co_return co_await openConnection();

        auto timer = std::make_shared<asio::steady_timer>(m_executor, m_options.connectTimeout);
        timer->async_wait([weak = weak_from_this(), waiter](boost::system::error_code error) {
            if (error)
                return;
            if (auto pool = weak.lock())
                pool->expireWaiter(waiter);
        });
        auto [error, connection] = co_await waiter->async_receive(kAsTuple);
        timer->cancel();
        if (error) {
            co_return Lease {nullptr, UpstreamFailure::ConnectFailed,
                             "all " + std::to_string(m_options.maxConnections) + " connections to "
                                 + m_authority + " stayed busy for "
                                 + std::to_string(m_options.connectTimeout.count()) + " ms"};
        }
        if (connection)
            co_return Lease {connection};
        co_return co_await openConnection(); // a slot was handed over
    }
}

asio::awaitable<UpstreamClient::Pool::Lease> UpstreamClient::Pool::openConnection()
{
    auto [resolveError, endpoints] = co_await resolve();
    if (resolveError || endpoints.empty()) {
        {
            std::lock_guard lock(m_mutex);
            freeSlotLocked();
        }
        co_return Lease {nullptr, UpstreamFailure::ConnectFailed,
                         "could not resolve " + m_host + ": "
                             + (resolveError ? resolveError.message() : std::string("no address"))};
    }
    auto connection = std::make_shared<UpstreamConnection>(m_executor, m_tls);
    auto outcome = co_await asio::co_spawn(
        connection->executor(),
        connection->connect(std::move(endpoints), m_host, m_authority, m_options.connectTimeout),
        asio::use_awaitable);
    if (outcome.failure != UpstreamFailure::None) {
        discard(connection);
        co_return Lease {nullptr, outcome.failure, std::move(outcome.detail)};
    }
    co_return Lease {connection};
}

asio::awaitable<std::pair<boost::system::error_code, std::vector<tcp::endpoint>>>
UpstreamClient::Pool::resolve()
{
    std::shared_ptr<Resolution> waiter;
    {
        std::lock_guard lock(m_mutex);
        if (!m_endpoints.empty() && Clock::now() - m_resolvedAt < kResolveTtl)
            co_return std::pair {boost::system::error_code {}, m_endpoints};
        // A burst of new connections asks DNS once; the others wait for that answer.
        if (m_resolving) {
            waiter = std::make_shared<Resolution>(m_executor, 1);
            m_resolutionWaiters.push_back(waiter);
        } else {
            m_resolving = true;
        }
    }
    if (waiter) {
        auto [error, endpoints] = co_await waiter->async_receive(kAsTuple);
        co_return std::pair {error, std::move(endpoints)};
    }
    tcp::resolver resolver(m_executor);
    auto [error, results] = co_await resolver.async_resolve(m_host, m_port, kAsTuple);
    std::vector<tcp::endpoint> endpoints;
    if (!error) {
        for (const auto &entry : results)
            endpoints.push_back(entry.endpoint());
    }
    std::vector<std::shared_ptr<Resolution>> waiters;
    {
        std::lock_guard lock(m_mutex);
        m_resolving = false;
        if (!error && !endpoints.empty()) {
            m_endpoints = endpoints;
            m_resolvedAt = Clock::now();
        }
        waiters.swap(m_resolutionWaiters);
    }
    for (const auto &other : waiters)
        other->try_send(error, endpoints);
    co_return std::pair {error, std::move(endpoints)};
}

void UpstreamClient::Pool::release(ConnectionPtr connection)
{
    connection->idleSince = Clock::now();
    std::lock_guard lock(m_mutex);
    if (m_shutDown) {
        closeOnStrand(connection);
        freeSlotLocked();
        return;
    }
    if (!m_waiters.empty()) {
        auto waiter = std::move(m_waiters.front());
        m_waiters.pop_front();
        waiter->try_send(boost::system::error_code {}, std::move(connection));
        return;
    }
    m_idle.push_back(std::move(connection));
    scheduleSweepLocked();
}

void UpstreamClient::Pool::discard(const ConnectionPtr &connection)
{
    closeOnStrand(connection);
    std::lock_guard lock(m_mutex);
    freeSlotLocked();
}

void UpstreamClient::Pool::freeSlotLocked()
{
    if (!m_waiters.empty()) {
        auto waiter = std::move(m_waiters.front());
        m_waiters.pop_front();
        waiter->try_send(boost::system::error_code {}, nullptr);
        return;
    }
    --m_open;
}

void UpstreamClient::Pool::expireWaiter(const std::shared_ptr<Handoff> &waiter)
{
    std::lock_guard lock(m_mutex);
    const auto it = std::find(m_waiters.begin(), m_waiters.end(), waiter);
    if (it == m_waiters.end())
        return; // a connection or a slot reached it first
    m_waiters.erase(it);
    waiter->try_send(asio::error::timed_out, nullptr);
}

void UpstreamClient::Pool::scheduleSweepLocked()
{
    if (m_sweepScheduled || m_idle.empty())
        return;
    m_sweepScheduled = true;
    const auto due = m_idle.front()->idleSince + m_options.idleKeepAlive;
    asio::post(m_sweepTimer.get_executor(), [weak = weak_from_this(), due] {
        auto pool = weak.lock();
        if (!pool)
            return;
        pool->m_sweepTimer.expires_at(due);
        pool->m_sweepTimer.async_wait([weak](boost::system::error_code error) {
            if (error)
                return;
            if (auto pool = weak.lock())
                pool->sweep();
        });
    });
}

void UpstreamClient::Pool::sweep()
{
    std::vector<ConnectionPtr> expired;
    {
        std::lock_guard lock(m_mutex);
        m_sweepScheduled = false;
        const auto now = Clock::now();
        // m_idle is ordered by idleSince: the oldest first.
        auto firstLive = std::find_if(m_idle.begin(), m_idle.end(), [&](const ConnectionPtr &c) {
            return now - c->idleSince < m_options.idleKeepAlive;
        });
        expired.assign(std::make_move_iterator(m_idle.begin()), std::make_move_iterator(firstLive));
        m_idle.erase(m_idle.begin(), firstLive);
        m_open -= expired.size();
        scheduleSweepLocked();
    }
    for (const auto &connection : expired)
        closeOnStrand(connection);
}

void UpstreamClient::Pool::shutdown()
{
    std::vector<ConnectionPtr> idle;
    {
        std::lock_guard lock(m_mutex);
        m_shutDown = true;
        idle.swap(m_idle);
        m_open -= idle.size();
    }
    for (const auto &connection : idle)
        closeOnStrand(connection);
    asio::post(m_sweepTimer.get_executor(),
               [self = shared_from_this()] { self->m_sweepTimer.cancel(); });
}

void UpstreamClient::Pool::closeOnStrand(const ConnectionPtr &connection)
{
    asio::post(connection->executor(), [connection] { connection->close(); });
}

UpstreamClient::UpstreamClient(asio::any_io_executor executor, std::string baseUrl,
                               UpstreamOptions options, std::shared_ptr<ssl::context> tls)
    : m_pool(
        std::make_shared<Pool>(std::move(executor), std::move(baseUrl), options, std::move(tls)))
{
}

UpstreamClient::~UpstreamClient()
{
    m_pool->shutdown();
}

asio::awaitable<UpstreamResult> UpstreamClient::send(UpstreamRequest request)
{
    // Keeps the pool alive until this call ends, even if the client is destroyed meanwhile.
    auto pool = m_pool;
    co_return co_await pool->send(std::move(request));
}

std::size_t UpstreamClient::openConnections() const
{
    return m_pool->openConnections();
}

std::size_t UpstreamClient::idleConnections() const
{
    return m_pool->idleConnections();
}

std::shared_ptr<ssl::context> makeVerifyingTlsContext()
{
    auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
    context->set_default_verify_paths();
    context->set_verify_mode(ssl::verify_peer);
    SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
    return context;
}

} // namespace keybrake
