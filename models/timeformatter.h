#pragma once

#include <QCoreApplication>
#include <QDateTime>
#include <QString>

namespace keybrake {

// Where times are shown: the user's local zone or UTC. Data stays UTC; only views convert.
enum class TimeZoneDisplay {
    Local,
    Utc,
};

// Turns UTC instants into the words the console shows: relative in tables ("in 12 min"),
// absolute in tooltips, always naming the zone.
class TimeFormatter
{
    Q_DECLARE_TR_FUNCTIONS(TimeFormatter)

public:
    explicit TimeFormatter(TimeZoneDisplay zone = TimeZoneDisplay::Local)
        : m_zone(zone)
    {
    }

    TimeZoneDisplay zone() const { return m_zone; }
    void setZone(TimeZoneDisplay zone) { m_zone = zone; }

    // "in 12 min", "3 min ago", "in 2 h 5 min", "in 3 days"
    QString relative(const QDateTime &when, const QDateTime &now) const;
    // "2026-11-28 14:03:05 UTC" or "2026-11-28 15:03:05 CET"
    QString absolute(const QDateTime &when) const;
    // "14:03:05", "14:03:05.123"
    QString clock(const QDateTime &when, bool withMilliseconds = false) const;
    // `when` in the shown zone with a QDateTime pattern ("HH:mm", "d MMM"), for chart axes.
    QString format(const QDateTime &when, const QString &pattern) const;
    // Offset of the shown zone from UTC at `when`, in seconds (0 for UTC).
    int offsetFromUtc(const QDateTime &when) const;
    // "UTC", "CET" (or "UTC+01:00" where the system has no abbreviation)
    QString zoneName(const QDateTime &at = QDateTime::currentDateTimeUtc()) const;

    static QString settingsName(TimeZoneDisplay zone);
    static TimeZoneDisplay parseSettingsName(const QString &name);

private:
    QDateTime converted(const QDateTime &when) const;

    TimeZoneDisplay m_zone;
};

} // namespace keybrake
