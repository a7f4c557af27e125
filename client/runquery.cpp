#include "client/runquery.h"

#include "client/jsoncodec.h"

namespace keybrake::client {

QUrlQuery RunQuery::toUrlQuery() const
{
    QUrlQuery query;
    const auto add = [&query](const char *name, const QString &value) {
        if (!value.isEmpty())
            query.addQueryItem(QString::fromLatin1(name), value);
    };
    add("label_prefix", labelPrefix);
    add("q", q);
    if (status && *status != RunStatus::Unknown)
        add("status", runStatusName(*status));
    if (since.isValid())
        add("since", JsonCodec::timeToJson(since).toString());
    if (until.isValid())
        add("until", JsonCodec::timeToJson(until).toString());
    if (limit > 0)
        add("limit", QString::number(limit));
    add("cursor", cursor);
    add("sort", sort);
    return query;
}

} // namespace keybrake::client
