// Preparing a proxied call: path normalisation and hostile paths, operation names, body
// rewriting and the request fingerprint.

#include "preparedcalls.h"

#include <QtTest>

using namespace keybrake;
using namespace keybrake::vendortest;
using namespace Qt::StringLiterals;

Q_DECLARE_METATYPE(keybrake::Vendor)

class TestVendorCall : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void paths_data();
    void paths();
    void operationNames();
    void stripeJsonBodyIsConverted_data();
    void stripeJsonBodyIsConverted();
    void malformedBodies_data();
    void malformedBodies();
    void fingerprint();
};

void TestVendorCall::paths_data()
{
    QTest::addColumn<Vendor>("vendor");
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<QByteArray>("query");
    QTest::addColumn<QByteArray>("expected"); // upstream path, or empty for 400 invalid_path

    const auto S = Vendor::Stripe;
    const auto T = Vendor::Twilio;
    const auto R = Vendor::Resend;
    QTest::newRow("plain") << S << "/v1/charges"_ba
                           << ""_ba
                           << "/v1/charges"_ba;
    QTest::newRow("query kept as is") << S << "/v1/customers"_ba
                                      << "limit=3&expand[]=data.x"_ba
                                      << "/v1/customers?limit=3&expand[]=data.x"_ba;
    QTest::newRow("doubled v1") << S << "/v1/v1/charges"_ba
                                << ""_ba
                                << "/v1/charges"_ba;
    QTest::newRow("tripled v1") << S << "/v1/v1/v1/charges"_ba
                                << ""_ba
                                << "/v1/charges"_ba;
    QTest::newRow("v1 alone") << S << "/v1/v1"_ba
                              << ""_ba
                              << "/v1"_ba;
    QTest::newRow("v1 on resend is a path") << R << "/v1/v1/emails"_ba
                                            << ""_ba
                                            << "/v1/v1/emails"_ba;
    QTest::newRow("unreserved escapes decoded") << S << "/v1/%63harges"_ba
                                                << ""_ba
                                                << "/v1/charges"_ba;
    QTest::newRow("path characters decoded") << S << "/v1/customers/a%40b"_ba
                                             << ""_ba
                                             << "/v1/customers/a@b"_ba;
    QTest::newRow("other escapes kept") << S << "/v1/customers/a%22b%7b"_ba
                                        << ""_ba
                                        << "/v1/customers/a%22b%7B"_ba;
    QTest::newRow("encoded question mark") << S << "/v1/customers/a%3Fb"_ba
                                           << ""_ba
                                           << ""_ba;
    QTest::newRow("encoded blank") << S << "/v1/customers/a%20b"_ba
                                   << ""_ba
                                   << ""_ba;
    QTest::newRow("twilio account replaced")
        << T << "/2010-04-01/Accounts/ACagent/Messages.json"_ba
        << ""_ba
        << "/2010-04-01/Accounts/ACreal0000000000000000000000000000/Messages.json"_ba;
    QTest::newRow("twilio account resource")
        << T << "/2010-04-01/Accounts/ACagent.json"_ba
        << ""_ba
        << "/2010-04-01/Accounts/ACreal0000000000000000000000000000.json"_ba;
    QTest::newRow("twilio other paths untouched") << T << "/v1/Services"_ba
                                                  << ""_ba
                                                  << "/v1/Services"_ba;

    QTest::newRow("dot-dot") << S << "/v1/../admin"_ba
                             << ""_ba
                             << ""_ba;
    QTest::newRow("dot") << S << "/v1/./charges"_ba
                         << ""_ba
                         << ""_ba;
    QTest::newRow("trailing dot-dot") << S << "/v1/charges/.."_ba
                                      << ""_ba
                                      << ""_ba;
    QTest::newRow("encoded dot-dot") << S << "/v1/%2e%2e/admin"_ba
                                     << ""_ba
                                     << ""_ba;
    QTest::newRow("encoded dot upper") << S << "/v1/%2E/charges"_ba
                                       << ""_ba
                                       << ""_ba;
    QTest::newRow("half-encoded dot-dot") << S << "/v1/.%2e/admin"_ba
                                          << ""_ba
                                          << ""_ba;
    QTest::newRow("encoded slash") << S << "/v1/charges%2fch_1"_ba
                                   << ""_ba
                                   << ""_ba;
    QTest::newRow("encoded slash upper") << S << "/v1/customers/x%2F..%2Fy"_ba
                                         << ""_ba
                                         << ""_ba;
    QTest::newRow("encoded backslash") << S << "/v1/x%5c..%5cy"_ba
                                       << ""_ba
                                       << ""_ba;
    QTest::newRow("double encoding") << S << "/v1/%252e%252e/admin"_ba
                                     << ""_ba
                                     << ""_ba;
    QTest::newRow("encoded NUL") << S << "/v1/charges%00"_ba
                                 << ""_ba
                                 << ""_ba;
    QTest::newRow("encoded CR LF") << S << "/v1/charges%0d%0aHost:%20evil"_ba
                                   << ""_ba
                                   << ""_ba;
    QTest::newRow("malformed escape") << S << "/v1/%zz"_ba
                                      << ""_ba
                                      << ""_ba;
    QTest::newRow("truncated escape") << S << "/v1/charges%2"_ba
                                      << ""_ba
                                      << ""_ba;
    QTest::newRow("double slash") << S << "/v1//charges"_ba
                                  << ""_ba
                                  << ""_ba;
    QTest::newRow("protocol-relative") << S << "//evil.example/v1/charges"_ba
                                       << ""_ba
                                       << ""_ba;
    QTest::newRow("trailing slash") << S << "/v1/charges/"_ba
                                    << ""_ba
                                    << ""_ba;
    QTest::newRow("root") << S << "/"_ba
                          << ""_ba
                          << ""_ba;
    QTest::newRow("empty") << S << ""_ba
                           << ""_ba
                           << ""_ba;
    QTest::newRow("backslash") << S << "/v1\\..\\admin"_ba
                               << ""_ba
                               << ""_ba;
    QTest::newRow("CR LF") << S << "/v1/charges\r\nHost: evil"_ba
                           << ""_ba
                           << ""_ba;
    QTest::newRow("tab") << S << "/v1/char\tges"_ba
                         << ""_ba
                         << ""_ba;
    QTest::newRow("space") << S << "/v1/char ges"_ba
                           << ""_ba
                           << ""_ba;
    QTest::newRow("DEL") << S << "/v1/charges\x7f"_ba
                         << ""_ba
                         << ""_ba;
    QTest::newRow("raw UTF-8") << S << "/v1/customers/cus_\xc3\xa9"_ba
                               << ""_ba
                               << ""_ba;
    QTest::newRow("absolute-form") << S << "http://evil.example/v1/charges"_ba
                                   << ""_ba
                                   << ""_ba;
    QTest::newRow("absolute-form https") << S << "https://api.stripe.com/v1/charges"_ba
                                         << ""_ba
                                         << ""_ba;
    QTest::newRow("question mark in path") << S << "/v1/charges?x=1"_ba
                                           << ""_ba
                                           << ""_ba;
    QTest::newRow("fragment") << S << "/v1/charges#x"_ba
                              << ""_ba
                              << ""_ba;
    QTest::newRow("bracket in path") << S << "/v1/[charges]"_ba
                                     << ""_ba
                                     << ""_ba;
    QTest::newRow("twilio dot-dot after account") << T << "/2010-04-01/Accounts/ACx/../../x"_ba
                                                  << ""_ba
                                                  << ""_ba;
    QTest::newRow("query CR LF") << S << "/v1/charges"_ba
                                 << "a=1\r\nHost: evil"_ba
                                 << ""_ba;
    QTest::newRow("query space") << S << "/v1/charges"_ba
                                 << "a=1 HTTP/1.1"_ba
                                 << ""_ba;
    QTest::newRow("query fragment") << S << "/v1/charges"_ba
                                    << "a=1#x"_ba
                                    << ""_ba;
    QTest::newRow("query bad escape") << S << "/v1/charges"_ba
                                      << "a=%zz"_ba
                                      << ""_ba;
}

