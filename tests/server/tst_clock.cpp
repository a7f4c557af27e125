// Time as the ledger sees it, driven by keybraked's injected clock (--test-clock): expiry at the
// exact millisecond, the daily window's rollover (spend, caps and stats), a hold that straddles
// midnight, and a spend window in a time zone other than UTC.
#include "auditreader.h"
#include "httpburst.h"
#include "testserver.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QtTest>

#include <future>

using namespace keybrake::test;

namespace {

QJsonObject chargePolicy(double cap, const QString &label,
                         const QString &expiresIn = QStringLiteral("2h"))
{
    return {{QStringLiteral("vendor"), QStringLiteral("stripe")},
            {QStringLiteral("daily_usd_cap"), cap},
            {QStringLiteral("allowed_endpoints"), QJsonArray {QStringLiteral("charges.create")}},
            {QStringLiteral("expires_in"), expiresIn},
            {QStringLiteral("agent_run_label"), label}};
}

} // namespace

class TestClock : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void expiryAtExactlyExpiresAt();
    void expiresAtGivenExplicitly();
    void dayRolloverResetsSpendAndStats();
    void holdAcrossMidnightCountsInItsOwnWindow();
    void nonUtcSpendTimezone();

private:
    HttpResult charge(TestServer &server, const QString &secret, qint64 cents)
    {
        return server.proxy("POST", QStringLiteral("/stripe/v1/charges"), stripeCharge(cents),
                            secret);
    }
    QJsonObject key(TestServer &server, const QString &keyId)
    {
        return server.admin("GET", QStringLiteral("/v1/keys/") + keyId).json;
    }
    QJsonObject stats(TestServer &server)
    {
        return server.admin("GET", QStringLiteral("/v1/stats/today")).json;
    }
    int simCharges(TestServer &server)
    {
        return server.simStats()
            .value(QStringLiteral("by_operation"))
            .toObject()
            .value(QStringLiteral("stripe.charges.create"))
            .toInt();
    }

    std::unique_ptr<TestServer> m_server;
};

void TestClock::initTestCase()
{
    TestServer::Options options;
    options.testClock = true;
    m_server = std::make_unique<TestServer>(options);
    QVERIFY2(m_server->start(), qPrintable(m_server->errorString()));
}

void TestClock::expiryAtExactlyExpiresAt()
{
    QVERIFY(m_server->setClock(QStringLiteral("2026-11-28T12:00:00.000Z")));
    QJsonObject shortLived = chargePolicy(50, QStringLiteral("tests/clock/expiry"));
    shortLived.insert(QStringLiteral("expires_in"), QStringLiteral("90s"));
    const QJsonObject issued = m_server->issueKey(shortLived);
    const QString keyId = issued.value(QStringLiteral("key_id")).toString();
    const QString secret = issued.value(QStringLiteral("vault_key")).toString();
    QCOMPARE(issued.value(QStringLiteral("created_at")).toString(),
             QStringLiteral("2026-11-28T12:00:00.000Z"));
    QCOMPARE(issued.value(QStringLiteral("expires_at")).toString(),
             QStringLiteral("2026-11-28T12:01:30.000Z"));

    // One millisecond before: still valid.
    QVERIFY(m_server->setClock(QStringLiteral("2026-11-28T12:01:29.999Z")));
    QCOMPARE(charge(*m_server, secret, 100).status, 200);
    QCOMPARE(key(*m_server, keyId).value(QStringLiteral("status")).toString(),
             QStringLiteral("active"));

    // At expires_at: expired, at the proxy, in the key object and in the list filter.
    QVERIFY(m_server->setClock(QStringLiteral("2026-11-28T12:01:30.000Z")));
    const int before = simCharges(*m_server);
    const HttpResult refused = charge(*m_server, secret, 100);
    QCOMPARE(refused.status, 401);
    QCOMPARE(refused.json.value(QStringLiteral("code")).toString(), QStringLiteral("key_expired"));
    QCOMPARE(refused.json.value(QStringLiteral("expired_at")).toString(),
             QStringLiteral("2026-11-28T12:01:30.000Z"));
    QCOMPARE(simCharges(*m_server), before);
    QCOMPARE(key(*m_server, keyId).value(QStringLiteral("status")).toString(),
             QStringLiteral("expired"));
    const HttpResult expired = m_server->admin(
        "GET", QStringLiteral("/v1/keys?status=expired&label_prefix=tests/clock/expiry"));
    QCOMPARE(expired.json.value(QStringLiteral("data")).toArray().size(), 1);
    const HttpResult active = m_server->admin(
        "GET", QStringLiteral("/v1/keys?status=active&label_prefix=tests/clock/expiry"));
    QCOMPARE(active.json.value(QStringLiteral("data")).toArray().size(), 0);

    // The audit row records the refusal at that instant.
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("key_id"), keyId);
    const QList<QJsonObject> rows = readAudit(*m_server, query);
    QCOMPARE(rows.size(), 2);
    QCOMPARE(rows.first().value(QStringLiteral("verdict")).toString(),
             QStringLiteral("denied_expired"));
    QCOMPARE(rows.first().value(QStringLiteral("ts")).toString(),
             QStringLiteral("2026-11-28T12:01:30.000Z"));
}

