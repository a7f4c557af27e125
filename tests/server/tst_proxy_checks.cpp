// Every check of the contract's proxy table, in its order, with its status, code and body shape,
// against the real keybraked and keybrake-sim vendors.
#include "httpburst.h"
#include "testserver.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QUrlQuery>
#include <QtTest>

#include <future>

using namespace keybrake::test;

using Headers = QMap<QByteArray, QByteArray>;

namespace {

QJsonObject policy(const QString &vendor, const QJsonArray &endpoints, double cap = 50,
                   const QJsonObject &scope = {})
{
    QJsonObject object {{QStringLiteral("vendor"), vendor},
                        {QStringLiteral("daily_usd_cap"), cap},
                        {QStringLiteral("allowed_endpoints"), endpoints},
                        {QStringLiteral("expires_in"), QStringLiteral("15m")},
                        {QStringLiteral("agent_run_label"), QStringLiteral("tests/checks/run")}};
    if (!scope.isEmpty())
        object.insert(QStringLiteral("scope"), scope);
    return object;
}

QString twilioMessages()
{
    return QStringLiteral("/twilio/2010-04-01/Accounts/%1/Messages.json")
        .arg(QString::fromLatin1(kTwilioSid));
}

} // namespace

class TestProxyChecks : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void missingOrMalformedKey_data();
    void missingOrMalformedKey();
    void adminKeyIsNotAVaultKey();
    void duplicateAuthorizationIsRefused();
    void vaultKeyIsNotAnAdminKey();
    void revokedKey();
    void expiredKey();
    void vendorMismatch();
    void endpointNotAllowed();
    void bothAllowlistFormsAdmit();
    void scopeViolations_data();
    void scopeViolations();
    void idempotentReplay();
    void idempotencyInFlight();
    void idempotencyKeyReused();
    void costUnknown();
    void currencyNotSupported();
    void capExhausted();
    void checksRunInTheContractsOrder();
    void refusalShapesPerVendor();
    void vendorSecretSubstituted();
    void twilioBasicAuthAndMaxPrice();
    void stripeJsonBodyBecomesForm();
    void stripeDoubleV1Prefix();

private:
    QString issue(const QJsonObject &policyObject)
    {
        const QJsonObject key = m_server->issueKey(policyObject);
        return key.value(QStringLiteral("vault_key")).toString();
    }

    std::unique_ptr<TestServer> m_server;
};

void TestProxyChecks::initTestCase()
{
    TestServer::Options options;
    options.testClock = true;
    options.serverEnv.insert(QStringLiteral("KEYBRAKE_FX_RATES"), QStringLiteral("eur=1.08"));
    m_server = std::make_unique<TestServer>(options);
    QVERIFY2(m_server->start(), qPrintable(m_server->errorString()));
}

void TestProxyChecks::missingOrMalformedKey_data()
{
    QTest::addColumn<QByteArray>("authorization");
    QTest::newRow("none") << QByteArray();
    QTest::newRow("empty bearer") << QByteArrayLiteral("Bearer ");
    QTest::newRow("wrong prefix") << QByteArrayLiteral("Bearer sk_live_1234567890");
    QTest::newRow("unknown vault key")
        << QByteArrayLiteral("Bearer vault_key_0000000000000000000000000000000000000000");
    QTest::newRow("basic without password") << QByteArray("Basic " + QByteArray("AC1:").toBase64());
    QTest::newRow("garbage basic") << QByteArrayLiteral("Basic !!!notbase64");
    QTest::newRow("hostile chars")
        << QByteArrayLiteral("Bearer vault_key_'; DROP TABLE vault_keys; --aaaaaaaaaaaaaaaa");
}

