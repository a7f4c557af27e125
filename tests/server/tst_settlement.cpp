// Every settlement rule of the contract, with the ledger (GET /v1/keys/{id}) and the call's audit
// row checked to the micro-dollar: what the vendor answered decides whether a hold becomes spend,
// is released, or stays reserved as "unknown".
#include "auditreader.h"
#include "testserver.h"

#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTcpServer>
#include <QTcpSocket>
#include <QtTest>

using namespace keybrake::test;

namespace {

using Headers = QMap<QByteArray, QByteArray>;

const QByteArray kForm = "application/x-www-form-urlencoded";
const QByteArray kJson = "application/json";

QJsonObject policy(const QString &vendor, const QString &endpoint, double cap, const QString &label)
{
    return {{QStringLiteral("vendor"), vendor},
            {QStringLiteral("daily_usd_cap"), cap},
            {QStringLiteral("allowed_endpoints"), QJsonArray {endpoint}},
            {QStringLiteral("expires_in"), QStringLiteral("1h")},
            {QStringLiteral("agent_run_label"), label}};
}

QString twilioMessages()
{
    return QStringLiteral("/twilio/2010-04-01/Accounts/%1/Messages.json")
        .arg(QString::fromLatin1(kTwilioSid));
}

// 161 GSM-7 characters: two segments, so a hold of 2 x $0.015 = $0.03.
QByteArray twoSegmentSms()
{
    return "To=%2B15559990000&From=%2B15550001111&Body=" + QByteArray(161, 'a');
}

// The ledger of one key as GET /v1/keys/{id} shows it, in micro-dollars.
struct Ledger
{
    qint64 spent = -1;
    qint64 held = -1;
    qint64 calls = -1;
    QString status;
};

} // namespace

class TestSettlement : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void stripeSuccessSettlesAtParsedAmount_data();
    void stripeSuccessSettlesAtParsedAmount();
    void twilioWithoutPriceSettlesAtEstimate();
    void twilioWithPriceSettlesAtParsedPrice();
    void resendSettlesAtEstimate_data();
    void resendSettlesAtEstimate();
    void vendorRefusalReleasesHold_data();
    void vendorRefusalReleasesHold();
    void serverErrorKeepsHold_data();
    void serverErrorKeepsHold();
    void timeoutAfterSendKeepsHold();
    void droppedConnectionKeepsHold();
    void refusedConnectionReleasesHold();
    void clientDisconnectMidRequest();
    void clientDisconnectBeforeTimeout();
    void keptHoldsCountAgainstTheCap();

private:
    // Issues a key, returns {key_id, vault_key}.
    QPair<QString, QString> issue(TestServer &server, const QString &vendor,
                                  const QString &endpoint, double cap);
    Ledger ledger(TestServer &server, const QString &keyId);
    // The newest call row of the key (the one the test just caused).
    QJsonObject lastCall(TestServer &server, const QString &keyId);
    int simCount(TestServer &server, const QString &operation);

    std::unique_ptr<TestServer> m_server;
    int m_label = 0;
};

void TestSettlement::initTestCase()
{
    TestServer::Options options;
    options.serverArgs << QStringLiteral("--upstream-timeout-ms") << QStringLiteral("500")
                       << QStringLiteral("--fx-rates") << QStringLiteral("eur=1.08,jpy=0.0067");
    m_server = std::make_unique<TestServer>(options);
    QVERIFY2(m_server->start(), qPrintable(m_server->errorString()));
}

QPair<QString, QString> TestSettlement::issue(TestServer &server, const QString &vendor,
                                              const QString &endpoint, double cap)
{
    const QJsonObject key = server.issueKey(
        policy(vendor, endpoint, cap, QStringLiteral("tests/settlement/%1").arg(++m_label)));
    return {key.value(QStringLiteral("key_id")).toString(),
            key.value(QStringLiteral("vault_key")).toString()};
}

