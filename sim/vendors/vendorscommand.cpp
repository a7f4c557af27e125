#include "vendors/vendorscommand.h"

#include "http/httpserver.h"
#include "vendors/vendorsim.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <csignal>
#include <iostream>
#include <random>
#include <thread>

#if defined(__unix__) || defined(__APPLE__)
#include <sys/resource.h>
#endif

namespace keybrake::sim {

namespace asio = boost::asio;

namespace {

// A benchmark opens a connection per concurrent client; the default soft limit of 1024 open
// files would cap it below the proxy's own pool.
void raiseOpenFileLimit()
{
#if defined(__unix__) || defined(__APPLE__)
    rlimit limit {};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
#endif
}

} // namespace

int runVendorsCommand(const std::vector<std::string> &args)
{
    auto parsed = parseVendorSimArguments(args);
    if (parsed.help) {
        std::cout << vendorSimUsage();
        return 0;
    }
    if (!parsed.error.empty()) {
        std::cerr << "keybrake-sim vendors: " << parsed.error << '\n';
        return 2;
    }
    VendorSimOptions &options = parsed.options;
    if (!options.seedGiven)
        options.seed = std::random_device {}();
    const unsigned threads =
        options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
    raiseOpenFileLimit();

    // The simulator outlives the io_context: destroying the io_context destroys the coroutines
    // still suspended in it (a "hang" fault), and they touch the simulator's counters.
    VendorSim sim(options);
    asio::io_context io(static_cast<int>(threads));
    http::ServerLimits limits;
    limits.maxConnections = 100'000;
    http::HttpServer server(
        io, limits,
        [&sim](http::Request request, http::RequestContext) {
            return sim.handle(std::move(request));
        },
        [&sim](std::string_view target, unsigned status, std::string_view code,
               std::string_view message) {
            return sim.serverRefusal(target, status, code, message);
        });
    sim.setConnectionCounter([&server] { return server.openConnections(); });

    asio::ip::tcp::endpoint endpoint;
    try {
        endpoint = server.listen(options.listenHost, options.listenPort);
    } catch (const boost::system::system_error &error) {
        std::cerr << "keybrake-sim vendors: cannot listen on " << options.listenHost << ':'
                  << options.listenPort << ": " << error.code().message() << '\n';
        return 1;
    }

    asio::signal_set signals(io, SIGINT, SIGTERM);
    asio::steady_timer deadline(io);
    signals.async_wait([&](boost::system::error_code error, int) {
        if (error)
            return;
        server.shutdown(std::chrono::seconds(1), [&io] { io.stop(); });
        // A request held by a "hang" fault never finishes on its own; stop regardless.
        deadline.expires_after(std::chrono::seconds(2));
        deadline.async_wait([&io](boost::system::error_code) { io.stop(); });
    });

    const auto address = endpoint.address();
    const std::string host =
        address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
    std::cout << "keybrake-sim vendors listening on http://" << host << ':' << endpoint.port()
              << std::endl;

    std::vector<std::thread> workers;
    for (unsigned i = 1; i < threads; ++i)
        workers.emplace_back([&io] { io.run(); });
    io.run();
    for (auto &worker : workers)
        worker.join();
    return 0;
}

} // namespace keybrake::sim
