#include "client/auditquery.h"

#include "client/jsoncodec.h"

namespace keybrake::client {

QUrlQuery AuditQuery::toUrlQuery() const
{
    QUrlQuery query;
    switch (kind) {
    case Kind::Call:
        query.addQueryItem(QStringLiteral("kind"), QStringLiteral("call"));
        break;
    case Kind::Admin:
        query.addQueryItem(QStringLiteral("kind"), QStringLiteral("admin"));
        break;
    case Kind::All:
        query.addQueryItem(QStringLiteral("kind"), QStringLiteral("all"));
        break;
    }
    const auto add = [&query](const char *name, const QString &value) {
        if (!value.isEmpty())
            query.addQueryItem(QString::fromLatin1(name), value);
    };
    add("key_id", keyId);
    add("actor", actor);
    add("label", label);
    add("label_prefix", labelPrefix);
    add("vendor", vendor);
    add("verdict", verdict);
    if (since.isValid())
        add("since", JsonCodec::timeToJson(since).toString());
    if (until.isValid())
        add("until", JsonCodec::timeToJson(until).toString());
    if (limit > 0)
        add("limit", QString::number(limit));
    add("cursor", cursor);
    return query;
}

} // namespace keybrake::client
