#include "models/timelineseries.h"

#include <algorithm>

namespace keybrake {

TimelineSeries TimelineSeries::from(const client::RunTimeline &timeline)
{
    TimelineSeries series;
    const qint64 bucketMs = timeline.bucketSeconds * 1000;
    if (timeline.buckets.isEmpty() || bucketMs <= 0)
        return series;
    const qint64 since = timeline.buckets.constFirst().start.toMSecsSinceEpoch();
    const qint64 until = timeline.buckets.constLast().start.toMSecsSinceEpoch() + bucketMs;
    series.xMin = qreal(since);
    series.xMax = qreal(until);

    series.cumulative.reserve(timeline.buckets.size() + 1);
    series.callBars.reserve(timeline.buckets.size() * 4);
    series.cumulative.append(QPointF(qreal(since), dollars(timeline.spendBeforeUsd)));
    Usd highest = timeline.spendBeforeUsd;
    // A tenth of the bucket on each side, so neighbouring bars stay apart.
    const qint64 gap = bucketMs / 10;
    for (const client::TimelineBucket &bucket : timeline.buckets) {
        const qint64 start = bucket.start.toMSecsSinceEpoch();
        const qint64 end = start + bucketMs;
        series.cumulative.append(QPointF(qreal(end), dollars(bucket.cumulativeSpendUsd)));
        highest = std::max(highest, bucket.cumulativeSpendUsd);
        const qreal calls = qreal(bucket.calls);
        series.callBars.append(QPointF(qreal(start + gap), 0));
        series.callBars.append(QPointF(qreal(start + gap), calls));
        series.callBars.append(QPointF(qreal(end - gap), calls));
        series.callBars.append(QPointF(qreal(end - gap), 0));
        series.callsMax = std::max(series.callsMax, bucket.calls);
    }
    series.denials.reserve(timeline.denials.size());
    for (const client::TimelineDenial &denial : timeline.denials)
        series.denials.append(QPointF(qreal(denial.ts.toMSecsSinceEpoch()), 0));
    for (const client::TimelineKey &key : timeline.keys) {
        CapLine line;
        line.keyId = key.keyId;
        line.name = key.name;
        line.vendor = key.vendor;
        line.cap = key.dailyUsdCap;
        line.points = {QPointF(series.xMin, dollars(key.dailyUsdCap)),
                       QPointF(series.xMax, dollars(key.dailyUsdCap))};
        series.caps.append(line);
        highest = std::max(highest, key.dailyUsdCap);
    }
    series.spendMax = dollars(highest);
    return series;
}

} // namespace keybrake
