#pragma once

#include "usd.h"

#include <QDateTime>
#include <QList>
#include <QString>

namespace keybrake::client {

// One bucket of a run's timeline. calls - allowed - denied are replays and upstream errors.
struct TimelineBucket
{
    QDateTime start; // a whole multiple of the bucket length since the Unix epoch, UTC
    qint64 calls = 0;
    qint64 allowed = 0;
    qint64 denied = 0;
    Usd spendUsd; // settled spend of the calls in this bucket
    Usd cumulativeSpendUsd; // the run's spend from its first call to the end of this bucket
    friend bool operator==(const TimelineBucket &, const TimelineBucket &) = default;
};

// A key of the run, for the chart's cap lines (caps are per key and per spend window).
struct TimelineKey
{
    QString keyId;
    QString name;
    QString vendor;
    Usd dailyUsdCap;
    friend bool operator==(const TimelineKey &, const TimelineKey &) = default;
};

// A refused call, where it happened.
struct TimelineDenial
{
    QString id; // the audit row's id
    QDateTime ts;
    QString keyId;
    QString verdict; // "denied_cap", ...
    QString reason; // "cap_exhausted", ...
    friend bool operator==(const TimelineDenial &, const TimelineDenial &) = default;
};

// GET /v1/runs/{label}/timeline: cumulative spend and call counts per bucket over a range widened
// to whole buckets, every bucket present (empty ones too).
struct RunTimeline
{
    QString label;
    QString bucket; // "10s", "1m", "5m", "1h"
    qint64 bucketSeconds = 0;
    QDateTime since; // the widened range
    QDateTime until;
    QString spendTimezone;
    QDateTime firstCallAt; // of the whole run
    QDateTime lastCallAt;
    Usd spendBeforeUsd; // the run's spend before `since`
    QList<TimelineBucket> buckets;
    QList<TimelineKey> keys;
    QList<TimelineDenial> denials; // oldest first, at most 10,000
    bool denialsTruncated = false;
    friend bool operator==(const RunTimeline &, const RunTimeline &) = default;
};

} // namespace keybrake::client
