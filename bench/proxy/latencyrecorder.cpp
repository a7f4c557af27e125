#include "latencyrecorder.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

namespace keybrake::bench {

void LatencyRecorder::record(std::chrono::nanoseconds latency, unsigned status)
{
    m_latencies.push_back(latency.count());
    ++m_statuses[status];
}

void LatencyRecorder::merge(const LatencyRecorder &other)
{
    m_latencies.insert(m_latencies.end(), other.m_latencies.begin(), other.m_latencies.end());
    for (const auto &[status, count] : other.m_statuses)
        m_statuses[status] += count;
    m_errors += other.m_errors;
    m_connects += other.m_connects;
    m_allOk += other.m_allOk;
}

std::uint64_t LatencyRecorder::ok() const
{
    std::uint64_t ok = 0;
    for (const auto &[status, count] : m_statuses) {
        if (status >= 200 && status < 300)
            ok += count;
    }
    return ok;
}

boost::json::object LatencyRecorder::summary()
{
    std::sort(m_latencies.begin(), m_latencies.end());
    const auto millis = [](std::int64_t nanos) {
        // Microsecond resolution is all a loopback latency can honestly claim.
        return std::round(static_cast<double>(nanos) / 1e3) / 1e3;
    };
    const auto percentile = [&](double p) -> double {
        if (m_latencies.empty())
            return 0;
        const auto rank = static_cast<std::size_t>(
            std::ceil(p / 100.0 * static_cast<double>(m_latencies.size())));
        return millis(m_latencies[std::clamp<std::size_t>(rank, 1, m_latencies.size()) - 1]);
    };
    boost::json::object latency;
    latency["p50"] = percentile(50);
    latency["p90"] = percentile(90);
    latency["p99"] = percentile(99);
    latency["p999"] = percentile(99.9);
    latency["max"] = m_latencies.empty() ? 0.0 : millis(m_latencies.back());
    latency["mean"] = m_latencies.empty()
        ? 0.0
        : millis(std::accumulate(m_latencies.begin(), m_latencies.end(), std::int64_t {0})
                 / static_cast<std::int64_t>(m_latencies.size()));

    boost::json::object statuses;
    for (const auto &[status, count] : m_statuses)
        statuses[std::to_string(status)] = count;

    boost::json::object out;
    out["requests"] = requests();
    out["ok"] = ok();
    out["errors"] = m_errors;
    out["connects"] = m_connects;
    out["all_ok"] = m_allOk;
    out["statuses"] = std::move(statuses);
    out["latency_ms"] = std::move(latency);
    return out;
}

} // namespace keybrake::bench
