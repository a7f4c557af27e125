#include "admin/reportrange.h"

#include <charconv>

namespace keybrake {

namespace {

const TimePoint kEarliest = kEarliestCall;
const TimePoint kLatest = kLatestCall;

} // namespace

TimeRange ReportRange::closed() const
{
    return {since.value_or(kEarliest), until.value_or(kLatest)};
}

std::variant<ReportRange, FieldError> ReportRange::read(const AdminCall &call, bool daysAllowed,
                                                        const SpendCalendar &calendar,
                                                        TimePoint now,
                                                        std::optional<int> defaultDays)
{
    ReportRange range;
    for (const char *name : {"since", "until"}) {
        const auto it = call.query.find(name);
        if (it == call.query.end())
            continue;
        const auto when = parseRfc3339(it->second);
        if (!when)
            return FieldError {name,
                               std::string(name)
                                   + " must be an RFC 3339 time such as 2026-11-28T14:03:05.123Z"};
        (std::string_view(name) == "since" ? range.since : range.until) = when;
    }
    if (range.since && range.until && *range.until <= *range.since)
        return FieldError {"until", "until must be later than since"};
    if (const auto it = call.query.find("days"); it != call.query.end()) {
        if (!daysAllowed)
            return FieldError {"days", "unknown query parameter \"days\""};
        if (range.since || range.until)
            return FieldError {"days", "days cannot be combined with since or until"};
        int days = 0;
        const std::string &text = it->second;
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), days);
        if (error != std::errc {} || end != text.data() + text.size() || days < 1
            || days > kMaxReportDays)
            return FieldError {
                "days", "days must be a whole number from 1 to " + std::to_string(kMaxReportDays)};
        range.days = days;
    } else if (defaultDays && !range.since && !range.until) {
        range.days = defaultDays;
    }
    if (range.days) {
        const TimeRange days = lastDays(calendar, now, *range.days);
        range.since = days.since;
        range.until = days.until;
    }
    return range;
}

TimeRange ReportRange::lastDays(const SpendCalendar &calendar, TimePoint now, int days)
{
    const SpendWindow today = calendar.windowAt(now);
    SpendWindow first = today;
    for (int i = 1; i < days; ++i)
        first = calendar.windowAt(first.start - std::chrono::milliseconds(1));
    return {first.start, today.end};
}

ReportSpan ReportRange::span(const SpendCalendar &calendar, const TimeRange &range)
{
    ReportSpan span;
    if (range.since <= kEarliest && range.until >= kLatest) {
        // Everything: every window the ledger has.
        span.windowsFrom = kEarliest;
        span.windowsTo = kLatest;
        return span;
    }
    // The first window that starts at or after `since`, and the window `until` falls in.
    TimePoint wholeFrom = range.since;
    if (range.since > kEarliest) {
        const SpendWindow first = calendar.windowAt(range.since);
        wholeFrom = first.start == range.since ? first.start : first.end;
    }
    TimePoint wholeTo = range.until;
    if (range.until < kLatest)
        wholeTo = calendar.windowAt(range.until).start;
    if (wholeFrom >= wholeTo) {
        // Inside one window (or two partial ones): call by call.
        span.windowsFrom = span.windowsTo = kEarliest;
        span.partial.push_back(range);
        return span;
    }
    span.windowsFrom = wholeFrom;
    span.windowsTo = wholeTo;
    if (range.since < wholeFrom)
        span.partial.push_back({range.since, wholeFrom});
    if (wholeTo < range.until)
        span.partial.push_back({wholeTo, range.until});
    return span;
}

} // namespace keybrake
