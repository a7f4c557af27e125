#include "keybrakeserver.h"

#include "admin/adminkeyroutes.h"
#include "http/servertls.h"
#include "requestlog.h"
#include "store/sqlitestore.h"
#include "store/storeawait.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <future>
#include <iostream>
#include <stdexcept>
#include <sys/resource.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace keybrake {

namespace asio = boost::asio;

namespace {

bool isLoopback(const std::string &host)
{
    boost::system::error_code error;
    const auto address = asio::ip::make_address(host, error);
    return !error && address.is_loopback();
}

// Runs a store call to completion from a thread that is not an I/O thread (start-up only).
template<class T, class Start>
StoreResult<T> waitFor(Start start)
{
    std::promise<StoreResult<T>> promise;
    auto future = promise.get_future();
    start(StoreCallback<T>(
        [&promise](StoreResult<T> result) { promise.set_value(std::move(result)); }));
    return future.get();
}

// Before the listeners open: calls a killed keybraked left in flight get an unknown outcome, so
// their retries resume instead of answering 409 idempotency_key_in_use for 48 hours.
void reconcileInterruptedCalls(Store &store)
{
    const auto reconciled =
        waitFor<std::int64_t>([&](auto done) { store.reconcileInterruptedCalls(std::move(done)); });
    if (!reconciled)
        throw std::runtime_error("the store could not reconcile calls left in flight");
    if (reconciled.value() > 0)
        logWarn("calls left in flight by an earlier process are now unknown; their holds stay "
                "reserved until a retry resumes them",
                {{"calls", reconciled.value()}});
}

} // namespace

std::size_t raiseOpenFileLimit()
{
    rlimit limit {};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0)
        return 1024;
    if (limit.rlim_cur < limit.rlim_max) {
        rlimit raised = limit;
        raised.rlim_cur = limit.rlim_max;
        if (::setrlimit(RLIMIT_NOFILE, &raised) == 0)
            limit = raised;
    }
    return limit.rlim_cur == RLIM_INFINITY ? std::size_t(1) << 20
                                           : static_cast<std::size_t>(limit.rlim_cur);
}

std::size_t connectionCapFor(std::size_t openFiles)
{
    // Every proxied call in flight holds its client's descriptor and an upstream one; keep 64 for
    // the store, logs and listeners. Past 65,536 memory, not descriptors, is the limit.
    const std::size_t usable = openFiles > 96 ? (openFiles - 64) / 2 : 16;
    return std::min<std::size_t>(usable, 65536);
}

std::unique_ptr<Store> openStore(const std::string &url)
{
    if (url.rfind("sqlite:", 0) == 0) {
        SqliteStore::Options options;
        options.path = url.substr(7);
        if (options.path.empty())
            throw std::runtime_error("KEYBRAKE_STORE sqlite: needs a file path, e.g. "
                                     "sqlite:/var/lib/keybrake/keybrake.db");
        return SqliteStore::open(options);
    }
    if (url.rfind("postgres://", 0) == 0 || url.rfind("postgresql://", 0) == 0)
        throw std::runtime_error("the PostgreSQL store is not available in this build yet; use "
                                 "KEYBRAKE_STORE=sqlite:PATH");
    throw std::runtime_error("KEYBRAKE_STORE must be sqlite:PATH or postgres://..., not \"" + url
                             + "\"");
}

MasterKey loadOrCreateMasterKey(const std::string &path, bool mayCreate)
{
    MasterKey key {};
    const int existing = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (existing >= 0) {
        const ssize_t length = ::read(existing, key.data(), key.size());
        ::close(existing);
        if (length != static_cast<ssize_t>(key.size()))
            throw std::runtime_error("the master key file " + path
                                     + " is damaged (it must hold exactly 32 bytes)");
        return key;
    }
    if (!mayCreate)
        throw std::runtime_error("the systemd credential " + path
                                 + " cannot be read: create a 32-byte key (head -c 32 /dev/urandom "
                                   ">/etc/keybrake/master.key) and add "
                                   "LoadCredential=keybrake-master-key:/etc/keybrake/master.key "
                                   "to the unit");
    key = randomMasterKey();
    std::error_code ignored;
    const std::filesystem::path parent = std::filesystem::path(path).parent_path();
    if (!parent.empty() && std::filesystem::create_directories(parent, ignored))
        std::filesystem::permissions(parent, std::filesystem::perms::owner_all, ignored);
    const int created = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (created < 0 && errno == EEXIST)
        return loadOrCreateMasterKey(path, false); // another process created it just now
    if (created < 0)
        throw std::runtime_error("cannot create the master key file " + path + ": "
                                 + std::strerror(errno));
    const bool written =
        ::write(created, key.data(), key.size()) == static_cast<ssize_t>(key.size())
        && ::fsync(created) == 0;
    ::close(created);
    if (!written)
        throw std::runtime_error("cannot write the master key file " + path);
    return key;
}

