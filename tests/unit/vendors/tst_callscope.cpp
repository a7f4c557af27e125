// Vault-key scope (customers, connected accounts, from-domains, from-numbers) and the redacted
// parameters of the audit row.

#include "preparedcalls.h"

#include <QtTest>

using namespace keybrake;
using namespace keybrake::vendortest;
using namespace Qt::StringLiterals;

Q_DECLARE_METATYPE(keybrake::Vendor)

class TestCallScope : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void scope_data();
    void scope();
    void redaction_data();
    void redaction();
};

void TestCallScope::scope_data()
{
    QTest::addColumn<Vendor>("vendor");
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<QByteArray>("query");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QByteArray>("stripeAccount");
    QTest::addColumn<QByteArrayList>("customers");
    QTest::addColumn<QByteArrayList>("accounts");
    QTest::addColumn<QByteArrayList>("domains");
    QTest::addColumn<QByteArrayList>("numbers");
    QTest::addColumn<QByteArray>("violation"); // empty: in scope

    const auto S = Vendor::Stripe;
    const auto T = Vendor::Twilio;
    const auto R = Vendor::Resend;
    const QByteArrayList none;
    const QByteArrayList cus1 {"cus_1"};
    const QByteArray charge = "amount=100&currency=usd";
    QTest::newRow("no scope") << S << "POST"_ba
                              << "/v1/charges"_ba
                              << ""_ba << charge << ""_ba << none << none << none << none << ""_ba;
    QTest::newRow("customer listed")
        << S << "POST"_ba
        << "/v1/charges"_ba
        << ""_ba << (charge + "&customer=cus_1") << ""_ba << cus1 << none << none << none << ""_ba;
    QTest::newRow("customer not listed") << S << "POST"_ba
                                         << "/v1/charges"_ba
                                         << ""_ba << (charge + "&customer=cus_2") << ""_ba << cus1
                                         << none << none << none << "customer"_ba;
    QTest::newRow("customer ids are exact") << S << "POST"_ba
                                            << "/v1/charges"_ba
                                            << ""_ba << (charge + "&customer=CUS_1") << ""_ba
                                            << cus1 << none << none << none << "customer"_ba;
    QTest::newRow("no customer named")
        << S << "POST"_ba
        << "/v1/charges"_ba
        << ""_ba << charge << ""_ba << cus1 << none << none << none << "customer"_ba;
    QTest::newRow("second customer not listed")
        << S << "POST"_ba
        << "/v1/charges"_ba
        << ""_ba << (charge + "&customer=cus_1&customer=cus_2") << ""_ba << cus1 << none << none
        << none << "customer"_ba;
    QTest::newRow("customers.list") << S << "GET"_ba
                                    << "/v1/customers"_ba
                                    << ""_ba
                                    << ""_ba
                                    << ""_ba << cus1 << none << none << none << "customer"_ba;
    QTest::newRow("customers.create") << S << "POST"_ba
                                      << "/v1/customers"_ba
                                      << ""_ba
                                      << "email=a%40b.c"_ba
                                      << ""_ba << cus1 << none << none << none << "customer"_ba;
    QTest::newRow("payouts") << S << "POST"_ba
                             << "/v1/payouts"_ba
                             << ""_ba << charge << ""_ba << cus1 << none << none << none
                             << "customer"_ba;
    QTest::newRow("transfers") << S << "POST"_ba
                               << "/v1/transfers"_ba
                               << ""_ba << charge << ""_ba << cus1 << none << none << none
                               << "customer"_ba;
    QTest::newRow("customers.retrieve listed") << S << "GET"_ba
                                               << "/v1/customers/cus_1"_ba
                                               << ""_ba
                                               << ""_ba
                                               << ""_ba << cus1 << none << none << none << ""_ba;
    QTest::newRow("customers.retrieve other")
        << S << "GET"_ba
        << "/v1/customers/cus_2"_ba
        << ""_ba
        << ""_ba
        << ""_ba << cus1 << none << none << none << "customer"_ba;
    QTest::newRow("customer sub-resource")
        << S << "GET"_ba
        << "/v1/customers/cus_2/sources"_ba
        << ""_ba
        << ""_ba
        << ""_ba << cus1 << none << none << none << "customer"_ba;
    QTest::newRow("customer in the query") << S << "GET"_ba
                                           << "/v1/charges"_ba
                                           << "customer=cus_1"_ba
                                           << ""_ba
                                           << ""_ba << cus1 << none << none << none << ""_ba;
    QTest::newRow("customer in a json body")
        << S << "POST"_ba
        << "/v1/payment_intents"_ba
        << ""_ba
        << R"({"amount": 100, "currency": "usd", "customer": "cus_1"})"_ba
        << ""_ba << cus1 << none << none << none << ""_ba;
    QTest::newRow("account listed") << S << "POST"_ba
                                    << "/v1/charges"_ba
                                    << ""_ba << charge << "acct_1"_ba << none
                                    << QByteArrayList {"acct_1"} << none << none << ""_ba;
    QTest::newRow("account missing")
        << S << "POST"_ba
        << "/v1/charges"_ba
        << ""_ba << charge << ""_ba << none << QByteArrayList {"acct_1"} << none << none
        << "stripe_account"_ba;
    QTest::newRow("account not listed")
        << S << "POST"_ba
        << "/v1/charges"_ba
        << ""_ba << charge << "acct_2"_ba << none << QByteArrayList {"acct_1"} << none << none
        << "stripe_account"_ba;
    QTest::newRow("other vendors' scopes ignored on stripe")
        << S << "POST"_ba
        << "/v1/charges"_ba
        << ""_ba << charge << ""_ba << none << none << QByteArrayList {"example.com"}
        << QByteArrayList {"+15550001111"} << ""_ba;

    const QByteArray messages = "/2010-04-01/Accounts/AC1/Messages.json";
    const QByteArrayList from {"+15550001111"};
    QTest::newRow("From listed") << T << "POST"_ba << messages << ""_ba
                                 << "To=%2B1555&From=%2B15550001111&Body=hi"_ba
                                 << ""_ba << none << none << none << from << ""_ba;
    QTest::newRow("From unencoded plus") << T << "POST"_ba << messages << ""_ba
                                         << "To=%2B1555&From=+15550001111&Body=hi"_ba
                                         << ""_ba << none << none << none << from << ""_ba;
    QTest::newRow("From formatted") << T << "POST"_ba << messages << ""_ba
                                    << "From=%2B1%20(555)%20000-1111&Body=hi"_ba
                                    << ""_ba << none << none << none << from << ""_ba;
    QTest::newRow("From not listed") << T << "POST"_ba << messages << ""_ba
                                     << "To=%2B1555&From=%2B15550002222&Body=hi"_ba
                                     << ""_ba << none << none << none << from << "From"_ba;
    QTest::newRow("channel prefix must match")
        << T << "POST"_ba << messages << ""_ba
        << "From=whatsapp%3A%2B15550001111&Body=hi"_ba
        << ""_ba << none << none << none << from << "From"_ba;
    QTest::newRow("messaging service instead of From")
        << T << "POST"_ba << messages << ""_ba
        << "To=%2B1555&MessagingServiceSid=MG1&Body=hi"_ba
        << ""_ba << none << none << none << from << "From"_ba;
    QTest::newRow("call From not listed") << T << "POST"_ba
                                          << "/2010-04-01/Accounts/AC1/Calls.json"_ba
                                          << ""_ba
                                          << "To=%2B1555&From=%2B15550002222&Url=x"_ba
                                          << ""_ba << none << none << none << from << "From"_ba;
    QTest::newRow("reads send nothing") << T << "GET"_ba << messages << ""_ba
                                        << ""_ba
                                        << ""_ba << none << none << none << from << ""_ba;
    QTest::newRow("stripe scope ignored on twilio")
        << T << "POST"_ba << messages << ""_ba
        << "From=%2B1&Body=hi"_ba
        << ""_ba << cus1 << none << none << none << ""_ba;

    const QByteArrayList domain {"example.com"};
    QTest::newRow("from listed") << R << "POST"_ba
                                 << "/emails"_ba
                                 << ""_ba
                                 << R"({"from": "a@example.com", "to": "b@x.example"})"_ba
                                 << ""_ba << none << none << domain << none << ""_ba;
    QTest::newRow("from with name, case-insensitive")
        << R << "POST"_ba
        << "/emails"_ba
        << ""_ba
        << R"({"from": "Acme Billing <billing@EXAMPLE.com>", "to": "b@x.example"})"_ba
        << ""_ba << none << none << QByteArrayList {"Example.COM"} << none << ""_ba;
    QTest::newRow("from not listed") << R << "POST"_ba
                                     << "/emails"_ba
                                     << ""_ba
                                     << R"({"from": "a@evil.example", "to": "b@x.example"})"_ba
                                     << ""_ba << none << none << domain << none << "from"_ba;
    QTest::newRow("name hides another domain")
        << R << "POST"_ba
        << "/emails"_ba
        << ""_ba
        << R"({"from": "a@example.com <a@evil.example>", "to": "b@x.example"})"_ba
        << ""_ba << none << none << domain << none << "from"_ba;
    QTest::newRow("subdomain is another domain")
        << R << "POST"_ba
        << "/emails"_ba
        << ""_ba
        << R"({"from": "a@mail.example.com", "to": "b@x.example"})"_ba
        << ""_ba << none << none << domain << none << "from"_ba;
    QTest::newRow("lookalike suffix") << R << "POST"_ba
                                      << "/emails"_ba
                                      << ""_ba
                                      << R"({"from": "a@evilexample.com"})"_ba
                                      << ""_ba << none << none << domain << none << "from"_ba;
    QTest::newRow("unclosed angle bracket") << R << "POST"_ba
                                            << "/emails"_ba
                                            << ""_ba
                                            << R"({"from": "Acme <a@example.com"})"_ba
                                            << ""_ba << none << none << domain << none << "from"_ba;
    QTest::newRow("from missing") << R << "POST"_ba
                                  << "/emails"_ba
                                  << ""_ba
                                  << R"({"to": "b@x.example"})"_ba
                                  << ""_ba << none << none << domain << none << "from"_ba;
    QTest::newRow("from not a string") << R << "POST"_ba
                                       << "/emails"_ba
                                       << ""_ba
                                       << R"({"from": ["a@example.com"]})"_ba
                                       << ""_ba << none << none << domain << none << "from"_ba;
    QTest::newRow("batch all listed")
        << R << "POST"_ba
        << "/emails/batch"_ba
        << ""_ba
        << R"([{"from": "a@example.com"}, {"from": "B <b@example.com>"}])"_ba
        << ""_ba << none << none << domain << none << ""_ba;
    QTest::newRow("batch with one outside")
        << R << "POST"_ba
        << "/emails/batch"_ba
        << ""_ba
        << R"([{"from": "a@example.com"}, {"from": "b@evil.example"}])"_ba
        << ""_ba << none << none << domain << none << "from"_ba;
    QTest::newRow("retrieve sends nothing") << R << "GET"_ba
                                            << "/emails/4ef9"_ba
                                            << ""_ba
                                            << ""_ba
                                            << ""_ba << none << none << domain << none << ""_ba;
}

