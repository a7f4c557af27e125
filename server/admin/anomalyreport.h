#pragma once

#include "store/reporttypes.h"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <chrono>

namespace keybrake {

// Report 4: what looks wrong right now. A run (or key) is "far above its peers" when its spend or
// calls in a period exceed `ratio` times the median of the other runs (keys of the same vendor)
// under its label prefix that were active in the period, there are at least `minPeers` of them,
// and the value clears an absolute floor, so a prefix of idle runs does not flag a run for
// spending one cent. A run (or key) with fewer than `minCalls` calls in the period is never
// flagged, whatever it spent: one scheduled invoice is not a runaway, however large it is
// beside its peers' (issue 13: single-call EventBridge runs were flagged "10.4× the median").
struct AnomalyThresholds
{
    std::int64_t ratio = 5;
    std::int64_t minCalls = 5;
    std::size_t minPeers = 3;
    std::chrono::minutes recentWindow {15};
    Usd recentSpendFloor = Usd::fromDollars(1);
    std::int64_t recentCallFloor = 30;
    Usd todaySpendFloor = Usd::fromDollars(10);
    std::int64_t todayCallFloor = 300;
    std::int64_t capPermille = 800; // live keys at or above this share of their cap (spent + held)
    std::int64_t burstDenials = 10; // at least this many denials of one reason for one run ...
    std::chrono::minutes burstWindow {5}; // ... within this long ...
    std::chrono::minutes burstLookback {60}; // ... in the last hour

    boost::json::object toJson() const;
};

class AnomalyReport
{
public:
    explicit AnomalyReport(AnomalyThresholds thresholds = {})
        : m_thresholds(thresholds)
    {
    }

    // One object per finding: {kind, reason (a sentence), label, label_prefix, ...the numbers}.
    boost::json::array rows(const AnomalyInputs &inputs) const;
    const AnomalyThresholds &thresholds() const { return m_thresholds; }

private:
    void rates(const std::vector<KeyActivity> &keys, std::string_view period, Usd spendFloor,
               std::int64_t callFloor, boost::json::array &out) const;
    void caps(const std::vector<KeyActivity> &today, boost::json::array &out) const;
    void bursts(const std::vector<DenialRow> &denials, boost::json::array &out) const;

    AnomalyThresholds m_thresholds;
};

} // namespace keybrake
