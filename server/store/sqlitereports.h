#pragma once

#include "store.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace keybrake {

class SqliteDatabase;

// The read side of runs and reports (issue 5), on a reader connection inside one snapshot.
// Per-run figures come from the audit log through its run index (audit_run); whole spend windows
// come from the ledger (key_spend), which holds the same totals already summed per key and day.
class SqliteReports
{
public:
    explicit SqliteReports(SqliteDatabase &db)
        : m_db(db)
    {
    }

    // nullopt when the filter's cursor is not one this list handed out.
    std::optional<Page<RunSummary>> listRuns(const RunFilter &filter, TimePoint now);
    std::optional<RunDetail> getRun(const std::string &label, const TimeRange &range,
                                    const SpendWindow &today, TimePoint now);
    RunTimeline timeline(const TimelineQuery &query);
    std::vector<AgentTotals> agents(const ReportSpan &span);
    std::vector<VendorDay> vendorDays(TimePoint windowsFrom, TimePoint windowsTo);
    AnomalyInputs anomalyInputs(const AnomalyQuery &query);

private:
    struct RunKeys
    {
        std::vector<std::string> ids;
        std::vector<std::string> vendors;
        std::int64_t active = 0;
        std::int64_t revoked = 0;
        std::int64_t capped = 0; // live, and spent + held in the window at the cap
        Usd totalCap;
    };
    RunKeys runKeys(const std::string &label, TimePoint now, TimePoint windowStart);
    // The run's latest call in the range (unix ms), or nullopt when it has none there.
    std::optional<std::int64_t> lastCallIn(const std::string &label, const TimeRange &range);
    CallTotals runCalls(const std::string &label, const TimeRange &range);
    Usd heldOf(const std::vector<std::string> &keyIds, const TimeRange &range);
    // Labels of the runs a filter narrows to, when they are few enough to sum one by one;
    // nullopt when walking the log newest first is cheaper.
    std::optional<std::vector<std::string>> narrowRuns(const RunFilter &filter, TimePoint now);

    SqliteDatabase &m_db;
};

} // namespace keybrake
