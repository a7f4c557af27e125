#pragma once

#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <vector>

namespace keybrake::bench {

// What one worker saw: every latency (exact percentiles, no bucketing: a 10 s run at tens of
// thousands of requests a second is a few MB), the HTTP statuses and the transport errors.
// Each worker owns one; they are merged after the run, so recording never takes a lock.
class LatencyRecorder
{
public:
    void record(std::chrono::nanoseconds latency, unsigned status);
    void recordError() { ++m_errors; }
    // Every 2xx the target sent, warm-up and window edges included: what its ledger must show.
    void countAnswer(unsigned status) { m_allOk += status >= 200 && status < 300 ? 1 : 0; }
    void recordConnect() { ++m_connects; }
    void merge(const LatencyRecorder &other);

    std::uint64_t requests() const { return m_latencies.size(); }
    std::uint64_t errors() const { return m_errors; }
    std::uint64_t ok() const;

    // Sorts the samples; call once, after the run. Percentiles use the nearest rank.
    boost::json::object summary();

private:
    std::vector<std::int64_t> m_latencies; // nanoseconds
    std::map<unsigned, std::uint64_t> m_statuses;
    std::uint64_t m_errors = 0;
    std::uint64_t m_connects = 0;
    std::uint64_t m_allOk = 0;
};

} // namespace keybrake::bench
