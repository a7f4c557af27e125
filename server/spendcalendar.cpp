#include "spendcalendar.h"

#include <date/tz.h>

#include <stdexcept>

namespace keybrake {

SpendCalendar::SpendCalendar(const std::string &ianaZone)
    : m_zoneName(ianaZone)
{
    if (ianaZone == "UTC" || ianaZone == "Etc/UTC")
        return; // fast path without the tz database
    try {
        m_zone = date::locate_zone(ianaZone);
    } catch (const std::exception &) {
        throw std::runtime_error("unknown time zone \"" + ianaZone
                                 + "\" (expected an IANA name such as Europe/Berlin)");
    }
}

SpendWindow SpendCalendar::windowAt(TimePoint when) const
{
    using namespace std::chrono;
    if (!m_zone) {
        const auto day = date::floor<date::days>(when);
        return {TimePoint(day), TimePoint(day + date::days(1))};
    }
    const auto local = m_zone->to_local(when);
    const auto localDay = date::floor<date::days>(local);
    // choose::earliest: a day that starts inside a DST gap starts at the gap's end.
    const auto start = m_zone->to_sys(localDay, date::choose::earliest);
    const auto end = m_zone->to_sys(localDay + date::days(1), date::choose::earliest);
    return {TimePoint(duration_cast<TimePoint::duration>(start.time_since_epoch())),
            TimePoint(duration_cast<TimePoint::duration>(end.time_since_epoch()))};
}

std::string SpendCalendar::dateAt(TimePoint when) const
{
    const auto day = m_zone ? date::floor<date::days>(m_zone->to_local(when)).time_since_epoch()
                            : date::floor<date::days>(when).time_since_epoch();
    return date::format("%F", date::sys_days(day));
}

} // namespace keybrake
