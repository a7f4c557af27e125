// The cap invariant (settled + held <= cap) under bursts of concurrent calls, as a queue burst of
// Lambda invocations sharing one vault key would produce; and revocation during a burst.
#include "auditreader.h"
#include "httpburst.h"
#include "testserver.h"

#include <QJsonDocument>
#include <QRandomGenerator>
#include <QtTest>

#include <future>

using namespace keybrake::test;

class TestCapBurst : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void thousandDollarCallsAgainstFiftyDollarCap();
    void randomAmountsNeverOvershoot_data();
    void randomAmountsNeverOvershoot();
    void noAdmissionAfterRevokeCommits();

private:
    QJsonObject issue(double cap, const QString &label);
    std::vector<BurstRequest> charges(const QString &vaultKey, const QList<qint64> &cents) const;
    int simCount(const QString &operation);

    std::unique_ptr<TestServer> m_server;
};

void TestCapBurst::initTestCase()
{
    TestServer::Options options;
    // A little vendor latency keeps holds open while the burst is admitted, which is where a
    // check-then-charge design overshoots.
    options.simArgs << QStringLiteral("--latency-ms") << QStringLiteral("30");
    m_server = std::make_unique<TestServer>(options);
    QVERIFY2(m_server->start(), qPrintable(m_server->errorString()));
}

QJsonObject TestCapBurst::issue(double cap, const QString &label)
{
    return m_server->issueKey(
        {{QStringLiteral("vendor"), QStringLiteral("stripe")},
         {QStringLiteral("daily_usd_cap"), cap},
         {QStringLiteral("allowed_endpoints"), QJsonArray {QStringLiteral("charges.create")}},
         {QStringLiteral("expires_in"), QStringLiteral("1h")},
         {QStringLiteral("agent_run_label"), label}});
}

std::vector<BurstRequest> TestCapBurst::charges(const QString &vaultKey,
                                                const QList<qint64> &cents) const
{
    std::vector<BurstRequest> requests;
    requests.reserve(static_cast<std::size_t>(cents.size()));
    for (qint64 amount : cents) {
        BurstRequest request;
        request.target = "/stripe/v1/charges";
        request.headers = {{"Authorization", "Bearer " + vaultKey.toStdString()},
                           {"Content-Type", "application/x-www-form-urlencoded"}};
        request.body = stripeCharge(amount).toStdString();
        requests.push_back(std::move(request));
    }
    return requests;
}

int TestCapBurst::simCount(const QString &operation)
{
    return m_server->simStats()
        .value(QStringLiteral("by_operation"))
        .toObject()
        .value(operation)
        .toInt();
}

void TestCapBurst::thousandDollarCallsAgainstFiftyDollarCap()
{
    const QJsonObject key = issue(50, QStringLiteral("tests/burst/fixed"));
    const QString keyId = key.value(QStringLiteral("key_id")).toString();
    const int chargesBefore = simCount(QStringLiteral("stripe.charges.create"));

    const auto responses = sendBurst(
        "127.0.0.1", m_server->port(),
        charges(key.value(QStringLiteral("vault_key")).toString(), QList<qint64>(1000, 100)));
    int allowed = 0;
    int capped = 0;
    for (const auto &response : responses) {
        if (response.status == 200) {
            ++allowed;
        } else if (response.status == 429) {
            const QJsonObject body =
                QJsonDocument::fromJson(QByteArray::fromStdString(response.body)).object();
            QCOMPARE(body.value(QStringLiteral("code")).toString(),
                     QStringLiteral("cap_exhausted"));
            QCOMPARE(body[QStringLiteral("error")][QStringLiteral("code")].toString(),
                     QStringLiteral("cap_exhausted"));
            ++capped;
        } else {
            QFAIL(qPrintable(QStringLiteral("unexpected answer %1 %2 %3")
                                 .arg(response.status)
                                 .arg(QString::fromStdString(response.error),
                                      QString::fromStdString(response.body))));
        }
    }
    QCOMPARE(allowed, 50);
    QCOMPARE(capped, 950);
    QCOMPARE(simCount(QStringLiteral("stripe.charges.create")) - chargesBefore, 50);

    const HttpResult ledger = m_server->admin("GET", QStringLiteral("/v1/keys/") + keyId);
    QCOMPARE(micros(ledger.json.value(QStringLiteral("spent_today_usd")).toDouble()), 50'000'000);
    QCOMPARE(micros(ledger.json.value(QStringLiteral("held_usd")).toDouble()), 0);
    QCOMPARE(ledger.json.value(QStringLiteral("calls_today")).toInt(), 1000);
    QCOMPARE(ledger.json.value(QStringLiteral("blocked_today")).toInt(), 950);
    QCOMPARE(ledger.json.value(QStringLiteral("status")).toString(), QStringLiteral("capped"));

    QUrlQuery query;
    query.addQueryItem(QStringLiteral("key_id"), keyId);
    const QList<QJsonObject> rows = readAudit(*m_server, query);
    QCOMPARE(rows.size(), 1000);
    QList<QJsonObject> allowedRows;
    int deniedCap = 0;
    for (const auto &row : rows) {
        const QString verdict = row.value(QStringLiteral("verdict")).toString();
        if (verdict == QLatin1String("allowed"))
            allowedRows.append(row);
        else if (verdict == QLatin1String("denied_cap"))
            ++deniedCap;
    }
    QCOMPARE(allowedRows.size(), 50);
    QCOMPARE(deniedCap, 950);
    QCOMPARE(costMicros(allowedRows), 50'000'000);
    QCOMPARE(costMicros(rows), 50'000'000);
}