void TestClock::expiresAtGivenExplicitly()
{
    QVERIFY(m_server->setClock(QStringLiteral("2026-11-28T13:00:00.000Z")));
    QJsonObject policy = chargePolicy(50, QStringLiteral("tests/clock/expires-at"));
    policy.remove(QStringLiteral("expires_in"));
    policy.insert(QStringLiteral("expires_at"), QStringLiteral("2026-11-28T13:00:10.250Z"));
    const QJsonObject issued = m_server->issueKey(policy);
    QCOMPARE(issued.value(QStringLiteral("expires_at")).toString(),
             QStringLiteral("2026-11-28T13:00:10.250Z"));
    const QString secret = issued.value(QStringLiteral("vault_key")).toString();
    QVERIFY(m_server->advanceClock(QStringLiteral("10s")));
    QCOMPARE(charge(*m_server, secret, 100).status, 200);
    QVERIFY(m_server->setClock(QStringLiteral("2026-11-28T13:00:10.250Z")));
    QCOMPARE(charge(*m_server, secret, 100).status, 401);
}

void TestClock::dayRolloverResetsSpendAndStats()
{
    QVERIFY(m_server->setClock(QStringLiteral("2026-11-28T23:50:00.000Z")));
    const QJsonObject before = stats(*m_server);
    QCOMPARE(before.value(QStringLiteral("resets_at")).toString(),
             QStringLiteral("2026-11-29T00:00:00.000Z"));
    const QJsonObject issued =
        m_server->issueKey(chargePolicy(10, QStringLiteral("tests/clock/day")));
    const QString keyId = issued.value(QStringLiteral("key_id")).toString();
    const QString secret = issued.value(QStringLiteral("vault_key")).toString();
    QCOMPARE(issued.value(QStringLiteral("resets_at")).toString(),
             QStringLiteral("2026-11-29T00:00:00.000Z"));

    QCOMPARE(charge(*m_server, secret, 1000).status, 200);
    const HttpResult capped = charge(*m_server, secret, 100);
    QCOMPARE(capped.status, 429);
    QCOMPARE(capped.json.value(QStringLiteral("resets_at")).toString(),
             QStringLiteral("2026-11-29T00:00:00.000Z"));
    QCOMPARE(capped.header("retry-after"), QByteArrayLiteral("600"));
    QJsonObject ledger = key(*m_server, keyId);
    QCOMPARE(ledger.value(QStringLiteral("status")).toString(), QStringLiteral("capped"));
    QCOMPARE(micros(ledger.value(QStringLiteral("spent_today_usd")).toDouble()), 10'000'000);
    const QJsonObject during = stats(*m_server);
    QCOMPARE(micros(during.value(QStringLiteral("spend_today_usd")).toDouble())
                 - micros(before.value(QStringLiteral("spend_today_usd")).toDouble()),
             10'000'000);
    QCOMPARE(during.value(QStringLiteral("calls_today")).toInt()
                 - before.value(QStringLiteral("calls_today")).toInt(),
             2);
    QCOMPARE(during.value(QStringLiteral("blocked_today")).toInt()
                 - before.value(QStringLiteral("blocked_today")).toInt(),
             1);

    // The last millisecond of the day is still the same window.
    QVERIFY(m_server->setClock(QStringLiteral("2026-11-28T23:59:59.999Z")));
    const HttpResult stillCapped = charge(*m_server, secret, 100);
    QCOMPARE(stillCapped.status, 429);
    QCOMPARE(stillCapped.header("retry-after"), QByteArrayLiteral("1"));

    // Midnight: a fresh window for the key and for the stats.
    QVERIFY(m_server->setClock(QStringLiteral("2026-11-29T00:00:00.000Z")));
    ledger = key(*m_server, keyId);
    QCOMPARE(ledger.value(QStringLiteral("status")).toString(), QStringLiteral("active"));
    QCOMPARE(micros(ledger.value(QStringLiteral("spent_today_usd")).toDouble()), 0);
    QCOMPARE(micros(ledger.value(QStringLiteral("held_usd")).toDouble()), 0);
    QCOMPARE(ledger.value(QStringLiteral("calls_today")).toInt(), 0);
    QCOMPARE(ledger.value(QStringLiteral("blocked_today")).toInt(), 0);
    QCOMPARE(ledger.value(QStringLiteral("resets_at")).toString(),
             QStringLiteral("2026-11-30T00:00:00.000Z"));
    const QJsonObject nextDay = stats(*m_server);
    QCOMPARE(nextDay.value(QStringLiteral("resets_at")).toString(),
             QStringLiteral("2026-11-30T00:00:00.000Z"));
    QCOMPARE(micros(nextDay.value(QStringLiteral("spend_today_usd")).toDouble()), 0);
    QCOMPARE(micros(nextDay.value(QStringLiteral("held_usd")).toDouble()), 0);
    QCOMPARE(nextDay.value(QStringLiteral("calls_today")).toInt(), 0);
    QCOMPARE(nextDay.value(QStringLiteral("blocked_today")).toInt(), 0);

    // The capped key works again, against its whole cap.
    const HttpResult again = charge(*m_server, secret, 1000);
    QCOMPARE(again.status, 200);
    QCOMPARE(again.header("keybrake-spent-today-usd"), QByteArrayLiteral("10"));
    QCOMPARE(charge(*m_server, secret, 1).status, 429);
    const QJsonObject afterCall = stats(*m_server);
    QCOMPARE(micros(afterCall.value(QStringLiteral("spend_today_usd")).toDouble()), 10'000'000);
    QCOMPARE(afterCall.value(QStringLiteral("calls_today")).toInt(), 2);
    QCOMPARE(afterCall.value(QStringLiteral("blocked_today")).toInt(), 1);
}

