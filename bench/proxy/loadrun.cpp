#include "loadrun.h"

#include "latencyrecorder.h"
#include "loadconnection.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>

#include <cmath>
#include <memory>
#include <stdexcept>
#include <sys/resource.h>
#include <thread>
#include <vector>

namespace keybrake::bench {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
namespace json = boost::json;
using asio::awaitable;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;
constexpr auto kAsTuple = asio::as_tuple(asio::use_awaitable);

namespace {

double secondsOf(Clock::duration d)
{
    return std::chrono::duration<double>(d).count();
}

double cpuSeconds()
{
    rusage usage {};
    ::getrusage(RUSAGE_SELF, &usage);
    const auto toSeconds = [](const timeval &t) {
        return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
    };
    return toSeconds(usage.ru_utime) + toSeconds(usage.ru_stime);
}

LoadRequest makeRequest(const LoadOptions &options)
{
    LoadRequest request;
    request.method(bhttp::string_to_verb(options.method));
    if (request.method() == bhttp::verb::unknown)
        request.method_string(options.method);
    request.target(options.target);
    request.version(11);
    request.set(bhttp::field::host, options.host + ":" + std::to_string(options.port));
    request.set(bhttp::field::user_agent, "keybrake-loadgen");
    if (!options.bearerToken.empty())
        request.set(bhttp::field::authorization, "Bearer " + options.bearerToken);
    for (const auto &[name, value] : options.headers)
        request.set(name, value);
    if (!options.body.empty()) {
        request.set(bhttp::field::content_type, options.contentType);
        request.body() = options.body;
    }
    request.keep_alive(true);
    request.prepare_payload();
    return request;
}

tcp::endpoint resolve(const LoadOptions &options)
{
    asio::io_context io;
    tcp::resolver resolver(io);
    boost::system::error_code error;
    const auto results = resolver.resolve(options.host, std::to_string(options.port), error);
    if (error || results.empty())
        throw std::runtime_error("cannot resolve " + options.host + ": " + error.message());
    return results.begin()->endpoint();
}

struct Run
{
    const LoadOptions &options;
    const LoadRequest request;
    const tcp::endpoint endpoint;
};

// ---- closed loop -------------------------------------------------------------------------------

awaitable<void> closedWorker(const Run &run, Clock::time_point measureFrom,
                             Clock::time_point measureUntil, LatencyRecorder &recorder)
{
    const auto executor = co_await asio::this_coro::executor;
    LoadConnection connection(executor, run.endpoint, run.options.timeout);
    asio::steady_timer backoff(executor);
    while (Clock::now() < measureUntil) {
        if (!connection.isOpen()) {
            const auto error = co_await connection.connect();
            recorder.recordConnect();
            if (error) {
                if (Clock::now() >= measureFrom)
                    recorder.recordError();
                // A refused connect returns at once; do not spin the CPU the servers need.
                backoff.expires_after(std::chrono::milliseconds(10));
                co_await backoff.async_wait(kAsTuple);
                continue;
            }
        }
        const auto sent = Clock::now();
        const Exchange exchange = co_await connection.exchange(run.request);
        const auto answered = Clock::now();
        recorder.countAnswer(exchange.status);
        if (sent < measureFrom || answered > measureUntil)
            continue;
        if (exchange.error)
            recorder.recordError();
        else
            recorder.record(answered - sent, exchange.status);
    }
}

json::object runClosed(const Run &run)
{
    const LoadOptions &options = run.options;
    std::vector<std::unique_ptr<asio::io_context>> loops;
    for (unsigned i = 0; i < options.threads; ++i)
        loops.push_back(std::make_unique<asio::io_context>(1));
    std::vector<LatencyRecorder> recorders(options.connections);

    const auto start = Clock::now();
    const auto measureFrom = start + options.warmup;
    const auto measureUntil = measureFrom + options.duration;
    for (unsigned i = 0; i < options.connections; ++i)
        asio::co_spawn(*loops[i % loops.size()],
                       closedWorker(run, measureFrom, measureUntil, recorders[i]), asio::detached);
    const double cpuBefore = cpuSeconds();
    std::vector<std::thread> threads;
    for (std::size_t i = 1; i < loops.size(); ++i)
        threads.emplace_back([&loop = *loops[i]] { loop.run(); });
    loops.front()->run();
    for (auto &thread : threads)
        thread.join();
    const double cpu = cpuSeconds() - cpuBefore;
    const double wall = secondsOf(Clock::now() - start);

    LatencyRecorder all;
    for (const auto &recorder : recorders)
        all.merge(recorder);
    json::object out = all.summary();
    const double measured = secondsOf(options.duration);
    out["throughput_rps"] = static_cast<double>(all.requests()) / measured;
    out["ok_rps"] = static_cast<double>(all.ok()) / measured;
    out["duration_s"] = measured;
    out["cpu_s"] = cpu;
    out["cpu_pct"] = 100.0 * cpu / wall;
    return out;
}

// ---- fixed rate (open loop) --------------------------------------------------------------------

struct RateState
{
    std::vector<std::unique_ptr<LoadConnection>> idle;
    LatencyRecorder latencies;
    LatencyRecorder scheduleLag; // how late the generator itself started each request
    std::size_t inFlight = 0;
    std::size_t maxInFlight = 0;
};

awaitable<void> rateRequest(const Run &run, RateState &state, Clock::time_point due, bool measured)
{
    ++state.inFlight;
    state.maxInFlight = std::max(state.maxInFlight, state.inFlight);
    std::unique_ptr<LoadConnection> connection;
    if (!state.idle.empty()) {
        connection = std::move(state.idle.back());
        state.idle.pop_back();
    } else {
        // Every pooled connection is busy: open another rather than queue, as an independent
        // client would. Its connect time counts in this request's latency.
        connection = std::make_unique<LoadConnection>(co_await asio::this_coro::executor,
                                                      run.endpoint, run.options.timeout);
        const auto error = co_await connection->connect();
        state.latencies.recordConnect();
        if (error) {
            if (measured)
                state.latencies.recordError();
            --state.inFlight;
            co_return;
        }
    }
    const Exchange exchange = co_await connection->exchange(run.request);
    const auto answered = Clock::now();
    state.latencies.countAnswer(exchange.status);
    if (measured) {
        if (exchange.error)
            state.latencies.recordError();
        else
            state.latencies.record(answered - due, exchange.status);
    }
    if (connection->isOpen())
        state.idle.push_back(std::move(connection));
    --state.inFlight;
}

awaitable<void> rateDispatcher(const Run &run, RateState &state, Clock::time_point &started)
{
    const auto executor = co_await asio::this_coro::executor;
    const LoadOptions &options = run.options;
    for (unsigned i = 0; i < options.connections; ++i) {
        auto connection = std::make_unique<LoadConnection>(executor, run.endpoint, options.timeout);
        if (!co_await connection->connect())
            state.idle.push_back(std::move(connection));
        state.latencies.recordConnect();
    }
    started = Clock::now();
    const auto warmupCount =
        static_cast<std::uint64_t>(std::llround(secondsOf(options.warmup) * options.rate));
    const auto total = warmupCount
        + static_cast<std::uint64_t>(std::llround(secondsOf(options.duration) * options.rate));
    const double periodNs = 1e9 / options.rate;
    asio::steady_timer timer(executor);
    for (std::uint64_t i = 0; i < total; ++i) {
        const auto due =
            started + std::chrono::nanoseconds(std::llround(static_cast<double>(i) * periodNs));
        timer.expires_at(due);
        co_await timer.async_wait(kAsTuple);
        const bool measured = i >= warmupCount;
        if (measured)
            state.scheduleLag.record(Clock::now() - due, 0);
        asio::co_spawn(executor, rateRequest(run, state, due, measured), asio::detached);
    }
}

json::object runRate(const Run &run)
{
    asio::io_context loop(1);
    RateState state;
    Clock::time_point started;
    asio::co_spawn(loop, rateDispatcher(run, state, started), asio::detached);
    const double cpuBefore = cpuSeconds();
    const auto wallStart = Clock::now();
    loop.run();
    const double cpu = cpuSeconds() - cpuBefore;
    const double wall = secondsOf(Clock::now() - wallStart);

    json::object out = state.latencies.summary();
    const double measured = secondsOf(run.options.duration);
    out["target_rps"] = run.options.rate;
    out["throughput_rps"] = static_cast<double>(state.latencies.requests()) / measured;
    out["ok_rps"] = static_cast<double>(state.latencies.ok()) / measured;
    out["duration_s"] = measured;
    out["max_in_flight"] = state.maxInFlight;
    out["schedule_lag_ms"] = state.scheduleLag.summary().at("latency_ms");
    out["cpu_s"] = cpu;
    out["cpu_pct"] = 100.0 * cpu / wall;
    return out;
}

// ---- burst -------------------------------------------------------------------------------------

struct BurstState
{
    explicit BurstState(asio::io_context &loop)
        : release(loop)
    {
        release.expires_at(Clock::time_point::max());
    }

