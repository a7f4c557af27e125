// The operation catalog and vault-key allowlists: which request is which operation, and which
// allowed_endpoints entries admit it.

#include "vendors/vendorcatalog.h"

#include <QtTest>

using namespace keybrake;
using namespace Qt::StringLiterals;

Q_DECLARE_METATYPE(keybrake::Vendor)

namespace {

std::string str(const QByteArray &bytes)
{
    return bytes.toStdString();
}

std::vector<std::string> strings(const QByteArrayList &list)
{
    std::vector<std::string> out;
    for (const QByteArray &item : list)
        out.push_back(item.toStdString());
    return out;
}

} // namespace

class TestVendorCatalog : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void findOperation_data();
    void findOperation();
    void everyOperationMatchesOnlyItself();
    void validateAllowedEndpoint_data();
    void validateAllowedEndpoint();
    void normaliseAllowedEndpoint_data();
    void normaliseAllowedEndpoint();
    void isAllowed_data();
    void isAllowed();
};

void TestVendorCatalog::findOperation_data()
{
    QTest::addColumn<Vendor>("vendor");
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<QByteArray>("expected"); // empty: not in the catalog

    const auto S = Vendor::Stripe;
    const auto T = Vendor::Twilio;
    const auto R = Vendor::Resend;
    QTest::newRow("charges.create") << S << "POST"_ba
                                    << "/v1/charges"_ba
                                    << "charges.create"_ba;
    QTest::newRow("lower-case method") << S << "post"_ba
                                       << "/v1/charges"_ba
                                       << "charges.create"_ba;
    QTest::newRow("charges.list") << S << "GET"_ba
                                  << "/v1/charges"_ba
                                  << "charges.list"_ba;
    QTest::newRow("charges.retrieve") << S << "GET"_ba
                                      << "/v1/charges/ch_1"_ba
                                      << "charges.retrieve"_ba;
    QTest::newRow("payment_intents.create") << S << "POST"_ba
                                            << "/v1/payment_intents"_ba
                                            << "payment_intents.create"_ba;
    QTest::newRow("payment_intents.confirm") << S << "POST"_ba
                                             << "/v1/payment_intents/pi_1/confirm"_ba
                                             << "payment_intents.confirm"_ba;
    QTest::newRow("payment_intents.capture") << S << "POST"_ba
                                             << "/v1/payment_intents/pi_1/capture"_ba
                                             << "payment_intents.capture"_ba;
    QTest::newRow("payment_intents.retrieve") << S << "GET"_ba
                                              << "/v1/payment_intents/pi_1"_ba
                                              << "payment_intents.retrieve"_ba;
    QTest::newRow("refunds.create") << S << "POST"_ba
                                    << "/v1/refunds"_ba
                                    << "refunds.create"_ba;
    QTest::newRow("payouts.create") << S << "POST"_ba
                                    << "/v1/payouts"_ba
                                    << "payouts.create"_ba;
    QTest::newRow("transfers.create") << S << "POST"_ba
                                      << "/v1/transfers"_ba
                                      << "transfers.create"_ba;
    QTest::newRow("customers.create") << S << "POST"_ba
                                      << "/v1/customers"_ba
                                      << "customers.create"_ba;
    QTest::newRow("customers.list") << S << "GET"_ba
                                    << "/v1/customers"_ba
                                    << "customers.list"_ba;
    QTest::newRow("customers.retrieve") << S << "GET"_ba
                                        << "/v1/customers/cus_1"_ba
                                        << "customers.retrieve"_ba;
    QTest::newRow("customers.update") << S << "POST"_ba
                                      << "/v1/customers/cus_1"_ba
                                      << "customers.update"_ba;
    QTest::newRow("balance.retrieve") << S << "GET"_ba
                                      << "/v1/balance"_ba
                                      << "balance.retrieve"_ba;

    QTest::newRow("stripe: unknown method") << S << "DELETE"_ba
                                            << "/v1/charges"_ba
                                            << ""_ba;
    QTest::newRow("stripe: sub-resource") << S << "GET"_ba
                                          << "/v1/charges/ch_1/refunds"_ba
                                          << ""_ba;
    QTest::newRow("stripe: confirm plus a segment") << S << "POST"_ba
                                                    << "/v1/payment_intents/pi_1/confirm/x"_ba
                                                    << ""_ba;
    QTest::newRow("stripe: path case matters") << S << "POST"_ba
                                               << "/V1/charges"_ba
                                               << ""_ba;
    QTest::newRow("stripe: prefix of a resource") << S << "GET"_ba
                                                  << "/v1/customer"_ba
                                                  << ""_ba;
    QTest::newRow("stripe: another resource") << S << "POST"_ba
                                              << "/v1/coupons"_ba
                                              << ""_ba;
    QTest::newRow("stripe: HEAD is not GET") << S << "HEAD"_ba
                                             << "/v1/customers"_ba
                                             << ""_ba;
    QTest::newRow("stripe path on twilio") << T << "POST"_ba
                                           << "/v1/charges"_ba
                                           << ""_ba;

    QTest::newRow("messages.create") << T << "POST"_ba
                                     << "/2010-04-01/Accounts/AC1/Messages.json"_ba
                                     << "messages.create"_ba;
    QTest::newRow("messages.list") << T << "GET"_ba
                                   << "/2010-04-01/Accounts/AC1/Messages.json"_ba
                                   << "messages.list"_ba;
    QTest::newRow("messages.retrieve") << T << "GET"_ba
                                       << "/2010-04-01/Accounts/AC1/Messages/SM1.json"_ba
                                       << "messages.retrieve"_ba;
    QTest::newRow("calls.create") << T << "POST"_ba
                                  << "/2010-04-01/Accounts/AC1/Calls.json"_ba
                                  << "calls.create"_ba;
    QTest::newRow("calls.list") << T << "GET"_ba
                                << "/2010-04-01/Accounts/AC1/Calls.json"_ba
                                << "calls.list"_ba;
    QTest::newRow("calls.retrieve") << T << "GET"_ba
                                    << "/2010-04-01/Accounts/AC1/Calls/CA1.json"_ba
                                    << "calls.retrieve"_ba;
    QTest::newRow("twilio: message update") << T << "POST"_ba
                                            << "/2010-04-01/Accounts/AC1/Messages/SM1.json"_ba
                                            << ""_ba;
    QTest::newRow("twilio: id without .json") << T << "GET"_ba
                                              << "/2010-04-01/Accounts/AC1/Messages/SM1"_ba
                                              << ""_ba;
    QTest::newRow("twilio: empty id before .json") << T << "GET"_ba
                                                   << "/2010-04-01/Accounts/AC1/Messages/.json"_ba
                                                   << ""_ba;
    QTest::newRow("twilio: other API version") << T << "POST"_ba
                                               << "/2008-08-01/Accounts/AC1/Messages.json"_ba
                                               << ""_ba;
    QTest::newRow("twilio: media sub-resource")
        << T << "GET"_ba
        << "/2010-04-01/Accounts/AC1/Messages/SM1/Media.json"_ba
        << ""_ba;

    QTest::newRow("emails.send") << R << "POST"_ba
                                 << "/emails"_ba
                                 << "emails.send"_ba;
    QTest::newRow("emails.batch") << R << "POST"_ba
                                  << "/emails/batch"_ba
                                  << "emails.batch"_ba;
    QTest::newRow("emails.retrieve") << R << "GET"_ba
                                     << "/emails/4ef9a417"_ba
                                     << "emails.retrieve"_ba;
    QTest::newRow("resend: list emails") << R << "GET"_ba
                                         << "/emails"_ba
                                         << ""_ba;
    QTest::newRow("resend: cancel") << R << "POST"_ba
                                    << "/emails/4ef9a417/cancel"_ba
                                    << ""_ba;
    QTest::newRow("resend: domains") << R << "POST"_ba
                                     << "/domains"_ba
                                     << ""_ba;
}

