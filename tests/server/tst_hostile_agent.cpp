// A compromised or buggy agent attacking the proxy from inside its own vault key: every test is
// one of the attacks of issue 11 (H1, M1-M4, L3, L6, L7), run against the real keybraked and
// keybrake-sim vendors. The invariant checked is the contract's: what reaches the vendor (seen in
// the simulator's request log, headers included) never costs more than what the ledger holds for
// the sending key, and nothing crosses a scope.
#include "testserver.h"

#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTcpSocket>
#include <QtTest>

#include <csignal>

using namespace keybrake::test;

using Headers = QMap<QByteArray, QByteArray>;

namespace {

const QByteArray kForm = "application/x-www-form-urlencoded";

QJsonObject policy(const QString &vendor, const QJsonArray &endpoints, double cap,
                   const QString &label, const QJsonObject &scope = {})
{
    QJsonObject object {{QStringLiteral("vendor"), vendor},
                        {QStringLiteral("daily_usd_cap"), cap},
                        {QStringLiteral("allowed_endpoints"), endpoints},
                        {QStringLiteral("expires_in"), QStringLiteral("1h")},
                        {QStringLiteral("agent_run_label"), label}};
    if (!scope.isEmpty())
        object.insert(QStringLiteral("scope"), scope);
    return object;
}

QString twilioMessages()
{
    return QStringLiteral("/twilio/2010-04-01/Accounts/%1/Messages.json")
        .arg(QString::fromLatin1(kTwilioSid));
}

QByteArray basicAuth(const QString &vaultKey)
{
    return "Basic " + QByteArray(QByteArray(kTwilioSid) + ':' + vaultKey.toUtf8()).toBase64();
}

// A GSM-7 text of `segments` concatenated segments (153 characters each).
QByteArray sms(int segments)
{
    return "To=%2B15559990000&From=%2B15550001111&Body=" + QByteArray(153 * segments, 'a');
}

qint64 micros(double usd)
{
    return qRound64(usd * 1'000'000.0);
}

// Every value of the header `name` (case-insensitive) the vendor received in `request`.
QStringList headerValues(const QJsonObject &request, const QString &name)
{
    QStringList values;
    for (const auto &pair : request.value(QStringLiteral("headers")).toArray()) {
        const QJsonArray header = pair.toArray();
        if (header.at(0).toString().compare(name, Qt::CaseInsensitive) == 0)
            values.append(header.at(1).toString());
    }
    return values;
}

// A request written byte for byte, for what Qt's stack would normalise (duplicate headers,
// lower-case methods).
QByteArray raw(const QByteArray &method, const QByteArray &target, const QString &vaultKey,
               const QList<QByteArray> &headers, const QByteArray &body,
               const QByteArray &contentType = kForm)
{
    QByteArray bytes = method + ' ' + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    bytes += "Authorization: Bearer " + vaultKey.toUtf8() + "\r\n";
    if (!contentType.isEmpty())
        bytes += "Content-Type: " + contentType + "\r\n";
    for (const QByteArray &header : headers)
        bytes += header + "\r\n";
    bytes += "Content-Length: " + QByteArray::number(body.size()) + "\r\nConnection: close\r\n\r\n";
    return bytes + body;
}

} // namespace

class TestHostileAgent : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void agentMaxPriceIsOverridden();
    void twilioRetryOfAnUnknownHoldIsANewCall();
    void unknownHoldIsResumedOnlyByItsOwnRun();
    void stripeBodyIsPricedPerContentType_data();
    void stripeBodyIsPricedPerContentType();
    void queryParametersArePriced();
    void otherVendorsBodiesArePricedPerContentType();
    void duplicateStripeAccountIsRefused();
    void replayIsServedOnlyToTheSameRunAndScope();
    void methodMustBeTheVendorsInUpperCase();
    void headersThatChangeTheRequestAreNotPassedThrough();
    void stripeContextIsAScopeHeader();
    void inFlightRecordLeftByACrashIsResumable();