void TestCallScope::scope()
{
    QFETCH(Vendor, vendor);
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, path);
    QFETCH(QByteArray, query);
    QFETCH(QByteArray, body);
    QFETCH(QByteArray, stripeAccount);
    QFETCH(QByteArrayList, customers);
    QFETCH(QByteArrayList, accounts);
    QFETCH(QByteArrayList, domains);
    QFETCH(QByteArrayList, numbers);
    QFETCH(QByteArray, violation);

    const auto toStrings = [](const QByteArrayList &list) {
        std::vector<std::string> out;
        for (const QByteArray &item : list)
            out.push_back(item.toStdString());
        return out;
    };
    Scope scope;
    scope.stripeCustomers = toStrings(customers);
    scope.stripeAccounts = toStrings(accounts);
    scope.resendFromDomains = toStrings(domains);
    scope.twilioFromNumbers = toStrings(numbers);

    const QByteArray contentType = body.startsWith('{') || body.startsWith('[') ? kJson : kForm;
    const auto result =
        prepare(vendor, method, path, body, contentType, query, testPricing(), stripeAccount);
    QVERIFY2(std::holds_alternative<PreparedCall>(result), describe(result).c_str());
    const auto found = scopeViolation(scope, std::get<PreparedCall>(result));
    QCOMPARE(bytes(found.value_or("")), violation);
}