void TestVendorCatalog::findOperation()
{
    QFETCH(Vendor, vendor);
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, path);
    QFETCH(QByteArray, expected);

    const Operation *operation = keybrake::findOperation(vendor, str(method), str(path));
    if (expected.isEmpty()) {
        QVERIFY2(!operation, operation ? operation->name.data() : "");
        return;
    }
    QVERIFY(operation);
    QCOMPARE(QByteArray(operation->name.data(), qsizetype(operation->name.size())), expected);
    QCOMPARE(operation->vendor, vendor);
}

void TestVendorCatalog::everyOperationMatchesOnlyItself()
{
    // Each operation, with its placeholders filled in, is found as itself and not as another
    // operation; the money-moving ones are the ones the contract names.
    QStringList moneyMoving;
    for (Vendor vendor : {Vendor::Stripe, Vendor::Twilio, Vendor::Resend}) {
        QVERIFY(!operationsOf(vendor).empty());
        for (const Operation &operation : operationsOf(vendor)) {
            QCOMPARE(operation.vendor, vendor);
            QVERIFY(!operation.costRule.empty());
            std::string path(operation.pathPattern);
            for (std::size_t open; (open = path.find('{')) != std::string::npos;)
                path.replace(open, path.find('}', open) - open + 1, "x1");
            const Operation *found = keybrake::findOperation(vendor, operation.method, path);
            QVERIFY2(found == &operation, operation.name.data());
            if (operation.moneyMoving)
                moneyMoving << QString::fromUtf8(operation.name.data(), operation.name.size());
        }
    }
    moneyMoving.sort();
    QCOMPARE(moneyMoving,
             QStringList({"calls.create", "charges.create", "emails.batch", "emails.send",
                          "messages.create", "payment_intents.capture", "payment_intents.confirm",
                          "payment_intents.create", "payouts.create", "refunds.create",
                          "transfers.create"}));
}