void TestProxyChecks::missingOrMalformedKey()
{
    QFETCH(QByteArray, authorization);
    QMap<QByteArray, QByteArray> headers {{"Content-Type", "application/x-www-form-urlencoded"}};
    if (!authorization.isEmpty())
        headers.insert("Authorization", authorization);
    const QJsonObject before = m_server->simStats();
    const HttpResult result = m_server->request("POST", QStringLiteral("/stripe/v1/charges"),
                                                stripeCharge(100), {}, headers);
    QCOMPARE(result.status, 401);
    QCOMPARE(result.json.value(QStringLiteral("code")).toString(), QStringLiteral("invalid_key"));
    QCOMPARE(result.json[QStringLiteral("error")][QStringLiteral("code")].toString(),
             QStringLiteral("invalid_key"));
    QVERIFY(!result.header("x-request-id").isEmpty());
    QVERIFY(result.headers.contains("keybrake-key-id"));
    QCOMPARE(m_server->simStats().value(QStringLiteral("requests_total")).toInt(),
             before.value(QStringLiteral("requests_total")).toInt());
}

void TestProxyChecks::adminKeyIsNotAVaultKey()
{
    const HttpResult result = m_server->proxy("POST", QStringLiteral("/stripe/v1/charges"),
                                              stripeCharge(100), m_server->adminKey());
    QCOMPARE(result.status, 401);
    QCOMPARE(result.json.value(QStringLiteral("code")).toString(), QStringLiteral("invalid_key"));
}

