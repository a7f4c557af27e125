#pragma once

#include "admin/admincall.h"
#include "spendcalendar.h"
#include "store/reporttypes.h"

#include <optional>
#include <variant>

namespace keybrake {

// The time range of a runs or report route: `since` and `until` (RFC 3339; `until` exclusive), or
// `days=N`, the last N spend windows up to and including the current one. Either end may be open.
struct ReportRange
{
    std::optional<TimePoint> since;
    std::optional<TimePoint> until;
    std::optional<int> days;

    // Open ends become the earliest and latest representable call times.
    TimeRange closed() const;

    // Reads since/until (and days, when `daysAllowed`); `defaultDays` applies when none is given.
    static std::variant<ReportRange, FieldError> read(const AdminCall &call, bool daysAllowed,
                                                      const SpendCalendar &calendar, TimePoint now,
                                                      std::optional<int> defaultDays = {});
    // The last `days` spend windows, the current one included.
    static TimeRange lastDays(const SpendCalendar &calendar, TimePoint now, int days);
    // Splits a closed range into whole spend windows and the partial days at its ends.
    static ReportSpan span(const SpendCalendar &calendar, const TimeRange &range);
};

constexpr int kMaxReportDays = 366;

} // namespace keybrake
