// Black-box tests of `keybrake-sim vendors`: the real binary over real HTTP.
#include "simprocess.h"

#include <QEventLoop>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QRegularExpression>
#include <QTcpSocket>
#include <QTest>

#include <memory>

using namespace keybrake::test;

namespace {

using Header = QPair<QByteArray, QByteArray>;
using Headers = QList<Header>;

struct Reply
{
    int status = 0;
    QNetworkReply::NetworkError error = QNetworkReply::NoError;
    QByteArray body;
    QList<QNetworkReply::RawHeaderPair> headers;

    QJsonObject json() const { return QJsonDocument::fromJson(body).object(); }
    QByteArray header(const QByteArray &name) const
    {
        for (const auto &[key, value] : headers) {
            if (key.compare(name, Qt::CaseInsensitive) == 0)
                return value;
        }
        return {};
    }
};

QByteArray basic(const char *user, const char *password)
{
    const QByteArray pair = QByteArray(user) + ':' + QByteArray(password);
    return QByteArray("Basic ") + pair.toBase64();
}

QByteArray bearer(const char *token)
{
    return QByteArray("Bearer ") + token;
}

const QString kTwilioBase = QStringLiteral("/2010-04-01/Accounts/") + QLatin1String(kTwilioSid);
const QRegularExpression
    kUuid(QStringLiteral("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"));

} // namespace

class VendorSimTest : public QObject
{
    Q_OBJECT

private:
    QNetworkReply *start(const SimProcess &sim, const QByteArray &method, const QString &path,
                         const QByteArray &body, const Headers &headers, int timeoutMs = 10000,
                         QNetworkAccessManager *network = nullptr);
    Reply finish(QNetworkReply *reply);
    Reply call(const QByteArray &method, const QString &path, const QByteArray &body = {},
               const Headers &headers = {}, int timeoutMs = 10000)
    {
        return finish(start(*m_sim, method, path, body, headers, timeoutMs));
    }
    Reply stripe(const QByteArray &method, const QString &path, const QByteArray &form = {},
                 Headers headers = {})
    {
        headers.append(Header("Authorization", bearer(kStripeKey)));
        if (method == "POST")
            headers.append(Header("Content-Type", "application/x-www-form-urlencoded"));
        return call(method, path, form, headers);
    }
    Reply twilio(const QByteArray &method, const QString &path, const QByteArray &form = {},
                 Headers headers = {})
    {
        headers.append(Header("Authorization", basic(kTwilioSid, kTwilioToken)));
        if (method == "POST")
            headers.append(Header("Content-Type", "application/x-www-form-urlencoded"));
        return call(method, kTwilioBase + path, form, headers);
    }
    Reply resend(const QByteArray &method, const QString &path, const QByteArray &json = {},
                 Headers headers = {})
    {
        headers.append(Header("Authorization", bearer(kResendKey)));
        if (method == "POST")
            headers.append(Header("Content-Type", "application/json"));
        return call(method, path, json, headers);
    }
    QJsonObject stats() { return call("GET", QStringLiteral("/_sim/stats")).json(); }
    QJsonArray recentRequests(int limit)
    {
        return call("GET", QStringLiteral("/_sim/requests?limit=%1").arg(limit))
            .json()
            .value(QStringLiteral("data"))
            .toArray();
    }

    std::unique_ptr<SimProcess> m_sim;
    QNetworkAccessManager m_network;

private Q_SLOTS:
    void initTestCase();
    void init();

    void stripeAcceptsOnlyItsSecretKey();
    void twilioAcceptsOnlyItsAccountAndToken();
    void resendAcceptsOnlyItsApiKey();

    void stripeCreatesRealisticObjects_data();
    void stripeCreatesRealisticObjects();
    void stripeReadsConfirmsAndRefundsWhatItCreated();
    void stripeValidatesLikeStripe();
    void twilioMessagesAndCallsLookLikeTwilio();
    void twilioCountsSegments_data();
    void twilioCountsSegments();
    void twilioPriceFollowsTheFlag();
    void resendEmailsLookLikeResend();

    void stripeReplaysAnIdempotentRequest();
    void stripeRefusesAConcurrentDuplicateWith409();
    void idempotencyKeyStaysFreeWhenNothingRan();
    void resendHonoursIdempotencyKeys();

    void injectedStatusFaultsUseTheVendorShape_data();
    void injectedStatusFaultsUseTheVendorShape();
    void dropRunsTheOperationThenClosesWithoutAnswer();
    void hangNeverAnswers();
    void delayStillAnswers();
    void unknownFaultValueIsRefused();
    void faultFlagsApplyWhenTheHeaderIsAbsent();

    void statsCountOperationsAndStatuses();
    void statsShowTheHighestConcurrency();
    void requestLogShowsSchemesButNeverSecrets();
};

QNetworkReply *VendorSimTest::start(const SimProcess &sim, const QByteArray &method,
                                    const QString &path, const QByteArray &body,
                                    const Headers &headers, int timeoutMs,
                                    QNetworkAccessManager *network)
{
    QNetworkRequest request(sim.url(path));
    request.setTransferTimeout(timeoutMs);
    for (const auto &[name, value] : headers)
        request.setRawHeader(name, value);
    return (network ? network : &m_network)->sendCustomRequest(request, method, body);
}

Reply VendorSimTest::finish(QNetworkReply *reply)
{
    if (!reply->isFinished()) {
        QEventLoop loop;
        connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
        loop.exec();
    }
    Reply result;
    result.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    result.error = reply->error();
    result.body = reply->readAll();
    result.headers = reply->rawHeaderPairs();
    reply->deleteLater();
    return result;
}

void VendorSimTest::initTestCase()
{
    m_sim = std::make_unique<SimProcess>();
    QVERIFY2(m_sim->start(), qPrintable(m_sim->error()));
}

void VendorSimTest::init()
{
    QCOMPARE(call("POST", QStringLiteral("/_sim/reset")).status, 200);
}