void checkMasterKeyPlace(const Config &config)
{
    namespace fs = std::filesystem;
    if (config.masterKeyFile.empty())
        throw std::runtime_error("no place for the master key: set KEYBRAKE_MASTER_KEY_FILE to a "
                                 "path outside the store's directory (or run under systemd with "
                                 "LoadCredential=keybrake-master-key:PATH)");
    if (config.store.rfind("sqlite:", 0) != 0 || config.allowMasterKeyInStoreDir)
        return;
    std::error_code error;
    const fs::path storeDir =
        fs::weakly_canonical(fs::absolute(config.store.substr(7)), error).parent_path();
    const fs::path keyDir =
        fs::weakly_canonical(fs::absolute(config.masterKeyFile), error).parent_path();
    if (error)
        return; // an unreadable path fails clearly when the key is opened
    // Below the store's directory counts as inside (a copy of it is recursive), except for the
    // per-user default (~/.config/keybrake) when the store merely sits in the home directory.
    const auto [storeEnd, keyEnd] =
        std::mismatch(storeDir.begin(), storeDir.end(), keyDir.begin(), keyDir.end());
    const bool inside =
        storeEnd == storeDir.end() && (!config.masterKeyImplicit || keyEnd == keyDir.end());
    if (inside)
        throw std::runtime_error(
            "the master key file " + config.masterKeyFile + " is inside the store's directory "
            + storeDir.string()
            + ", so a copy of that directory would carry the key that decrypts it: put the key "
              "elsewhere with KEYBRAKE_MASTER_KEY_FILE (or systemd's LoadCredential), or accept "
              "this explicitly with --allow-master-key-in-store-dir");
    // Before 0.1.1 the key defaulted to the database path + ".key". Making a new one would
    // silently orphan the sealed answers; say where the old one is instead.
    const std::string oldDefault = config.store.substr(7) + ".key";
    if (fs::exists(oldDefault, error) && !fs::exists(config.masterKeyFile, error))
        throw std::runtime_error("the master key is beside the database at " + oldDefault
                                 + ", where a copy of the state directory would carry it: move it "
                                   "out (mv "
                                 + oldDefault + " " + config.masterKeyFile
                                 + ") or name it with KEYBRAKE_MASTER_KEY_FILE");
}

KeybrakeServer::KeybrakeServer(Config config)
    : m_config(std::move(config))
    , m_signals(m_io, SIGTERM, SIGINT)
    , m_reloadSignal(m_io, SIGHUP)
    , m_purgeTimer(m_io)
    , m_expiryTimer(m_io)
{
    RequestLog::instance().setLevel(parseLogLevel(m_config.logLevel));
}

KeybrakeServer::~KeybrakeServer()
{
    if (m_store)
        m_store->close();
    RequestLog::instance().flush();
}

