#include "models/timeformatter.h"

#include <QTimeZone>

namespace keybrake {

QString TimeFormatter::relative(const QDateTime &when, const QDateTime &now) const
{
    if (!when.isValid())
        return tr("—");
    const qint64 seconds = now.secsTo(when);
    const qint64 magnitude = seconds < 0 ? -seconds : seconds;
    QString amount;
    if (magnitude < 60) {
        amount = tr("%n s", nullptr, int(magnitude));
    } else if (magnitude < 3600) {
        amount = tr("%n min", nullptr, int(magnitude / 60));
    } else if (magnitude < 86400) {
        const int hours = int(magnitude / 3600);
        const int minutes = int((magnitude % 3600) / 60);
        amount =
            minutes == 0 ? tr("%n h", nullptr, hours) : tr("%1 h %2 min").arg(hours).arg(minutes);
    } else {
        amount = tr("%n day(s)", nullptr, int(magnitude / 86400));
    }
    if (magnitude < 1)
        return tr("now");
    return seconds > 0 ? tr("in %1").arg(amount) : tr("%1 ago").arg(amount);
}

QString TimeFormatter::absolute(const QDateTime &when) const
{
    if (!when.isValid())
        return tr("—");
    const QDateTime shown = converted(when);
    return tr("%1 %2").arg(shown.toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")), zoneName(when));
}

QString TimeFormatter::clock(const QDateTime &when, bool withMilliseconds) const
{
    if (!when.isValid())
        return tr("—");
    return converted(when).toString(withMilliseconds ? QStringLiteral("HH:mm:ss.zzz")
                                                     : QStringLiteral("HH:mm:ss"));
}

QString TimeFormatter::format(const QDateTime &when, const QString &pattern) const
{
    return when.isValid() ? converted(when).toString(pattern) : tr("—");
}

int TimeFormatter::offsetFromUtc(const QDateTime &when) const
{
    return m_zone == TimeZoneDisplay::Utc ? 0 : when.toLocalTime().offsetFromUtc();
}

QString TimeFormatter::zoneName(const QDateTime &at) const
{
    if (m_zone == TimeZoneDisplay::Utc)
        return QStringLiteral("UTC");
    const QDateTime local = at.toLocalTime();
    QString abbreviation = local.timeZoneAbbreviation();
    // Some systems abbreviate only as an offset, or give an empty string; a name like "UTC+01:00"
    // is still unambiguous.
    if (abbreviation.isEmpty()) {
        const int offset = local.offsetFromUtc();
        abbreviation = QStringLiteral("UTC%1%2:%3")
                           .arg(offset < 0 ? QLatin1Char('-') : QLatin1Char('+'))
                           .arg(qAbs(offset) / 3600, 2, 10, QLatin1Char('0'))
                           .arg((qAbs(offset) % 3600) / 60, 2, 10, QLatin1Char('0'));
    }
    return abbreviation;
}

QString TimeFormatter::settingsName(TimeZoneDisplay zone)
{
    return zone == TimeZoneDisplay::Utc ? QStringLiteral("utc") : QStringLiteral("local");
}

TimeZoneDisplay TimeFormatter::parseSettingsName(const QString &name)
{
    return name == QLatin1String("utc") ? TimeZoneDisplay::Utc : TimeZoneDisplay::Local;
}

QDateTime TimeFormatter::converted(const QDateTime &when) const
{
    return m_zone == TimeZoneDisplay::Utc ? when.toUTC() : when.toLocalTime();
}

} // namespace keybrake
