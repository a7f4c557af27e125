#include "client/timelinequery.h"

#include "client/jsoncodec.h"

namespace keybrake::client {

QUrlQuery TimelineQuery::toUrlQuery() const
{
    QUrlQuery query;
    if (!bucket.isEmpty())
        query.addQueryItem(QStringLiteral("bucket"), bucket);
    if (since.isValid())
        query.addQueryItem(QStringLiteral("since"), JsonCodec::timeToJson(since).toString());
    if (until.isValid())
        query.addQueryItem(QStringLiteral("until"), JsonCodec::timeToJson(until).toString());
    return query;
}

QStringList TimelineQuery::bucketNames()
{
    return {QStringLiteral("10s"), QStringLiteral("1m"), QStringLiteral("5m"),
            QStringLiteral("1h")};
}

qint64 TimelineQuery::bucketSeconds(const QString &bucket)
{
    if (bucket == u"10s")
        return 10;
    if (bucket == u"1m")
        return 60;
    if (bucket == u"5m")
        return 300;
    if (bucket == u"1h")
        return 3600;
    return 0;
}

QString TimelineQuery::fittingBucket(qint64 seconds, int maxBuckets)
{
    const QStringList names = bucketNames();
    for (const QString &name : names) {
        // The server widens the range to whole buckets, which can add one at each end.
        if (seconds / bucketSeconds(name) + 2 <= maxBuckets)
            return name;
    }
    return names.last();
}

} // namespace keybrake::client