void KeybrakeServer::start()
{
    if (m_config.testClock) {
        const bool loopbackOnly = isLoopback(m_config.listen.host)
            && (!m_config.adminListen || isLoopback(m_config.adminListen->host));
        if (!loopbackOnly)
            throw std::runtime_error("--test-clock is for tests only and needs every listener on a "
                                     "loopback address");
        m_clock = std::make_unique<ManualClock>(std::chrono::system_clock::now());
    } else {
        m_clock = std::make_unique<SystemClock>();
    }
    m_store = openStore(m_config.store);
    reconcileInterruptedCalls(*m_store);
    m_events = std::make_unique<EventHub>();
    m_store->setEventSink([events = m_events.get()](std::vector<StoredEvent> batch) {
        events->publish(std::move(batch));
    });
    checkMasterKeyPlace(m_config);
    const MasterKey masterKey =
        loadOrCreateMasterKey(m_config.masterKeyFile, !m_config.masterKeyFromCredentials);
    Pricing pricing;
    pricing.usdPerUnit = m_config.fxRates;
    pricing.resendEmail = m_config.resendEmailPrice;
    pricing.twilioSegmentCeiling = m_config.twilioSegmentCeiling;
    pricing.twilioCallCeiling = m_config.twilioCallCeiling;
    m_context.reset(
        new ServerContext {m_config, *m_clock,
                           m_config.testClock ? static_cast<ManualClock *>(m_clock.get()) : nullptr,
                           SpendCalendar(m_config.spendTimezone), *m_store, m_metrics, masterKey,
                           pricing, kServerVersion, m_events.get()});
    bootstrapAdminKey();

    UpstreamOptions upstreamOptions;
    upstreamOptions.maxConnections = m_config.upstreamMaxConnections;
    upstreamOptions.connectTimeout = m_config.upstreamConnectTimeout;
    upstreamOptions.responseTimeout = m_config.upstreamTimeout;
    const auto tls = makeVerifyingTlsContext();
    std::array<std::unique_ptr<UpstreamClient>, 3> upstreams;
    const std::array<std::string, 3> bases = {m_config.upstreamStripe, m_config.upstreamTwilio,
                                              m_config.upstreamResend};
    for (std::size_t i = 0; i < bases.size(); ++i) {
        try {
            upstreams[i] = std::make_unique<UpstreamClient>(m_io.get_executor(), bases[i],
                                                            upstreamOptions, tls);
        } catch (const std::invalid_argument &error) {
            static constexpr const char *kVariables[] = {
                "KEYBRAKE_UPSTREAM_STRIPE", "KEYBRAKE_UPSTREAM_TWILIO", "KEYBRAKE_UPSTREAM_RESEND"};
            throw std::runtime_error(std::string(kVariables[i]) + " (the "
                                     + std::string(vendorName(static_cast<Vendor>(i)))
                                     + " base URL): " + error.what());
        }
    }
    m_admin = std::make_unique<AdminApi>(*m_context);
    m_proxy = std::make_unique<Proxy>(*m_context, std::move(upstreams));
    m_router =
        std::make_unique<Router>(*m_context, *m_admin, *m_proxy, m_config.adminListen.has_value());

    http::ServerLimits limits;
    limits.idleTimeout = m_config.idleTimeout;
    limits.headerTimeout = m_config.headerTimeout;
    const std::size_t openFiles = raiseOpenFileLimit();
    limits.maxConnections =
        m_config.maxConnections ? m_config.maxConnections : connectionCapFor(openFiles);
    limits.maxConnectionsPerAddress = m_config.maxConnectionsPerAddress
        ? m_config.maxConnectionsPerAddress
        : std::max<std::size_t>(8, limits.maxConnections / 4);
    m_http = std::make_unique<http::HttpServer>(
        m_io, limits,
        [this](http::Request request, http::RequestContext connection) {
            return m_router->handle(std::move(request), std::move(connection));
        },
        [this](std::string_view target, unsigned status, std::string_view code,
               std::string_view message) {
            return m_router->errorResponse(target, status, code, message);
        });
    if (!m_config.tlsCertFile.empty())
        m_http->setTlsContext(
            http::makeServerTlsContext(m_config.tlsCertFile, m_config.tlsKeyFile));
    const std::string scheme = m_config.tlsCertFile.empty() ? "http://" : "https://";
    m_metrics.pendingStoreWrites = [this] { return m_store->pendingWrites(); };
    m_metrics.openConnections = [this] { return m_http->openConnections(); };
    m_metrics.activeRequests = [this] { return m_http->activeRequests(); };

    try {
        m_mainEndpoint = m_http->listen(m_config.listen.host, m_config.listen.port, "main");
    } catch (const boost::system::system_error &error) {
        // code().message(), not what(): what() appends Boost's source location.
        throw std::runtime_error("cannot listen on " + m_config.listen.host + ":"
                                 + std::to_string(m_config.listen.port) + ": "
                                 + error.code().message());
    }
    std::cout << "keybraked listening on " << scheme << m_mainEndpoint.address().to_string() << ":"
              << m_mainEndpoint.port() << std::endl;
    if (m_config.adminListen) {
        asio::ip::tcp::endpoint admin;
        try {
            admin = m_http->listen(m_config.adminListen->host, m_config.adminListen->port, "admin");
        } catch (const boost::system::system_error &error) {
            throw std::runtime_error("cannot listen on " + m_config.adminListen->host + ":"
                                     + std::to_string(m_config.adminListen->port) + ": "
                                     + error.code().message());
        }
        std::cout << "keybraked admin listening on " << scheme << admin.address().to_string() << ":"
                  << admin.port() << std::endl;
    }
    logInfo("keybraked started",
            {{"version", kServerVersion},
             {"store", m_store->kind()},
             {"spend_timezone", m_config.spendTimezone},
             {"test_clock", m_config.testClock},
             {"tls", !m_config.tlsCertFile.empty()},
             {"open_files", static_cast<std::int64_t>(openFiles)},
             {"max_connections", static_cast<std::int64_t>(limits.maxConnections)},
             {"max_connections_per_address",
              static_cast<std::int64_t>(limits.maxConnectionsPerAddress)}});

    m_signals.async_wait([this](boost::system::error_code error, int) {
        if (!error)
            beginShutdown();
    });
    schedulePurge();
    scheduleExpiry();
    awaitReload();
}

