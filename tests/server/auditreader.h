#pragma once

#include "testserver.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QUrlQuery>

namespace keybrake::test {

// Every audit row matching `query` (following next_cursor), newest first.
inline QList<QJsonObject> readAudit(TestServer &server, QUrlQuery query)
{
    QList<QJsonObject> rows;
    query.addQueryItem(QStringLiteral("limit"), QStringLiteral("1000"));
    for (;;) {
        const HttpResult page =
            server.admin("GET", QStringLiteral("/v1/audit?") + query.toString(QUrl::FullyEncoded));
        if (page.status != 200)
            return rows;
        for (const auto &row : page.json.value(QStringLiteral("data")).toArray())
            rows.append(row.toObject());
        const QString next = page.json.value(QStringLiteral("next_cursor")).toString();
        if (next.isEmpty())
            return rows;
        query.removeAllQueryItems(QStringLiteral("cursor"));
        query.addQueryItem(QStringLiteral("cursor"), next);
    }
}

// Sum of cost_usd in micro-dollars (the wire carries at most six decimals).
inline qint64 costMicros(const QList<QJsonObject> &rows)
{
    qint64 total = 0;
    for (const auto &row : rows)
        total += qRound64(row.value(QStringLiteral("cost_usd")).toDouble() * 1e6);
    return total;
}

inline qint64 micros(double usd)
{
    return qRound64(usd * 1e6);
}

} // namespace keybrake::test
