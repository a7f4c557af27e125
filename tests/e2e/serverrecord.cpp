#include "serverrecord.h"

#include "testserver.h"

#include <QJsonArray>
#include <QSet>
#include <QStringList>
#include <QUrlQuery>
#include <QtTest/QTest>

namespace keybrake::test {

qint64 micros(const QJsonValue &usd)
{
    return qRound64(usd.toDouble() * 1e6);
}

ServerRecord ServerRecord::read(TestServer &server)
{
    ServerRecord record;
    QString cursor;
    for (;;) {
        QUrlQuery query;
        query.addQueryItem(QStringLiteral("kind"), QStringLiteral("all"));
        query.addQueryItem(QStringLiteral("limit"), QStringLiteral("1000"));
        if (!cursor.isEmpty())
            query.addQueryItem(QStringLiteral("cursor"), cursor);
        const HttpResult page =
            server.admin("GET", QStringLiteral("/v1/audit?") + query.toString(QUrl::FullyEncoded));
        if (page.status != 200) {
            qWarning("GET /v1/audit: %d %s", page.status, page.body.constData());
            return record;
        }
        for (const QJsonValue &value : page.json.value(u"data").toArray()) {
            const QJsonObject row = value.toObject();
            if (row.value(u"kind").toString() == u"call")
                record.calls.append(row);
            else if (row.value(u"action").toString() == u"key.issued")
                record.issued.append(row);
        }
        cursor = page.json.value(u"next_cursor").toString();
        if (cursor.isEmpty())
            break;
    }
    const HttpResult stats = server.admin("GET", QStringLiteral("/v1/stats/today"));
    if (stats.status != 200) {
        qWarning("GET /v1/stats/today: %d %s", stats.status, stats.body.constData());
        return record;
    }
    record.stats = stats.json;
    record.complete = true;
    return record;
}

QMap<QString, qint64> ServerRecord::verdicts() const
{
    QMap<QString, qint64> counts;
    for (const QJsonObject &row : calls)
        ++counts[row.value(u"verdict").toString()];
    return counts;
}

QMap<QString, qint64> ServerRecord::denialReasons() const
{
    QMap<QString, qint64> counts;
    for (const QJsonObject &row : calls) {
        if (row.value(u"verdict").toString().startsWith(u"denied_"))
            ++counts[row.value(u"reason").toString()];
    }
    return counts;
}

qint64 ServerRecord::costMicros() const
{
    qint64 total = 0;
    for (const QJsonObject &row : calls)
        total += micros(row.value(u"cost_usd"));
    return total;
}

QList<QJsonObject> ServerRecord::callsOfKey(const QString &keyId) const
{
    QList<QJsonObject> rows;
    for (const QJsonObject &row : calls) {
        if (row.value(u"key_id").toString() == keyId)
            rows.append(row);
    }
    return rows;
}

QList<QJsonObject> ServerRecord::callsWithOperation(const QString &operation) const
{
    QList<QJsonObject> rows;
    for (const QJsonObject &row : calls) {
        if (row.value(u"operation").toString() == operation)
            rows.append(row);
    }
    return rows;
}

namespace {

QMap<QString, qint64> countsOf(const QJsonObject &object)
{
    QMap<QString, qint64> counts;
    for (auto it = object.constBegin(); it != object.constEnd(); ++it)
        counts.insert(it.key(), it.value().toInteger());
    return counts;
}

// "allowed=3 denied_cap=1": compared as text so that a failure shows both sides.
QString text(const QMap<QString, qint64> &counts)
{
    QStringList parts;
    for (auto it = counts.cbegin(); it != counts.cend(); ++it)
        parts << it.key() + u'=' + QString::number(it.value());
    return parts.join(u' ');
}

QString text(const QSet<QString> &ids)
{
    QStringList sorted(ids.cbegin(), ids.cend());
    sorted.sort();
    return sorted.join(u' ');
}

} // namespace

void ServerRecord::expectAgreement(const QJsonObject &summary) const
{
    QVERIFY2(complete, "the audit log or the stats could not be read");
    QVERIFY2(!summary.isEmpty(), "the simulator wrote no summary");
    // Every request was answered, so the simulator knows every verdict.
    QCOMPARE(summary.value(u"unanswered").toInteger(), 0);

    // Calls: the audit log has one row per proxied request, forwarded or refused.
    QCOMPARE(qint64(calls.size()), summary.value(u"calls").toInteger());
    QCOMPARE(text(verdicts()), text(countsOf(summary.value(u"calls_by_verdict").toObject())));
    QCOMPARE(text(denialReasons()), text(countsOf(summary.value(u"denials_by_reason").toObject())));
    QCOMPARE(verdicts().value(QStringLiteral("replayed")), summary.value(u"replays").toInteger());

    // Spend, to the micro-dollar: the audit rows' costs, the stats and the simulator's own sum of
    // what the proxy told each key.
    const qint64 spend = summary.value(u"spend_micros").toInteger();
    QCOMPARE(costMicros(), spend);
    QCOMPARE(micros(summary.value(u"spend_usd")), spend);
    QCOMPARE(micros(stats.value(u"spend_today_usd")), spend);
    QCOMPARE(micros(stats.value(u"held_usd")), qint64(0)); // nothing left on hold as "unknown"

    // Keys: one key.issued row per key; idempotent issuance added none.
    QSet<QString> issuedIds;
    for (const QJsonObject &row : issued)
        issuedIds.insert(row.value(u"key_id").toString());
    QSet<QString> summaryIds;
    for (const QJsonValue &id : summary.value(u"key_ids").toArray())
        summaryIds.insert(id.toString());
    QCOMPARE(qint64(issued.size()), summary.value(u"keys_issued").toInteger());
    QCOMPARE(text(issuedIds), text(summaryIds));
    QCOMPARE(stats.value(u"active_keys").toInteger(), summary.value(u"keys_issued").toInteger());

    // The overview's counters.
    QCOMPARE(stats.value(u"calls_today").toInteger(), summary.value(u"calls").toInteger());
    QCOMPARE(stats.value(u"blocked_today").toInteger(), summary.value(u"denials").toInteger());
}

} // namespace keybrake::test
