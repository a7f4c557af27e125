#pragma once

#include <QDateTime>
#include <QString>
#include <QStringList>
#include <QUrlQuery>

namespace keybrake::client {

// Parameters of GET /v1/runs/{label}/timeline. Without since/until the server takes the run's
// first call to its last.
struct TimelineQuery
{
    QString bucket; // "10s", "1m", "5m", "1h"; empty: the server's default (1m)
    QDateTime since;
    QDateTime until;

    QUrlQuery toUrlQuery() const;

    // The bucket names the server accepts, finest first, and their lengths in seconds.
    static QStringList bucketNames();
    static qint64 bucketSeconds(const QString &bucket); // 0 for an unknown name
    // The finest bucket that gives at most `maxBuckets` buckets over `seconds`; the coarsest one
    // when none does.
    static QString fittingBucket(qint64 seconds, int maxBuckets = 2000);

    friend bool operator==(const TimelineQuery &, const TimelineQuery &) = default;
};

} // namespace keybrake::client