void TestVendorCatalog::validateAllowedEndpoint_data()
{
    QTest::addColumn<Vendor>("vendor");
    QTest::addColumn<QByteArray>("entry");
    QTest::addColumn<QByteArray>("error"); // empty: valid; otherwise a part of the sentence

    const auto S = Vendor::Stripe;
    const auto T = Vendor::Twilio;
    const auto R = Vendor::Resend;
    QTest::newRow("operation name") << S << "charges.create"_ba
                                    << ""_ba;
    QTest::newRow("operation name, blanks around") << S << "  customers.list "_ba
                                                   << ""_ba;
    QTest::newRow("method and path") << S << "POST /v1/payment_intents"_ba
                                     << ""_ba;
    QTest::newRow("lower-case method") << S << "post /v1/charges"_ba
                                       << ""_ba;
    QTest::newRow("placeholder") << S << "GET /v1/customers/{id}"_ba
                                 << ""_ba;
    QTest::newRow("path outside the catalog") << S << "GET /v1/coupons/{id}"_ba
                                              << ""_ba;
    QTest::newRow("twilio placeholder with suffix")
        << T << "GET /2010-04-01/Accounts/{AccountSid}/Messages/{id}.json"_ba
        << ""_ba;
    QTest::newRow("resend operation") << R << "emails.batch"_ba
                                      << ""_ba;

    QTest::newRow("empty") << S << ""_ba
                           << "must not be empty"_ba;
    QTest::newRow("unknown operation") << S << "charges.creat"_ba
                                       << "\"charges.creat\" is not a stripe operation"_ba;
    QTest::newRow("operation of another vendor") << R << "charges.create"_ba
                                                 << "is not a resend operation"_ba;
    QTest::newRow("operation names are exact") << S << "Charges.Create"_ba
                                               << "is not a stripe operation"_ba;
    QTest::newRow("bad method") << S << "FETCH /v1/charges"_ba
                                << "unknown HTTP method \"FETCH\""_ba;
    QTest::newRow("path without slash") << S << "POST v1/charges"_ba
                                        << "does not start with \"/\""_ba;
    QTest::newRow("absolute URL") << S << "POST https://api.stripe.com/v1/charges"_ba
                                  << "does not start with \"/\""_ba;
    QTest::newRow("vendor prefix") << S << "POST /stripe/v1/charges"_ba
                                   << "write \"/v1/charges\""_ba;
    QTest::newRow("dot-dot") << S << "GET /v1/../admin"_ba
                             << "\"..\""_ba;
    QTest::newRow("empty segment") << S << "GET /v1//charges"_ba
                                   << "empty segments"_ba;
    QTest::newRow("query") << S << "GET /v1/charges?limit=1"_ba
                           << "query"_ba;
    QTest::newRow("unclosed placeholder") << S << "GET /v1/customers/{id"_ba
                                          << "placeholder"_ba;
    QTest::newRow("empty placeholder") << S << "GET /v1/customers/{}"_ba
                                       << "placeholder"_ba;
    QTest::newRow("two placeholders in a segment") << S << "GET /v1/x/{a}{b}"_ba
                                                   << "placeholder"_ba;
    QTest::newRow("percent-encoding") << S << "GET /v1/%63harges"_ba
                                      << "percent"_ba;
}

void TestVendorCatalog::validateAllowedEndpoint()
{
    QFETCH(Vendor, vendor);
    QFETCH(QByteArray, entry);
    QFETCH(QByteArray, error);

    const auto problem = keybrake::validateAllowedEndpoint(vendor, str(entry));
    if (error.isEmpty()) {
        QVERIFY2(!problem, problem ? problem->c_str() : "");
        return;
    }
    QVERIFY(problem);
    QVERIFY2(QByteArray::fromStdString(*problem).contains(error), problem->c_str());
}

void TestVendorCatalog::normaliseAllowedEndpoint_data()
{
    QTest::addColumn<QByteArray>("entry");
    QTest::addColumn<QByteArray>("expected");
    QTest::newRow("operation") << " charges.create "_ba
                               << "charges.create"_ba;
    QTest::newRow("method upper-cased") << "post /v1/charges"_ba
                                        << "POST /v1/charges"_ba;
    QTest::newRow("blanks collapsed") << "  Get \t /v1/customers/{id} "_ba
                                      << "GET /v1/customers/{id}"_ba;
}

void TestVendorCatalog::normaliseAllowedEndpoint()
{
    QFETCH(QByteArray, entry);
    QFETCH(QByteArray, expected);
    QCOMPARE(QByteArray::fromStdString(keybrake::normaliseAllowedEndpoint(str(entry))), expected);
}

