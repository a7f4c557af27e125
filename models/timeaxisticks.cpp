#include "models/timeaxisticks.h"

#include <QDateTime>
#include <QTimeZone>

#include <array>

namespace keybrake {

namespace {

constexpr qint64 Second = 1000;
constexpr qint64 Minute = 60 * Second;
constexpr qint64 Hour = 60 * Minute;
constexpr qint64 Day = 24 * Hour;

constexpr std::array<qint64, 21> Steps = {
    Second,     2 * Second, 5 * Second,  10 * Second, 15 * Second, 30 * Second, Minute,
    2 * Minute, 5 * Minute, 10 * Minute, 15 * Minute, 30 * Minute, Hour,        2 * Hour,
    3 * Hour,   6 * Hour,   12 * Hour,   Day,         2 * Day,     7 * Day,     30 * Day,
};

} // namespace

qint64 TimeAxisTicks::stepFor(qint64 spanMs, int maxTicks)
{
    const int ticks = std::max(1, maxTicks);
    for (const qint64 step : Steps) {
        if (spanMs / step <= ticks)
            return step;
    }
    return Steps.back();
}

QList<TimeAxisTicks::Tick> TimeAxisTicks::compute(qint64 fromMs, qint64 toMs, int maxTicks,
                                                  const TimeFormatter &formatter)
{
    QList<Tick> ticks;
    if (toMs <= fromMs)
        return ticks;
    const qint64 step = stepFor(toMs - fromMs, maxTicks);
    // Round in the shown zone: local midnight, not UTC midnight, when times are local.
    const qint64 offsetMs =
        qint64(formatter.offsetFromUtc(QDateTime::fromMSecsSinceEpoch(fromMs, QTimeZone::utc())))
        * 1000;
    qint64 first = ((fromMs + offsetMs) / step) * step - offsetMs;
    if (first < fromMs)
        first += step;
    QString pattern;
    if (step < Minute)
        pattern = QStringLiteral("HH:mm:ss");
    else if (step < Day)
        pattern = QStringLiteral("HH:mm");
    else
        pattern = QStringLiteral("d MMM");
    QString lastDay;
    for (qint64 at = first; at <= toMs; at += step) {
        const QDateTime when = QDateTime::fromMSecsSinceEpoch(at, QTimeZone::utc());
        QString label = formatter.format(when, pattern);
        // A span over several days names the day where it changes.
        if (step < Day && toMs - fromMs > Day / 2) {
            const QString day = formatter.format(when, QStringLiteral("d MMM"));
            if (day != lastDay && !lastDay.isEmpty())
                label = QStringLiteral("%1 %2").arg(day, label);
            lastDay = day;
        }
        ticks.append({qreal(at), label});
    }
    return ticks;
}

} // namespace keybrake