void TestClock::holdAcrossMidnightCountsInItsOwnWindow()
{
    QVERIFY(m_server->setClock(QStringLiteral("2026-12-01T23:59:59.000Z")));
    const QJsonObject issued =
        m_server->issueKey(chargePolicy(10, QStringLiteral("tests/clock/midnight")));
    const QString keyId = issued.value(QStringLiteral("key_id")).toString();
    const QString secret = issued.value(QStringLiteral("vault_key")).toString();

    // A $10 call is admitted a second before midnight and is still at the vendor at midnight.
    const int before = simCharges(*m_server);
    BurstRequest slow;
    slow.target = "/stripe/v1/charges";
    slow.headers = {{"Authorization", "Bearer " + secret.toStdString()},
                    {"Content-Type", "application/x-www-form-urlencoded"},
                    {"X-Sim-Fault", "delay=1500"}};
    slow.body = stripeCharge(1000).toStdString();
    auto pending = std::async(std::launch::async,
                              [&] { return sendBurst("127.0.0.1", m_server->port(), {slow}); });
    QTRY_COMPARE_WITH_TIMEOUT(simCharges(*m_server), before + 1, 5000);
    QVERIFY(m_server->setClock(QStringLiteral("2026-12-02T00:00:01.000Z")));

    // The new day's window is empty: its own $10 fits although yesterday's hold is still open.
    const HttpResult today = charge(*m_server, secret, 1000);
    QCOMPARE(today.status, 200);
    const auto yesterday = pending.get();
    QCOMPARE(yesterday.at(0).status, 200);

    QJsonObject ledger = key(*m_server, keyId);
    QCOMPARE(micros(ledger.value(QStringLiteral("spent_today_usd")).toDouble()), 10'000'000);
    QCOMPARE(micros(ledger.value(QStringLiteral("held_usd")).toDouble()), 0);
    QCOMPARE(ledger.value(QStringLiteral("calls_today")).toInt(), 1);

    // The settlement after midnight landed in the window the hold was taken in.
    QVERIFY(m_server->setClock(QStringLiteral("2026-12-01T23:59:59.500Z")));
    ledger = key(*m_server, keyId);
    QCOMPARE(micros(ledger.value(QStringLiteral("spent_today_usd")).toDouble()), 10'000'000);
    QCOMPARE(micros(ledger.value(QStringLiteral("held_usd")).toDouble()), 0);
    QCOMPARE(ledger.value(QStringLiteral("calls_today")).toInt(), 1);
    QCOMPARE(ledger.value(QStringLiteral("resets_at")).toString(),
             QStringLiteral("2026-12-02T00:00:00.000Z"));

    QUrlQuery query;
    query.addQueryItem(QStringLiteral("key_id"), keyId);
    const QList<QJsonObject> rows = readAudit(*m_server, query);
    QCOMPARE(rows.size(), 2);
    QStringList stamps;
    for (const auto &row : rows) {
        QCOMPARE(row.value(QStringLiteral("verdict")).toString(), QStringLiteral("allowed"));
        QCOMPARE(micros(row.value(QStringLiteral("cost_usd")).toDouble()), 10'000'000);
        stamps << row.value(QStringLiteral("ts")).toString();
    }
    stamps.sort();
    QCOMPARE(stamps,
             QStringList({QStringLiteral("2026-12-01T23:59:59.000Z"),
                          QStringLiteral("2026-12-02T00:00:01.000Z")}));
    QVERIFY(m_server->setClock(QStringLiteral("2026-12-02T00:00:02.000Z")));
}