void TestVendorCall::paths()
{
    QFETCH(Vendor, vendor);
    QFETCH(QByteArray, path);
    QFETCH(QByteArray, query);
    QFETCH(QByteArray, expected);

    const auto result = prepare(vendor, "GET", path, {}, {}, query);
    if (expected.isEmpty()) {
        QVERIFY2(std::holds_alternative<PrepareError>(result), describe(result).c_str());
        const auto &error = std::get<PrepareError>(result);
        QCOMPARE(error.status, 400);
        QCOMPARE(bytes(error.code), "invalid_path"_ba);
        QVERIFY(!error.message.empty());
        return;
    }
    QVERIFY2(std::holds_alternative<PreparedCall>(result), describe(result).c_str());
    const auto &call = std::get<PreparedCall>(result);
    QCOMPARE(bytes(call.upstreamPath), expected);
    QCOMPARE(bytes(call.path),
             expected.left(expected.indexOf('?') < 0 ? expected.size() : expected.indexOf('?')));
}

void TestVendorCall::operationNames()
{
    const auto catalog = std::get<PreparedCall>(
        prepare(Vendor::Stripe, "POST", "/v1/v1/charges", "amount=100&currency=usd", kForm));
    QVERIFY(catalog.operation);
    QCOMPARE(bytes(catalog.operationName), "charges.create"_ba);
    QCOMPARE(bytes(catalog.method), "POST"_ba);
    QCOMPARE(catalog.vendor, Vendor::Stripe);

    const auto other = std::get<PreparedCall>(
        prepare(Vendor::Stripe, "POST", "/v1/coupons", "percent_off=10", kForm));
    QVERIFY(!other.operation);
    QCOMPARE(bytes(other.operationName), "POST /v1/coupons"_ba);
    QCOMPARE(outcomeOf(other.estimate), Unknown); // may move money: fail closed

    const auto read = std::get<PreparedCall>(prepare(Vendor::Stripe, "GET", "/v1/coupons/co_1"));
    QCOMPARE(bytes(read.operationName), "GET /v1/coupons/co_1"_ba);
    QCOMPARE(outcomeOf(read.estimate), Known);
    QCOMPARE(read.estimate.amount, Usd());

    const auto head = std::get<PreparedCall>(prepare(Vendor::Resend, "HEAD", "/domains"));
    QCOMPARE(outcomeOf(head.estimate), Known);
    const auto remove = std::get<PreparedCall>(prepare(Vendor::Resend, "DELETE", "/domains/d_1"));
    QCOMPARE(outcomeOf(remove.estimate), Unknown);
}

