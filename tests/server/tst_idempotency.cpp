// Idempotent issuance (an SQS redelivery must not double a run's budget) and idempotent proxying
// (a retried or duplicated call must not move money twice), against the real keybraked.
#include "auditreader.h"
#include "httpburst.h"
#include "testserver.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QtTest>

#include <future>

using namespace keybrake::test;

namespace {

const QByteArray kForm = "application/x-www-form-urlencoded";

QJsonObject chargePolicy(double cap, const QString &label, const QString &expiresIn = "1h")
{
    return {{QStringLiteral("vendor"), QStringLiteral("stripe")},
            {QStringLiteral("daily_usd_cap"), cap},
            {QStringLiteral("allowed_endpoints"), QJsonArray {QStringLiteral("charges.create")}},
            {QStringLiteral("expires_in"), expiresIn},
            {QStringLiteral("agent_run_label"), label}};
}

QByteArray compact(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

} // namespace

class TestIdempotency : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void issuanceReplaysSameKeyAndSecret();
    void issuanceWithChangedBodyIs422();
    void issuanceKeyIsScopedToTheAdminKey();
    void completedCallIsReplayedWithoutVendorCall();
    void redeliveryWithFreshVaultKeyIsReplayed();
    void hundredConcurrentDuplicatesMoveMoneyOnce();
    void changedBodyIs422WithoutCharge();
    void retryAfterTimeoutResumesTheHold();
    void keysAreKeptFortyEightHours();

private:
    QJsonObject issue(double cap, const QString &label, const QString &expiresIn = "1h")
    {
        return m_server->issueKey(chargePolicy(cap, label, expiresIn));
    }
    HttpResult charge(const QString &secret, qint64 cents, const QByteArray &idempotencyKey,
                      const QByteArray &fault = {});
    int simCharges();
    QJsonObject key(const QString &keyId);
    QList<QJsonObject> keysLabelled(const QString &label);

    std::unique_ptr<TestServer> m_server;
};

void TestIdempotency::initTestCase()
{
    TestServer::Options options;
    options.testClock = true;
    options.serverArgs << QStringLiteral("--upstream-timeout-ms") << QStringLiteral("500");
    m_server = std::make_unique<TestServer>(options);
    QVERIFY2(m_server->start(), qPrintable(m_server->errorString()));
}

HttpResult TestIdempotency::charge(const QString &secret, qint64 cents,
                                   const QByteArray &idempotencyKey, const QByteArray &fault)
{
    QMap<QByteArray, QByteArray> headers;
    if (!idempotencyKey.isEmpty())
        headers.insert("Idempotency-Key", idempotencyKey);
    if (!fault.isEmpty())
        headers.insert("X-Sim-Fault", fault);
    return m_server->proxy("POST", QStringLiteral("/stripe/v1/charges"), stripeCharge(cents),
                           secret, kForm, headers);
}

int TestIdempotency::simCharges()
{
    return m_server->simStats()
        .value(QStringLiteral("by_operation"))
        .toObject()
        .value(QStringLiteral("stripe.charges.create"))
        .toInt();
}

QJsonObject TestIdempotency::key(const QString &keyId)
{
    return m_server->admin("GET", QStringLiteral("/v1/keys/") + keyId).json;
}

QList<QJsonObject> TestIdempotency::keysLabelled(const QString &label)
{
    const HttpResult list =
        m_server->admin("GET",
                        QStringLiteral("/v1/keys?limit=1000&label_prefix=")
                            + QString::fromLatin1(QUrl::toPercentEncoding(label)));
    QList<QJsonObject> keys;
    for (const auto &value : list.json.value(QStringLiteral("data")).toArray())
        keys.append(value.toObject());
    return keys;
}

