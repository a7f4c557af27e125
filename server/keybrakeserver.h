#pragma once

#include "admin/adminapi.h"
#include "config.h"
#include "eventhub.h"
#include "http/httpserver.h"
#include "metrics.h"
#include "proxy/proxy.h"
#include "router.h"
#include "servercontext.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <memory>
#include <string>
#include <vector>

namespace keybrake {

inline constexpr const char *kServerVersion = "0.1.0";

// One keybraked process: the store, the upstream pools, the listeners and the I/O threads.
class KeybrakeServer
{
public:
    explicit KeybrakeServer(Config config);
    ~KeybrakeServer();

    // Opens the store, creates the bootstrap admin key when the store has none (printing it once
    // unless it came from KEYBRAKE_BOOTSTRAP_ADMIN_KEY), binds the listeners and prints
    // "keybraked listening on http://HOST:PORT". Throws std::runtime_error with a sentence a
    // operator can act on.
    void start();
    // Serves until SIGTERM/SIGINT or stop(); then lets in-flight calls finish and returns.
    void run();
    void stop();

    boost::asio::ip::tcp::endpoint mainEndpoint() const { return m_mainEndpoint; }

private:
    void bootstrapAdminKey();
    void schedulePurge();
    void scheduleExpiry();
    void beginShutdown();
    void awaitReload(); // SIGHUP: re-read the TLS certificate and key

    Config m_config;
    boost::asio::io_context m_io;
    std::unique_ptr<Clock> m_clock;
    // Before the store: its writer thread publishes here until the store is closed.
    std::unique_ptr<EventHub> m_events;
    std::unique_ptr<Store> m_store;
    Metrics m_metrics;
    std::unique_ptr<ServerContext> m_context;
    std::unique_ptr<AdminApi> m_admin;
    std::unique_ptr<Proxy> m_proxy;
    std::unique_ptr<Router> m_router;
    std::unique_ptr<http::HttpServer> m_http;
    boost::asio::signal_set m_signals;
    boost::asio::signal_set m_reloadSignal;
    boost::asio::steady_timer m_purgeTimer;
    boost::asio::steady_timer m_expiryTimer;
    boost::asio::ip::tcp::endpoint m_mainEndpoint;
    std::atomic<bool> m_stopping {false};
};

// Raises the soft RLIMIT_NOFILE to the hard limit; returns the limit in force.
std::size_t raiseOpenFileLimit();
// The client connection cap a descriptor limit allows (each call may also hold an upstream one).
std::size_t connectionCapFor(std::size_t openFiles);
// Opens the store a KEYBRAKE_STORE URL names. Throws std::runtime_error when it cannot.
std::unique_ptr<Store> openStore(const std::string &url);
// Reads the 32-byte master key from `path`, creating it (mode 0600, its directory 0700) when
// missing and `mayCreate` (not for a systemd credential, which systemd provides read-only).
MasterKey loadOrCreateMasterKey(const std::string &path, bool mayCreate = true);
// Throws std::runtime_error when the master key would sit inside the SQLite store's directory
// (unless config.allowMasterKeyInStoreDir) or has no place at all.
void checkMasterKeyPlace(const Config &config);

} // namespace keybrake