void TestVendorCall::stripeJsonBodyIsConverted_data()
{
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QByteArray>("forwardedType");
    QTest::addColumn<QByteArray>("forwardedBody");

    const QByteArray json = R"({"amount": 2500, "currency": "usd", "metadata": {"run": "r 1"}})";
    const QByteArray form = "amount=2500&currency=usd&metadata[run]=r%201";
    QTest::newRow("json") << QByteArray(kJson) << json << QByteArray(kForm) << form;
    QTest::newRow("json with charset")
        << "Application/JSON; charset=utf-8"_ba << json << QByteArray(kForm) << form;
    QTest::newRow("json without content type")
        << ""_ba << ("  " + json) << QByteArray(kForm) << form;
    QTest::newRow("form stays as is") << QByteArray(kForm) << "amount=2500&currency=usd"_ba
                                      << QByteArray(kForm) << "amount=2500&currency=usd"_ba;
    QTest::newRow("empty json body") << QByteArray(kJson) << ""_ba << QByteArray(kForm) << ""_ba;
}

void TestVendorCall::stripeJsonBodyIsConverted()
{
    QFETCH(QByteArray, contentType);
    QFETCH(QByteArray, body);
    QFETCH(QByteArray, forwardedType);
    QFETCH(QByteArray, forwardedBody);

    const auto result = prepare(Vendor::Stripe, "POST", "/v1/payment_intents", body, contentType);
    QVERIFY2(std::holds_alternative<PreparedCall>(result), describe(result).c_str());
    const auto &call = std::get<PreparedCall>(result);
    QCOMPARE(bytes(call.contentType), forwardedType);
    QCOMPARE(bytes(call.body), forwardedBody);
    if (!forwardedBody.isEmpty()) {
        // The estimate reads the converted parameters exactly as it reads a form body.
        QCOMPARE(outcomeOf(call.estimate), Known);
        QCOMPARE(call.estimate.amount.micros(), 25'000'000);
    }
}

