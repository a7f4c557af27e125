#include "client/reportrange.h"

#include "client/jsoncodec.h"

namespace keybrake::client {

QUrlQuery ReportRange::toUrlQuery() const
{
    QUrlQuery query;
    if (days > 0) {
        query.addQueryItem(QStringLiteral("days"), QString::number(days));
        return query;
    }
    if (since.isValid())
        query.addQueryItem(QStringLiteral("since"), JsonCodec::timeToJson(since).toString());
    if (until.isValid())
        query.addQueryItem(QStringLiteral("until"), JsonCodec::timeToJson(until).toString());
    return query;
}

} // namespace keybrake::client
