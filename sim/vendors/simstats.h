#pragma once

#include "vendors/simoperation.h"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace keybrake::sim {

// One vendor request as /_sim/requests shows it. The credential appears only as its scheme and
// whether it was the expected one.
struct LoggedRequest
{
    std::string method;
    std::string target;
    std::string vendor;
    SimOperation operation = SimOperation::Unknown;
    std::string authScheme;
    bool credentialAccepted = false;
    std::string idempotencyKey;
    std::string contentType;
    std::string body;
    // Every request header but Authorization, in arrival order (duplicates kept), so a test can
    // see exactly which headers reached the vendor.
    std::vector<std::pair<std::string, std::string>> headers;
    std::string fault; // the fault applied, "" for none
    unsigned status = 0; // 0 when the request was dropped or hangs
    bool replayed = false;
    std::int64_t receivedAtMs = 0; // Unix milliseconds
};

// Counters for tests and benchmarks, updated without a lock on the hot path, and a ring of the
// most recent requests whose slots are reused so logging does not allocate once warm.
class SimStats
{
public:
    explicit SimStats(std::size_t logCapacity = 1000);

    // Counts a request as in flight until the returned guard is destroyed.
    class InFlight
    {
    public:
        explicit InFlight(SimStats &stats);
        ~InFlight();
        InFlight(const InFlight &) = delete;
        InFlight &operator=(const InFlight &) = delete;

    private:
        SimStats &m_stats;
    };

    void count(SimOperation operation, std::string_view vendor);
    void countStatus(unsigned status);
    void countDropped() { m_dropped.fetch_add(1, std::memory_order_relaxed); }
    void countHung() { m_hung.fetch_add(1, std::memory_order_relaxed); }
    void countReplayed() { m_replayed.fetch_add(1, std::memory_order_relaxed); }
    void log(const LoggedRequest &request);

    boost::json::object toJson(std::size_t openConnections) const;
    boost::json::array recent(std::size_t limit) const;
    void reset();

private:
    static constexpr std::size_t kStatusSlots = 600;

    std::atomic<std::uint64_t> m_total {0};
    std::atomic<std::int64_t> m_inFlight {0};
    std::atomic<std::int64_t> m_maxInFlight {0};
    std::atomic<std::uint64_t> m_dropped {0};
    std::atomic<std::uint64_t> m_hung {0};
    std::atomic<std::uint64_t> m_replayed {0};
    std::array<std::atomic<std::uint64_t>, kSimOperationCount> m_byOperation {};
    std::array<std::atomic<std::uint64_t>, kStatusSlots> m_byStatus {};
    std::array<std::atomic<std::uint64_t>, 3> m_byVendor {}; // stripe, twilio, resend

    mutable std::mutex m_logMutex;
    std::vector<LoggedRequest> m_log; // a ring
    std::size_t m_logNext = 0;
    std::size_t m_logSize = 0;
};

} // namespace keybrake::sim