void TestIdempotency::issuanceReplaysSameKeyAndSecret()
{
    const QString label = QStringLiteral("tests/idem/issue-replay");
    const QByteArray body = compact(chargePolicy(25, label));
    const QMap<QByteArray, QByteArray> headers {{"Idempotency-Key", "sqs-message-1"}};
    const HttpResult first =
        m_server->request("POST", QStringLiteral("/v1/keys"), body, m_server->adminKey(), headers);
    QCOMPARE(first.status, 201);
    QVERIFY(first.header("idempotent-replayed").isEmpty());
    const HttpResult second =
        m_server->request("POST", QStringLiteral("/v1/keys"), body, m_server->adminKey(), headers);
    QCOMPARE(second.status, 201);
    QCOMPARE(second.header("idempotent-replayed"), QByteArrayLiteral("true"));
    QCOMPARE(second.json.value(QStringLiteral("key_id")),
             first.json.value(QStringLiteral("key_id")));
    QCOMPARE(second.json.value(QStringLiteral("vault_key")),
             first.json.value(QStringLiteral("vault_key")));
    QVERIFY(second.json.value(QStringLiteral("vault_key"))
                .toString()
                .startsWith(QLatin1String("vault_key_")));
    QCOMPARE(second.json.value(QStringLiteral("expires_at")),
             first.json.value(QStringLiteral("expires_at")));
    // One key, one budget.
    QCOMPARE(keysLabelled(label).size(), 1);
    // The replayed secret works.
    QCOMPARE(charge(second.json.value(QStringLiteral("vault_key")).toString(), 100, {}).status,
             200);
}

void TestIdempotency::issuanceWithChangedBodyIs422()
{
    const QString label = QStringLiteral("tests/idem/issue-changed");
    const QMap<QByteArray, QByteArray> headers {{"Idempotency-Key", "sqs-message-2"}};
    QCOMPARE(m_server
                 ->request("POST", QStringLiteral("/v1/keys"), compact(chargePolicy(25, label)),
                           m_server->adminKey(), headers)
                 .status,
             201);
    const HttpResult doubled =
        m_server->request("POST", QStringLiteral("/v1/keys"), compact(chargePolicy(50, label)),
                          m_server->adminKey(), headers);
    QCOMPARE(doubled.status, 422);
    QCOMPARE(doubled.json.value(QStringLiteral("code")).toString(),
             QStringLiteral("idempotency_key_reused"));
    QVERIFY(!doubled.json.value(QStringLiteral("error")).toString().isEmpty());
    QVERIFY(!doubled.json.contains(QStringLiteral("vault_key")));
    QCOMPARE(keysLabelled(label).size(), 1);
}

void TestIdempotency::issuanceKeyIsScopedToTheAdminKey()
{
    const QString label = QStringLiteral("tests/idem/issue-scoped");
    const QByteArray body = compact(chargePolicy(25, label));
    const QMap<QByteArray, QByteArray> headers {{"Idempotency-Key", "sqs-message-3"}};
    const QString issuer = m_server->createAdminKey(QStringLiteral("issuer"), QStringLiteral("b"));
    QVERIFY(!issuer.isEmpty());
    const HttpResult mine =
        m_server->request("POST", QStringLiteral("/v1/keys"), body, m_server->adminKey(), headers);
    const HttpResult theirs =
        m_server->request("POST", QStringLiteral("/v1/keys"), body, issuer, headers);
    QCOMPARE(mine.status, 201);
    QCOMPARE(theirs.status, 201);
    QVERIFY(theirs.header("idempotent-replayed").isEmpty());
    QVERIFY(mine.json.value(QStringLiteral("key_id"))
            != theirs.json.value(QStringLiteral("key_id")));
    QVERIFY(mine.json.value(QStringLiteral("vault_key"))
            != theirs.json.value(QStringLiteral("vault_key")));
    QCOMPARE(keysLabelled(label).size(), 2);
}

