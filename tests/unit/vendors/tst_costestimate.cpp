// Cost estimates of prepared calls: Stripe amounts and currencies, Twilio segments and MaxPrice,
// Resend recipients, and unpriceable calls that must fail closed.

#include "preparedcalls.h"
#include "vendors/stripeform.h"

#include <QtTest>

using namespace keybrake;
using namespace keybrake::vendortest;
using namespace Qt::StringLiterals;

Q_DECLARE_METATYPE(keybrake::Vendor)

class TestCostEstimate : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void stripeEstimates_data();
    void stripeEstimates();
    void twilioMessages_data();
    void twilioMessages();
    void twilioCalls();
    void resendEstimates_data();
    void resendEstimates();
};

void TestCostEstimate::stripeEstimates_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("outcome");
    QTest::addColumn<qint64>("micros");
    QTest::addColumn<QByteArray>("currency");
    QTest::addColumn<qint64>("originalAmount"); // -1: none

    const QByteArray F(kForm);
    const QByteArray J(kJson);
    QTest::newRow("charge usd") << "POST"_ba
                                << "/v1/charges"_ba << F
                                << "amount=2500&currency=usd&source=tok_visa"_ba << Known
                                << qint64(25'000'000) << "usd"_ba << qint64(2500);
    QTest::newRow("charge USD upper case") << "POST"_ba
                                           << "/v1/charges"_ba << F << "amount=100&currency=USD"_ba
                                           << Known << qint64(1'000'000) << "usd"_ba << qint64(100);
    QTest::newRow("jpy is zero-decimal")
        << "POST"_ba
        << "/v1/payment_intents"_ba << F << "amount=1000&currency=jpy"_ba << Known
        << qint64(6'700'000) << "jpy"_ba << qint64(1000);
    QTest::newRow("kwd is three-decimal")
        << "POST"_ba
        << "/v1/payment_intents"_ba << F << "amount=1500&currency=kwd"_ba << Known
        << qint64(4'875'000) << "kwd"_ba << qint64(1500);
    QTest::newRow("fx rounds up") << "POST"_ba
                                  << "/v1/charges"_ba << F << "amount=1&currency=chf"_ba << Known
                                  << qint64(11'334) << "chf"_ba << qint64(1);
    QTest::newRow("eur") << "POST"_ba
                         << "/v1/transfers"_ba << F
                         << "amount=5000&currency=eur&destination=acct_1"_ba << Known
                         << qint64(54'000'000) << "eur"_ba << qint64(5000);
    QTest::newRow("payout") << "POST"_ba
                            << "/v1/payouts"_ba << F << "amount=700&currency=usd"_ba << Known
                            << qint64(7'000'000) << "usd"_ba << qint64(700);
    QTest::newRow("json body") << "POST"_ba
                               << "/v1/payment_intents"_ba << J
                               << R"({"amount": 2500, "currency": "eur"})"_ba << Known
                               << qint64(27'000'000) << "eur"_ba << qint64(2500);
    QTest::newRow("duplicate amounts hold the largest")
        << "POST"_ba
        << "/v1/charges"_ba << F << "amount=100&currency=usd&amount=90000"_ba << Known
        << qint64(900'000'000) << "usd"_ba << qint64(90000);
    QTest::newRow("unsupported currency") << "POST"_ba
                                          << "/v1/charges"_ba << F << "amount=100&currency=gbp"_ba
                                          << Unsupported << qint64(0) << "gbp"_ba << qint64(100);
    QTest::newRow("conflicting currencies")
        << "POST"_ba
        << "/v1/charges"_ba << F << "amount=100&currency=usd&currency=eur"_ba << Unknown
        << qint64(0) << ""_ba << qint64(100);
    QTest::newRow("missing amount") << "POST"_ba
                                    << "/v1/charges"_ba << F << "currency=usd"_ba << Unknown
                                    << qint64(0) << ""_ba << qint64(-1);
    QTest::newRow("missing currency")
        << "POST"_ba
        << "/v1/charges"_ba << F << "amount=100"_ba << Unknown << qint64(0) << ""_ba << qint64(100);
    QTest::newRow("negative amount") << "POST"_ba
                                     << "/v1/charges"_ba << F << "amount=-2500&currency=usd"_ba
                                     << Unknown << qint64(0) << ""_ba << qint64(-1);
    QTest::newRow("zero amount") << "POST"_ba
                                 << "/v1/charges"_ba << F << "amount=0&currency=usd"_ba << Unknown
                                 << qint64(0) << ""_ba << qint64(-1);
    QTest::newRow("decimal amount") << "POST"_ba
                                    << "/v1/charges"_ba << F << "amount=10.50&currency=usd"_ba
                                    << Unknown << qint64(0) << ""_ba << qint64(-1);
    QTest::newRow("json decimal amount")
        << "POST"_ba
        << "/v1/charges"_ba << J << R"({"amount": 10.5, "currency": "usd"})"_ba << Unknown
        << qint64(0) << ""_ba << qint64(-1);
    QTest::newRow("json string amount")
        << "POST"_ba
        << "/v1/charges"_ba << J << R"({"amount": "2500", "currency": "usd"})"_ba << Known
        << qint64(25'000'000) << "usd"_ba << qint64(2500);
    QTest::newRow("text amount") << "POST"_ba
                                 << "/v1/charges"_ba << F << "amount=lots&currency=usd"_ba
                                 << Unknown << qint64(0) << ""_ba << qint64(-1);
    QTest::newRow("one bad duplicate amount")
        << "POST"_ba
        << "/v1/charges"_ba << F << "amount=100&amount=x&currency=usd"_ba << Unknown << qint64(0)
        << ""_ba << qint64(-1);
    QTest::newRow("amount too long")
        << "POST"_ba
        << "/v1/charges"_ba << F << "amount=1234567890123456789&currency=usd"_ba << Unknown
        << qint64(0) << ""_ba << qint64(-1);
    QTest::newRow("refund with amount")
        << "POST"_ba
        << "/v1/refunds"_ba << F << "charge=ch_1&amount=500&currency=usd"_ba << Known
        << qint64(5'000'000) << "usd"_ba << qint64(500);
    QTest::newRow("refund without amount")
        << "POST"_ba
        << "/v1/refunds"_ba << F << "charge=ch_1"_ba << Unknown << qint64(0) << ""_ba << qint64(-1);
    // The refund's currency is its charge's: held at the dearest minor unit configured
    // (chf at 1.133333 per unit), settled from the response.
    QTest::newRow("refund without currency")
        << "POST"_ba
        << "/v1/refunds"_ba << F << "payment_intent=pi_1&amount=1000"_ba << Known
        << qint64(11'333'330) << ""_ba << qint64(1000);
    QTest::newRow("confirm costs nothing")
        << "POST"_ba
        << "/v1/payment_intents/pi_1/confirm"_ba << F << "payment_method=pm_card_visa"_ba << Known
        << qint64(0) << ""_ba << qint64(-1);
    QTest::newRow("capture costs nothing")
        << "POST"_ba
        << "/v1/payment_intents/pi_1/capture"_ba << F << "amount_to_capture=100"_ba << Known
        << qint64(0) << ""_ba << qint64(-1);
    QTest::newRow("customers.create costs nothing")
        << "POST"_ba
        << "/v1/customers"_ba << F << "email=a%40b.example"_ba << Known << qint64(0) << ""_ba
        << qint64(-1);
    QTest::newRow("read costs nothing") << "GET"_ba
                                        << "/v1/customers"_ba
                                        << ""_ba
                                        << ""_ba << Known << qint64(0) << ""_ba << qint64(-1);
    QTest::newRow("non-catalog write is unknown")
        << "POST"_ba
        << "/v1/invoices/in_1/pay"_ba << F << ""_ba << Unknown << qint64(0) << ""_ba << qint64(-1);
    QTest::newRow("non-catalog read is free") << "GET"_ba
                                              << "/v1/invoices/in_1"_ba
                                              << ""_ba
                                              << ""_ba << Known << qint64(0) << ""_ba << qint64(-1);
}

