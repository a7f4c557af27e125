#pragma once

#include "models/timeformatter.h"

#include <QList>
#include <QString>

namespace keybrake {

// Where a chart's time axis gets its ticks and what they read: round instants (every 10 s,
// 5 min, 1 h, 1 day...) in the zone the user reads times in, so the axis agrees with every
// table, and the zone named on the axis. Qt Charts' own date-time axis shows local time only.
class TimeAxisTicks
{
public:
    struct Tick
    {
        qreal msSinceEpoch = 0;
        QString label;
    };

    // At most about `maxTicks` ticks within [fromMs, toMs].
    static QList<Tick> compute(qint64 fromMs, qint64 toMs, int maxTicks,
                               const TimeFormatter &formatter);
    // The step chosen for that span, in milliseconds.
    static qint64 stepFor(qint64 spanMs, int maxTicks);
};

} // namespace keybrake