void TestIdempotency::completedCallIsReplayedWithoutVendorCall()
{
    const QJsonObject issued = issue(20, QStringLiteral("tests/idem/replay"));
    const QString keyId = issued.value(QStringLiteral("key_id")).toString();
    const QString secret = issued.value(QStringLiteral("vault_key")).toString();
    const int before = simCharges();
    const HttpResult first = charge(secret, 700, "order-replay-1");
    QCOMPARE(first.status, 200);
    QCOMPARE(simCharges(), before + 1);
    for (int i = 0; i < 3; ++i) {
        const HttpResult again = charge(secret, 700, "order-replay-1");
        QCOMPARE(again.status, 200);
        QCOMPARE(again.header("idempotent-replayed"), QByteArrayLiteral("true"));
        QCOMPARE(again.body, first.body);
        QCOMPARE(again.header("content-type"), first.header("content-type"));
        QCOMPARE(again.header("keybrake-spent-today-usd"), QByteArrayLiteral("7"));
    }
    QCOMPARE(simCharges(), before + 1);
    const QJsonObject ledger = key(keyId);
    QCOMPARE(micros(ledger.value(QStringLiteral("spent_today_usd")).toDouble()), 7'000'000);
    QCOMPARE(micros(ledger.value(QStringLiteral("held_usd")).toDouble()), 0);

    QUrlQuery query;
    query.addQueryItem(QStringLiteral("key_id"), keyId);
    const QList<QJsonObject> rows = readAudit(*m_server, query);
    QCOMPARE(rows.size(), 4);
    int replayed = 0;
    for (const auto &row : rows) {
        if (row.value(QStringLiteral("verdict")).toString() == QLatin1String("replayed")) {
            ++replayed;
            QCOMPARE(micros(row.value(QStringLiteral("cost_usd")).toDouble()), 0);
            QCOMPARE(row.value(QStringLiteral("idempotency_key")).toString(),
                     QStringLiteral("order-replay-1"));
        }
    }
    QCOMPARE(replayed, 3);
    QCOMPARE(costMicros(rows), 7'000'000);

    // A vendor refusal is an answer too: replayed, not retried at the vendor.
    const HttpResult declined = charge(secret, 100, "order-declined-1", "402");
    QCOMPARE(declined.status, 402);
    const int afterDecline = simCharges();
    const HttpResult declinedAgain = charge(secret, 100, "order-declined-1");
    QCOMPARE(declinedAgain.status, 402);
    QCOMPARE(declinedAgain.header("idempotent-replayed"), QByteArrayLiteral("true"));
    QCOMPARE(declinedAgain.body, declined.body);
    QCOMPARE(simCharges(), afterDecline);
}

void TestIdempotency::redeliveryWithFreshVaultKeyIsReplayed()
{
    // The first delivery's handler issued a key and charged; the redelivery issued a fresh key
    // (another budget) for the same run label, lambda/{function}/{messageId}, and reuses the
    // message id as Idempotency-Key.
    const QJsonObject firstKey = issue(20, QStringLiteral("lambda/tests-idem/sqs-msg-77"));
    const QJsonObject secondKey = issue(20, QStringLiteral("lambda/tests-idem/sqs-msg-77"));
    const int before = simCharges();
    const HttpResult first =
        charge(firstKey.value(QStringLiteral("vault_key")).toString(), 1200, "sqs-msg-77");
    QCOMPARE(first.status, 200);
    const HttpResult redelivered =
        charge(secondKey.value(QStringLiteral("vault_key")).toString(), 1200, "sqs-msg-77");
    QCOMPARE(redelivered.status, 200);
    QCOMPARE(redelivered.header("idempotent-replayed"), QByteArrayLiteral("true"));
    QCOMPARE(redelivered.body, first.body);
    QCOMPARE(simCharges(), before + 1);
    QCOMPARE(micros(key(firstKey.value(QStringLiteral("key_id")).toString())
                        .value(QStringLiteral("spent_today_usd"))
                        .toDouble()),
             12'000'000);
    const QJsonObject second = key(secondKey.value(QStringLiteral("key_id")).toString());
    QCOMPARE(micros(second.value(QStringLiteral("spent_today_usd")).toDouble()), 0);
    QCOMPARE(micros(second.value(QStringLiteral("held_usd")).toDouble()), 0);

    // Another run reusing the message id is not a redelivery: it is neither served the charge
    // nor charged (the contract, revised 2026-12-05).
    const QJsonObject otherRun = issue(20, QStringLiteral("lambda/tests-idem/another-message"));
    const HttpResult other =
        charge(otherRun.value(QStringLiteral("vault_key")).toString(), 1200, "sqs-msg-77");
    QCOMPARE(other.status, 422);
    QCOMPARE(other.json.value(QStringLiteral("code")).toString(),
             QStringLiteral("idempotency_key_reused"));
    QCOMPARE(simCharges(), before + 1);
}