void TestVendorCatalog::isAllowed_data()
{
    QTest::addColumn<Vendor>("vendor");
    QTest::addColumn<QByteArrayList>("allowed");
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<bool>("expected");

    const auto S = Vendor::Stripe;
    const auto T = Vendor::Twilio;
    const auto R = Vendor::Resend;
    QTest::newRow("operation name") << S << QByteArrayList {"charges.create"} << "POST"_ba
                                    << "/v1/charges"_ba << true;
    QTest::newRow("operation name, other operation")
        << S << QByteArrayList {"charges.create"} << "POST"_ba
        << "/v1/payouts"_ba << false;
    QTest::newRow("operation name is not a prefix")
        << S << QByteArrayList {"customers.list"} << "GET"_ba
        << "/v1/customers/cus_1"_ba << false;
    QTest::newRow("method and path of an operation")
        << S << QByteArrayList {"POST /v1/payment_intents"} << "POST"_ba
        << "/v1/payment_intents"_ba << true;
    QTest::newRow("entry method case-insensitive")
        << S << QByteArrayList {"post /v1/payment_intents"} << "POST"_ba
        << "/v1/payment_intents"_ba << true;
    QTest::newRow("request method case-insensitive")
        << S << QByteArrayList {"POST /v1/charges"} << "post"_ba
        << "/v1/charges"_ba << true;
    QTest::newRow("method must match") << S << QByteArrayList {"GET /v1/charges"} << "POST"_ba
                                       << "/v1/charges"_ba << false;
    QTest::newRow("placeholder matches one segment")
        << S << QByteArrayList {"POST /v1/payment_intents/{id}/confirm"} << "POST"_ba
        << "/v1/payment_intents/pi_9/confirm"_ba << true;
    QTest::newRow("placeholder does not match two segments")
        << S << QByteArrayList {"GET /v1/customers/{id}"} << "GET"_ba
        << "/v1/customers/cus_1/sources"_ba << false;
    QTest::newRow("placeholder does not match nothing")
        << S << QByteArrayList {"GET /v1/customers/{id}"} << "GET"_ba
        << "/v1/customers"_ba << false;
    QTest::newRow("path outside the catalog")
        << S << QByteArrayList {"GET /v1/coupons/{id}"} << "GET"_ba
        << "/v1/coupons/co_1"_ba << true;
    QTest::newRow("operation name cannot admit a non-catalog path")
        << S << QByteArrayList {"charges.create"} << "POST"_ba
        << "/v1/coupons"_ba << false;
    QTest::newRow("second entry") << S << QByteArrayList {"customers.list", "refunds.create"}
                                  << "POST"_ba
                                  << "/v1/refunds"_ba << true;
    QTest::newRow("empty list") << S << QByteArrayList {} << "GET"_ba
                                << "/v1/customers"_ba << false;
    QTest::newRow("twilio suffix placeholder")
        << T << QByteArrayList {"GET /2010-04-01/Accounts/{AccountSid}/Messages/{id}.json"}
        << "GET"_ba
        << "/2010-04-01/Accounts/ACreal/Messages/SM1.json"_ba << true;
    QTest::newRow("twilio suffix must match")
        << T << QByteArrayList {"GET /2010-04-01/Accounts/{AccountSid}/Messages/{id}.json"}
        << "GET"_ba
        << "/2010-04-01/Accounts/ACreal/Messages/SM1.xml"_ba << false;
    QTest::newRow("twilio literal SID in an entry stands for the account")
        << T << QByteArrayList {"POST /2010-04-01/Accounts/ACagent/Messages.json"} << "POST"_ba
        << "/2010-04-01/Accounts/ACreal/Messages.json"_ba << true;
    QTest::newRow("twilio operation name")
        << T << QByteArrayList {"messages.create"} << "POST"_ba
        << "/2010-04-01/Accounts/ACreal/Messages.json"_ba << true;
    QTest::newRow("resend batch is not send") << R << QByteArrayList {"emails.send"} << "POST"_ba
                                              << "/emails/batch"_ba << false;
    QTest::newRow("resend send") << R << QByteArrayList {"POST /emails"} << "POST"_ba
                                 << "/emails"_ba << true;
}

void TestVendorCatalog::isAllowed()
{
    QFETCH(Vendor, vendor);
    QFETCH(QByteArrayList, allowed);
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, path);
    QFETCH(bool, expected);

    const Operation *operation = keybrake::findOperation(vendor, str(method), str(path));
    QCOMPARE(keybrake::isAllowed(strings(allowed), vendor, str(method), str(path), operation),
             expected);
}

QTEST_APPLESS_MAIN(TestVendorCatalog)
#include "tst_vendorcatalog.moc"
