#pragma once

#include "domain.h"

#include <array>
#include <atomic>
#include <functional>
#include <string>

namespace keybrake {

// A latency histogram with fixed buckets, lock-free to observe.
class LatencyHistogram
{
public:
    static constexpr std::array<double, 12> kBoundsMs {0.5, 1,   2,   5,   10,   25,
                                                       50,  100, 250, 500, 1000, 5000};
    void observe(double milliseconds);
    void render(std::string &out, const std::string &name, const std::string &labels) const;

private:
    std::array<std::atomic<std::uint64_t>, kBoundsMs.size() + 1> m_buckets {};
    std::atomic<std::uint64_t> m_count {0};
    std::atomic<std::uint64_t> m_sumMicros {0};
};

// What GET /metrics exposes, in the Prometheus text format. Counters are plain atomics: the
// handful of series here do not justify a metrics library.
class Metrics
{
public:
    void countProxied(Vendor vendor, Verdict verdict);
    void countAdmin(unsigned status);
    LatencyHistogram proxyLatency;
    LatencyHistogram upstreamLatency;
    LatencyHistogram admissionLatency;

    // Gauges read at render time.
    std::function<std::size_t()> pendingStoreWrites;
    std::function<std::size_t()> openConnections;
    std::function<std::size_t()> activeRequests;

    std::string render() const;

private:
    static constexpr std::size_t kVerdicts = 15;
    std::array<std::array<std::atomic<std::uint64_t>, kVerdicts>, 3> m_proxied {};
    std::array<std::atomic<std::uint64_t>, 6> m_adminByClass {}; // 1xx..5xx, other
};

} // namespace keybrake
