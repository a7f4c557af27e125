#pragma once

#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QString>

namespace keybrake::test {

class TestServer;

// What keybraked recorded, read back through the admin API as an auditor would: every audit row
// (following next_cursor to the end) and /v1/stats/today.
struct ServerRecord
{
    QList<QJsonObject> calls; // kind "call", newest first
    QList<QJsonObject> issued; // kind "admin", action "key.issued"
    QJsonObject stats;
    bool complete = false; // every page and the stats were read

    static ServerRecord read(TestServer &server);

    QMap<QString, qint64> verdicts() const;
    QMap<QString, qint64> denialReasons() const;
    qint64 costMicros() const;
    QList<QJsonObject> callsOfKey(const QString &keyId) const;
    QList<QJsonObject> callsWithOperation(const QString &operation) const;

    // Fails the current test (QCOMPARE) unless the simulator's JSON summary agrees with this
    // record: calls by verdict, denials by reason, spend to the micro-dollar, keys issued, and the
    // same figures in the stats. Check QTest::currentTestFailed() afterwards.
    void expectAgreement(const QJsonObject &summary) const;
};

// USD on the wire (at most six decimals) in micro-dollars.
qint64 micros(const QJsonValue &usd);

} // namespace keybrake::test
