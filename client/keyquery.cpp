#include "client/keyquery.h"

namespace keybrake::client {

QUrlQuery KeyQuery::toUrlQuery() const
{
    QUrlQuery query;
    if (status)
        query.addQueryItem(QStringLiteral("status"), keyStatusName(*status));
    if (!vendor.isEmpty())
        query.addQueryItem(QStringLiteral("vendor"), vendor);
    if (!labelPrefix.isEmpty())
        query.addQueryItem(QStringLiteral("label_prefix"), labelPrefix);
    if (!q.isEmpty())
        query.addQueryItem(QStringLiteral("q"), q);
    if (limit > 0)
        query.addQueryItem(QStringLiteral("limit"), QString::number(limit));
    if (!sort.isEmpty())
        query.addQueryItem(QStringLiteral("sort"), sort);
    if (!minUtilisation.isEmpty())
        query.addQueryItem(QStringLiteral("min_utilisation"), minUtilisation);
    if (!cursor.isEmpty())
        query.addQueryItem(QStringLiteral("cursor"), cursor);
    return query;
}

} // namespace keybrake::client