void TestIdempotency::hundredConcurrentDuplicatesMoveMoneyOnce()
{
    const QJsonObject issued = issue(500, QStringLiteral("tests/idem/hundred"));
    const QString keyId = issued.value(QStringLiteral("key_id")).toString();
    const std::string secret = issued.value(QStringLiteral("vault_key")).toString().toStdString();
    const int before = simCharges();
    std::vector<BurstRequest> requests(100);
    for (auto &request : requests) {
        request.target = "/stripe/v1/charges";
        request.headers = {{"Authorization", "Bearer " + secret},
                           {"Content-Type", "application/x-www-form-urlencoded"},
                           {"Idempotency-Key", "burst-duplicate-1"},
                           // The first one stays at the vendor while the others arrive.
                           {"X-Sim-Fault", "delay=300"}};
        request.body = stripeCharge(4200).toStdString();
    }
    const auto responses = sendBurst("127.0.0.1", m_server->port(), requests);
    int original = 0;
    int replayed = 0;
    int inFlight = 0;
    std::string originalBody;
    for (const auto &response : responses) {
        const QJsonObject body =
            QJsonDocument::fromJson(QByteArray::fromStdString(response.body)).object();
        if (response.status == 200) {
            const auto replayHeader = response.headers.find("idempotent-replayed");
            if (replayHeader != response.headers.end() && replayHeader->second == "true") {
                ++replayed;
            } else {
                ++original;
                originalBody = response.body;
            }
        } else if (response.status == 409) {
            QCOMPARE(body.value(QStringLiteral("code")).toString(),
                     QStringLiteral("idempotency_key_in_use"));
            ++inFlight;
        } else {
            QFAIL(qPrintable(QStringLiteral("unexpected answer %1 %2")
                                 .arg(response.status)
                                 .arg(QString::fromStdString(response.error + response.body))));
        }
    }
    QCOMPARE(original, 1);
    QCOMPARE(original + replayed + inFlight, 100);
    for (const auto &response : responses) {
        if (response.status == 200)
            QCOMPARE(response.body, originalBody);
    }
    QCOMPARE(simCharges(), before + 1);

    const QJsonObject ledger = key(keyId);
    QCOMPARE(micros(ledger.value(QStringLiteral("spent_today_usd")).toDouble()), 42'000'000);
    QCOMPARE(micros(ledger.value(QStringLiteral("held_usd")).toDouble()), 0);
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("key_id"), keyId);
    const QList<QJsonObject> rows = readAudit(*m_server, query);
    QCOMPARE(rows.size(), 100);
    int allowedRows = 0;
    for (const auto &row : rows) {
        if (row.value(QStringLiteral("verdict")).toString() == QLatin1String("allowed"))
            ++allowedRows;
    }
    QCOMPARE(allowedRows, 1);
    QCOMPARE(costMicros(rows), 42'000'000);
}

void TestIdempotency::changedBodyIs422WithoutCharge()
{
    const QJsonObject issued = issue(50, QStringLiteral("tests/idem/changed"));
    const QString keyId = issued.value(QStringLiteral("key_id")).toString();
    const QString secret = issued.value(QStringLiteral("vault_key")).toString();
    QCOMPARE(charge(secret, 500, "order-changed-1").status, 200);
    const int before = simCharges();
    const HttpResult changed = charge(secret, 5000, "order-changed-1");
    QCOMPARE(changed.status, 422);
    QCOMPARE(changed.json.value(QStringLiteral("code")).toString(),
             QStringLiteral("idempotency_key_reused"));
    QCOMPARE(changed.json[QStringLiteral("error")][QStringLiteral("code")].toString(),
             QStringLiteral("idempotency_key_reused"));
    QCOMPARE(simCharges(), before);
    const QJsonObject ledger = key(keyId);
    QCOMPARE(micros(ledger.value(QStringLiteral("spent_today_usd")).toDouble()), 5'000'000);
    QCOMPARE(micros(ledger.value(QStringLiteral("held_usd")).toDouble()), 0);
    QCOMPARE(ledger.value(QStringLiteral("blocked_today")).toInt(), 1);
}