void TestCapBurst::randomAmountsNeverOvershoot_data()
{
    QTest::addColumn<quint32>("seed");
    for (quint32 seed : {1u, 2u, 3u})
        QTest::newRow(qPrintable(QStringLiteral("seed %1").arg(seed))) << seed;
}

void TestCapBurst::randomAmountsNeverOvershoot()
{
    QFETCH(quint32, seed);
    QRandomGenerator random(seed);
    QList<qint64> cents;
    for (int i = 0; i < 600; ++i)
        cents.append(random.bounded(1, 800)); // $0.01 .. $7.99
    const QJsonObject key = issue(50, QStringLiteral("tests/burst/random-%1").arg(seed));
    const QString keyId = key.value(QStringLiteral("key_id")).toString();
    const auto responses =
        sendBurst("127.0.0.1", m_server->port(),
                  charges(key.value(QStringLiteral("vault_key")).toString(), cents));
    qint64 admitted = 0;
    for (std::size_t i = 0; i < responses.size(); ++i) {
        const auto &response = responses[i];
        if (response.status == 200) {
            admitted += cents[static_cast<int>(i)] * 10'000;
            continue;
        }
        QCOMPARE(response.status, 429);
        // Refused only when it truly did not fit at its admission.
        const QJsonObject body =
            QJsonDocument::fromJson(QByteArray::fromStdString(response.body)).object();
        const qint64 spent = micros(body.value(QStringLiteral("spent_today_usd")).toDouble());
        const qint64 held = micros(body.value(QStringLiteral("held_usd")).toDouble());
        const qint64 attempted = micros(body.value(QStringLiteral("attempted_usd")).toDouble());
        QCOMPARE(attempted, cents[static_cast<int>(i)] * 10'000);
        QVERIFY2(spent + held + attempted > 50'000'000,
                 qPrintable(QStringLiteral("refused %1 with %2 settled and %3 held")
                                .arg(attempted)
                                .arg(spent)
                                .arg(held)));
    }
    QVERIFY(admitted <= 50'000'000);
    const HttpResult ledger = m_server->admin("GET", QStringLiteral("/v1/keys/") + keyId);
    QCOMPARE(micros(ledger.json.value(QStringLiteral("spent_today_usd")).toDouble()), admitted);
    QCOMPARE(micros(ledger.json.value(QStringLiteral("held_usd")).toDouble()), 0);
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("key_id"), keyId);
    QCOMPARE(costMicros(readAudit(*m_server, query)), admitted);
}

void TestCapBurst::noAdmissionAfterRevokeCommits()
{
    const QJsonObject key = issue(10000, QStringLiteral("tests/burst/revoke"));
    const QString keyId = key.value(QStringLiteral("key_id")).toString();
    const QString secret = key.value(QStringLiteral("vault_key")).toString();
    // Waves of 50 concurrent calls keep admissions going while the revoke lands.
    std::atomic<bool> stop {false};
    auto traffic = std::async(std::launch::async, [&] {
        std::vector<BurstResponse> all;
        for (int wave = 0; wave < 40 && !stop; ++wave) {
            auto responses =
                sendBurst("127.0.0.1", m_server->port(), charges(secret, QList<qint64>(50, 1)));
            all.insert(all.end(), responses.begin(), responses.end());
        }
        return all;
    });
    QTest::qWait(300);
    const HttpResult revoke = m_server->admin("DELETE", QStringLiteral("/v1/keys/") + keyId);
    const auto revokeAnswered = std::chrono::steady_clock::now();
    // The revoke had committed when its answer arrived: a server-side timestamp later than this
    // (same machine, same clock) belongs to a request that started after the commit.
    const QDateTime committedBy = QDateTime::currentDateTimeUtc();
    QCOMPARE(revoke.status, 200);
    QTest::qWait(300);
    stop = true;
    const auto responses = traffic.get();

    int allowed = 0;
    int revokedAnswers = 0;
    for (const auto &response : responses) {
        if (response.status == 200)
            ++allowed;
        if (response.status == 401)
            ++revokedAnswers;
        // Anything sent after the revoke's answer arrived must be refused.
        if (response.sent > revokeAnswered)
            QCOMPARE(response.status, 401);
    }
    QVERIFY2(allowed > 0 && revokedAnswers > 0,
             qPrintable(QStringLiteral("allowed %1, revoked %2").arg(allowed).arg(revokedAnswers)));

    // Every row that started after the revoke committed is a refusal; every admitted row started
    // before the commit.
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("key_id"), keyId);
    int allowedRows = 0;
    for (const auto &row : readAudit(*m_server, query)) {
        const QDateTime ts =
            QDateTime::fromString(row.value(QStringLiteral("ts")).toString(), Qt::ISODateWithMs);
        const QString verdict = row.value(QStringLiteral("verdict")).toString();
        if (verdict == QLatin1String("allowed")) {
            ++allowedRows;
            QVERIFY2(ts <= committedBy, qPrintable(row.value(QStringLiteral("ts")).toString()));
        }
        if (ts > committedBy)
            QCOMPARE(verdict, QStringLiteral("denied_revoked"));
    }
    QCOMPARE(allowedRows, allowed);
}

QTEST_GUILESS_MAIN(TestCapBurst)
#include "tst_cap_burst.moc"
