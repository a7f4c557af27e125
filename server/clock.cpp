#include "clock.h"

// date::parse trips GCC 12's -Wmaybe-uninitialized inside the library's own header.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <date/date.h>
#pragma GCC diagnostic pop

#include <charconv>
#include <sstream>

namespace keybrake {

ManualClock::ManualClock(TimePoint start)
    : m_unixMillis(toUnixMillis(start))
{
}

TimePoint ManualClock::now() const
{
    return fromUnixMillis(m_unixMillis.load());
}

void ManualClock::set(TimePoint when)
{
    m_unixMillis.store(toUnixMillis(when));
}

void ManualClock::advance(std::chrono::milliseconds by)
{
    m_unixMillis.fetch_add(by.count());
}

std::int64_t toUnixMillis(TimePoint when)
{
    return std::chrono::duration_cast<Millis>(when.time_since_epoch()).count();
}

TimePoint fromUnixMillis(std::int64_t millis)
{
    return TimePoint(std::chrono::duration_cast<TimePoint::duration>(Millis(millis)));
}

std::string formatRfc3339(TimePoint when)
{
    return date::format("%FT%TZ", date::floor<Millis>(when));
}

namespace {

bool digitsAt(std::string_view text, std::size_t at, std::size_t count)
{
    if (at + count > text.size())
        return false;
    for (std::size_t i = at; i < at + count; ++i) {
        if (text[i] < '0' || text[i] > '9')
            return false;
    }
    return true;
}

// The RFC 3339 shape, "2026-12-06T10:00:00[.f{1,3}](Z|+hh:mm|-hh:mm)", field by field. The time
// library's parser is lenient (one-digit fields, a sign, an empty fraction) and, given a
// malformed hour such as "[0", converts NaN to an integer (undefined behaviour, found by
// bench/fuzz's fuzz_admin_json), so it only ever sees text of this shape.
bool hasRfc3339Shape(std::string_view text)
{
    if (!digitsAt(text, 0, 4) || text[4] != '-' || !digitsAt(text, 5, 2) || text[7] != '-'
        || !digitsAt(text, 8, 2) || (text[10] != 'T' && text[10] != 't') || !digitsAt(text, 11, 2)
        || text[13] != ':' || !digitsAt(text, 14, 2) || text[16] != ':' || !digitsAt(text, 17, 2))
        return false;
    std::size_t at = 19;
    if (text[at] == '.') {
        std::size_t digits = 0;
        while (digitsAt(text, at + 1 + digits, 1))
            ++digits;
        if (digits < 1 || digits > 3)
            return false;
        at += 1 + digits;
    }
    const std::string_view zone = text.substr(at);
    if (zone == "Z" || zone == "z")
        return true;
    return zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && digitsAt(zone, 1, 2)
        && zone[3] == ':' && digitsAt(zone, 4, 2);
}

} // namespace

std::optional<TimePoint> parseRfc3339(std::string_view text)
{
    if (text.size() < 20 || text.size() > 40 || !hasRfc3339Shape(text))
        return std::nullopt;
    std::istringstream in {std::string(text)};
    date::sys_time<Millis> parsed;
    // %FT%T accepts fractional seconds; %Ez accepts +hh:mm. 'Z' is tried first.
    if (text.back() == 'Z' || text.back() == 'z') {
        in >> date::parse("%FT%TZ", parsed);
    } else {
        in >> date::parse("%FT%T%Ez", parsed);
    }
    if (in.fail())
        return std::nullopt;
    in.peek();
    if (!in.eof())
        return std::nullopt;
    // TimePoint counts nanoseconds: years before 1678 or after 2261 do not fit, and converting
    // them overflowed (fuzz_admin_json), wrapping a year-2611 expiry round to tomorrow.
    constexpr auto kMax = std::chrono::duration_cast<Millis>(TimePoint::duration::max());
    constexpr auto kMin = std::chrono::duration_cast<Millis>(TimePoint::duration::min());
    if (parsed.time_since_epoch() >= kMax || parsed.time_since_epoch() <= kMin)
        return std::nullopt;
    return TimePoint(std::chrono::duration_cast<TimePoint::duration>(parsed.time_since_epoch()));
}

std::optional<std::chrono::seconds> parseDuration(std::string_view text)
{
    if (text.empty() || text.size() > 12)
        return std::nullopt;
    std::int64_t multiplier = 1;
    switch (text.back()) {
    case 's':
        multiplier = 1;
        text.remove_suffix(1);
        break;
    case 'm':
        multiplier = 60;
        text.remove_suffix(1);
        break;
    case 'h':
        multiplier = 3600;
        text.remove_suffix(1);
        break;
    case 'd':
        multiplier = 86400;
        text.remove_suffix(1);
        break;
    default:
        break;
    }
    std::int64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc {} || end != text.data() + text.size() || value <= 0
        || value > 10LL * 365 * 86400)
        return std::nullopt;
    return std::chrono::seconds(value * multiplier);
}

} // namespace keybrake
