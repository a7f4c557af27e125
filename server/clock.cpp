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

std::optional<TimePoint> parseRfc3339(std::string_view text)
{
    if (text.size() < 20 || text.size() > 40)
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