void TestCostEstimate::stripeEstimates()
{
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, path);
    QFETCH(QByteArray, contentType);
    QFETCH(QByteArray, body);
    QFETCH(int, outcome);
    QFETCH(qint64, micros);
    QFETCH(QByteArray, currency);
    QFETCH(qint64, originalAmount);

    const auto result = prepare(Vendor::Stripe, method, path, body, contentType);
    QVERIFY2(std::holds_alternative<PreparedCall>(result), describe(result).c_str());
    const CostEstimate &estimate = std::get<PreparedCall>(result).estimate;
    QCOMPARE(outcomeOf(estimate), outcome);
    QCOMPARE(estimate.amount.micros(), micros);
    QCOMPARE(bytes(estimate.currency), currency);
    QCOMPARE(estimate.originalAmount.value_or(-1), originalAmount);
}

void TestCostEstimate::twilioMessages_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<qint64>("segments");
    QTest::addColumn<qint64>("hold"); // micro-dollars
    QTest::addColumn<QByteArray>("sentMaxPrice"); // the MaxPrice Twilio receives

    const QString a = u"a"_s;
    QTest::newRow("gsm 160") << twilioMessage(a.repeated(160)) << qint64(1) << qint64(15'000)
                             << "0.015"_ba;
    QTest::newRow("gsm 161") << twilioMessage(a.repeated(161)) << qint64(2) << qint64(30'000)
                             << "0.03"_ba;
    QTest::newRow("gsm 306") << twilioMessage(a.repeated(306)) << qint64(2) << qint64(30'000)
                             << "0.03"_ba;
    QTest::newRow("gsm 307") << twilioMessage(a.repeated(307)) << qint64(3) << qint64(45'000)
                             << "0.045"_ba;
    QTest::newRow("extension chars 80")
        << twilioMessage(u"{"_s.repeated(80)) << qint64(1) << qint64(15'000) << "0.015"_ba;
    QTest::newRow("extension chars 81")
        << twilioMessage(u"}"_s.repeated(81)) << qint64(2) << qint64(30'000) << "0.03"_ba;
    QTest::newRow("ucs2 70") << twilioMessage(u"ж"_s.repeated(70)) << qint64(1) << qint64(15'000)
                             << "0.015"_ba;
    QTest::newRow("ucs2 71") << twilioMessage(u"ж"_s.repeated(71)) << qint64(2) << qint64(30'000)
                             << "0.03"_ba;
    QTest::newRow("plus as space")
        << "To=%2B1555&Body=Hello+world"_ba << qint64(1) << qint64(15'000) << "0.015"_ba;
    QTest::newRow("empty body counts one")
        << "To=%2B1555&Body="_ba << qint64(1) << qint64(15'000) << "0.015"_ba;
    QTest::newRow("mms without body") << "To=%2B1555&MediaUrl=https%3A%2F%2Fx.example%2Fa.png"_ba
                                      << qint64(4) << qint64(60'000) << "0.06"_ba;
    QTest::newRow("mms with long body")
        << twilioMessage(a.repeated(800), "&MediaUrl=https%3A%2F%2Fx") << qint64(6)
        << qint64(90'000) << "0.09"_ba;
    QTest::newRow("content template")
        << "To=%2B1555&ContentSid=HX123"_ba << qint64(11) << qint64(165'000) << "0.165"_ba;
    // The agent's MaxPrice is never the hold (issue 11, H1): Twilio bills the segments.
    QTest::newRow("agent's smaller MaxPrice replaced")
        << twilioMessage(a.repeated(200), "&MaxPrice=0.01") << qint64(2) << qint64(30'000)
        << "0.03"_ba;
    QTest::newRow("agent's tiny MaxPrice on ten segments replaced")
        << twilioMessage(a.repeated(1530), "&MaxPrice=0.000001") << qint64(10) << qint64(150'000)
        << "0.15"_ba;
    QTest::newRow("agent's larger MaxPrice replaced")
        << twilioMessage(a, "&MaxPrice=1.00") << qint64(1) << qint64(15'000) << "0.015"_ba;
    QTest::newRow("agent's zero MaxPrice replaced")
        << twilioMessage(a, "&MaxPrice=0") << qint64(1) << qint64(15'000) << "0.015"_ba;
    QTest::newRow("agent's malformed MaxPrice replaced")
        << twilioMessage(a, "&MaxPrice=cheap") << qint64(1) << qint64(15'000) << "0.015"_ba;
    QTest::newRow("agent's duplicate MaxPrice replaced")
        << twilioMessage(a, "&MaxPrice=0.001&MaxPrice=5") << qint64(1) << qint64(15'000)
        << "0.015"_ba;
}

void TestCostEstimate::twilioMessages()
{
    QFETCH(QByteArray, body);
    QFETCH(qint64, segments);
    QFETCH(qint64, hold);
    QFETCH(QByteArray, sentMaxPrice);

    const auto result =
        prepare(Vendor::Twilio, "POST", "/2010-04-01/Accounts/ACx/Messages.json", body, kForm);
    QVERIFY2(std::holds_alternative<PreparedCall>(result), describe(result).c_str());
    const auto &call = std::get<PreparedCall>(result);
    QCOMPARE(bytes(call.operationName), "messages.create"_ba);
    QCOMPARE(outcomeOf(call.estimate), Known);
    QCOMPARE(call.estimate.amount.micros(), hold);
    QCOMPARE(bytes(call.estimate.currency), "usd"_ba);

    // Twilio receives exactly one MaxPrice, equal to the hold, and every other parameter as sent.
    const auto forwarded = parseFormBody(call.body);
    QVERIFY(forwarded);
    QByteArrayList maxPrices;
    for (const FormField &field : *forwarded) {
        if (field.key == "MaxPrice")
            maxPrices << bytes(field.value);
    }
    QCOMPARE(maxPrices, QByteArrayList {sentMaxPrice});
    QCOMPARE(Usd::fromDecimal(sentMaxPrice.toStdString())->micros(), hold);
    const std::string sent = body.toStdString();
    const auto original = parseFormBody(sent);
    for (const FormField &field : *original) {
        if (field.key != "MaxPrice")
            QVERIFY(call.body.find(field.raw) != std::string::npos);
    }
    QVERIFY2(call.redactedParams.find("\"segments\":" + std::to_string(segments))
                 != std::string::npos,
             call.redactedParams.c_str());
}

void TestCostEstimate::twilioCalls()
{
    const QByteArray path = "/2010-04-01/Accounts/ACx/Calls.json";
    const QByteArray body = "To=%2B1555&From=%2B1666&Url=https%3A%2F%2Fx.example%2Ftwiml";
    // Without a configured ceiling a call cannot be priced: refused before it is placed.
    const auto unpriced =
        std::get<PreparedCall>(prepare(Vendor::Twilio, "POST", path, body, kForm));
    QCOMPARE(outcomeOf(unpriced.estimate), Unknown);
    QCOMPARE(bytes(unpriced.body), body);

    Pricing pricing = testPricing();
    pricing.twilioCallCeiling = Usd::fromCents(50);
    const auto priced =
        std::get<PreparedCall>(prepare(Vendor::Twilio, "POST", path, body, kForm, {}, pricing));
    QCOMPARE(outcomeOf(priced.estimate), Known);
    QCOMPARE(priced.estimate.amount, Usd::fromCents(50));
    QCOMPARE(bytes(priced.body), body); // Calls take no MaxPrice

    const auto list = std::get<PreparedCall>(prepare(Vendor::Twilio, "GET", path));
    QCOMPARE(bytes(list.operationName), "calls.list"_ba);
    QCOMPARE(outcomeOf(list.estimate), Known);
    QCOMPARE(list.estimate.amount, Usd());
}

void TestCostEstimate::resendEstimates_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("outcome");
    QTest::addColumn<qint64>("micros");

    QTest::newRow("one recipient")
        << "POST"_ba
        << "/emails"_ba
        << R"({"from": "a@example.com", "to": "b@x.example", "subject": "s", "html": "h"})"_ba
        << Known << qint64(400);
    QTest::newRow("recipients count separately")
        << "POST"_ba
        << "/emails"_ba
        << R"({"from": "a@example.com", "to": ["b@x.example", "c@x.example"], "cc": "d@x.example", "bcc": ["e@x.example"]})"_ba
        << Known << qint64(1600);
    QTest::newRow("several addresses in one string")
        << "POST"_ba
        << "/emails"_ba
        << R"({"from": "a@example.com", "to": "Doe, Jane <j@x.example>, b@x.example"})"_ba << Known
        << qint64(800);
    QTest::newRow("no recipient counts once")
        << "POST"_ba
        << "/emails"_ba
        << R"({"from": "a@example.com"})"_ba << Known << qint64(400);
    QTest::newRow("batch of three")
        << "POST"_ba
        << "/emails/batch"_ba
        << R"([{"from": "a@example.com", "to": "b@x.example"}, {"from": "a@example.com", "to": "c@x.example"}, {"from": "a@example.com", "to": ["d@x.example", "e@x.example"]}])"_ba
        << Known << qint64(1600);
    QTest::newRow("empty batch") << "POST"_ba
                                 << "/emails/batch"_ba
                                 << "[]"_ba << Known << qint64(0);
    QTest::newRow("retrieve is free") << "GET"_ba
                                      << "/emails/4ef9a417"_ba
                                      << ""_ba << Known << qint64(0);
    QTest::newRow("non-catalog write") << "POST"_ba
                                       << "/domains"_ba
                                       << R"({"name": "x.example"})"_ba << Unknown << qint64(0);
}

void TestCostEstimate::resendEstimates()
{
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, path);
    QFETCH(QByteArray, body);
    QFETCH(int, outcome);
    QFETCH(qint64, micros);

    const auto result = prepare(Vendor::Resend, method, path, body, kJson);
    QVERIFY2(std::holds_alternative<PreparedCall>(result), describe(result).c_str());
    const auto &call = std::get<PreparedCall>(result);
    QCOMPARE(outcomeOf(call.estimate), outcome);
    QCOMPARE(call.estimate.amount.micros(), micros);
    QCOMPARE(bytes(call.body), body); // Resend takes JSON: forwarded unchanged
}

QTEST_APPLESS_MAIN(TestCostEstimate)
#include "tst_costestimate.moc"
