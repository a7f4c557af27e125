// Settling a call from the vendor's response: parsed prices, estimates, replays, and responses
// that cannot be trusted.

#include "vendors/vendorcall.h"

#include <QtTest>

using namespace keybrake;
using namespace Qt::StringLiterals;

Q_DECLARE_METATYPE(keybrake::Vendor)
Q_DECLARE_METATYPE(keybrake::CostSource)

namespace {

Pricing testPricing()
{
    Pricing pricing;
    pricing.usdPerUnit = *parseFxRates("eur=1.08,jpy=0.0067");
    return pricing;
}

PreparedCall prepared(Vendor vendor, const QByteArray &method, const QByteArray &path,
                      const QByteArray &body)
{
    VendorRequest request;
    request.vendor = vendor;
    request.method = method.toStdString();
    request.path = path.toStdString();
    request.body = body.toStdString();
    request.contentType =
        vendor == Vendor::Resend ? "application/json" : "application/x-www-form-urlencoded";
    auto result = prepareCall(request, testPricing(), "AC1");
    if (!std::holds_alternative<PreparedCall>(result))
        qFatal("prepareCall failed: %s", std::get<PrepareError>(result).message.c_str());
    return std::get<PreparedCall>(std::move(result));
}

QByteArray bytes(const std::string &text)
{
    return QByteArray::fromStdString(text);
}

} // namespace

class TestResponseCost : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void responseCost_data();
    void responseCost();
    void carriesRequestId();
};

