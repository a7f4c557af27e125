#pragma once

#include "clock.h"

#include <string>

namespace date {
class time_zone;
}

namespace keybrake {

// The daily spend window: a calendar day in the configured IANA time zone (UTC by default).
// Holds and spend belong to the window they were taken in.
struct SpendWindow
{
    TimePoint start;
    TimePoint end; // exclusive; this is the window's resets_at
    friend bool operator==(const SpendWindow &, const SpendWindow &) = default;
};

class SpendCalendar
{
public:
    // Throws std::runtime_error when the zone is not in the system's tz database.
    explicit SpendCalendar(const std::string &ianaZone);

    SpendWindow windowAt(TimePoint when) const;
    // The calendar date of `when` in the zone, "2026-11-28": how reports name a spend window.
    std::string dateAt(TimePoint when) const;
    const std::string &zoneName() const { return m_zoneName; }

private:
    std::string m_zoneName;
    const date::time_zone *m_zone = nullptr;
};

} // namespace keybrake