void VendorSimTest::stripeAcceptsOnlyItsSecretKey()
{
    const QByteArray form = "amount=2500&currency=usd";
    const Headers formType {{"Content-Type", "application/x-www-form-urlencoded"}};
    QCOMPARE(stripe("POST", QStringLiteral("/v1/charges"), form).status, 200);
    // Basic with the key as the user name, as curl -u sk_...: sends it.
    QCOMPARE(call("POST", QStringLiteral("/v1/charges"), form,
                  formType + Headers {{"Authorization", basic(kStripeKey, "")}})
                 .status,
             200);

    const Reply wrong = call("POST", QStringLiteral("/v1/charges"), form,
                             formType + Headers {{"Authorization", bearer("sk_test_wrong_key_1")}});
    QCOMPARE(wrong.status, 401);
    QCOMPARE(wrong.json()[u"error"][u"type"].toString(), QStringLiteral("invalid_request_error"));
    QVERIFY(!wrong.body.contains("sk_test_wrong_key_1"));
    QVERIFY(wrong.header("Request-Id").startsWith("req_"));

    const Reply none = call("POST", QStringLiteral("/v1/charges"), form, formType);
    QCOMPARE(none.status, 401);
    QVERIFY(none.json()[u"error"][u"message"].toString().contains(u"did not provide an API key"));

    // Another vendor's credential is no Stripe key.
    QCOMPARE(call("POST", QStringLiteral("/v1/charges"), form,
                  formType + Headers {{"Authorization", bearer(kResendKey)}})
                 .status,
             401);
}

void VendorSimTest::twilioAcceptsOnlyItsAccountAndToken()
{
    const QByteArray form = "To=%2B15551230001&From=%2B15557650002&Body=hello";
    const Headers formType {{"Content-Type", "application/x-www-form-urlencoded"}};
    QCOMPARE(twilio("POST", QStringLiteral("/Messages.json"), form).status, 201);

    const Reply wrongToken =
        call("POST", kTwilioBase + QStringLiteral("/Messages.json"), form,
             formType + Headers {{"Authorization", basic(kTwilioSid, "not_the_token")}});
    QCOMPARE(wrongToken.status, 401);
    QCOMPARE(wrongToken.json()[u"code"].toInt(), 20003);
    QCOMPARE(wrongToken.json()[u"status"].toInt(), 401);

    // The right credential used on another account's path.
    const QString otherAccount =
        QStringLiteral("/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages.json");
    QCOMPARE(call("POST", otherAccount, form,
                  formType + Headers {{"Authorization", basic(kTwilioSid, kTwilioToken)}})
                 .status,
             401);
    QCOMPARE(call("POST", kTwilioBase + QStringLiteral("/Messages.json"), form,
                  formType + Headers {{"Authorization", bearer(kTwilioToken)}})
                 .status,
             401);
    QCOMPARE(call("POST", kTwilioBase + QStringLiteral("/Messages.json"), form, formType).status,
             401);
}

void VendorSimTest::resendAcceptsOnlyItsApiKey()
{
    const QByteArray email =
        R"({"from":"Agent <agent@example.com>","to":"user@example.org","subject":"Hi","text":"x"})";
    QCOMPARE(resend("POST", QStringLiteral("/emails"), email).status, 200);

    const Headers json {{"Content-Type", "application/json"}};
    const Reply invalid = call("POST", QStringLiteral("/emails"), email,
                               json + Headers {{"Authorization", bearer("re_not_the_key")}});
    // Resend answers an unknown key with 403 and a missing one with 401.
    QCOMPARE(invalid.status, 403);
    QCOMPARE(invalid.json()[u"name"].toString(), QStringLiteral("invalid_api_key"));
    QCOMPARE(invalid.json()[u"statusCode"].toInt(), 403);
    const Reply missing = call("POST", QStringLiteral("/emails"), email, json);
    QCOMPARE(missing.status, 401);
    QCOMPARE(missing.json()[u"name"].toString(), QStringLiteral("missing_api_key"));
}

void VendorSimTest::stripeCreatesRealisticObjects_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("form");
    QTest::addColumn<QString>("idPrefix");
    QTest::addColumn<QString>("object");
    QTest::addColumn<QString>("status");

    QTest::newRow("charge") << QStringLiteral("/v1/charges")
                            << QByteArray("amount=2500&currency=usd&metadata[order]=A+1") << "ch_"
                            << "charge"
                            << "succeeded";
    QTest::newRow("payment intent")
        << QStringLiteral("/v1/payment_intents")
        << QByteArray("amount=2500&currency=usd&metadata[order]=A+1") << "pi_"
        << "payment_intent"
        << "requires_payment_method";
    QTest::newRow("confirmed payment intent")
        << QStringLiteral("/v1/payment_intents")
        << QByteArray("amount=2500&currency=usd&confirm=true&payment_method=pm_card_visa"
                      "&metadata[order]=A+1")
        << "pi_"
        << "payment_intent"
        << "succeeded";
    QTest::newRow("payout") << QStringLiteral("/v1/payouts")
                            << QByteArray("amount=2500&currency=usd&metadata[order]=A+1") << "po_"
                            << "payout"
                            << "pending";
    QTest::newRow("transfer") << QStringLiteral("/v1/transfers")
                              << QByteArray("amount=2500&currency=usd&destination=acct_1"
                                            "&metadata[order]=A+1")
                              << "tr_"
                              << "transfer"
                              << "";
    QTest::newRow("refund") << QStringLiteral("/v1/refunds")
                            << QByteArray("charge=ch_elsewhere&amount=2500&metadata[order]=A+1")
                            << "re_"
                            << "refund"
                            << "succeeded";
}