Ledger TestSettlement::ledger(TestServer &server, const QString &keyId)
{
    const HttpResult result = server.admin("GET", QStringLiteral("/v1/keys/") + keyId);
    Ledger ledger;
    if (result.status != 200)
        return ledger;
    ledger.spent = micros(result.json.value(QStringLiteral("spent_today_usd")).toDouble());
    ledger.held = micros(result.json.value(QStringLiteral("held_usd")).toDouble());
    ledger.calls = result.json.value(QStringLiteral("calls_today")).toInteger();
    ledger.status = result.json.value(QStringLiteral("status")).toString();
    return ledger;
}

QJsonObject TestSettlement::lastCall(TestServer &server, const QString &keyId)
{
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("key_id"), keyId);
    const QList<QJsonObject> rows = readAudit(server, query);
    return rows.isEmpty() ? QJsonObject() : rows.first();
}

int TestSettlement::simCount(TestServer &server, const QString &operation)
{
    return server.simStats()
        .value(QStringLiteral("by_operation"))
        .toObject()
        .value(operation)
        .toInt();
}

void TestSettlement::stripeSuccessSettlesAtParsedAmount_data()
{
    QTest::addColumn<QByteArray>("currency");
    QTest::addColumn<qint64>("minorUnits");
    QTest::addColumn<qint64>("expectedMicros");
    QTest::newRow("usd") << QByteArrayLiteral("usd") << qint64(1234) << qint64(12'340'000);
    // 9.99 EUR at 1.08 = 10.7892 USD
    QTest::newRow("eur") << QByteArrayLiteral("eur") << qint64(999) << qint64(10'789'200);
    // JPY has no minor unit: 1500 JPY at 0.0067 = 10.05 USD, not 0.1005
    QTest::newRow("jpy zero-decimal")
        << QByteArrayLiteral("jpy") << qint64(1500) << qint64(10'050'000);
}

void TestSettlement::stripeSuccessSettlesAtParsedAmount()
{
    QFETCH(QByteArray, currency);
    QFETCH(qint64, minorUnits);
    QFETCH(qint64, expectedMicros);
    const auto [keyId, secret] =
        issue(*m_server, QStringLiteral("stripe"), QStringLiteral("charges.create"), 50);
    const HttpResult result = m_server->proxy("POST", QStringLiteral("/stripe/v1/charges"),
                                              stripeCharge(minorUnits, currency), secret);
    QVERIFY2(result.status == 200, result.body.constData());
    QCOMPARE(micros(result.header("keybrake-spent-today-usd").toDouble()), expectedMicros);
    QCOMPARE(micros(result.header("keybrake-cap-remaining-usd").toDouble()),
             50'000'000 - expectedMicros);

    const Ledger after = ledger(*m_server, keyId);
    QCOMPARE(after.spent, expectedMicros);
    QCOMPARE(after.held, 0);
    QCOMPARE(after.calls, 1);

    const QJsonObject row = lastCall(*m_server, keyId);
    QCOMPARE(row.value(QStringLiteral("verdict")).toString(), QStringLiteral("allowed"));
    QCOMPARE(micros(row.value(QStringLiteral("cost_usd")).toDouble()), expectedMicros);
    QCOMPARE(row.value(QStringLiteral("cost_source")).toString(), QStringLiteral("parsed"));
    QCOMPARE(row.value(QStringLiteral("currency")).toString(), QString::fromLatin1(currency));
    QCOMPARE(row.value(QStringLiteral("original_amount")).toInteger(), minorUnits);
    QCOMPARE(row.value(QStringLiteral("http_status")).toInt(), 200);
    QCOMPARE(row.value(QStringLiteral("upstream_status")).toInt(), 200);
    QCOMPARE(micros(row.value(QStringLiteral("cap_usage_after_usd")).toDouble()), expectedMicros);
    QCOMPARE(row.value(QStringLiteral("vendor_object_id")).toString(),
             result.json.value(QStringLiteral("id")).toString());
    QVERIFY(
        row.value(QStringLiteral("vendor_object_id")).toString().startsWith(QLatin1String("ch_")));
}