private:
    QJsonObject issue(const QJsonObject &policyObject) { return m_server->issueKey(policyObject); }
    static QString secret(const QJsonObject &key)
    {
        return key.value(QStringLiteral("vault_key")).toString();
    }
    QJsonObject ledger(const QJsonObject &key)
    {
        return m_server
            ->admin("GET",
                    QStringLiteral("/v1/keys/") + key.value(QStringLiteral("key_id")).toString())
            .json;
    }
    qint64 settledPlusHeld(const QJsonObject &key)
    {
        const QJsonObject view = ledger(key);
        return micros(view.value(QStringLiteral("spent_today_usd")).toDouble())
            + micros(view.value(QStringLiteral("held_usd")).toDouble());
    }
    QList<QJsonObject> vendorSaw() { return m_server->simRequests(200); }

    std::unique_ptr<TestServer> m_server;
};

void TestHostileAgent::initTestCase()
{
    TestServer::Options options;
    options.serverArgs << QStringLiteral("--upstream-timeout-ms") << QStringLiteral("500");
    m_server = std::make_unique<TestServer>(options);
    QVERIFY2(m_server->start(), qPrintable(m_server->errorString()));
}

void TestHostileAgent::init()
{
    m_server->resetSim();
}

// H1: a ten-segment SMS with the agent's own MaxPrice of a micro-dollar. Twilio bills by the
// segments whatever MaxPrice says once it stops enforcing it, so the hold, and the MaxPrice the
// vendor sees, must be the proxy's ten segments.
void TestHostileAgent::agentMaxPriceIsOverridden()
{
    const QJsonObject capped =
        issue(policy(QStringLiteral("twilio"), {QStringLiteral("messages.create")}, 0.05,
                     QStringLiteral("tests/hostile/maxprice-capped")));
    const Headers headers {{"Authorization", basicAuth(secret(capped))}, {"Content-Type", kForm}};
    for (int i = 0; i < 5; ++i) {
        const HttpResult result = m_server->request("POST", twilioMessages(),
                                                    sms(10) + "&MaxPrice=0.000001", {}, headers);
        QVERIFY2(result.status == 429, result.body.constData());
        QCOMPARE(result.json.value(QStringLiteral("code")).toString(),
                 QStringLiteral("cap_exhausted"));
    }
    QCOMPARE(vendorSaw().size(), 0);

    // With room for it, the message goes out with the proxy's MaxPrice only: 10 x $0.015.
    const QJsonObject roomy =
        issue(policy(QStringLiteral("twilio"), {QStringLiteral("messages.create")}, 5,
                     QStringLiteral("tests/hostile/maxprice-roomy")));
    const Headers roomyHeaders {{"Authorization", basicAuth(secret(roomy))},
                                {"Content-Type", kForm}};
    const HttpResult sent =
        m_server->request("POST", twilioMessages(),
                          "MaxPrice=0.000001&" + sms(10) + "&MaxPrice=0.00001", {}, roomyHeaders);
    QVERIFY2(sent.status == 201, sent.body.constData());
    const QList<QJsonObject> seen = vendorSaw();
    QCOMPARE(seen.size(), 1);
    const QString body = seen.first().value(QStringLiteral("body")).toString();
    QCOMPARE(body.count(QLatin1String("MaxPrice=")), 1);
    QVERIFY2(body.endsWith(QLatin1String("&MaxPrice=0.15")), qPrintable(body.right(40)));
    QVERIFY(settledPlusHeld(roomy) > 0);
    QVERIFY(settledPlusHeld(roomy) <= 150'000);
}

// M1: after a timeout the message may or may not exist; Twilio has no idempotency, so a retry with
// the same Idempotency-Key is a second message and needs its own hold on the sender's cap.
void TestHostileAgent::twilioRetryOfAnUnknownHoldIsANewCall()
{
    const QString label = QStringLiteral("tests/hostile/twilio-unknown");
    const QJsonObject first =
        issue(policy(QStringLiteral("twilio"), {QStringLiteral("messages.create")}, 5, label));
    const QByteArray body = sms(1);
    Headers headers {{"Authorization", basicAuth(secret(first))},
                     {"Content-Type", kForm},
                     {"Idempotency-Key", "sms-unknown-1"},
                     {"X-Sim-Fault", "hang"}};
    const HttpResult failed = m_server->request("POST", twilioMessages(), body, {}, headers);
    QCOMPARE(failed.status, 504);
    QCOMPARE(settledPlusHeld(first), 15'000); // the unknown hold stays

    // A key of the same run with no room: its retry would be a new message, so it is refused
    // by its own cap and nothing reaches Twilio.
    const QJsonObject poor = issue(
        policy(QStringLiteral("twilio"), {QStringLiteral("messages.create")}, 0.000001, label));
    const Headers poorHeaders {{"Authorization", basicAuth(secret(poor))},
                               {"Content-Type", kForm},
                               {"Idempotency-Key", "sms-unknown-1"}};
    const HttpResult refused = m_server->request("POST", twilioMessages(), body, {}, poorHeaders);
    QVERIFY2(refused.status == 429, refused.body.constData());
    QCOMPARE(refused.json.value(QStringLiteral("code")).toString(),
             QStringLiteral("cap_exhausted"));
    QCOMPARE(vendorSaw().size(), 1);

    // The original key retries: a new message with a new hold; the unknown one still counts.
    headers.remove("X-Sim-Fault");
    const HttpResult retried = m_server->request("POST", twilioMessages(), body, {}, headers);
    QVERIFY2(retried.status == 201, retried.body.constData());
    QCOMPARE(vendorSaw().size(), 2);
    const QJsonObject view = ledger(first);
    QCOMPARE(micros(view.value(QStringLiteral("held_usd")).toDouble()), 15'000);
    QVERIFY(micros(view.value(QStringLiteral("spent_today_usd")).toDouble()) > 0);
    // Known now: a further duplicate is a replay, not a third message.
    const HttpResult replay = m_server->request("POST", twilioMessages(), body, {}, headers);
    QCOMPARE(replay.status, 201);
    QCOMPARE(replay.header("idempotent-replayed"), QByteArrayLiteral("true"));
    QCOMPARE(vendorSaw().size(), 2);
}

// M1: Stripe deduplicates, so a retry resumes the unknown hold, but only from the same run.
void TestHostileAgent::unknownHoldIsResumedOnlyByItsOwnRun()
{
    const QString label = QStringLiteral("tests/hostile/stripe-unknown");
    const QJsonObject owner =
        issue(policy(QStringLiteral("stripe"), {QStringLiteral("charges.create")}, 50, label));
    const QJsonObject stranger =
        issue(policy(QStringLiteral("stripe"), {QStringLiteral("charges.create")}, 0.000001,
                     QStringLiteral("tests/hostile/stripe-stranger")));
    const Headers timeout {{"Idempotency-Key", "charge-unknown-1"}, {"X-Sim-Fault", "hang"}};
    QCOMPARE(m_server
                 ->proxy("POST", QStringLiteral("/stripe/v1/charges"), stripeCharge(1000),
                         secret(owner), kForm, timeout)
                 .status,
             504);
    QCOMPARE(vendorSaw().size(), 1);

    const Headers retry {{"Idempotency-Key", "charge-unknown-1"}};
    const HttpResult stolen = m_server->proxy("POST", QStringLiteral("/stripe/v1/charges"),
                                              stripeCharge(1000), secret(stranger), kForm, retry);
    QVERIFY2(stolen.status == 422, stolen.body.constData());
    QCOMPARE(stolen.json.value(QStringLiteral("code")).toString(),
             QStringLiteral("idempotency_key_reused"));
    QCOMPARE(vendorSaw().size(), 1);
    QCOMPARE(settledPlusHeld(stranger), 0);

    // A fresh key of the same run resumes the owner's hold (the seed's redelivery).
    const QJsonObject redelivery =
        issue(policy(QStringLiteral("stripe"), {QStringLiteral("charges.create")}, 50, label));
    const HttpResult resumed =
        m_server->proxy("POST", QStringLiteral("/stripe/v1/charges"), stripeCharge(1000),
                        secret(redelivery), kForm, retry);
    QVERIFY2(resumed.status == 200, resumed.body.constData());
    QCOMPARE(vendorSaw().size(), 2);
    QCOMPARE(settledPlusHeld(owner), 10'000'000);
    QCOMPARE(settledPlusHeld(redelivery), 0);
}

void TestHostileAgent::stripeBodyIsPricedPerContentType_data()
{
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<QByteArray>("body");
    // Parsed as a form, "amount=1" is a cent; the vendor reads a multipart part of $1,000.
    const QByteArray multipart = "--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n"
                                 "&amount=1&currency=usd&source=tok_visa&\r\n"
                                 "--b\r\nContent-Disposition: form-data; name=\"amount\"\r\n\r\n"
                                 "100000\r\n--b--\r\n";
    QTest::newRow("multipart") << QByteArray("multipart/form-data; boundary=b") << multipart;
    QTest::newRow("text/plain") << QByteArray("text/plain")
                                << QByteArray("amount=1&currency=usd&source=tok_visa");
    QTest::newRow("xml") << QByteArray("application/xml")
                         << QByteArray("amount=1&currency=usd&source=tok_visa");
}

// M2: a body the proxy cannot read the way the vendor would is refused, never forwarded as-is.
void TestHostileAgent::stripeBodyIsPricedPerContentType()
{
    QFETCH(QByteArray, contentType);
    QFETCH(QByteArray, body);
    const QJsonObject key =
        issue(policy(QStringLiteral("stripe"), {QStringLiteral("charges.create")}, 50,
                     QStringLiteral("tests/hostile/content-type")));
    const HttpResult result = m_server->proxy("POST", QStringLiteral("/stripe/v1/charges"), body,
                                              secret(key), contentType);
    QVERIFY2(result.status == 422, result.body.constData());
    QCOMPARE(result.json.value(QStringLiteral("code")).toString(), QStringLiteral("cost_unknown"));
    QCOMPARE(vendorSaw().size(), 0);
    QCOMPARE(settledPlusHeld(key), 0);
}

// M2: the query string is read as the vendor reads it: priced, and in conflict with the body
// refused.
void TestHostileAgent::queryParametersArePriced()
{
    const QJsonObject key =
        issue(policy(QStringLiteral("stripe"), {QStringLiteral("charges.create")}, 50,
                     QStringLiteral("tests/hostile/query")));
    const HttpResult conflict = m_server->proxy(
        "POST", QStringLiteral("/stripe/v1/charges?amount=100000"), stripeCharge(1), secret(key));
    QVERIFY2(conflict.status == 422, conflict.body.constData());
    QCOMPARE(conflict.json.value(QStringLiteral("code")).toString(),
             QStringLiteral("cost_unknown"));
    QCOMPARE(vendorSaw().size(), 0);

    // Only in the query: priced from there, so $1,000 does not fit a $50 cap.
    const HttpResult queryOnly =
        m_server->proxy("POST", QStringLiteral("/stripe/v1/charges?amount=100000&currency=usd"),
                        "source=tok_visa", secret(key));
    QVERIFY2(queryOnly.status == 429, queryOnly.body.constData());
    QCOMPARE(vendorSaw().size(), 0);

    // The same value in both places is one parameter.
    const HttpResult agreeing = m_server->proxy(
        "POST", QStringLiteral("/stripe/v1/charges?amount=700"), stripeCharge(700), secret(key));
    QVERIFY2(agreeing.status == 200, agreeing.body.constData());
    QCOMPARE(settledPlusHeld(key), 7'000'000);
    QCOMPARE(vendorSaw().size(), 1);
}

void TestHostileAgent::otherVendorsBodiesArePricedPerContentType()
{
    const QJsonObject twilio =
        issue(policy(QStringLiteral("twilio"), {QStringLiteral("messages.create")}, 5,
                     QStringLiteral("tests/hostile/twilio-content-type")));
    const Headers twilioHeaders {{"Authorization", basicAuth(secret(twilio))},
                                 {"Content-Type", "multipart/form-data; boundary=b"}};
    const HttpResult sms = m_server->request("POST", twilioMessages(), ::sms(1), {}, twilioHeaders);
    QVERIFY2(sms.status == 422, sms.body.constData());
    QCOMPARE(sms.json.value(QStringLiteral("code")).toString(), QStringLiteral("cost_unknown"));

    // A Twilio send's query is read too: a From there must not dodge the from-number scope,
    // and a query MaxPrice is not the vendor's to believe.
    const QJsonObject scoped = issue(policy(
        QStringLiteral("twilio"), {QStringLiteral("messages.create")}, 5,
        QStringLiteral("tests/hostile/twilio-query"),
        {{QStringLiteral("twilio_from_numbers"), QJsonArray {QStringLiteral("+15550001111")}}}));
    const Headers scopedHeaders {{"Authorization", basicAuth(secret(scoped))},
                                 {"Content-Type", kForm}};
    const HttpResult conflict =
        m_server->request("POST", twilioMessages() + QStringLiteral("?From=%2B15557770000"),
                          ::sms(1), {}, scopedHeaders);
    QVERIFY2(conflict.status == 422 || conflict.status == 403, conflict.body.constData());
    const HttpResult queryPrice =
        m_server->request("POST", twilioMessages() + QStringLiteral("?MaxPrice=0.000001"), ::sms(1),
                          {}, scopedHeaders);
    QVERIFY2(queryPrice.status == 201, queryPrice.body.constData());

    const QJsonObject resend =
        issue(policy(QStringLiteral("resend"), {QStringLiteral("emails.send")}, 5,
                     QStringLiteral("tests/hostile/resend-content-type")));
    const HttpResult email =
        m_server->proxy("POST", QStringLiteral("/resend/emails"),
                        R"({"from":"a@example.com","to":"b@example.com","subject":"s","text":"t"})",
                        secret(resend), "multipart/form-data; boundary=b");
    QVERIFY2(email.status == 422, email.body.constData());
    QCOMPARE(email.json.value(QStringLiteral("code")).toString(), QStringLiteral("cost_unknown"));

    const QList<QJsonObject> seen = vendorSaw();
    QCOMPARE(seen.size(), 1);
    QVERIFY(
        !seen.first().value(QStringLiteral("path")).toString().contains(QLatin1String("MaxPrice")));
    QVERIFY(seen.first()
                .value(QStringLiteral("body"))
                .toString()
                .endsWith(QLatin1String("MaxPrice=0.015")));
}

// M3: a second Stripe-Account is a second scope; only one may be checked and sent.
void TestHostileAgent::duplicateStripeAccountIsRefused()
{
    const QJsonObject key =
        issue(policy(QStringLiteral("stripe"), {QStringLiteral("charges.create")}, 50,
                     QStringLiteral("tests/hostile/stripe-account"),
                     {{QStringLiteral("stripe_accounts"), QJsonArray {QStringLiteral("acct_1")}}}));
    const HttpResult twice =
        rawHttp(m_server->port(),
                raw("POST", "/stripe/v1/charges", secret(key),
                    {"Stripe-Account: acct_1", "Stripe-Account: acct_EVIL"}, stripeCharge(100)));
    QVERIFY2(twice.status == 403, twice.body.constData());
    QCOMPARE(twice.json.value(QStringLiteral("code")).toString(),
             QStringLiteral("scope_violation"));
    QCOMPARE(twice.json.value(QStringLiteral("field")).toString(),
             QStringLiteral("stripe_account"));
    // Even two copies of the allowed account are refused: the header appears at most once.
    const HttpResult same =
        rawHttp(m_server->port(),
                raw("POST", "/stripe/v1/charges", secret(key),
                    {"Stripe-Account: acct_1", "Stripe-Account: acct_1"}, stripeCharge(100)));
    QCOMPARE(same.status, 403);
    QCOMPARE(vendorSaw().size(), 0);

    const HttpResult once = rawHttp(m_server->port(),
                                    raw("POST", "/stripe/v1/charges", secret(key),
                                        {"Stripe-Account: acct_1"}, stripeCharge(100)));
    QVERIFY2(once.status == 200, once.body.constData());
    const QList<QJsonObject> seen = vendorSaw();
    QCOMPARE(seen.size(), 1);
    QCOMPARE(headerValues(seen.first(), QStringLiteral("Stripe-Account")),
             QStringList {QStringLiteral("acct_1")});
}

// M4: another run's Idempotency-Key (guessed, or read from a shared log) must not serve its
// charge object, nor let a call under another Stripe-Account ride on it.
void TestHostileAgent::replayIsServedOnlyToTheSameRunAndScope()
{
    const QString label = QStringLiteral("tests/hostile/replay-a");
    const QJsonObject a =
        issue(policy(QStringLiteral("stripe"), {QStringLiteral("charges.create")}, 50, label,
                     {{QStringLiteral("stripe_accounts"), QJsonArray {QStringLiteral("acct_A")}}}));
    const QJsonObject b =
        issue(policy(QStringLiteral("stripe"), {QStringLiteral("charges.create")}, 50,
                     QStringLiteral("tests/hostile/replay-b"),
                     {{QStringLiteral("stripe_accounts"), QJsonArray {QStringLiteral("acct_B")}}}));
    const Headers asA {{"Idempotency-Key", "charge-of-a"}, {"Stripe-Account", "acct_A"}};
    const HttpResult original = m_server->proxy("POST", QStringLiteral("/stripe/v1/charges"),
                                                stripeCharge(900), secret(a), kForm, asA);
    QCOMPARE(original.status, 200);

    const Headers asB {{"Idempotency-Key", "charge-of-a"}, {"Stripe-Account", "acct_B"}};
    const HttpResult stolen = m_server->proxy("POST", QStringLiteral("/stripe/v1/charges"),
                                              stripeCharge(900), secret(b), kForm, asB);
    QVERIFY2(stolen.status == 422, stolen.body.constData());
    QCOMPARE(stolen.json.value(QStringLiteral("code")).toString(),
             QStringLiteral("idempotency_key_reused"));
    QVERIFY(stolen.header("idempotent-replayed").isEmpty());
    QVERIFY(!stolen.body.contains(original.json.value(QStringLiteral("id")).toString().toUtf8()));

    // The same run, under another account its (wider) key allows: not the same call either.
    const QJsonObject wide =
        issue(policy(QStringLiteral("stripe"), {QStringLiteral("charges.create")}, 50, label,
                     {{QStringLiteral("stripe_accounts"),
                       QJsonArray {QStringLiteral("acct_A"), QStringLiteral("acct_C")}}}));
    const Headers asC {{"Idempotency-Key", "charge-of-a"}, {"Stripe-Account", "acct_C"}};
    const HttpResult otherAccount = m_server->proxy("POST", QStringLiteral("/stripe/v1/charges"),
                                                    stripeCharge(900), secret(wide), kForm, asC);
    QVERIFY2(otherAccount.status == 422, otherAccount.body.constData());

    // The same run under the same account: the redelivery is replayed.
    const HttpResult redelivery = m_server->proxy("POST", QStringLiteral("/stripe/v1/charges"),
                                                  stripeCharge(900), secret(wide), kForm, asA);
    QCOMPARE(redelivery.status, 200);
    QCOMPARE(redelivery.header("idempotent-replayed"), QByteArrayLiteral("true"));
    QCOMPARE(redelivery.body, original.body);

    QCOMPARE(vendorSaw().size(), 1);
    QCOMPARE(settledPlusHeld(a), 9'000'000);
    QCOMPARE(settledPlusHeld(b), 0);
    QCOMPARE(settledPlusHeld(wide), 0);
}

// L6: "post" is not POST. Refused, and it leaves no idempotency record that a correct call with
// the same key would then be answered from.
void TestHostileAgent::methodMustBeTheVendorsInUpperCase()
{
    const QJsonObject key =
        issue(policy(QStringLiteral("stripe"),
                     {QStringLiteral("charges.create"), QStringLiteral("POST /v1/charges")}, 50,
                     QStringLiteral("tests/hostile/method")));
    for (const QByteArray &method :
         {QByteArray("post"), QByteArray("Post"), QByteArray("PUT"), QByteArray("PROPFIND")}) {
        const HttpResult result = rawHttp(m_server->port(),
                                          raw(method, "/stripe/v1/charges", secret(key),
                                              {"Idempotency-Key: method-1"}, stripeCharge(100)));
        QVERIFY2(result.status == 405, QByteArray(method + ": " + result.body).constData());
        QCOMPARE(result.json.value(QStringLiteral("code")).toString(),
                 QStringLiteral("method_not_allowed"));
    }
    QCOMPARE(vendorSaw().size(), 0);
    const HttpResult correct = rawHttp(m_server->port(),
                                       raw("POST", "/stripe/v1/charges", secret(key),
                                           {"Idempotency-Key: method-1"}, stripeCharge(100)));
    QVERIFY2(correct.status == 200, correct.body.constData());
    QVERIFY(correct.header("idempotent-replayed").isEmpty());
    QCOMPARE(vendorSaw().size(), 1);
    QCOMPARE(vendorSaw().first().value(QStringLiteral("method")).toString(),
             QStringLiteral("POST"));
}

// L7: headers that change how the vendor reads the request are refused or dropped.
void TestHostileAgent::headersThatChangeTheRequestAreNotPassedThrough()
{
    const QJsonObject key =
        issue(policy(QStringLiteral("stripe"), {QStringLiteral("charges.create")}, 50,
                     QStringLiteral("tests/hostile/headers")));
    struct Refused
    {
        QList<QByteArray> headers;
        int status;
        QString code;
    };
    const QList<Refused> refused = {
        {{"X-HTTP-Method-Override: DELETE"}, 400, QStringLiteral("method_override_not_allowed")},
        {{"X-HTTP-Method: GET"}, 400, QStringLiteral("method_override_not_allowed")},
        {{"X-Method-Override: GET"}, 400, QStringLiteral("method_override_not_allowed")},
        {{"Content-Encoding: gzip"}, 415, QStringLiteral("unsupported_content_encoding")},
        {{"Idempotency-Key: one", "Idempotency-Key: two"},
         400,
         QStringLiteral("invalid_idempotency_key")},
        {{"Content-Type: application/json"}, 422, QStringLiteral("cost_unknown")},
    };
    for (const Refused &item : refused) {
        const HttpResult result = rawHttp(
            m_server->port(),
            raw("POST", "/stripe/v1/charges", secret(key), item.headers, stripeCharge(100)));
        QVERIFY2(result.status == item.status,
                 QByteArray(item.headers.first() + ": " + result.body).constData());
        QCOMPARE(result.json.value(QStringLiteral("code")).toString(), item.code);
    }
    QCOMPARE(vendorSaw().size(), 0);

    const HttpResult dropped =
        rawHttp(m_server->port(),
                raw("POST", "/stripe/v1/charges", secret(key),
                    {"Forwarded: for=203.0.113.9;host=evil.example", "Content-Encoding: identity",
                     "Via: 1.1 evil", "X-Original-URL: /v1/payouts"},
                    stripeCharge(100)));
    QVERIFY2(dropped.status == 200, dropped.body.constData());
    const QList<QJsonObject> seen = vendorSaw();
    QCOMPARE(seen.size(), 1);
    for (const QString &name : {QStringLiteral("Forwarded"), QStringLiteral("Content-Encoding"),
                                QStringLiteral("Via"), QStringLiteral("X-Original-URL")})
        QVERIFY2(headerValues(seen.first(), name).isEmpty(), qPrintable(name));
    QCOMPARE(headerValues(seen.first(), QStringLiteral("Content-Type")),
             QStringList {QString::fromLatin1(kForm)});
}

// L7: Stripe-Context, like Stripe-Account, chooses the account a call acts on.
void TestHostileAgent::stripeContextIsAScopeHeader()
{
    const QJsonObject scoped =
        issue(policy(QStringLiteral("stripe"), {QStringLiteral("charges.create")}, 50,
                     QStringLiteral("tests/hostile/context"),
                     {{QStringLiteral("stripe_accounts"), QJsonArray {QStringLiteral("acct_1")}}}));
    const HttpResult escaped =
        rawHttp(m_server->port(),
                raw("POST", "/stripe/v1/charges", secret(scoped),
                    {"Stripe-Account: acct_1", "Stripe-Context: acct_EVIL"}, stripeCharge(100)));
    QVERIFY2(escaped.status == 403, escaped.body.constData());
    QCOMPARE(escaped.json.value(QStringLiteral("field")).toString(),
             QStringLiteral("stripe_context"));

    const QJsonObject open =
        issue(policy(QStringLiteral("stripe"), {QStringLiteral("charges.create")}, 50,
                     QStringLiteral("tests/hostile/context-open")));
    const HttpResult twice =
        rawHttp(m_server->port(),
                raw("POST", "/stripe/v1/charges", secret(open),
                    {"Stripe-Context: acct_2", "Stripe-Context: acct_3"}, stripeCharge(100)));
    QCOMPARE(twice.status, 403);
    QCOMPARE(vendorSaw().size(), 0);
    const HttpResult once = rawHttp(m_server->port(),
                                    raw("POST", "/stripe/v1/charges", secret(open),
                                        {"Stripe-Context: acct_2"}, stripeCharge(100)));
    QVERIFY2(once.status == 200, once.body.constData());
    QCOMPARE(headerValues(vendorSaw().first(), QStringLiteral("Stripe-Context")),
             QStringList {QStringLiteral("acct_2")});
}

// L3: keybraked killed while a call is at the vendor. After the restart the retry resumes the
// call (the hold kept, Stripe deduplicating) instead of 409 idempotency_key_in_use for 48 h.
void TestHostileAgent::inFlightRecordLeftByACrashIsResumable()
{
    TestServer::Options options;
    options.serverArgs << QStringLiteral("--upstream-timeout-ms") << QStringLiteral("20000");
    TestServer server(options);
    QVERIFY2(server.start(), qPrintable(server.errorString()));
    const QJsonObject key =
        server.issueKey(policy(QStringLiteral("stripe"), {QStringLiteral("charges.create")}, 15,
                               QStringLiteral("tests/hostile/crash")));
    const QString vaultKey = secret(key);
    const QString keyId = key.value(QStringLiteral("key_id")).toString();

    const QByteArray request =
        raw("POST", "/stripe/v1/charges", vaultKey,
            {"Idempotency-Key: crash-1", "X-Sim-Fault: hang"}, stripeCharge(1000));
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, server.port());
    QVERIFY(socket.waitForConnected(5000));
    socket.write(request);
    QVERIFY(socket.waitForBytesWritten(5000));
    QTRY_COMPARE_WITH_TIMEOUT(server.simRequests(10).size(), 1, 10000);

    ::kill(static_cast<pid_t>(server.serverProcess().processId()), SIGKILL);
    QVERIFY(server.serverProcess().waitForFinished(10000));
    socket.abort();
    QVERIFY2(server.restartServer(), qPrintable(server.errorString()));

    const HttpResult retried =
        server.proxy("POST", QStringLiteral("/stripe/v1/charges"), stripeCharge(1000), vaultKey,
                     kForm, {{"Idempotency-Key", "crash-1"}});
    QVERIFY2(retried.status == 200, retried.body.constData());
    // One hold, reserved before the crash, settled once: a $15 cap had no room for a second.
    const QJsonObject view = server.admin("GET", QStringLiteral("/v1/keys/") + keyId).json;
    QCOMPARE(micros(view.value(QStringLiteral("spent_today_usd")).toDouble()), 10'000'000);
    QCOMPARE(micros(view.value(QStringLiteral("held_usd")).toDouble()), 0);
}

QTEST_GUILESS_MAIN(TestHostileAgent)
#include "tst_hostile_agent.moc"