void VendorSimTest::stripeCreatesRealisticObjects()
{
    QFETCH(QString, path);
    QFETCH(QByteArray, form);
    QFETCH(QString, idPrefix);
    QFETCH(QString, object);
    QFETCH(QString, status);

    const Reply reply = stripe("POST", path, form);
    QCOMPARE(reply.status, 200);
    QVERIFY(reply.header("Request-Id").startsWith("req_"));
    const QJsonObject created = reply.json();
    QVERIFY2(created[u"id"].toString().startsWith(idPrefix), reply.body.constData());
    QCOMPARE(created[u"id"].toString().size(), idPrefix.size() + 24);
    QCOMPARE(created[u"object"].toString(), object);
    QCOMPARE(created[u"amount"].toInteger(), 2500);
    QCOMPARE(created[u"currency"].toString(), QStringLiteral("usd"));
    QVERIFY(created[u"created"].toInteger() > 1'600'000'000);
    QCOMPARE(created[u"metadata"][u"order"].toString(), QStringLiteral("A 1"));
    if (!status.isEmpty())
        QCOMPARE(created[u"status"].toString(), status);
    if (object != QLatin1String("refund")) {
        QVERIFY(created.contains(u"livemode"));
        QCOMPARE(created[u"livemode"].toBool(true), false);
    }

    // What was created can be read back.
    const Reply read = stripe("GET", path + u'/' + created[u"id"].toString());
    QCOMPARE(read.status, 200);
    QCOMPARE(read.json(), created);
}

void VendorSimTest::stripeReadsConfirmsAndRefundsWhatItCreated()
{
    const QJsonObject customer =
        stripe("POST", QStringLiteral("/v1/customers"),
               "email=ada%40example.com&name=Ada+Lovelace&metadata[tier]=gold")
            .json();
    const QString customerId = customer[u"id"].toString();
    QVERIFY(customerId.startsWith(u"cus_"));
    QCOMPARE(customer[u"object"].toString(), QStringLiteral("customer"));
    QCOMPARE(customer[u"email"].toString(), QStringLiteral("ada@example.com"));
    QCOMPARE(customer[u"livemode"].toBool(true), false);
    QCOMPARE(stripe("GET", QStringLiteral("/v1/customers/") + customerId).json(), customer);

    const Reply listed = stripe("GET", QStringLiteral("/v1/customers?limit=5"));
    QCOMPARE(listed.status, 200);
    QCOMPARE(listed.json()[u"object"].toString(), QStringLiteral("list"));
    QCOMPARE(listed.json()[u"data"].toArray().size(), 1);
    QCOMPARE(listed.json()[u"data"][0][u"id"].toString(), customerId);
    QCOMPARE(stripe("GET", QStringLiteral("/v1/customers?email=nobody%40example.com"))
                 .json()[u"data"]
                 .toArray()
                 .size(),
             0);

    const Reply missing = stripe("GET", QStringLiteral("/v1/customers/cus_doesnotexist"));
    QCOMPARE(missing.status, 404);
    QCOMPARE(missing.json()[u"error"][u"code"].toString(), QStringLiteral("resource_missing"));

    const QString intentId = stripe("POST", QStringLiteral("/v1/payment_intents"),
                                    "amount=900&currency=eur&payment_method=pm_card_visa")
                                 .json()[u"id"]
                                 .toString();
    const Reply confirmed =
        stripe("POST", QStringLiteral("/v1/payment_intents/%1/confirm").arg(intentId));
    QCOMPARE(confirmed.status, 200);
    QCOMPARE(confirmed.json()[u"status"].toString(), QStringLiteral("succeeded"));
    QCOMPARE(confirmed.json()[u"amount_received"].toInteger(), 900);
    // A confirmed PaymentIntent made a charge, as at Stripe: retrievable as its latest_charge,
    // listed (also by customer), and captured with the intent when capture is manual.
    const Reply charge = stripe(
        "GET", QStringLiteral("/v1/charges/") + confirmed.json()[u"latest_charge"].toString());
    QCOMPARE(charge.status, 200);
    QCOMPARE(charge.json()[u"payment_intent"].toString(), intentId);
    QCOMPARE(charge.json()[u"amount"].toInteger(), 900);
    QCOMPARE(charge.json()[u"currency"].toString(), QStringLiteral("eur"));
    QCOMPARE(charge.json()[u"captured"].toBool(), true);
    const QJsonObject manual = stripe("POST", QStringLiteral("/v1/payment_intents"),
                                      "amount=300&currency=usd&payment_method=pm_card_visa"
                                      "&confirm=true&capture_method=manual&customer="
                                          + customerId.toUtf8())
                                   .json();
    const QString manualCharge = manual[u"latest_charge"].toString();
    const Reply byCustomer = stripe("GET", QStringLiteral("/v1/charges?customer=") + customerId);
    QCOMPARE(byCustomer.json()[u"data"].toArray().size(), 1);
    QCOMPARE(byCustomer.json()[u"data"][0][u"id"].toString(), manualCharge);
    QCOMPARE(byCustomer.json()[u"data"][0][u"captured"].toBool(true), false);
    QCOMPARE(stripe("POST",
                    QStringLiteral("/v1/payment_intents/%1/capture").arg(manual[u"id"].toString()))
                 .status,
             200);
    QCOMPARE(stripe("GET", QStringLiteral("/v1/charges/") + manualCharge)
                 .json()[u"amount_captured"]
                 .toInteger(),
             300);

    const Reply again =
        stripe("POST", QStringLiteral("/v1/payment_intents/%1/confirm").arg(intentId));
    QCOMPARE(again.status, 400);
    QCOMPARE(again.json()[u"error"][u"code"].toString(),
             QStringLiteral("payment_intent_unexpected_state"));

    const QString chargeId =
        stripe("POST", QStringLiteral("/v1/charges"), "amount=2500&currency=gbp")
            .json()[u"id"]
            .toString();
    const Reply refund = stripe("POST", QStringLiteral("/v1/refunds"),
                                "charge=" + chargeId.toUtf8() + "&amount=1000");
    QCOMPARE(refund.status, 200);
    QVERIFY(refund.json()[u"id"].toString().startsWith(u"re_"));
    QCOMPARE(refund.json()[u"currency"].toString(), QStringLiteral("gbp"));
    QCOMPARE(stripe("GET", QStringLiteral("/v1/charges/") + chargeId)
                 .json()[u"amount_refunded"]
                 .toInteger(),
             1000);
    QCOMPARE(stripe("POST", QStringLiteral("/v1/refunds"),
                    "charge=" + chargeId.toUtf8() + "&amount=2000")
                 .status,
             400);
    // Without an amount, the rest of the charge.
    QCOMPARE(stripe("POST", QStringLiteral("/v1/refunds"), "charge=" + chargeId.toUtf8())
                 .json()[u"amount"]
                 .toInteger(),
             1500);
}

void VendorSimTest::stripeValidatesLikeStripe()
{
    const Reply noAmount = stripe("POST", QStringLiteral("/v1/charges"), "currency=usd");
    QCOMPARE(noAmount.status, 400);
    const QJsonObject error = noAmount.json()[u"error"].toObject();
    QCOMPARE(error[u"type"].toString(), QStringLiteral("invalid_request_error"));
    QCOMPARE(error[u"code"].toString(), QStringLiteral("parameter_missing"));
    QCOMPARE(error[u"param"].toString(), QStringLiteral("amount"));

    const Reply noCurrency = stripe("POST", QStringLiteral("/v1/payouts"), "amount=100");
    QCOMPARE(noCurrency.status, 400);
    QCOMPARE(noCurrency.json()[u"error"][u"param"].toString(), QStringLiteral("currency"));

    const Reply notInteger =
        stripe("POST", QStringLiteral("/v1/charges"), "amount=12.50&currency=usd");
    QCOMPARE(notInteger.status, 400);
    QCOMPARE(notInteger.json()[u"error"][u"code"].toString(),
             QStringLiteral("parameter_invalid_integer"));

    QCOMPARE(stripe("POST", QStringLiteral("/v1/transfers"), "amount=100&currency=usd")
                 .json()[u"error"][u"param"]
                 .toString(),
             QStringLiteral("destination"));

    // Stripe does not read JSON bodies: the parameters are simply missing.
    const Reply json =
        call("POST", QStringLiteral("/v1/charges"), R"({"amount":2500,"currency":"usd"})",
             {{"Authorization", bearer(kStripeKey)}, {"Content-Type", "application/json"}});
    QCOMPARE(json.status, 400);
    QCOMPARE(json.json()[u"error"][u"code"].toString(), QStringLiteral("parameter_missing"));

    const Reply unknown = stripe("POST", QStringLiteral("/v1/unicorns"), "a=1");
    QCOMPARE(unknown.status, 404);
    QCOMPARE(unknown.json()[u"error"][u"type"].toString(), QStringLiteral("invalid_request_error"));
    QVERIFY(unknown.json()[u"error"][u"message"].toString().startsWith(
        u"Unrecognized request URL (POST: /v1/unicorns)"));
    // As at Stripe, the credential is checked before the route.
    QCOMPARE(call("POST", QStringLiteral("/v1/unicorns")).status, 401);
}

void VendorSimTest::twilioMessagesAndCallsLookLikeTwilio()
{
    const Reply sent = twilio("POST", QStringLiteral("/Messages.json"),
                              "To=%2B15551230001&From=%2B15557650002&Body=Your+code+is+1234"
                              "&MaxPrice=0.015");
    QCOMPARE(sent.status, 201);
    const QJsonObject message = sent.json();
    const QString sid = message[u"sid"].toString();
    QVERIFY(sid.startsWith(u"SM"));
    QCOMPARE(sid.size(), 34);
    QCOMPARE(message[u"status"].toString(), QStringLiteral("queued"));
    QCOMPARE(message[u"account_sid"].toString(), QLatin1String(kTwilioSid));
    QCOMPARE(message[u"to"].toString(), QStringLiteral("+15551230001"));
    QCOMPARE(message[u"from"].toString(), QStringLiteral("+15557650002"));
    QCOMPARE(message[u"body"].toString(), QStringLiteral("Your code is 1234"));
    QVERIFY(message[u"price"].isNull());
    QCOMPARE(message[u"price_unit"].toString(), QStringLiteral("USD"));
    QCOMPARE(message[u"num_segments"].toString(), QStringLiteral("1"));
    QCOMPARE(message[u"max_price"].toString(), QStringLiteral("0.015"));
    QCOMPARE(message[u"direction"].toString(), QStringLiteral("outbound-api"));
    QVERIFY(message[u"date_created"].toString().endsWith(u" +0000"));

    QCOMPARE(twilio("GET", QStringLiteral("/Messages/%1.json").arg(sid)).json(), message);
    const QJsonObject list = twilio("GET", QStringLiteral("/Messages.json")).json();
    QCOMPARE(list[u"messages"].toArray().size(), 1);
    QCOMPARE(list[u"messages"][0][u"sid"].toString(), sid);

    const Reply noTo =
        twilio("POST", QStringLiteral("/Messages.json"), "From=%2B15557650002&Body=hi");
    QCOMPARE(noTo.status, 400);
    QCOMPARE(noTo.json()[u"code"].toInt(), 21604);
    QCOMPARE(noTo.json()[u"status"].toInt(), 400);
    QVERIFY(
        noTo.json()[u"more_info"].toString().startsWith(u"https://www.twilio.com/docs/errors/"));

    const Reply unknown = twilio("GET", QStringLiteral("/Messages/SMnotthere.json"));
    QCOMPARE(unknown.status, 404);
    QCOMPARE(unknown.json()[u"code"].toInt(), 20404);

    const Reply placed = twilio("POST", QStringLiteral("/Calls.json"),
                                "To=%2B15551230001&From=%2B15557650002"
                                "&Url=https%3A%2F%2Fexample.com%2Ftwiml");
    QCOMPARE(placed.status, 201);
    QVERIFY(placed.json()[u"sid"].toString().startsWith(u"CA"));
    QCOMPARE(placed.json()[u"sid"].toString().size(), 34);
    QCOMPARE(placed.json()[u"status"].toString(), QStringLiteral("queued"));
    QCOMPARE(twilio("POST", QStringLiteral("/Calls.json"), "To=%2B1555&From=%2B1555")
                 .json()[u"code"]
                 .toInt(),
             21205);
}

void VendorSimTest::twilioCountsSegments_data()
{
    QTest::addColumn<QString>("body");
    QTest::addColumn<QString>("segments");
    QTest::newRow("160 GSM-7") << QString(160, u'a') << "1";
    QTest::newRow("161 GSM-7") << QString(161, u'a') << "2";
    QTest::newRow("306 GSM-7") << QString(306, u'a') << "2";
    QTest::newRow("307 GSM-7") << QString(307, u'a') << "3";
    QTest::newRow("80 euro signs, two septets each") << QString(80, QChar(0x20AC)) << "1";
    QTest::newRow("81 euro signs") << QString(81, QChar(0x20AC)) << "2";
    QTest::newRow("70 UCS-2") << QString(70, QChar(0x0436)) << "1";
    QTest::newRow("71 UCS-2") << QString(71, QChar(0x0436)) << "2";
    QTest::newRow("135 UCS-2") << QString(135, QChar(0x0436)) << "3";
    QTest::newRow("GSM-7 accents") << QStringLiteral("Café à Zürich, ¿sí?") << "1";
}

void VendorSimTest::twilioCountsSegments()
{
    QFETCH(QString, body);
    QFETCH(QString, segments);
    const Reply sent =
        twilio("POST", QStringLiteral("/Messages.json"),
               "To=%2B15551230001&From=%2B15557650002&Body=" + QUrl::toPercentEncoding(body));
    QCOMPARE(sent.status, 201);
    QCOMPARE(sent.json()[u"num_segments"].toString(), segments);
    QCOMPARE(sent.json()[u"body"].toString(), body);
}

void VendorSimTest::twilioPriceFollowsTheFlag()
{
    const Headers headers {{"Authorization", basic(kTwilioSid, kTwilioToken)},
                           {"Content-Type", "application/x-www-form-urlencoded"}};
    const QString path = kTwilioBase + QStringLiteral("/Messages.json");
    const QByteArray oneSegment = "To=%2B15551230001&From=%2B15557650002&Body=hi";
    const QByteArray twoSegments =
        "To=%2B15551230001&From=%2B15557650002&Body=" + QByteArray(200, 'x');

    SimProcess fixed({QStringLiteral("--twilio-price"), QStringLiteral("-0.0079")});
    QVERIFY2(fixed.start(), qPrintable(fixed.error()));
    QCOMPARE(finish(start(fixed, "POST", path, oneSegment, headers)).json()[u"price"].toString(),
             QStringLiteral("-0.0079"));
    QCOMPARE(finish(start(fixed, "POST", path, twoSegments, headers)).json()[u"price"].toString(),
             QStringLiteral("-0.0158"));
    // Above MaxPrice Twilio fails the message (30010) instead of charging it.
    const QJsonObject capped =
        finish(start(fixed, "POST", path, twoSegments + "&MaxPrice=0.01", headers)).json();
    QCOMPARE(capped[u"status"].toString(), QStringLiteral("failed"));
    QCOMPARE(capped[u"error_code"].toInt(), 30010);
    QVERIFY(capped[u"price"].isNull());

    SimProcess random({QStringLiteral("--twilio-price"), QStringLiteral("random")});
    QVERIFY2(random.start(), qPrintable(random.error()));
    for (int i = 0; i < 5; ++i) {
        const QString price =
            finish(start(random, "POST", path, oneSegment, headers)).json()[u"price"].toString();
        bool ok = false;
        const double value = price.toDouble(&ok);
        QVERIFY2(ok && value <= -0.005 && value >= -0.01, qPrintable(price));
    }
}

void VendorSimTest::resendEmailsLookLikeResend()
{
    const Reply sent =
        resend("POST", QStringLiteral("/emails"),
               R"({"from":"Agent <agent@example.com>","to":["a@example.org"],)"
               R"("cc":"c@example.org","subject":"Receipt","html":"<p>Thanks</p>"})");
    QCOMPARE(sent.status, 200);
    const QString id = sent.json()[u"id"].toString();
    QVERIFY2(kUuid.match(id).hasMatch(), qPrintable(id));
    QCOMPARE(sent.json().size(), 1);

    const QJsonObject email = resend("GET", QStringLiteral("/emails/") + id).json();
    QCOMPARE(email[u"object"].toString(), QStringLiteral("email"));
    QCOMPARE(email[u"id"].toString(), id);
    QCOMPARE(email[u"to"].toArray(), QJsonArray {QStringLiteral("a@example.org")});
    QCOMPARE(email[u"cc"].toArray(), QJsonArray {QStringLiteral("c@example.org")});
    QCOMPARE(email[u"subject"].toString(), QStringLiteral("Receipt"));

    const Reply batch = resend("POST", QStringLiteral("/emails/batch"),
                               R"([{"from":"a@example.com","to":"b@example.org","subject":"1"},)"
                               R"({"from":"a@example.com","to":"c@example.org","subject":"2"}])");
    QCOMPARE(batch.status, 200);
    const QJsonArray data = batch.json()[u"data"].toArray();
    QCOMPARE(data.size(), 2);
    for (const auto &entry : data)
        QVERIFY(kUuid.match(entry[u"id"].toString()).hasMatch());

    const Reply noFrom =
        resend("POST", QStringLiteral("/emails"), R"({"to":"b@example.org","subject":"x"})");
    QCOMPARE(noFrom.status, 422);
    QCOMPARE(noFrom.json()[u"name"].toString(), QStringLiteral("missing_required_field"));
    QCOMPARE(noFrom.json()[u"statusCode"].toInt(), 422);
    QCOMPARE(resend("POST", QStringLiteral("/emails"), "{not json").status, 400);
    QCOMPARE(resend("GET", QStringLiteral("/emails/4ef9a417-02e9-4d39-ad75-9611e0fcc33c")).status,
             404);
}

void VendorSimTest::stripeReplaysAnIdempotentRequest()
{
    const Headers key {{"Idempotency-Key", "order-7-attempt"}};
    const QByteArray form = "email=once%40example.com";
    const Reply first = stripe("POST", QStringLiteral("/v1/customers"), form, key);
    QCOMPARE(first.status, 200);
    QVERIFY(first.header("Idempotent-Replayed").isEmpty());

    const Reply second = stripe("POST", QStringLiteral("/v1/customers"), form, key);
    QCOMPARE(second.status, 200);
    QCOMPARE(second.body, first.body);
    QCOMPARE(second.header("Idempotent-Replayed"), QByteArray("true"));
    QCOMPARE(second.header("Original-Request"), first.header("Request-Id"));
    QVERIFY(second.header("Request-Id") != first.header("Request-Id"));
    // One customer exists, not two.
    QCOMPARE(stripe("GET", QStringLiteral("/v1/customers")).json()[u"data"].toArray().size(), 1);
    QCOMPARE(stats()[u"replayed"].toInt(), 1);

    const Reply other =
        stripe("POST", QStringLiteral("/v1/customers"), "email=twice%40example.com", key);
    QCOMPARE(other.status, 400);
    QCOMPARE(other.json()[u"error"][u"type"].toString(), QStringLiteral("idempotency_error"));

    // A decline is the endpoint's answer, so it is replayed too.
    const Headers declineKey {{"Idempotency-Key", "declined-once"}, {"X-Sim-Fault", "402"}};
    QCOMPARE(
        stripe("POST", QStringLiteral("/v1/charges"), "amount=100&currency=usd", declineKey).status,
        402);
    const Reply replayedDecline =
        stripe("POST", QStringLiteral("/v1/charges"), "amount=100&currency=usd",
               {{"Idempotency-Key", "declined-once"}});
    QCOMPARE(replayedDecline.status, 402);
    QCOMPARE(replayedDecline.header("Idempotent-Replayed"), QByteArray("true"));
}

void VendorSimTest::stripeRefusesAConcurrentDuplicateWith409()
{
    const Headers slow {{"Authorization", bearer(kStripeKey)},
                        {"Content-Type", "application/x-www-form-urlencoded"},
                        {"Idempotency-Key", "slow-key"},
                        {"X-Sim-Fault", "delay=3000"}};
    const QByteArray form = "amount=700&currency=usd";
    QNetworkReply *first = start(*m_sim, "POST", QStringLiteral("/v1/charges"), form, slow);
    QTRY_COMPARE(stats()[u"in_flight"].toInt(), 1);

    const Reply duplicate =
        stripe("POST", QStringLiteral("/v1/charges"), form, {{"Idempotency-Key", "slow-key"}});
    QCOMPARE(duplicate.status, 409);
    QCOMPARE(duplicate.json()[u"error"][u"code"].toString(),
             QStringLiteral("idempotency_key_in_use"));

    const Reply original = finish(first);
    QCOMPARE(original.status, 200);
    const Reply replay =
        stripe("POST", QStringLiteral("/v1/charges"), form, {{"Idempotency-Key", "slow-key"}});
    QCOMPARE(replay.status, 200);
    QCOMPARE(replay.json()[u"id"], original.json()[u"id"]);
}

void VendorSimTest::idempotencyKeyStaysFreeWhenNothingRan()
{
    const QByteArray form = "amount=300&currency=usd";
    QCOMPARE(stripe("POST", QStringLiteral("/v1/charges"), form,
                    {{"Idempotency-Key", "k-500"}, {"X-Sim-Fault", "500"}})
                 .status,
             500);
    const Reply retried =
        stripe("POST", QStringLiteral("/v1/charges"), form, {{"Idempotency-Key", "k-500"}});
    QCOMPARE(retried.status, 200);
    QVERIFY(retried.header("Idempotent-Replayed").isEmpty());

    // A request that failed validation stores nothing: the corrected one runs.
    QCOMPARE(stripe("POST", QStringLiteral("/v1/charges"), "currency=usd",
                    {{"Idempotency-Key", "k-invalid"}})
                 .status,
             400);
    const Reply corrected =
        stripe("POST", QStringLiteral("/v1/charges"), form, {{"Idempotency-Key", "k-invalid"}});
    QCOMPARE(corrected.status, 200);
    QVERIFY(corrected.header("Idempotent-Replayed").isEmpty());
}

void VendorSimTest::resendHonoursIdempotencyKeys()
{
    const QByteArray email = R"({"from":"a@example.com","to":"b@example.org","subject":"once"})";
    const Headers key {{"Idempotency-Key", "welcome-user-42"}};
    const Reply first = resend("POST", QStringLiteral("/emails"), email, key);
    const Reply second = resend("POST", QStringLiteral("/emails"), email, key);
    QCOMPARE(first.status, 200);
    QCOMPARE(second.status, 200);
    QCOMPARE(second.json()[u"id"], first.json()[u"id"]);

    const Reply changed =
        resend("POST", QStringLiteral("/emails"),
               R"({"from":"a@example.com","to":"b@example.org","subject":"2"})", key);
    QCOMPARE(changed.status, 409);
    QCOMPARE(changed.json()[u"name"].toString(), QStringLiteral("invalid_idempotent_request"));
}

void VendorSimTest::injectedStatusFaultsUseTheVendorShape_data()
{
    QTest::addColumn<QString>("vendor");
    QTest::addColumn<int>("status");
    for (const char *vendor : {"stripe", "twilio", "resend"}) {
        for (int status : {400, 402, 429, 500, 503})
            QTest::addRow("%s %d", vendor, status) << QString::fromLatin1(vendor) << status;
    }
}

void VendorSimTest::injectedStatusFaultsUseTheVendorShape()
{
    QFETCH(QString, vendor);
    QFETCH(int, status);
    const Headers fault {{"X-Sim-Fault", QByteArray::number(status)}};
    Reply reply;
    if (vendor == u"stripe") {
        reply = stripe("POST", QStringLiteral("/v1/charges"), "amount=100&currency=usd", fault);
        const QJsonObject error = reply.json()[u"error"].toObject();
        QVERIFY2(!error[u"type"].toString().isEmpty(), reply.body.constData());
        QVERIFY(!error[u"message"].toString().isEmpty());
        if (status == 402)
            QCOMPARE(error[u"code"].toString(), QStringLiteral("card_declined"));
        if (status >= 500)
            QCOMPARE(error[u"type"].toString(), QStringLiteral("api_error"));
    } else if (vendor == u"twilio") {
        reply = twilio("POST", QStringLiteral("/Messages.json"),
                       "To=%2B15551230001&From=%2B15557650002&Body=hi", fault);
        QCOMPARE(reply.json()[u"status"].toInt(), status);
        QVERIFY2(reply.json()[u"code"].toInt() > 20000, reply.body.constData());
        QVERIFY(!reply.json()[u"more_info"].toString().isEmpty());
    } else {
        reply = resend("POST", QStringLiteral("/emails"),
                       R"({"from":"a@example.com","to":"b@example.org","subject":"x"})", fault);
        QCOMPARE(reply.json()[u"statusCode"].toInt(), status);
        QVERIFY2(!reply.json()[u"name"].toString().isEmpty(), reply.body.constData());
    }
    QCOMPARE(reply.status, status);
    // 429 and 5xx answer before the operation runs: nothing was created.
    if (status >= 429 && vendor == u"stripe")
        QCOMPARE(stripe("GET", QStringLiteral("/v1/charges")).json()[u"data"].toArray().size(), 0);
}

void VendorSimTest::dropRunsTheOperationThenClosesWithoutAnswer()
{
    // A raw socket, so no client library retries behind the test's back.
    QTcpSocket socket;
    socket.connectToHost(QStringLiteral("127.0.0.1"), m_sim->port());
    QVERIFY(socket.waitForConnected(5000));
    const QByteArray body = "amount=4200&currency=usd";
    socket.write("POST /v1/charges HTTP/1.1\r\nHost: sim\r\nAuthorization: Bearer "
                 + QByteArray(kStripeKey)
                 + "\r\nContent-Type: application/x-www-form-urlencoded\r\nX-Sim-Fault: drop\r\n"
                   "Content-Length: "
                 + QByteArray::number(body.size()) + "\r\n\r\n" + body);
    QVERIFY(socket.waitForBytesWritten(5000));
    if (socket.state() != QAbstractSocket::UnconnectedState)
        QVERIFY(socket.waitForDisconnected(5000));
    QCOMPARE(socket.readAll(), QByteArray());

    const QJsonObject counters = stats();
    QCOMPARE(counters[u"dropped"].toInt(), 1);
    QCOMPARE(counters[u"by_operation"][u"stripe.charges.create"].toInt(), 1);
    // The vendor acted: the charge exists although nobody heard of it.
    const QJsonArray charges =
        stripe("GET", QStringLiteral("/v1/charges")).json()[u"data"].toArray();
    QCOMPARE(charges.size(), 1);
    QCOMPARE(charges[0][u"amount"].toInteger(), 4200);
}

void VendorSimTest::hangNeverAnswers()
{
    // Its own access manager: with Qt 6.4.2, requests sent after one hit its transfer timeout
    // stalled on the same manager, which would hold up the tests after this one.
    QNetworkAccessManager network;
    const Reply reply =
        finish(start(*m_sim, "POST", QStringLiteral("/v1/charges"), "amount=100&currency=usd",
                     {{"Authorization", bearer(kStripeKey)},
                      {"Content-Type", "application/x-www-form-urlencoded"},
                      {"X-Sim-Fault", "hang"}},
                     300, &network));
    QCOMPARE(reply.status, 0);
    QCOMPARE(reply.error, QNetworkReply::OperationCanceledError);
    QCOMPARE(stats()[u"hung"].toInt(), 1);
}

void VendorSimTest::delayStillAnswers()
{
    const Reply reply = stripe("POST", QStringLiteral("/v1/charges"), "amount=100&currency=usd",
                               {{"X-Sim-Fault", "delay=50"}});
    QCOMPARE(reply.status, 200);
    QCOMPARE(recentRequests(1)[0][u"fault"].toString(), QStringLiteral("delay=50"));
}

void VendorSimTest::unknownFaultValueIsRefused()
{
    const Reply reply = stripe("POST", QStringLiteral("/v1/charges"), "amount=100&currency=usd",
                               {{"X-Sim-Fault", "418"}});
    QCOMPARE(reply.status, 400);
    QCOMPARE(reply.json()[u"error"][u"type"].toString(), QStringLiteral("sim_error"));
}

void VendorSimTest::faultFlagsApplyWhenTheHeaderIsAbsent()
{
    const Headers stripeHeaders {{"Authorization", bearer(kStripeKey)},
                                 {"Content-Type", "application/x-www-form-urlencoded"}};
    const QByteArray form = "amount=100&currency=usd";

    SimProcess limited({QStringLiteral("--rate-429"), QStringLiteral("1")});
    QVERIFY2(limited.start(), qPrintable(limited.error()));
    const Reply limitedReply =
        finish(start(limited, "POST", QStringLiteral("/v1/charges"), form, stripeHeaders));
    QCOMPARE(limitedReply.status, 429);
    QCOMPARE(limitedReply.json()[u"error"][u"code"].toString(), QStringLiteral("rate_limit"));
    // The header wins over the flags.
    QCOMPARE(finish(start(limited, "POST", QStringLiteral("/v1/charges"), form,
                          stripeHeaders + Headers {{"X-Sim-Fault", "delay=0"}}))
                 .status,
             200);

    SimProcess declining(
        {QStringLiteral("--error-rate=1"), QStringLiteral("--seed"), QStringLiteral("7")});
    QVERIFY2(declining.start(), qPrintable(declining.error()));
    const Reply declined =
        finish(start(declining, "POST", QStringLiteral("/v1/charges"), form, stripeHeaders));
    QCOMPARE(declined.status, 402);
    QCOMPARE(declined.json()[u"error"][u"code"].toString(), QStringLiteral("card_declined"));
    const Reply invalidTo =
        finish(start(declining, "POST", kTwilioBase + QStringLiteral("/Messages.json"),
                     "To=%2B15551230001&From=%2B15557650002&Body=hi",
                     {{"Authorization", basic(kTwilioSid, kTwilioToken)},
                      {"Content-Type", "application/x-www-form-urlencoded"}}));
    QCOMPARE(invalidTo.status, 400);
    QCOMPARE(invalidTo.json()[u"code"].toInt(), 21211);

    SimProcess failing({QStringLiteral("--rate-5xx"), QStringLiteral("1")});
    QVERIFY2(failing.start(), qPrintable(failing.error()));
    const int status =
        finish(start(failing, "POST", QStringLiteral("/v1/charges"), form, stripeHeaders)).status;
    QVERIFY2(status == 500 || status == 503, qPrintable(QString::number(status)));
}

void VendorSimTest::statsCountOperationsAndStatuses()
{
    stripe("POST", QStringLiteral("/v1/charges"), "amount=100&currency=usd");
    stripe("POST", QStringLiteral("/v1/charges"), "amount=200&currency=usd");
    stripe("GET", QStringLiteral("/v1/customers"));
    twilio("POST", QStringLiteral("/Messages.json"), "To=%2B15551230001&From=%2B1555&Body=hi");
    resend("POST", QStringLiteral("/emails"),
           R"({"from":"a@example.com","to":"b@example.org","subject":"x"})");
    call("POST", QStringLiteral("/v1/charges"), "amount=1&currency=usd"); // no credential
    stripe("GET", QStringLiteral("/v1/nothing-here"));

    const QJsonObject counters = stats();
    QCOMPARE(counters[u"requests_total"].toInt(), 7);
    const QJsonObject byOperation = counters[u"by_operation"].toObject();
    QCOMPARE(byOperation[u"stripe.charges.create"].toInt(), 3);
    QCOMPARE(byOperation[u"stripe.customers.list"].toInt(), 1);
    QCOMPARE(byOperation[u"twilio.messages.create"].toInt(), 1);
    QCOMPARE(byOperation[u"resend.emails.send"].toInt(), 1);
    QCOMPARE(byOperation[u"unknown"].toInt(), 1);
    const QJsonObject byStatus = counters[u"by_status"].toObject();
    QCOMPARE(byStatus[u"200"].toInt(), 4);
    QCOMPARE(byStatus[u"201"].toInt(), 1);
    QCOMPARE(byStatus[u"401"].toInt(), 1);
    QCOMPARE(byStatus[u"404"].toInt(), 1);
    QCOMPARE(counters[u"by_vendor"][u"stripe"].toInt(), 5);

    QCOMPARE(call("POST", QStringLiteral("/_sim/reset")).status, 200);
    QCOMPARE(stats()[u"requests_total"].toInt(), 0);
    QCOMPARE(recentRequests(10).size(), 0);
}

void VendorSimTest::statsShowTheHighestConcurrency()
{
    // Requests of earlier tests may still hang.
    const int before = stats()[u"in_flight"].toInt();
    const Headers slow {{"Authorization", bearer(kStripeKey)}, {"X-Sim-Fault", "delay=10000"}};
    QNetworkAccessManager network;
    QList<QNetworkReply *> replies;
    for (int i = 0; i < 3; ++i)
        replies.append(
            start(*m_sim, "GET", QStringLiteral("/v1/balance"), {}, slow, 20000, &network));
    QTRY_COMPARE(stats()[u"in_flight"].toInt(), before + 3);
    QCOMPARE(stats()[u"max_in_flight"].toInt(), before + 3);
    for (QNetworkReply *reply : replies) {
        reply->abort();
        reply->deleteLater();
    }
}

void VendorSimTest::requestLogShowsSchemesButNeverSecrets()
{
    stripe("POST", QStringLiteral("/v1/charges"), "amount=100&currency=usd",
           {{"Idempotency-Key", "log-key"}});
    twilio("GET", QStringLiteral("/Messages.json"));
    call("GET", QStringLiteral("/v1/balance"), {},
         {{"Authorization", bearer("sk_test_someone_elses_secret")}});

    const Reply log = call("GET", QStringLiteral("/_sim/requests?limit=2"));
    const QJsonArray entries = log.json()[u"data"].toArray();
    QCOMPARE(entries.size(), 2);
    QCOMPARE(entries[0][u"path"].toString(), kTwilioBase + QStringLiteral("/Messages.json"));
    QCOMPARE(entries[0][u"auth_scheme"].toString(), QStringLiteral("basic"));
    QCOMPARE(entries[0][u"credential_ok"].toBool(), true);
    QCOMPARE(entries[1][u"method"].toString(), QStringLiteral("GET"));
    QCOMPARE(entries[1][u"auth_scheme"].toString(), QStringLiteral("bearer"));
    QCOMPARE(entries[1][u"credential_ok"].toBool(true), false);
    QCOMPARE(entries[1][u"status"].toInt(), 401);

    const QJsonObject first = recentRequests(3)[0].toObject();
    QCOMPARE(first[u"idempotency_key"].toString(), QStringLiteral("log-key"));
    QCOMPARE(first[u"content_type"].toString(),
             QStringLiteral("application/x-www-form-urlencoded"));
    QCOMPARE(first[u"body"].toString(), QStringLiteral("amount=100&currency=usd"));
    QCOMPARE(first[u"operation"].toString(), QStringLiteral("stripe.charges.create"));

    const QByteArray everything = call("GET", QStringLiteral("/_sim/requests?limit=100")).body;
    for (const QByteArray &secret : {QByteArray(kStripeKey), QByteArray(kTwilioToken),
                                     QByteArray("sk_test_someone_elses_secret")})
        QVERIFY2(!everything.contains(secret), secret.constData());
}

QTEST_GUILESS_MAIN(VendorSimTest)
#include "tst_vendorsim.moc"