void TestProxyChecks::duplicateAuthorizationIsRefused()
{
    const QString vaultKey =
        issue(policy(QStringLiteral("stripe"), {QStringLiteral("charges.create")}));
    const QByteArray body = stripeCharge(100);
    const QByteArray request = "POST /stripe/v1/charges HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                               "Authorization: Bearer "
        + vaultKey.toUtf8() + "\r\nAuthorization: Bearer sk_live_other\r\n"
        + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: "
        + QByteArray::number(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
    const HttpResult result = rawHttp(m_server->port(), request);
    QCOMPARE(result.status, 401);
    QCOMPARE(result.json.value(QStringLiteral("code")).toString(), QStringLiteral("invalid_key"));
}

void TestProxyChecks::vaultKeyIsNotAnAdminKey()
{
    const QString vaultKey =
        issue(policy(QStringLiteral("stripe"), {QStringLiteral("charges.create")}));
    QVERIFY(!vaultKey.isEmpty());
    const HttpResult result = m_server->request("GET", QStringLiteral("/v1/keys"), {}, vaultKey);
    QCOMPARE(result.status, 401);
    QCOMPARE(result.json.value(QStringLiteral("code")).toString(),
             QStringLiteral("unauthenticated"));
}

void TestProxyChecks::revokedKey()
{
    const QJsonObject key =
        m_server->issueKey(policy(QStringLiteral("stripe"), {QStringLiteral("charges.create")}));
    const QString keyId = key.value(QStringLiteral("key_id")).toString();
    const HttpResult revoke = m_server->admin("DELETE", QStringLiteral("/v1/keys/") + keyId);
    QCOMPARE(revoke.status, 200);
    const HttpResult result =
        m_server->proxy("POST", QStringLiteral("/stripe/v1/charges"), stripeCharge(100),
                        key.value(QStringLiteral("vault_key")).toString());
    QCOMPARE(result.status, 401);
    QCOMPARE(result.json.value(QStringLiteral("code")).toString(), QStringLiteral("key_revoked"));
    QCOMPARE(result.json.value(QStringLiteral("revoked_at")).toString(),
             revoke.json.value(QStringLiteral("revoked_at")).toString());
    QCOMPARE(result.header("keybrake-key-id"), keyId.toUtf8());
}

void TestProxyChecks::expiredKey()
{
    QJsonObject shortLived = policy(QStringLiteral("stripe"), {QStringLiteral("charges.create")});
    shortLived.insert(QStringLiteral("expires_in"), QStringLiteral("90s"));
    const QJsonObject key = m_server->issueKey(shortLived);
    const QString secret = key.value(QStringLiteral("vault_key")).toString();
    QCOMPARE(
        m_server->proxy("POST", QStringLiteral("/stripe/v1/charges"), stripeCharge(100), secret)
            .status,
        200);
    QVERIFY(m_server->advanceClock(QStringLiteral("91s")));
    const HttpResult result =
        m_server->proxy("POST", QStringLiteral("/stripe/v1/charges"), stripeCharge(100), secret);
    QCOMPARE(result.status, 401);
    QCOMPARE(result.json.value(QStringLiteral("code")).toString(), QStringLiteral("key_expired"));
    QCOMPARE(result.json.value(QStringLiteral("expired_at")).toString(),
             key.value(QStringLiteral("expires_at")).toString());
    const HttpResult listed = m_server->admin(
        "GET", QStringLiteral("/v1/keys/") + key.value(QStringLiteral("key_id")).toString());
    QCOMPARE(listed.json.value(QStringLiteral("status")).toString(), QStringLiteral("expired"));
}

void TestProxyChecks::vendorMismatch()
{
    const QString vaultKey =
        issue(policy(QStringLiteral("resend"), {QStringLiteral("emails.send")}));
    const HttpResult result =
        m_server->proxy("POST", QStringLiteral("/stripe/v1/charges"), stripeCharge(100), vaultKey);
    QCOMPARE(result.status, 403);
    QCOMPARE(result.json.value(QStringLiteral("code")).toString(),
             QStringLiteral("vendor_mismatch"));
}

void TestProxyChecks::endpointNotAllowed()
{
    const QString vaultKey =
        issue(policy(QStringLiteral("stripe"), {QStringLiteral("charges.create")}));
    const QJsonObject before = m_server->simStats();
    const HttpResult result = m_server->proxy("POST", QStringLiteral("/stripe/v1/payouts"),
                                              "amount=100&currency=usd", vaultKey);
    QCOMPARE(result.status, 403);
    QCOMPARE(result.json.value(QStringLiteral("code")).toString(),
             QStringLiteral("endpoint_not_allowed"));
    QCOMPARE(result.json.value(QStringLiteral("attempted")).toString(),
             QStringLiteral("payouts.create"));
    QCOMPARE(result.json.value(QStringLiteral("allowed_endpoints")).toArray(),
             QJsonArray {QStringLiteral("charges.create")});
    QCOMPARE(
        result.json.value(QStringLiteral("message")).toString(),
        QStringLiteral("Operation \"payouts.create\" is not permitted by this vault key's policy"));
    const QJsonObject error = result.json.value(QStringLiteral("error")).toObject();
    QCOMPARE(error.value(QStringLiteral("type")).toString(),
             QStringLiteral("invalid_request_error"));
    QCOMPARE(error.value(QStringLiteral("code")).toString(),
             QStringLiteral("endpoint_not_allowed"));
    QCOMPARE(m_server->simStats().value(QStringLiteral("requests_total")).toInt(),
             before.value(QStringLiteral("requests_total")).toInt());
}

void TestProxyChecks::bothAllowlistFormsAdmit()
{
    const QString vaultKey = issue(
        policy(QStringLiteral("stripe"),
               {QStringLiteral("POST /v1/payment_intents"), QStringLiteral("customers.retrieve"),
                QStringLiteral("GET /v1/customers/{id}")}));
    QCOMPARE(m_server
                 ->proxy("POST", QStringLiteral("/stripe/v1/payment_intents"),
                         "amount=500&currency=usd", vaultKey)
                 .status,
             200);
    const HttpResult created = m_server->proxy("POST", QStringLiteral("/stripe/v1/customers"),
                                               "email=a@example.com", vaultKey);
    QCOMPARE(created.status, 403);
    // Admitted by the "GET /v1/customers/{id}" entry: whatever the vendor answers, not a refusal.
    const HttpResult retrieved =
        m_server->proxy("GET", QStringLiteral("/stripe/v1/customers/cus_123"), {}, vaultKey);
    QVERIFY(retrieved.status != 403 && retrieved.status != 401);
}

void TestProxyChecks::scopeViolations_data()
{
    QTest::addColumn<QJsonObject>("keyPolicy");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<Headers>("headers");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("field");

    const QJsonObject customers {
        {QStringLiteral("stripe_customers"), QJsonArray {QStringLiteral("cus_ok")}}};
    const QJsonObject accounts {
        {QStringLiteral("stripe_accounts"), QJsonArray {QStringLiteral("acct_ok")}}};
    const QJsonObject domains {
        {QStringLiteral("resend_from_domains"), QJsonArray {QStringLiteral("example.com")}}};
    const QJsonObject numbers {
        {QStringLiteral("twilio_from_numbers"), QJsonArray {QStringLiteral("+15550001111")}}};
    const QByteArray form = "application/x-www-form-urlencoded";
    const QByteArray json = "application/json";
    const QJsonArray charges {QStringLiteral("charges.create")};
    QTest::newRow("customer in scope")
        << policy(QStringLiteral("stripe"), charges, 50, customers)
        << QStringLiteral("/stripe/v1/charges") << stripeCharge(100, "usd", "cus_ok") << form
        << QMap<QByteArray, QByteArray> {} << 200 << QString();
    QTest::newRow("other customer")
        << policy(QStringLiteral("stripe"), charges, 50, customers)
        << QStringLiteral("/stripe/v1/charges") << stripeCharge(100, "usd", "cus_other") << form
        << QMap<QByteArray, QByteArray> {} << 403 << QStringLiteral("customer");
    QTest::newRow("no customer") << policy(QStringLiteral("stripe"), charges, 50, customers)
                                 << QStringLiteral("/stripe/v1/charges") << stripeCharge(100)
                                 << form << QMap<QByteArray, QByteArray> {} << 403
                                 << QStringLiteral("customer");
    QTest::newRow("account in scope")
        << policy(QStringLiteral("stripe"), charges, 50, accounts)
        << QStringLiteral("/stripe/v1/charges") << stripeCharge(100) << form
        << QMap<QByteArray, QByteArray> {{"Stripe-Account", "acct_ok"}} << 200 << QString();
    QTest::newRow("other account")
        << policy(QStringLiteral("stripe"), charges, 50, accounts)
        << QStringLiteral("/stripe/v1/charges") << stripeCharge(100) << form
        << QMap<QByteArray, QByteArray> {{"Stripe-Account", "acct_evil"}} << 403
        << QStringLiteral("stripe_account");
    const QByteArray goodEmail =
        R"({"from":"Ops <ops@example.com>","to":"a@b.io","subject":"hi","text":"x"})";
    const QByteArray badEmail = R"({"from":"ops@evil.io","to":"a@b.io","subject":"hi","text":"x"})";
    QTest::newRow("from domain in scope")
        << policy(QStringLiteral("resend"), {QStringLiteral("emails.send")}, 5, domains)
        << QStringLiteral("/resend/emails") << goodEmail << json << QMap<QByteArray, QByteArray> {}
        << 200 << QString();
    QTest::newRow("other from domain")
        << policy(QStringLiteral("resend"), {QStringLiteral("emails.send")}, 5, domains)
        << QStringLiteral("/resend/emails") << badEmail << json << QMap<QByteArray, QByteArray> {}
        << 403 << QStringLiteral("from");
    QTest::newRow("from number in scope")
        << policy(QStringLiteral("twilio"), {QStringLiteral("messages.create")}, 5, numbers)
        << twilioMessages() << QByteArray("To=%2B15559990000&From=%2B15550001111&Body=hello")
        << form << QMap<QByteArray, QByteArray> {} << 201 << QString();
    QTest::newRow("other from number")
        << policy(QStringLiteral("twilio"), {QStringLiteral("messages.create")}, 5, numbers)
        << twilioMessages() << QByteArray("To=%2B15559990000&From=%2B15550009999&Body=hello")
        << form << QMap<QByteArray, QByteArray> {} << 403 << QStringLiteral("From");
}

void TestProxyChecks::scopeViolations()
{
    QFETCH(QJsonObject, keyPolicy);
    QFETCH(QString, path);
    QFETCH(QByteArray, body);
    QFETCH(QByteArray, contentType);
    QFETCH(Headers, headers);
    QFETCH(int, status);
    QFETCH(QString, field);
    const QString vaultKey = issue(keyPolicy);
    const HttpResult result = m_server->proxy("POST", path, body, vaultKey, contentType, headers);
    QVERIFY2(result.status == status, result.body.constData());
    if (!field.isEmpty()) {
        QCOMPARE(result.json.value(QStringLiteral("code")).toString(),
                 QStringLiteral("scope_violation"));
        QCOMPARE(result.json.value(QStringLiteral("field")).toString(), field);
    }
}

void TestProxyChecks::idempotentReplay()
{
    const QString vaultKey =
        issue(policy(QStringLiteral("stripe"), {QStringLiteral("charges.create")}, 10));
    const QMap<QByteArray, QByteArray> headers {{"Idempotency-Key", "replay-1"}};
    const HttpResult first =
        m_server->proxy("POST", QStringLiteral("/stripe/v1/charges"), stripeCharge(400), vaultKey,
                        "application/x-www-form-urlencoded", headers);
    QCOMPARE(first.status, 200);
    const HttpResult second =
        m_server->proxy("POST", QStringLiteral("/stripe/v1/charges"), stripeCharge(400), vaultKey,
                        "application/x-www-form-urlencoded", headers);
    QCOMPARE(second.status, 200);
    QCOMPARE(second.header("idempotent-replayed"), QByteArrayLiteral("true"));
    QCOMPARE(second.body, first.body);
    QCOMPARE(second.header("keybrake-spent-today-usd"), QByteArrayLiteral("4"));
}

void TestProxyChecks::idempotencyInFlight()
{
    const QString vaultKey =
        issue(policy(QStringLiteral("stripe"), {QStringLiteral("charges.create")}, 10));
    std::vector<BurstRequest> requests(2);
    for (auto &request : requests) {
        request.target = "/stripe/v1/charges";
        request.headers = {{"Authorization", "Bearer " + vaultKey.toStdString()},
                           {"Content-Type", "application/x-www-form-urlencoded"},
                           {"Idempotency-Key", "in-flight-1"}};
        request.body = stripeCharge(100).toStdString();
    }
    requests[0].headers["X-Sim-Fault"] = "delay=1500";
    // The slow one first, then its duplicate while it is still at the vendor.
    auto slow = std::async(std::launch::async,
                           [&] { return sendBurst("127.0.0.1", m_server->port(), {requests[0]}); });
    QTest::qWait(400);
    requests[1].headers["X-Sim-Fault"] = "delay=0";
    const auto duplicate = sendBurst("127.0.0.1", m_server->port(), {requests[1]});
    QCOMPARE(duplicate[0].status, 409);
    QVERIFY(duplicate[0].body.find("idempotency_key_in_use") != std::string::npos);
    QCOMPARE(slow.get()[0].status, 200);
}

void TestProxyChecks::idempotencyKeyReused()
{
    const QString vaultKey =
        issue(policy(QStringLiteral("stripe"), {QStringLiteral("charges.create")}, 10));
    const QMap<QByteArray, QByteArray> headers {{"Idempotency-Key", "reused-1"}};
    QCOMPARE(m_server
                 ->proxy("POST", QStringLiteral("/stripe/v1/charges"), stripeCharge(100), vaultKey,
                         "application/x-www-form-urlencoded", headers)
                 .status,
             200);
    const HttpResult changed =
        m_server->proxy("POST", QStringLiteral("/stripe/v1/charges"), stripeCharge(200), vaultKey,
                        "application/x-www-form-urlencoded", headers);
    QCOMPARE(changed.status, 422);
    QCOMPARE(changed.json.value(QStringLiteral("code")).toString(),
             QStringLiteral("idempotency_key_reused"));
}

void TestProxyChecks::costUnknown()
{
    const QString vaultKey =
        issue(policy(QStringLiteral("stripe"), {QStringLiteral("refunds.create")}));
    const HttpResult result =
        m_server->proxy("POST", QStringLiteral("/stripe/v1/refunds"), "charge=ch_123", vaultKey);
    QCOMPARE(result.status, 422);
    QCOMPARE(result.json.value(QStringLiteral("code")).toString(), QStringLiteral("cost_unknown"));
    const QString calls = issue(policy(QStringLiteral("twilio"), {QStringLiteral("calls.create")}));
    const HttpResult call = m_server->proxy(
        "POST",
        QStringLiteral("/twilio/2010-04-01/Accounts/%1/Calls.json")
            .arg(QString::fromLatin1(kTwilioSid)),
        "To=%2B15559990000&From=%2B15550001111&Url=https://example.com/twiml", calls);
    QCOMPARE(call.status, 422);
    QCOMPARE(call.json.value(QStringLiteral("code")).toString(), QStringLiteral("cost_unknown"));
}

void TestProxyChecks::currencyNotSupported()
{
    const QString vaultKey =
        issue(policy(QStringLiteral("stripe"), {QStringLiteral("charges.create")}));
    const HttpResult result = m_server->proxy("POST", QStringLiteral("/stripe/v1/charges"),
                                              stripeCharge(100, "chf"), vaultKey);
    QCOMPARE(result.status, 422);
    QCOMPARE(result.json.value(QStringLiteral("code")).toString(),
             QStringLiteral("currency_not_supported"));
    // A configured rate converts (and JPY is zero-decimal: 1000 JPY is not 10.00).
    const HttpResult euros = m_server->proxy("POST", QStringLiteral("/stripe/v1/charges"),
                                             stripeCharge(1000, "eur"), vaultKey);
    QCOMPARE(euros.status, 200);
    QCOMPARE(euros.header("keybrake-spent-today-usd"), QByteArrayLiteral("10.8"));
}

void TestProxyChecks::capExhausted()
{
    const QString vaultKey =
        issue(policy(QStringLiteral("stripe"), {QStringLiteral("charges.create")}, 50));
    QCOMPARE(
        m_server->proxy("POST", QStringLiteral("/stripe/v1/charges"), stripeCharge(4800), vaultKey)
            .status,
        200);
    const HttpResult result =
        m_server->proxy("POST", QStringLiteral("/stripe/v1/charges"), stripeCharge(1000), vaultKey);
    QCOMPARE(result.status, 429);
    const QJsonObject &body = result.json;
    QCOMPARE(body.value(QStringLiteral("code")).toString(), QStringLiteral("cap_exhausted"));
    QCOMPARE(body.value(QStringLiteral("daily_usd_cap")).toDouble(), 50.0);
    QCOMPARE(body.value(QStringLiteral("spent_today_usd")).toDouble(), 48.0);
    QCOMPARE(body.value(QStringLiteral("held_usd")).toDouble(), 0.0);
    QCOMPARE(body.value(QStringLiteral("attempted_usd")).toDouble(), 10.0);
    QCOMPARE(body.value(QStringLiteral("retryable")).toBool(true), false);
    QVERIFY(body.value(QStringLiteral("resets_at"))
                .toString()
                .endsWith(QLatin1String("T00:00:00.000Z")));
    QCOMPARE(body[QStringLiteral("error")][QStringLiteral("code")].toString(),
             QStringLiteral("cap_exhausted"));
    QVERIFY(result.header("retry-after").toInt() > 0);
    QCOMPARE(result.header("keybrake-spent-today-usd"), QByteArrayLiteral("48"));
    QCOMPARE(result.header("keybrake-cap-remaining-usd"), QByteArrayLiteral("2"));
    // A call that still fits is admitted.
    QCOMPARE(
        m_server->proxy("POST", QStringLiteral("/stripe/v1/charges"), stripeCharge(200), vaultKey)
            .status,
        200);
}

void TestProxyChecks::checksRunInTheContractsOrder()
{
    // A key failing several checks gets the first one's answer.
    const QJsonObject key = m_server->issueKey(
        policy(QStringLiteral("resend"), {QStringLiteral("emails.retrieve")}, 1));
    const QString secret = key.value(QStringLiteral("vault_key")).toString();
    // vendor mismatch before endpoint
    QCOMPARE(
        m_server
            ->proxy("POST", QStringLiteral("/stripe/v1/payouts"), "amount=1&currency=usd", secret)
            .json.value(QStringLiteral("code"))
            .toString(),
        QStringLiteral("vendor_mismatch"));
    // endpoint before scope and cost
    QCOMPARE(m_server
                 ->proxy("POST", QStringLiteral("/resend/emails"),
                         R"({"from":"x@evil.io","to":"a@b.io","subject":"s","text":"t"})", secret,
                         "application/json")
                 .json.value(QStringLiteral("code"))
                 .toString(),
             QStringLiteral("endpoint_not_allowed"));
    // revoked before vendor mismatch
    QCOMPARE(
        m_server
            ->admin("DELETE",
                    QStringLiteral("/v1/keys/") + key.value(QStringLiteral("key_id")).toString())
            .status,
        200);
    QCOMPARE(
        m_server
            ->proxy("POST", QStringLiteral("/stripe/v1/payouts"), "amount=1&currency=usd", secret)
            .json.value(QStringLiteral("code"))
            .toString(),
        QStringLiteral("key_revoked"));
    // a completed Idempotency-Key is replayed even when the cap is now full
    const QString capped =
        issue(policy(QStringLiteral("stripe"), {QStringLiteral("charges.create")}, 1));
    const QMap<QByteArray, QByteArray> headers {{"Idempotency-Key", "order-replay"}};
    QCOMPARE(m_server
                 ->proxy("POST", QStringLiteral("/stripe/v1/charges"), stripeCharge(100), capped,
                         "application/x-www-form-urlencoded", headers)
                 .status,
             200);
    const HttpResult replay =
        m_server->proxy("POST", QStringLiteral("/stripe/v1/charges"), stripeCharge(100), capped,
                        "application/x-www-form-urlencoded", headers);
    QCOMPARE(replay.status, 200);
    QCOMPARE(replay.header("idempotent-replayed"), QByteArrayLiteral("true"));
    // cost_unknown before cap_exhausted
    QCOMPARE(m_server->proxy("POST", QStringLiteral("/stripe/v1/charges"), "currency=usd", capped)
                 .json.value(QStringLiteral("code"))
                 .toString(),
             QStringLiteral("cost_unknown"));
    QCOMPARE(
        m_server->proxy("POST", QStringLiteral("/stripe/v1/charges"), stripeCharge(100), capped)
            .json.value(QStringLiteral("code"))
            .toString(),
        QStringLiteral("cap_exhausted"));
}

void TestProxyChecks::refusalShapesPerVendor()
{
    const QString twilio =
        issue(policy(QStringLiteral("twilio"), {QStringLiteral("messages.list")}));
    const HttpResult sms = m_server->proxy("POST", twilioMessages(),
                                           "To=%2B15559990000&From=%2B15550001111&Body=hi", twilio);
    QCOMPARE(sms.status, 403);
    QCOMPARE(sms.json.value(QStringLiteral("code")).toString(),
             QStringLiteral("endpoint_not_allowed"));
    QCOMPARE(sms.json.value(QStringLiteral("status")).toInt(), 403);
    QVERIFY(
        sms.json.value(QStringLiteral("more_info")).toString().startsWith(QLatin1String("http")));
    QVERIFY(!sms.json.value(QStringLiteral("message")).toString().isEmpty());

    const QString resend =
        issue(policy(QStringLiteral("resend"), {QStringLiteral("emails.retrieve")}));
    const HttpResult email =
        m_server->proxy("POST", QStringLiteral("/resend/emails"),
                        R"({"from":"a@example.com","to":"b@example.com","subject":"s","text":"t"})",
                        resend, "application/json");
    QCOMPARE(email.status, 403);
    QCOMPARE(email.json.value(QStringLiteral("statusCode")).toInt(), 403);
    QCOMPARE(email.json.value(QStringLiteral("name")).toString(),
             QStringLiteral("endpoint_not_allowed"));
    QCOMPARE(email.json.value(QStringLiteral("code")).toString(),
             QStringLiteral("endpoint_not_allowed"));
}

void TestProxyChecks::vendorSecretSubstituted()
{
    const QString vaultKey =
        issue(policy(QStringLiteral("stripe"), {QStringLiteral("charges.create")}));
    m_server->resetSim();
    QCOMPARE(
        m_server->proxy("POST", QStringLiteral("/stripe/v1/charges"), stripeCharge(100), vaultKey)
            .status,
        200);
    const QList<QJsonObject> seen = m_server->simRequests(1);
    QCOMPARE(seen.size(), 1);
    const QByteArray record = QJsonDocument(seen.first()).toJson();
    QVERIFY2(!record.contains(vaultKey.toUtf8()), "the vault key reached the vendor");
    QVERIFY2(record.contains("\"credential_ok\": true")
                 || record.contains("\"credential_ok\":true"),
             record.constData());
}

void TestProxyChecks::twilioBasicAuthAndMaxPrice()
{
    const QString vaultKey =
        issue(policy(QStringLiteral("twilio"), {QStringLiteral("messages.create")}, 5));
    m_server->resetSim();
    QMap<QByteArray, QByteArray> headers {
        {"Authorization",
         "Basic " + QByteArray(QByteArray(kTwilioSid) + ':' + vaultKey.toUtf8()).toBase64()},
        {"Content-Type", "application/x-www-form-urlencoded"}};
    // 161 GSM-7 characters: two segments, so a hold (and MaxPrice) of 2 x $0.015.
    const QByteArray body = "To=%2B15559990000&From=%2B15550001111&Body=" + QByteArray(161, 'a');
    const HttpResult result = m_server->request("POST", twilioMessages(), body, {}, headers);
    QVERIFY2(result.status == 201, result.body.constData());
    QVERIFY(result.json.value(QStringLiteral("sid")).toString().startsWith(QLatin1String("SM")));
    const QList<QJsonObject> seen = m_server->simRequests(1);
    QCOMPARE(seen.size(), 1);
    QVERIFY2(seen.first()
                 .value(QStringLiteral("body"))
                 .toString()
                 .contains(QLatin1String("MaxPrice=0.03")),
             qPrintable(seen.first().value(QStringLiteral("body")).toString()));
}

void TestProxyChecks::stripeJsonBodyBecomesForm()
{
    const QString vaultKey =
        issue(policy(QStringLiteral("stripe"), {QStringLiteral("payment_intents.create")}));
    m_server->resetSim();
    const HttpResult result = m_server->proxy(
        "POST", QStringLiteral("/stripe/v1/payment_intents"),
        R"({"amount":2500,"currency":"usd","metadata":{"run":"r1"},"payment_method_types":["card"]})",
        vaultKey, "application/json");
    QVERIFY2(result.status == 200, result.body.constData());
    QCOMPARE(result.json.value(QStringLiteral("amount")).toInt(), 2500);
    QCOMPARE(result.header("keybrake-spent-today-usd"), QByteArrayLiteral("25"));
    const QList<QJsonObject> seen = m_server->simRequests(1);
    QCOMPARE(seen.size(), 1);
    const QString forwarded = seen.first().value(QStringLiteral("body")).toString();
    QVERIFY2(forwarded.contains(QLatin1String("metadata[run]=r1"))
                 || forwarded.contains(QLatin1String("metadata%5Brun%5D=r1")),
             qPrintable(forwarded));
}

void TestProxyChecks::stripeDoubleV1Prefix()
{
    const QString vaultKey =
        issue(policy(QStringLiteral("stripe"), {QStringLiteral("charges.create")}));
    m_server->resetSim();
    QCOMPARE(
        m_server
            ->proxy("POST", QStringLiteral("/stripe/v1/v1/charges"), stripeCharge(100), vaultKey)
            .status,
        200);
    const QList<QJsonObject> seen = m_server->simRequests(1);
    QCOMPARE(seen.size(), 1);
    QCOMPARE(seen.first().value(QStringLiteral("path")).toString(), QStringLiteral("/v1/charges"));
}

QTEST_GUILESS_MAIN(TestProxyChecks)
#include "tst_proxy_checks.moc"