void TestCallScope::redaction_data()
{
    QTest::addColumn<Vendor>("vendor");
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<QByteArray>("query");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QByteArrayList>("kept"); // substrings the audit JSON must contain
    QTest::addColumn<QByteArrayList>("secrets"); // substrings it must not contain

    QTest::newRow("stripe form")
        << Vendor::Stripe << "/v1/charges"_ba
        << ""_ba
        << "amount=2500&currency=USD&customer=cus_Abc123&description=sk_live_51HxSECRETabc&metadata[api_key]=rk_live_SECRET2&source=tok_visa"_ba
        << QByteArrayList {R"("amount":2500)", R"("currency":"usd")", R"("customer":"cus_Abc123")",
                           R"("description":"[redacted]")", R"("metadata":"[redacted]")"}
        << QByteArrayList {"sk_live", "SECRET", "rk_live", "tok_visa", "api_key"};
    QTest::newRow("stripe json")
        << Vendor::Stripe << "/v1/payment_intents"_ba
        << ""_ba
        << R"({"amount": 100, "currency": "eur", "payment_method_data": {"card": {"number": "4242424242424242", "cvc": "123"}}})"_ba
        << QByteArrayList {R"("amount":100)", R"("payment_method_data":"[redacted]")"}
        << QByteArrayList {"4242424242424242", "cvc", "\"123\""};
    QTest::newRow("secret-looking parameter names")
        << Vendor::Stripe << "/v1/customers"_ba
        << ""_ba
        << "sk_live_51HxSECRET=1&vault_key_AbCdEf012345=2&x9f8e7d6c5b4a39281=3&email=a%40b.c"_ba
        << QByteArrayList {R"("email":"[redacted]")", R"("redacted_names":3)"}
        << QByteArrayList {"sk_live", "SECRET", "vault_key", "AbCdEf", "x9f8e7d6c5b4a39281",
                           "a@b.c"};
    QTest::newRow("customer that is not an id")
        << Vendor::Stripe << "/v1/charges"_ba
        << ""_ba
        << "amount=1&currency=usd&customer=sk_live_SECRET"_ba
        << QByteArrayList {R"("customer":"[redacted]")"} << QByteArrayList {"sk_live", "SECRET"};
    QTest::newRow("stripe query") << Vendor::Stripe << "/v1/customers"_ba
                                  << "email=ceo%40corp.example&limit=3"_ba
                                  << ""_ba
                                  << QByteArrayList {R"("limit":3)", R"("email":"[redacted]")"}
                                  << QByteArrayList {"ceo", "corp.example"};
    QTest::newRow("twilio")
        << Vendor::Twilio << "/2010-04-01/Accounts/AC1/Messages.json"_ba
        << ""_ba
        << "To=%2B15550009999&From=%2B15550001111&Body=Your+code+is+837261&StatusCallback=https%3A%2F%2Fuser%3Apass%40x.example"_ba
        << QByteArrayList {R"("Body":"[redacted]")", R"("segments":1)", R"("encoding":"gsm7")",
                           R"("max_price":"0.015")"}
        << QByteArrayList {"837261", "15550009999", "15550001111", "user", "pass"};
    QTest::newRow("resend")
        << Vendor::Resend << "/emails"_ba
        << ""_ba
        << R"({"from": "a@example.com", "to": ["ceo@corp.example"], "subject": "Reset", "html": "token=re_SECRET123"})"_ba
        << QByteArrayList {R"("to":"[redacted]")", R"("emails":1)", R"("recipients":1)"}
        << QByteArrayList {"ceo@corp", "re_SECRET", "Reset", "a@example.com"};
    QTest::newRow("resend batch")
        << Vendor::Resend << "/emails/batch"_ba
        << ""_ba
        << R"([{"from": "a@example.com", "to": "x@y.example", "text": "pw hunter2"}, {"from": "a@example.com", "to": "z@y.example"}])"_ba
        << QByteArrayList {R"("emails":2)", R"("recipients":2)"}
        << QByteArrayList {"hunter2", "x@y", "z@y"};
}

void TestCallScope::redaction()
{
    QFETCH(Vendor, vendor);
    QFETCH(QByteArray, path);
    QFETCH(QByteArray, query);
    QFETCH(QByteArray, body);
    QFETCH(QByteArrayList, kept);
    QFETCH(QByteArrayList, secrets);

    const QByteArray contentType = body.startsWith('{') || body.startsWith('[') ? kJson : kForm;
    const auto result = prepare(vendor, "POST", path, body, contentType, query);
    QVERIFY2(std::holds_alternative<PreparedCall>(result), describe(result).c_str());
    const QByteArray audit = bytes(std::get<PreparedCall>(result).redactedParams);
    QVERIFY(!audit.isEmpty());
    for (const QByteArray &part : kept)
        QVERIFY2(audit.contains(part), QByteArray(part + " missing from " + audit).constData());
    for (const QByteArray &secret : secrets)
        QVERIFY2(!audit.contains(secret), QByteArray(secret + " leaked into " + audit).constData());
}

QTEST_APPLESS_MAIN(TestCallScope)
#include "tst_callscope.moc"