void TestVendorCall::malformedBodies_data()
{
    QTest::addColumn<Vendor>("vendor");
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<QByteArray>("body");

    const QByteArray messages = "/2010-04-01/Accounts/AC1/Messages.json";
    QTest::newRow("stripe malformed json")
        << Vendor::Stripe << "/v1/charges"_ba << QByteArray(kJson) << R"({"amount": )"_ba;
    QTest::newRow("stripe json array")
        << Vendor::Stripe << "/v1/charges"_ba << QByteArray(kJson) << "[1]"_ba;
    QTest::newRow("stripe malformed form")
        << Vendor::Stripe << "/v1/charges"_ba << QByteArray(kForm) << "amount=%zz"_ba;
    QTest::newRow("stripe malformed form, non-catalog")
        << Vendor::Stripe << "/v1/coupons"_ba << QByteArray(kForm) << "a=%"_ba;
    QTest::newRow("twilio malformed form")
        << Vendor::Twilio << messages << QByteArray(kForm) << "Body=%G1"_ba;
    QTest::newRow("twilio json") << Vendor::Twilio << messages << QByteArray(kJson)
                                 << R"({"Body": "hi"})"_ba;
    QTest::newRow("twilio body not utf-8")
        << Vendor::Twilio << messages << QByteArray(kForm) << "To=%2B1555&Body=%FF%FE"_ba;
    QTest::newRow("resend malformed json")
        << Vendor::Resend << "/emails"_ba << QByteArray(kJson) << R"({"from": )"_ba;
    QTest::newRow("resend send not an object")
        << Vendor::Resend << "/emails"_ba << QByteArray(kJson) << "[]"_ba;
    QTest::newRow("resend empty send")
        << Vendor::Resend << "/emails"_ba << QByteArray(kJson) << ""_ba;
    QTest::newRow("resend batch not an array")
        << Vendor::Resend << "/emails/batch"_ba << QByteArray(kJson) << R"({"from": "a@b.c"})"_ba;
    QTest::newRow("resend batch of non-objects")
        << Vendor::Resend << "/emails/batch"_ba << QByteArray(kJson) << R"([{}, 1])"_ba;
}

void TestVendorCall::malformedBodies()
{
    QFETCH(Vendor, vendor);
    QFETCH(QByteArray, path);
    QFETCH(QByteArray, contentType);
    QFETCH(QByteArray, body);

    const auto result = prepare(vendor, "POST", path, body, contentType);
    QVERIFY(std::holds_alternative<PrepareError>(result));
    const auto &error = std::get<PrepareError>(result);
    QCOMPARE(error.status, 400);
    QCOMPARE(bytes(error.code), "invalid_request_body"_ba);
    QVERIFY(!error.message.empty());
}

void TestVendorCall::fingerprint()
{
    const auto fingerprintOf = [](const QByteArray &method, const QByteArray &path,
                                  const QByteArray &body, const QByteArray &query = {}) {
        return std::get<PreparedCall>(prepare(Vendor::Stripe, method, path, body, kForm, query))
            .fingerprint;
    };
    const std::string base = fingerprintOf("POST", "/v1/charges", "amount=100&currency=usd");
    QCOMPARE(base.size(), std::size_t(64));
    QCOMPARE(fingerprintOf("POST", "/v1/v1/charges", "amount=100&currency=usd"), base);
    // The scope headers are part of the request: another account is another call.
    const auto withAccount = [](const QByteArray &account) {
        return std::get<PreparedCall>(prepare(Vendor::Stripe, "POST", "/v1/charges",
                                              "amount=100&currency=usd", kForm, {}, testPricing(),
                                              account))
            .fingerprint;
    };
    QVERIFY(withAccount("acct_1") != base);
    QVERIFY(withAccount("acct_1") != withAccount("acct_2"));
    QCOMPARE(withAccount("acct_1"), withAccount("acct_1"));

    // Methods are case-sensitive: "post" is refused, not upper-cased.
    for (const QByteArray &method : {"post"_ba, "Post"_ba, "PROPFIND"_ba, "PATCH"_ba}) {
        const auto refused = prepare(Vendor::Stripe, method, "/v1/charges", "amount=1", kForm);
        QVERIFY2(std::holds_alternative<PrepareError>(refused), describe(refused).c_str());
        QCOMPARE(std::get<PrepareError>(refused).status, 405);
        QCOMPARE(std::get<PrepareError>(refused).code, std::string("method_not_allowed"));
    }
    QVERIFY(std::holds_alternative<PreparedCall>(prepare(Vendor::Resend, "PATCH", "/domains/d_1")));
    QVERIFY(fingerprintOf("POST", "/v1/charges", "amount=101&currency=usd") != base);
    QVERIFY(fingerprintOf("POST", "/v1/payouts", "amount=100&currency=usd") != base);
    QVERIFY(fingerprintOf("POST", "/v1/charges", "amount=100&currency=usd", "expand[]=x") != base);

    // The body as received: the same parameters as JSON are another request.
    const auto json = std::get<PreparedCall>(prepare(Vendor::Stripe, "POST", "/v1/charges",
                                                     R"({"amount":100,"currency":"usd"})", kJson));
    QCOMPARE(json.body, std::string("amount=100&currency=usd"));
    QVERIFY(json.fingerprint != base);
}

QTEST_APPLESS_MAIN(TestVendorCall)
#include "tst_vendorcall.moc"