void TestResponseCost::responseCost_data()
{
    QTest::addColumn<Vendor>("vendor");
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<QByteArray>("requestBody");
    QTest::addColumn<int>("status");
    QTest::addColumn<bool>("replayed");
    QTest::addColumn<QByteArray>("responseBody");
    QTest::addColumn<qint64>("micros");
    QTest::addColumn<CostSource>("source");
    QTest::addColumn<bool>("anomaly");
    QTest::addColumn<QByteArray>("objectId");
    QTest::addColumn<QByteArray>("currency");

    const auto S = Vendor::Stripe;
    const auto T = Vendor::Twilio;
    const auto R = Vendor::Resend;
    const auto Parsed = CostSource::Parsed;
    const auto Estimated = CostSource::Estimated;
    const auto None = CostSource::None;
    const QByteArray charge = "amount=2500&currency=usd"; // estimate $25
    const QByteArray charges = "/v1/charges";

    QTest::newRow("stripe parsed") << S << "POST"_ba << charges << charge << 200 << false
                                   << R"({"id": "ch_1", "amount": 2500, "currency": "usd"})"_ba
                                   << qint64(25'000'000) << Parsed << false << "ch_1"_ba
                                   << "usd"_ba;
    QTest::newRow("stripe parsed below the hold")
        << S << "POST"_ba << charges << charge << 200 << false
        << R"({"id": "ch_1", "amount": 2000, "currency": "usd"})"_ba << qint64(20'000'000) << Parsed
        << false << "ch_1"_ba
        << "usd"_ba;
    QTest::newRow("stripe jpy") << S << "POST"_ba
                                << "/v1/payment_intents"_ba
                                << "amount=1000&currency=jpy"_ba << 200 << false
                                << R"({"id": "pi_1", "amount": 1000, "currency": "jpy"})"_ba
                                << qint64(6'700'000) << Parsed << false << "pi_1"_ba
                                << "jpy"_ba;
    QTest::newRow("stripe refund settles in its charge's currency")
        << S << "POST"_ba
        << "/v1/refunds"_ba
        << "charge=ch_1&amount=1000"_ba << 200 << false
        << R"({"id": "re_1", "amount": 1000, "currency": "eur"})"_ba << qint64(10'800'000) << Parsed
        << false << "re_1"_ba
        << "eur"_ba;
    QTest::newRow("stripe replay costs nothing")
        << S << "POST"_ba << charges << charge << 200 << true
        << R"({"id": "ch_1", "amount": 2500, "currency": "usd"})"_ba << qint64(0) << Parsed << false
        << "ch_1"_ba
        << ""_ba;
    QTest::newRow("stripe amount missing") << S << "POST"_ba << charges << charge << 200 << false
                                           << R"({"id": "ch_1", "currency": "usd"})"_ba
                                           << qint64(25'000'000) << Estimated << true << "ch_1"_ba
                                           << "usd"_ba;
    QTest::newRow("stripe amount negative") << S << "POST"_ba << charges << charge << 200 << false
                                            << R"({"amount": -2500, "currency": "usd"})"_ba
                                            << qint64(25'000'000) << Estimated << true << ""_ba
                                            << "usd"_ba;
    QTest::newRow("stripe amount a string") << S << "POST"_ba << charges << charge << 200 << false
                                            << R"({"amount": "2500", "currency": "usd"})"_ba
                                            << qint64(25'000'000) << Estimated << true << ""_ba
                                            << "usd"_ba;
    QTest::newRow("stripe amount huge") << S << "POST"_ba << charges << charge << 200 << false
                                        << R"({"amount": 1e30, "currency": "usd"})"_ba
                                        << qint64(25'000'000) << Estimated << true << ""_ba
                                        << "usd"_ba;
    QTest::newRow("stripe amount beyond int64")
        << S << "POST"_ba << charges << charge << 200 << false
        << R"({"amount": 18446744073709551615, "currency": "usd"})"_ba << qint64(25'000'000)
        << Estimated << true << ""_ba
        << "usd"_ba;
    QTest::newRow("stripe amount above the hold")
        << S << "POST"_ba << charges << charge << 200 << false
        << R"({"amount": 9999999, "currency": "usd"})"_ba << qint64(25'000'000) << Estimated << true
        << ""_ba
        << "usd"_ba;
    QTest::newRow("stripe other currency") << S << "POST"_ba << charges << charge << 200 << false
                                           << R"({"amount": 2500, "currency": "jpy"})"_ba
                                           << qint64(25'000'000) << Estimated << true << ""_ba
                                           << "usd"_ba;
    QTest::newRow("stripe currency missing")
        << S << "POST"_ba << charges << charge << 200 << false << R"({"amount": 2500})"_ba
        << qint64(25'000'000) << Estimated << true << ""_ba
        << "usd"_ba;
    QTest::newRow("stripe body not json")
        << S << "POST"_ba << charges << charge << 200 << false << "<html>ok</html>"_ba
        << qint64(25'000'000) << Estimated << true << ""_ba
        << "usd"_ba;
    QTest::newRow("stripe body an array")
        << S << "POST"_ba << charges << charge << 200 << false << "[2500]"_ba << qint64(25'000'000)
        << Estimated << true << ""_ba
        << "usd"_ba;
    QTest::newRow("stripe 402 is not settled here")
        << S << "POST"_ba << charges << charge << 402 << false
        << R"({"error": {"type": "card_error"}})"_ba << qint64(0) << None << false << ""_ba
        << ""_ba;
    QTest::newRow("stripe confirm costs nothing")
        << S << "POST"_ba
        << "/v1/payment_intents/pi_1/confirm"_ba
        << ""_ba << 200 << false << R"({"id": "pi_1", "amount": 2500, "currency": "usd"})"_ba
        << qint64(0) << None << false << "pi_1"_ba
        << ""_ba;
    QTest::newRow("stripe customers.create") << S << "POST"_ba
                                             << "/v1/customers"_ba
                                             << ""_ba << 200 << false << R"({"id": "cus_9"})"_ba
                                             << qint64(0) << None << false << "cus_9"_ba
                                             << ""_ba;
    QTest::newRow("stripe read") << S << "GET"_ba
                                 << "/v1/customers/cus_1"_ba
                                 << ""_ba << 200 << false << R"({"id": "cus_1"})"_ba << qint64(0)
                                 << None << false << ""_ba
                                 << ""_ba;

    const QByteArray messages = "/2010-04-01/Accounts/AC1/Messages.json";
    const QByteArray sms = "To=%2B1555&From=%2B1666&Body=hi"; // one segment, hold $0.015
    QTest::newRow("twilio price null") << T << "POST"_ba << messages << sms << 201 << false
                                       << R"({"sid": "SM1", "price": null, "price_unit": "USD"})"_ba
                                       << qint64(15'000) << Estimated << false << "SM1"_ba
                                       << "usd"_ba;
    QTest::newRow("twilio price")
        << T << "POST"_ba << messages << sms << 201 << false
        << R"({"sid": "SM1", "price": "-0.00750", "price_unit": "USD"})"_ba << qint64(7'500)
        << Parsed << false << "SM1"_ba
        << "usd"_ba;
    QTest::newRow("twilio price as a number")
        << T << "POST"_ba << messages << sms << 201 << false
        << R"({"sid": "SM1", "price": -0.0079, "price_unit": "USD"})"_ba << qint64(7'900) << Parsed
        << false << "SM1"_ba
        << "usd"_ba;
    QTest::newRow("twilio price in eur")
        << T << "POST"_ba << messages << sms << 201 << false
        << R"({"sid": "SM1", "price": "-0.01", "price_unit": "EUR"})"_ba << qint64(10'800) << Parsed
        << false << "SM1"_ba
        << "eur"_ba;
    QTest::newRow("twilio price above the hold")
        << T << "POST"_ba << messages << sms << 201 << false
        << R"({"sid": "SM1", "price": "-0.50000", "price_unit": "USD"})"_ba << qint64(15'000)
        << Estimated << true << "SM1"_ba
        << "usd"_ba;
    QTest::newRow("twilio price not a number")
        << T << "POST"_ba << messages << sms << 201 << false
        << R"({"sid": "SM1", "price": "free", "price_unit": "USD"})"_ba << qint64(15'000)
        << Estimated << true << "SM1"_ba
        << "usd"_ba;
    QTest::newRow("twilio price huge") << T << "POST"_ba << messages << sms << 201 << false
                                       << R"({"sid": "SM1", "price": 1e30, "price_unit": "USD"})"_ba
                                       << qint64(15'000) << Estimated << true << "SM1"_ba
                                       << "usd"_ba;
    QTest::newRow("twilio price an object") << T << "POST"_ba << messages << sms << 201 << false
                                            << R"({"sid": "SM1", "price": {"v": 1}})"_ba
                                            << qint64(15'000) << Estimated << true << "SM1"_ba
                                            << "usd"_ba;
    QTest::newRow("twilio unsupported unit")
        << T << "POST"_ba << messages << sms << 201 << false
        << R"({"sid": "SM1", "price": "-0.001", "price_unit": "GBP"})"_ba << qint64(15'000)
        << Estimated << true << "SM1"_ba
        << "usd"_ba;
    QTest::newRow("twilio price field missing")
        << T << "POST"_ba << messages << sms << 201 << false << R"({"sid": "SM1"})"_ba
        << qint64(15'000) << Estimated << true << "SM1"_ba
        << "usd"_ba;
    QTest::newRow("twilio read") << T << "GET"_ba
                                 << "/2010-04-01/Accounts/AC1/Messages/SM1.json"_ba
                                 << ""_ba << 200 << false << R"({"sid": "SM1", "price": "-1"})"_ba
                                 << qint64(0) << None << false << ""_ba
                                 << ""_ba;

    const QByteArray email = R"({"from": "a@example.com", "to": "b@x.example"})";
    QTest::newRow("resend send") << R << "POST"_ba
                                 << "/emails"_ba << email << 200 << false
                                 << R"({"id": "49a3999c"})"_ba << qint64(400) << Estimated << false
                                 << "49a3999c"_ba
                                 << "usd"_ba;
    QTest::newRow("resend batch") << R << "POST"_ba
                                  << "/emails/batch"_ba << ("[" + email + "," + email + "]") << 200
                                  << false
                                  << R"({"data": [{"id": "ae2014de"}, {"id": "faccb7a5"}]})"_ba
                                  << qint64(800) << Estimated << false << "ae2014de"_ba
                                  << "usd"_ba;
    QTest::newRow("resend garbage body") << R << "POST"_ba
                                         << "/emails"_ba << email << 200 << false << "???"_ba
                                         << qint64(400) << Estimated << false << ""_ba
                                         << "usd"_ba;
    QTest::newRow("resend 422") << R << "POST"_ba
                                << "/emails"_ba << email << 422 << false
                                << R"({"name": "validation_error"})"_ba << qint64(0) << None
                                << false << ""_ba
                                << ""_ba;
}

void TestResponseCost::responseCost()
{
    QFETCH(Vendor, vendor);
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, path);
    QFETCH(QByteArray, requestBody);
    QFETCH(int, status);
    QFETCH(bool, replayed);
    QFETCH(QByteArray, responseBody);
    QFETCH(qint64, micros);
    QFETCH(CostSource, source);
    QFETCH(bool, anomaly);
    QFETCH(QByteArray, objectId);
    QFETCH(QByteArray, currency);

    const PreparedCall call = prepared(vendor, method, path, requestBody);
    VendorResponseHeaders headers;
    headers.requestId = "req_123";
    headers.idempotentReplayed = replayed;
    const ResponseCost cost =
        parseResponseCost(call, status, headers, responseBody.toStdString(), testPricing());
    QCOMPARE(cost.amount.micros(), micros);
    QCOMPARE(cost.source, source);
    QCOMPARE(cost.anomaly, anomaly);
    QCOMPARE(cost.anomalyReason.empty(), !anomaly);
    QCOMPARE(bytes(cost.vendorObjectId), objectId);
    QCOMPARE(bytes(cost.currency), currency);
    QCOMPARE(cost.vendorReplayed, replayed);
    // Whatever the vendor says, a settlement never exceeds the hold taken for the call.
    QVERIFY(cost.amount <= call.estimate.amount);
}

void TestResponseCost::carriesRequestId()
{
    const PreparedCall call =
        prepared(Vendor::Stripe, "POST", "/v1/charges", "amount=100&currency=usd");
    VendorResponseHeaders headers;
    headers.requestId = "req_abc";
    for (int status : {200, 402, 500}) {
        const ResponseCost cost = parseResponseCost(
            call, status, headers, R"({"amount": 100, "currency": "usd"})", testPricing());
        QCOMPARE(cost.vendorRequestId, std::string("req_abc"));
    }
    const ResponseCost parsed = parseResponseCost(
        call, 200, headers, R"({"amount": 100, "currency": "usd"})", testPricing());
    QCOMPARE(parsed.originalAmount.value_or(-1), 100);
}

QTEST_APPLESS_MAIN(TestResponseCost)
#include "tst_responsecost.moc"