void TestClock::nonUtcSpendTimezone()
{
    TestServer::Options options;
    options.testClock = true;
    options.serverArgs << QStringLiteral("--spend-timezone") << QStringLiteral("America/New_York");
    TestServer newYork(options);
    QVERIFY2(newYork.start(), qPrintable(newYork.errorString()));
    QCOMPARE(newYork.admin("GET", QStringLiteral("/v1/whoami"))
                 .json.value(QStringLiteral("spend_timezone"))
                 .toString(),
             QStringLiteral("America/New_York"));

    // Noon UTC on 28 November is 07:00 EST: the window ends at local midnight, 05:00 UTC.
    QVERIFY(newYork.setClock(QStringLiteral("2026-11-28T12:00:00.000Z")));
    const QJsonObject issued =
        newYork.issueKey(chargePolicy(10, QStringLiteral("tests/clock/ny"), QStringLiteral("3d")));
    const QString keyId = issued.value(QStringLiteral("key_id")).toString();
    const QString secret = issued.value(QStringLiteral("vault_key")).toString();
    const QString resetsAt = QStringLiteral("2026-11-29T05:00:00.000Z");
    QCOMPARE(issued.value(QStringLiteral("resets_at")).toString(), resetsAt);
    QCOMPARE(charge(newYork, secret, 1000).status, 200);

    // Every spend figure names its window.
    const QJsonObject ledger = key(newYork, keyId);
    QCOMPARE(micros(ledger.value(QStringLiteral("spent_today_usd")).toDouble()), 10'000'000);
    QCOMPARE(ledger.value(QStringLiteral("resets_at")).toString(), resetsAt);
    const QJsonObject today = stats(newYork);
    QCOMPARE(today.value(QStringLiteral("resets_at")).toString(), resetsAt);
    const HttpResult listed = newYork.admin("GET", QStringLiteral("/v1/keys"));
    QCOMPARE(listed.json.value(QStringLiteral("data"))
                 .toArray()
                 .at(0)[QStringLiteral("resets_at")]
                 .toString(),
             resetsAt);
    const HttpResult capped = charge(newYork, secret, 100);
    QCOMPARE(capped.status, 429);
    QCOMPARE(capped.json.value(QStringLiteral("resets_at")).toString(), resetsAt);
    QCOMPARE(capped.header("retry-after"), QByteArrayLiteral("61200"));

    // UTC midnight is not the boundary here...
    QVERIFY(newYork.setClock(QStringLiteral("2026-11-29T00:30:00.000Z")));
    QCOMPARE(charge(newYork, secret, 100).status, 429);
    QCOMPARE(stats(newYork).value(QStringLiteral("resets_at")).toString(), resetsAt);
    QVERIFY(newYork.setClock(QStringLiteral("2026-11-29T04:59:59.999Z")));
    QCOMPARE(charge(newYork, secret, 100).status, 429);
    // ... local midnight is.
    QVERIFY(newYork.setClock(QStringLiteral("2026-11-29T05:00:00.000Z")));
    const QJsonObject rolled = key(newYork, keyId);
    QCOMPARE(micros(rolled.value(QStringLiteral("spent_today_usd")).toDouble()), 0);
    QCOMPARE(rolled.value(QStringLiteral("resets_at")).toString(),
             QStringLiteral("2026-11-30T05:00:00.000Z"));
    QCOMPARE(charge(newYork, secret, 1000).status, 200);

    // Daylight saving: the window follows local midnight through both changes.
    QVERIFY(newYork.setClock(QStringLiteral("2027-03-14T12:00:00.000Z"))); // 08:00 EDT, 23 h day
    QJsonObject springDay = stats(newYork);
    QCOMPARE(springDay.value(QStringLiteral("resets_at")).toString(),
             QStringLiteral("2027-03-15T04:00:00.000Z"));
    QVERIFY(newYork.setClock(QStringLiteral("2026-11-01T12:00:00.000Z"))); // 07:00 EST, 25 h day
    QJsonObject autumnDay = stats(newYork);
    QCOMPARE(autumnDay.value(QStringLiteral("resets_at")).toString(),
             QStringLiteral("2026-11-02T05:00:00.000Z"));
}

QTEST_GUILESS_MAIN(TestClock)
#include "tst_clock.moc"