void TestSettlement::twilioWithoutPriceSettlesAtEstimate()
{
    const auto [keyId, secret] =
        issue(*m_server, QStringLiteral("twilio"), QStringLiteral("messages.create"), 5);
    const HttpResult result = m_server->proxy("POST", twilioMessages(), twoSegmentSms(), secret);
    QVERIFY2(result.status == 201, result.body.constData());
    QVERIFY(result.json.value(QStringLiteral("price")).isNull());

    const Ledger after = ledger(*m_server, keyId);
    QCOMPARE(after.spent, 30'000);
    QCOMPARE(after.held, 0);
    const QJsonObject row = lastCall(*m_server, keyId);
    QCOMPARE(row.value(QStringLiteral("verdict")).toString(), QStringLiteral("allowed"));
    QCOMPARE(micros(row.value(QStringLiteral("cost_usd")).toDouble()), 30'000);
    QCOMPARE(row.value(QStringLiteral("cost_source")).toString(), QStringLiteral("estimated"));
    QCOMPARE(row.value(QStringLiteral("upstream_status")).toInt(), 201);
    QVERIFY(
        row.value(QStringLiteral("vendor_object_id")).toString().startsWith(QLatin1String("SM")));
}

void TestSettlement::twilioWithPriceSettlesAtParsedPrice()
{
    // A vendor that prices messages at send time: $0.0079 a segment.
    TestServer::Options options;
    options.simArgs << QStringLiteral("--twilio-price") << QStringLiteral("-0.0079");
    TestServer priced(options);
    QVERIFY2(priced.start(), qPrintable(priced.errorString()));
    const auto [keyId, secret] =
        issue(priced, QStringLiteral("twilio"), QStringLiteral("messages.create"), 5);
    const HttpResult result = priced.proxy("POST", twilioMessages(), twoSegmentSms(), secret);
    QVERIFY2(result.status == 201, result.body.constData());
    QCOMPARE(result.json.value(QStringLiteral("price")).toString(), QStringLiteral("-0.0158"));

    const Ledger after = ledger(priced, keyId);
    QCOMPARE(after.spent, 15'800);
    QCOMPARE(after.held, 0);
    const QJsonObject row = lastCall(priced, keyId);
    QCOMPARE(micros(row.value(QStringLiteral("cost_usd")).toDouble()), 15'800);
    QCOMPARE(row.value(QStringLiteral("cost_source")).toString(), QStringLiteral("parsed"));
    QCOMPARE(micros(row.value(QStringLiteral("cap_usage_after_usd")).toDouble()), 15'800);
}

void TestSettlement::resendSettlesAtEstimate_data()
{
    QTest::addColumn<QString>("operation");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<qint64>("expectedMicros");
    QTest::newRow("one email") << QStringLiteral("emails.send") << QStringLiteral("/resend/emails")
                               << QByteArray(R"({"from":"ops@example.com","to":"a@b.io",)"
                                             R"("subject":"s","text":"t"})")
                               << qint64(400);
    QTest::newRow("two recipients")
        << QStringLiteral("emails.send") << QStringLiteral("/resend/emails")
        << QByteArray(R"({"from":"ops@example.com","to":["a@b.io","c@d.io"],)"
                      R"("subject":"s","text":"t"})")
        << qint64(800);
    QTest::newRow("batch of three")
        << QStringLiteral("emails.batch") << QStringLiteral("/resend/emails/batch")
        << QByteArray(R"([{"from":"ops@example.com","to":"a@b.io","subject":"s","text":"t"},)"
                      R"({"from":"ops@example.com","to":"c@b.io","subject":"s","text":"t"},)"
                      R"({"from":"ops@example.com","to":"e@b.io","subject":"s","text":"t"}])")
        << qint64(1200);
}

void TestSettlement::resendSettlesAtEstimate()
{
    QFETCH(QString, operation);
    QFETCH(QString, path);
    QFETCH(QByteArray, body);
    QFETCH(qint64, expectedMicros);
    const auto [keyId, secret] = issue(*m_server, QStringLiteral("resend"), operation, 1);
    const HttpResult result = m_server->proxy("POST", path, body, secret, kJson);
    QVERIFY2(result.status == 200, result.body.constData());
    const Ledger after = ledger(*m_server, keyId);
    QCOMPARE(after.spent, expectedMicros);
    QCOMPARE(after.held, 0);
    const QJsonObject row = lastCall(*m_server, keyId);
    QCOMPARE(row.value(QStringLiteral("verdict")).toString(), QStringLiteral("allowed"));
    QCOMPARE(micros(row.value(QStringLiteral("cost_usd")).toDouble()), expectedMicros);
    QCOMPARE(row.value(QStringLiteral("cost_source")).toString(), QStringLiteral("estimated"));
}

void TestSettlement::vendorRefusalReleasesHold_data()
{
    QTest::addColumn<QByteArray>("fault");
    QTest::newRow("402 card declined") << QByteArrayLiteral("402");
    QTest::newRow("400 invalid request") << QByteArrayLiteral("400");
    QTest::newRow("429 vendor rate limit") << QByteArrayLiteral("429");
}

void TestSettlement::vendorRefusalReleasesHold()
{
    QFETCH(QByteArray, fault);
    const auto [keyId, secret] =
        issue(*m_server, QStringLiteral("stripe"), QStringLiteral("charges.create"), 50);
    const int before = simCount(*m_server, QStringLiteral("stripe.charges.create"));
    const HttpResult result =
        m_server->proxy("POST", QStringLiteral("/stripe/v1/charges"), stripeCharge(2000), secret,
                        kForm, {{"X-Sim-Fault", fault}});
    // The vendor's own answer reaches the agent unchanged (not a Keybrake refusal).
    QCOMPARE(result.status, fault.toInt());
    QVERIFY2(result.json.value(QStringLiteral("error")).isObject(), result.body.constData());
    QVERIFY(!result.json.contains(QStringLiteral("code")));
    QCOMPARE(result.header("keybrake-key-id"), keyId.toUtf8());
    QCOMPARE(result.header("keybrake-spent-today-usd"), QByteArrayLiteral("0"));
    QCOMPARE(result.header("keybrake-cap-remaining-usd"), QByteArrayLiteral("50"));
    QCOMPARE(simCount(*m_server, QStringLiteral("stripe.charges.create")), before + 1);

    const Ledger after = ledger(*m_server, keyId);
    QCOMPARE(after.spent, 0);
    QCOMPARE(after.held, 0);
    QCOMPARE(after.status, QStringLiteral("active"));
    const QJsonObject row = lastCall(*m_server, keyId);
    QCOMPARE(row.value(QStringLiteral("upstream_status")).toInt(), fault.toInt());
    QCOMPARE(row.value(QStringLiteral("http_status")).toInt(), fault.toInt());
    QCOMPARE(micros(row.value(QStringLiteral("cost_usd")).toDouble()), 0);
    QCOMPARE(row.value(QStringLiteral("cost_source")).toString(), QStringLiteral("none"));
    QCOMPARE(micros(row.value(QStringLiteral("cap_usage_after_usd")).toDouble()), 0);
}

void TestSettlement::serverErrorKeepsHold_data()
{
    QTest::addColumn<QByteArray>("fault");
    QTest::newRow("500") << QByteArrayLiteral("500");
    QTest::newRow("503") << QByteArrayLiteral("503");
}

void TestSettlement::serverErrorKeepsHold()
{
    QFETCH(QByteArray, fault);
    const auto [keyId, secret] =
        issue(*m_server, QStringLiteral("stripe"), QStringLiteral("charges.create"), 50);
    const HttpResult result =
        m_server->proxy("POST", QStringLiteral("/stripe/v1/charges"), stripeCharge(2000), secret,
                        kForm, {{"X-Sim-Fault", fault}});
    QCOMPARE(result.status, fault.toInt());
    QCOMPARE(result.header("keybrake-spent-today-usd"), QByteArrayLiteral("0"));
    // The $20 may have moved: it stays reserved.
    QCOMPARE(result.header("keybrake-cap-remaining-usd"), QByteArrayLiteral("30"));

    const Ledger after = ledger(*m_server, keyId);
    QCOMPARE(after.spent, 0);
    QCOMPARE(after.held, 20'000'000);
    const QJsonObject row = lastCall(*m_server, keyId);
    QCOMPARE(row.value(QStringLiteral("verdict")).toString(), QStringLiteral("upstream_error"));
    QCOMPARE(row.value(QStringLiteral("upstream_status")).toInt(), fault.toInt());
    QCOMPARE(micros(row.value(QStringLiteral("cost_usd")).toDouble()), 0);
    QCOMPARE(micros(row.value(QStringLiteral("cap_usage_after_usd")).toDouble()), 20'000'000);
}

void TestSettlement::timeoutAfterSendKeepsHold()
{
    const auto [keyId, secret] =
        issue(*m_server, QStringLiteral("stripe"), QStringLiteral("charges.create"), 50);
    const int before = simCount(*m_server, QStringLiteral("stripe.charges.create"));
    const HttpResult result =
        m_server->proxy("POST", QStringLiteral("/stripe/v1/charges"), stripeCharge(1500), secret,
                        kForm, {{"X-Sim-Fault", "hang"}});
    QCOMPARE(result.status, 504);
    QCOMPARE(result.json.value(QStringLiteral("code")).toString(),
             QStringLiteral("upstream_timeout"));
    QCOMPARE(result.json[QStringLiteral("error")][QStringLiteral("code")].toString(),
             QStringLiteral("upstream_timeout"));
    QCOMPARE(result.header("keybrake-key-id"), keyId.toUtf8());
    QCOMPARE(simCount(*m_server, QStringLiteral("stripe.charges.create")), before + 1);

    const Ledger after = ledger(*m_server, keyId);
    QCOMPARE(after.spent, 0);
    QCOMPARE(after.held, 15'000'000);
    const QJsonObject row = lastCall(*m_server, keyId);
    QCOMPARE(row.value(QStringLiteral("verdict")).toString(), QStringLiteral("upstream_error"));
    QCOMPARE(row.value(QStringLiteral("reason")).toString(), QStringLiteral("upstream_timeout"));
    QCOMPARE(row.value(QStringLiteral("http_status")).toInt(), 504);
    QVERIFY(row.value(QStringLiteral("upstream_status")).isNull());
    QCOMPARE(micros(row.value(QStringLiteral("cost_usd")).toDouble()), 0);
    QCOMPARE(micros(row.value(QStringLiteral("cap_usage_after_usd")).toDouble()), 15'000'000);
}

void TestSettlement::droppedConnectionKeepsHold()
{
    const auto [keyId, secret] =
        issue(*m_server, QStringLiteral("stripe"), QStringLiteral("charges.create"), 50);
    const HttpResult result =
        m_server->proxy("POST", QStringLiteral("/stripe/v1/charges"), stripeCharge(700), secret,
                        kForm, {{"X-Sim-Fault", "drop"}});
    QCOMPARE(result.status, 502);
    QCOMPARE(result.json.value(QStringLiteral("code")).toString(),
             QStringLiteral("upstream_unavailable"));
    const Ledger after = ledger(*m_server, keyId);
    QCOMPARE(after.spent, 0);
    QCOMPARE(after.held, 7'000'000);
    const QJsonObject row = lastCall(*m_server, keyId);
    QCOMPARE(row.value(QStringLiteral("verdict")).toString(), QStringLiteral("upstream_error"));
    QCOMPARE(row.value(QStringLiteral("http_status")).toInt(), 502);
    QCOMPARE(micros(row.value(QStringLiteral("cost_usd")).toDouble()), 0);
    QCOMPARE(micros(row.value(QStringLiteral("cap_usage_after_usd")).toDouble()), 7'000'000);
}

void TestSettlement::refusedConnectionReleasesHold()
{
    // A port that was just free and is closed again: connecting to it is refused.
    quint16 closedPort = 0;
    {
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
        closedPort = probe.serverPort();
    }
    TestServer::Options options;
    options.startSim = false;
    options.serverEnv.insert(QStringLiteral("KEYBRAKE_UPSTREAM_STRIPE"),
                             QStringLiteral("http://127.0.0.1:%1").arg(closedPort));
    TestServer unreachable(options);
    QVERIFY2(unreachable.start(), qPrintable(unreachable.errorString()));
    const auto [keyId, secret] =
        issue(unreachable, QStringLiteral("stripe"), QStringLiteral("charges.create"), 50);
    const HttpResult result =
        unreachable.proxy("POST", QStringLiteral("/stripe/v1/charges"), stripeCharge(2500), secret);
    QCOMPARE(result.status, 502);
    QCOMPARE(result.json.value(QStringLiteral("code")).toString(),
             QStringLiteral("upstream_unavailable"));
    QCOMPARE(result.header("keybrake-cap-remaining-usd"), QByteArrayLiteral("50"));
    const Ledger after = ledger(unreachable, keyId);
    QCOMPARE(after.spent, 0);
    QCOMPARE(after.held, 0);
    const QJsonObject row = lastCall(unreachable, keyId);
    QCOMPARE(row.value(QStringLiteral("verdict")).toString(), QStringLiteral("upstream_error"));
    QCOMPARE(row.value(QStringLiteral("http_status")).toInt(), 502);
    QCOMPARE(micros(row.value(QStringLiteral("cost_usd")).toDouble()), 0);
    QCOMPARE(micros(row.value(QStringLiteral("cap_usage_after_usd")).toDouble()), 0);
    // The whole cap is still there: a second call is admitted (and refused by the network again).
    QCOMPARE(
        unreachable.proxy("POST", QStringLiteral("/stripe/v1/charges"), stripeCharge(5000), secret)
            .status,
        502);
}

void TestSettlement::clientDisconnectMidRequest()
{
    // A server with the default upstream timeout, so the vendor's one-second answer is awaited.
    TestServer patient;
    QVERIFY2(patient.start(), qPrintable(patient.errorString()));
    const auto [keyId, secret] =
        issue(patient, QStringLiteral("stripe"), QStringLiteral("charges.create"), 50);
    const QByteArray body = stripeCharge(900);
    QTcpSocket agent;
    agent.connectToHost(QHostAddress::LocalHost, patient.port());
    QVERIFY(agent.waitForConnected(5000));
    agent.write("POST /stripe/v1/charges HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                "Authorization: Bearer "
                + secret.toUtf8()
                + "\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                  "X-Sim-Fault: delay=1000\r\nContent-Length: "
                + QByteArray::number(body.size()) + "\r\n\r\n" + body);
    QVERIFY(agent.waitForBytesWritten(5000));
    // Once the vendor has the call, the agent goes away, like a Lambda that timed out.
    QTRY_COMPARE_WITH_TIMEOUT(simCount(patient, QStringLiteral("stripe.charges.create")), 1, 5000);
    agent.abort();
    QVERIFY2(lastCall(patient, keyId).isEmpty(), "the call was over before the agent left");

    // The vendor's answer still settles the hold, and the call leaves its audit row.
    QTRY_VERIFY_WITH_TIMEOUT(!lastCall(patient, keyId).isEmpty(), 10000);
    const QJsonObject row = lastCall(patient, keyId);
    QCOMPARE(row.value(QStringLiteral("verdict")).toString(), QStringLiteral("allowed"));
    QCOMPARE(micros(row.value(QStringLiteral("cost_usd")).toDouble()), 9'000'000);
    const Ledger after = ledger(patient, keyId);
    QCOMPARE(after.spent, 9'000'000);
    QCOMPARE(after.held, 0);
    QCOMPARE(patient.request("GET", QStringLiteral("/healthz")).status, 200);
}

void TestSettlement::clientDisconnectBeforeTimeout()
{
    const auto [keyId, secret] =
        issue(*m_server, QStringLiteral("stripe"), QStringLiteral("charges.create"), 50);
    // Gone while the vendor never answers: the upstream timeout keeps the hold, as it would
    // with the agent still waiting.
    const int hangsBefore = simCount(*m_server, QStringLiteral("stripe.charges.create"));
    QTcpSocket impatient;
    impatient.connectToHost(QHostAddress::LocalHost, m_server->port());
    QVERIFY(impatient.waitForConnected(5000));
    const QByteArray body = stripeCharge(300);
    impatient.write("POST /stripe/v1/charges HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    "Authorization: Bearer "
                    + secret.toUtf8()
                    + "\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                      "X-Sim-Fault: hang\r\nContent-Length: "
                    + QByteArray::number(body.size()) + "\r\n\r\n" + body);
    QVERIFY(impatient.waitForBytesWritten(5000));
    QTRY_COMPARE_WITH_TIMEOUT(simCount(*m_server, QStringLiteral("stripe.charges.create")),
                              hangsBefore + 1, 5000);
    impatient.abort();
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("key_id"), keyId);
    QTRY_COMPARE_WITH_TIMEOUT(readAudit(*m_server, query).size(), 1, 10000);
    const QJsonObject timedOut = lastCall(*m_server, keyId);
    QCOMPARE(timedOut.value(QStringLiteral("reason")).toString(),
             QStringLiteral("upstream_timeout"));
    const Ledger afterTimeout = ledger(*m_server, keyId);
    QCOMPARE(afterTimeout.spent, 0);
    QCOMPARE(afterTimeout.held, 3'000'000);
    QCOMPARE(m_server->request("GET", QStringLiteral("/healthz")).status, 200);
}

void TestSettlement::keptHoldsCountAgainstTheCap()
{
    // $8 kept after a timeout plus $2 settled: a $10 cap has nothing left.
    const auto [keyId, secret] =
        issue(*m_server, QStringLiteral("stripe"), QStringLiteral("charges.create"), 10);
    QCOMPARE(m_server
                 ->proxy("POST", QStringLiteral("/stripe/v1/charges"), stripeCharge(800), secret,
                         kForm, {{"X-Sim-Fault", "hang"}})
                 .status,
             504);
    QCOMPARE(
        m_server->proxy("POST", QStringLiteral("/stripe/v1/charges"), stripeCharge(200), secret)
            .status,
        200);
    const HttpResult refused =
        m_server->proxy("POST", QStringLiteral("/stripe/v1/charges"), stripeCharge(1), secret);
    QCOMPARE(refused.status, 429);
    QCOMPARE(micros(refused.json.value(QStringLiteral("held_usd")).toDouble()), 8'000'000);
    QCOMPARE(micros(refused.json.value(QStringLiteral("spent_today_usd")).toDouble()), 2'000'000);
    const Ledger after = ledger(*m_server, keyId);
    QCOMPARE(after.status, QStringLiteral("capped"));
    QCOMPARE(after.spent + after.held, 10'000'000);

    // The audit log and the ledger agree: settled spend is the sum of the rows' costs.
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("key_id"), keyId);
    QCOMPARE(costMicros(readAudit(*m_server, query)), after.spent);
}

QTEST_GUILESS_MAIN(TestSettlement)
#include "tst_settlement.moc"
