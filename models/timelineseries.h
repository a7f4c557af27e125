#pragma once

#include "client/runtimeline.h"
#include "usd.h"

#include <QList>
#include <QPointF>
#include <QString>

namespace keybrake {

// A run's timeline as the points its spend chart draws, prepared in one pass so the chart can
// push each series with QXYSeries::replace() (one repaint per series, not one per point).
//
// x is milliseconds since the Unix epoch (UTC) as a qreal: exact for every instant up to 2^53 ms
// (about the year 287,000), so no bucket boundary moves. y is dollars as a qreal, for drawing
// only: every figure the user reads (tooltips, the table) comes from the exact Usd values of the
// timeline, never back from a point.
struct TimelineSeries
{
    struct CapLine
    {
        QString keyId;
        QString name;
        QString vendor;
        Usd cap;
        QList<QPointF> points; // a horizontal line across the range
    };

    // (since, spend before since), then (end of bucket i, cumulative spend at its end).
    QList<QPointF> cumulative;
    // Calls per bucket as bars: four points per bucket (a rectangle from its start to its end,
    // inset by a gap) on the calls axis, drawn as an area down to 0.
    QList<QPointF> callBars;
    // One point per refused call at its exact time, on the time axis (y 0).
    QList<QPointF> denials;
    QList<CapLine> caps;
    qreal xMin = 0;
    qreal xMax = 0;
    qreal spendMax = 0; // the highest of spend and caps, in dollars
    qint64 callsMax = 0;

    static TimelineSeries from(const client::RunTimeline &timeline);
    static qreal dollars(Usd amount) { return qreal(amount.micros()) / 1e6; }
};

} // namespace keybrake