void TestIdempotency::retryAfterTimeoutResumesTheHold()
{
    // A $15 cap fits one $10 hold, not two: a retry that reserved again would be refused.
    const QJsonObject issued = issue(15, QStringLiteral("tests/idem/resume"));
    const QString keyId = issued.value(QStringLiteral("key_id")).toString();
    const QString secret = issued.value(QStringLiteral("vault_key")).toString();
    const int before = simCharges();
    const HttpResult timedOut = charge(secret, 1000, "order-timeout-1", "hang");
    QCOMPARE(timedOut.status, 504);
    QCOMPARE(timedOut.json.value(QStringLiteral("code")).toString(),
             QStringLiteral("upstream_timeout"));
    QCOMPARE(micros(key(keyId).value(QStringLiteral("held_usd")).toDouble()), 10'000'000);

    // The vendor did create the charge before it went silent; the retry learns the outcome.
    const HttpResult retried = charge(secret, 1000, "order-timeout-1");
    QVERIFY2(retried.status == 200, retried.body.constData());
    QCOMPARE(retried.json.value(QStringLiteral("amount")).toInt(), 1000);
    QCOMPARE(simCharges(), before + 2);
    const QJsonObject ledger = key(keyId);
    // One hold, settled once at what the vendor charged: the money moved, so it counts.
    QCOMPARE(micros(ledger.value(QStringLiteral("held_usd")).toDouble()), 0);
    QCOMPARE(micros(ledger.value(QStringLiteral("spent_today_usd")).toDouble()), 10'000'000);
    QCOMPARE(retried.header("keybrake-spent-today-usd"), QByteArrayLiteral("10"));

    // The outcome is known now: a further retry is answered from the store.
    const int afterRetry = simCharges();
    const HttpResult replay = charge(secret, 1000, "order-timeout-1");
    QCOMPARE(replay.status, 200);
    QCOMPARE(replay.header("idempotent-replayed"), QByteArrayLiteral("true"));
    QCOMPARE(simCharges(), afterRetry);

    QUrlQuery query;
    query.addQueryItem(QStringLiteral("key_id"), keyId);
    QCOMPARE(costMicros(readAudit(*m_server, query)), 10'000'000);
}

void TestIdempotency::keysAreKeptFortyEightHours()
{
    const QJsonObject issued = issue(100, QStringLiteral("tests/idem/retention"), "5d");
    const QString keyId = issued.value(QStringLiteral("key_id")).toString();
    const QString secret = issued.value(QStringLiteral("vault_key")).toString();
    const QString issueLabel = QStringLiteral("tests/idem/retention-issue");
    const QByteArray issueBody = compact(chargePolicy(5, issueLabel, "5d"));
    const QMap<QByteArray, QByteArray> issueHeaders {{"Idempotency-Key", "retention-issue-1"}};
    const HttpResult issuedOnce = m_server->request("POST", QStringLiteral("/v1/keys"), issueBody,
                                                    m_server->adminKey(), issueHeaders);
    QCOMPARE(issuedOnce.status, 201);

    QCOMPARE(charge(secret, 300, "retention-1").status, 200);
    const int before = simCharges();

    QVERIFY(m_server->advanceClock(QStringLiteral("47h")));
    const HttpResult within = charge(secret, 300, "retention-1");
    QCOMPARE(within.status, 200);
    QCOMPARE(within.header("idempotent-replayed"), QByteArrayLiteral("true"));
    QCOMPARE(simCharges(), before);
    const HttpResult issuedWithin = m_server->request("POST", QStringLiteral("/v1/keys"), issueBody,
                                                      m_server->adminKey(), issueHeaders);
    QCOMPARE(issuedWithin.status, 201);
    QCOMPARE(issuedWithin.json.value(QStringLiteral("key_id")),
             issuedOnce.json.value(QStringLiteral("key_id")));

    // Past 48 h the key is new again: a real second call, charged in today's window. (The
    // simulator runs on real time and would still replay it from its own 24 h store; Stripe,
    // 49 hours later, would not, so its memory is cleared.)
    QVERIFY(m_server->advanceClock(QStringLiteral("2h")));
    m_server->resetSim();
    const HttpResult after = charge(secret, 300, "retention-1");
    QCOMPARE(after.status, 200);
    QVERIFY(after.header("idempotent-replayed").isEmpty());
    QCOMPARE(simCharges(), 1);
    QCOMPARE(micros(key(keyId).value(QStringLiteral("spent_today_usd")).toDouble()), 3'000'000);
    const HttpResult issuedAfter = m_server->request("POST", QStringLiteral("/v1/keys"), issueBody,
                                                     m_server->adminKey(), issueHeaders);
    QCOMPARE(issuedAfter.status, 201);
    QVERIFY(issuedAfter.header("idempotent-replayed").isEmpty());
    QVERIFY(issuedAfter.json.value(QStringLiteral("key_id"))
            != issuedOnce.json.value(QStringLiteral("key_id")));
    QCOMPARE(keysLabelled(issueLabel).size(), 2);
}

QTEST_GUILESS_MAIN(TestIdempotency)
#include "tst_idempotency.moc"