    asio::steady_timer release; // cancelled to release every waiting connection at once
    unsigned settled = 0; // connected or failed to
    unsigned connected = 0;
    Clock::time_point releasedAt;
    Clock::time_point lastAnswer;
    LatencyRecorder latencies;
};

awaitable<void> burstWorker(const Run &run, BurstState &state)
{
    LoadConnection connection(co_await asio::this_coro::executor, run.endpoint,
                              run.options.timeout);
    const auto error = co_await connection.connect();
    state.latencies.recordConnect();
    ++state.settled;
    if (error)
        state.latencies.recordError();
    else
        ++state.connected;
    if (state.settled == run.options.connections) {
        state.releasedAt = Clock::now();
        state.release.cancel();
    } else if (!error) {
        co_await state.release.async_wait(kAsTuple);
    }
    if (error)
        co_return;
    const Exchange exchange = co_await connection.exchange(run.request);
    const auto answered = Clock::now();
    state.lastAnswer = std::max(state.lastAnswer, answered);
    state.latencies.countAnswer(exchange.status);
    if (exchange.error)
        state.latencies.recordError();
    else
        state.latencies.record(answered - state.releasedAt, exchange.status);
}

json::object runBurst(const Run &run)
{
    asio::io_context loop(1);
    BurstState state(loop);
    const auto start = Clock::now();
    for (unsigned i = 0; i < run.options.connections; ++i)
        asio::co_spawn(loop, burstWorker(run, state), asio::detached);
    const double cpuBefore = cpuSeconds();
    loop.run();
    const double cpu = cpuSeconds() - cpuBefore;
    const double wall = secondsOf(Clock::now() - start);

    json::object out = state.latencies.summary();
    out["connected"] = state.connected;
    out["connect_phase_ms"] = 1e3 * secondsOf(state.releasedAt - start);
    out["wall_ms"] = state.connected ? 1e3 * secondsOf(state.lastAnswer - state.releasedAt) : 0.0;
    out["cpu_s"] = cpu;
    out["cpu_pct"] = 100.0 * cpu / wall;
    return out;
}

} // namespace

json::object runLoad(const LoadOptions &options)
{
    const Run run {options, makeRequest(options), resolve(options)};
    json::object out;
    switch (options.mode) {
    case LoadMode::Closed:
        out = runClosed(run);
        out["mode"] = "closed";
        out["connections"] = options.connections;
        out["threads"] = options.threads;
        break;
    case LoadMode::Rate:
        out = runRate(run);
        out["mode"] = "rate";
        break;
    case LoadMode::Burst:
        out = runBurst(run);
        out["mode"] = "burst";
        out["connections"] = options.connections;
        break;
    }
    return out;
}

} // namespace keybrake::bench