void KeybrakeServer::awaitReload()
{
    m_reloadSignal.async_wait([this](boost::system::error_code error, int) {
        if (error)
            return;
        if (!m_config.tlsCertFile.empty()) {
            // A bad file leaves the running certificate in place: a reload never takes TLS down.
            try {
                m_http->setTlsContext(
                    http::makeServerTlsContext(m_config.tlsCertFile, m_config.tlsKeyFile));
                logInfo("SIGHUP: TLS certificate and key re-read; new connections use them",
                        {{"cert", m_config.tlsCertFile}});
            } catch (const std::exception &failure) {
                logError("SIGHUP: the TLS certificate was not reloaded; the previous one stays",
                         {{"error", failure.what()}});
            }
        }
        awaitReload();
    });
}

void KeybrakeServer::bootstrapAdminKey()
{
    auto count =
        waitFor<std::int64_t>([&](auto done) { m_store->countActiveAdminKeys(std::move(done)); });
    if (!count)
        throw std::runtime_error("the store could not be read at start-up");
    if (count.value() > 0)
        return;
    std::string secret = m_config.bootstrapAdminKey;
    const bool generated = secret.empty();
    if (generated && m_config.noBootstrap) {
        std::cerr << "keybraked: the store has no admin key yet; create the first with "
                     "`keybraked admin-keys create --role admin --name NAME` (same --store or "
                     "--config as this server)"
                  << std::endl;
        return;
    }
    if (generated) {
        secret = newAdminKeySecret();
    } else if (!looksLikeAdminKeySecret(secret)) {
        throw std::runtime_error("KEYBRAKE_BOOTSTRAP_ADMIN_KEY must be kb_ followed by at least 40 "
                                 "letters and digits");
    }
    const TimePoint now = m_clock->now();
    AdminKey key = makeAdminKey(secret, "bootstrap", Role::Admin, now, "bootstrap");
    AuditEntry audit = adminKeyAudit(key, "admin_key.created", "bootstrap", "", now);
    auto created = waitFor<Done>(
        [&](auto done) { m_store->createAdminKey(key, std::move(audit), std::move(done)); });
    if (!created)
        throw std::runtime_error("the bootstrap admin key could not be stored");
    if (generated) {
        // Printed once, on standard output only (never to the log): the operator's only chance to
        // copy it. Lost? Create another with `keybraked admin-keys create`.
        std::cout << "keybraked bootstrap admin key: " << secret << std::endl;
        std::cerr << "keybraked: created the first admin key (" << key.id
                  << "); it is printed above once and stored only as a hash." << std::endl;
    }
}

void KeybrakeServer::schedulePurge()
{
    m_purgeTimer.expires_after(std::chrono::minutes(10));
    m_purgeTimer.async_wait([this](boost::system::error_code error) {
        if (error)
            return;
        // Idempotency records are kept 48 hours (longer than EventBridge's 24 h of retries).
        m_store->purgeIdempotency(m_clock->now() - std::chrono::hours(48),
                                  [](StoreResult<std::int64_t>) {});
        schedulePurge();
    });
}

void KeybrakeServer::scheduleExpiry()
{
    // Expiry is a matter of time, not of a request: key.expired comes from this sweep (and
    // from every move of the test clock).
    m_expiryTimer.expires_after(std::chrono::seconds(1));
    m_expiryTimer.async_wait([this](boost::system::error_code error) {
        if (error)
            return;
        m_store->expireKeys(m_clock->now(), [](StoreResult<std::int64_t>) {});
        m_proxy->flushInvalidKeyAudit();
        scheduleExpiry();
    });
}

void KeybrakeServer::run()
{
    const unsigned threads =
        m_config.threads ? m_config.threads : std::max(1u, std::thread::hardware_concurrency());
    std::vector<std::thread> pool;
    for (unsigned i = 1; i < threads; ++i)
        pool.emplace_back([this] { m_io.run(); });
    m_io.run();
    for (auto &thread : pool)
        thread.join();
    m_store->close();
    logInfo("keybraked stopped");
    RequestLog::instance().flush();
}

void KeybrakeServer::stop()
{
    asio::post(m_io, [this] { beginShutdown(); });
}

void KeybrakeServer::beginShutdown()
{
    if (m_stopping.exchange(true))
        return;
    logInfo("shutting down: no new connections; in-flight calls may finish",
            {{"grace_s", static_cast<std::int64_t>(m_config.shutdownGrace.count())},
             {"active_requests", static_cast<std::int64_t>(m_http->activeRequests())}});
    boost::system::error_code ignored;
    m_signals.cancel(ignored);
    m_reloadSignal.cancel(ignored);
    m_purgeTimer.cancel();
    m_expiryTimer.cancel();
    m_proxy->flushInvalidKeyAudit(true);
    m_http->shutdown(m_config.shutdownGrace, [this] {
        // Every connection is closed; the upstream pools' idle sockets are the only work left.
        asio::post(m_io, [this] { m_io.stop(); });
    });
    // After the HTTP server is marked as shutting down: event streams wake, see it and end.
    m_events->close();
}

} // namespace keybrake
