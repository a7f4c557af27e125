// Form bodies as Stripe and Twilio read them, and JSON converted to Stripe's form encoding.

#include "vendors/stripeform.h"

#include <QtTest>

using namespace keybrake;
using namespace Qt::StringLiterals;

class TestStripeForm : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parseFormBody_data();
    void parseFormBody();
    void jsonToStripeForm_data();
    void jsonToStripeForm();
    void convertedFormReadsBack();
};

void TestStripeForm::parseFormBody_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<QByteArray>("expected"); // decoded "key=value" joined by '|'

    QTest::newRow("two fields") << "amount=2000&currency=usd"_ba << true
                                << "amount=2000|currency=usd"_ba;
    QTest::newRow("plus is a space") << "description=A+b+c"_ba << true << "description=A b c"_ba;
    QTest::newRow("escaped plus stays") << "To=%2B15550001111"_ba << true << "To=+15550001111"_ba;
    QTest::newRow("literal brackets") << "metadata[order]=A1"_ba << true << "metadata[order]=A1"_ba;
    QTest::newRow("escaped brackets")
        << "metadata%5Border%5D=A1"_ba << true << "metadata[order]=A1"_ba;
    QTest::newRow("utf-8") << "name=J%C3%BCrgen"_ba << true << "name=Jürgen"_ba;
    QTest::newRow("key without value") << "a&b="_ba << true << "a=|b="_ba;
    QTest::newRow("empty pieces skipped") << "&&a=1&"_ba << true << "a=1"_ba;
    QTest::newRow("equals inside value") << "a=1=2"_ba << true << "a=1=2"_ba;
    QTest::newRow("empty") << ""_ba << true << ""_ba;
    QTest::newRow("bad escape") << "a=%zz"_ba << false << ""_ba;
    QTest::newRow("lone percent") << "a=%"_ba << false << ""_ba;
    QTest::newRow("bad escape in key") << "a%2=1"_ba << false << ""_ba;
}

void TestStripeForm::parseFormBody()
{
    QFETCH(QByteArray, body);
    QFETCH(bool, valid);
    QFETCH(QByteArray, expected);

    const std::string text = body.toStdString();
    const auto fields = keybrake::parseFormBody(text);
    QCOMPARE(fields.has_value(), valid);
    if (!fields)
        return;
    QByteArrayList pairs;
    for (const FormField &field : *fields) {
        pairs << QByteArray::fromStdString(field.key) + '='
                + QByteArray::fromStdString(field.value);
        QVERIFY(body.contains(QByteArray(field.raw.data(), qsizetype(field.raw.size()))));
    }
    QCOMPARE(pairs.join('|'), expected);
}

void TestStripeForm::jsonToStripeForm_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<QByteArray>("expected"); // the form, or a part of the error sentence

    QTest::newRow("flat") << R"({"amount": 2000, "currency": "usd"})"_ba << true
                          << "amount=2000&currency=usd"_ba;
    QTest::newRow("nested object") << R"({"metadata": {"order": "A 1", "k": "v&w"}})"_ba << true
                                   << "metadata[order]=A%201&metadata[k]=v%26w"_ba;
    QTest::newRow("array") << R"({"payment_method_types": ["card", "link"]})"_ba << true
                           << "payment_method_types[0]=card&payment_method_types[1]=link"_ba;
    QTest::newRow("array of objects")
        << R"({"items": [{"price": "price_1", "quantity": 2}, {"price": "price_2"}]})"_ba << true
        << "items[0][price]=price_1&items[0][quantity]=2&items[1][price]=price_2"_ba;
    QTest::newRow("deep nesting") << R"({"a": {"b": {"c": [[1]]}}})"_ba << true
                                  << "a[b][c][0][0]=1"_ba;
    QTest::newRow("booleans") << R"({"capture": false, "confirm": true})"_ba << true
                              << "capture=false&confirm=true"_ba;
    QTest::newRow("null unsets") << R"({"description": null})"_ba << true << "description="_ba;
    QTest::newRow("unicode") << R"({"description": "Grüße 😀"})"_ba << true
                             << "description=Gr%C3%BC%C3%9Fe%20%F0%9F%98%80"_ba;
    QTest::newRow("escaped unicode")
        << R"({"description": "\u00e9"})"_ba << true << "description=%C3%A9"_ba;
    QTest::newRow("percent, plus, equals") << R"({"description": "100% + tax=1"})"_ba << true
                                           << "description=100%25%20%2B%20tax%3D1"_ba;
    QTest::newRow("key needing encoding")
        << R"({"meta data": {"a&b": "c"}})"_ba << true << "meta%20data[a%26b]=c"_ba;
    QTest::newRow("empty object and array produce nothing")
        << R"({"metadata": {}, "expand": [], "amount": 1})"_ba << true << "amount=1"_ba;
    QTest::newRow("decimal") << R"({"unit_amount_decimal": 12.5})"_ba << true
                             << "unit_amount_decimal=12.5"_ba;
    QTest::newRow("negative integer") << R"({"amount": -5})"_ba << true << "amount=-5"_ba;
    QTest::newRow("large unsigned")
        << R"({"amount": 18446744073709551615})"_ba << true << "amount=18446744073709551615"_ba;
    QTest::newRow("empty object") << "{}"_ba << true << ""_ba;

    QTest::newRow("array at top level") << "[1, 2]"_ba << false << "must be an object"_ba;
    QTest::newRow("string at top level") << R"("amount")"_ba << false << "must be an object"_ba;
    QTest::newRow("malformed") << R"({"amount": 20)"_ba << false << "not valid JSON"_ba;
    QTest::newRow("trailing garbage") << R"({"amount": 20} x)"_ba << false << "not valid JSON"_ba;
    QTest::newRow("empty text") << ""_ba << false << "not valid JSON"_ba;
}

void TestStripeForm::jsonToStripeForm()
{
    QFETCH(QByteArray, json);
    QFETCH(bool, valid);
    QFETCH(QByteArray, expected);

    std::string error;
    const auto form = keybrake::jsonToStripeForm(json.toStdString(), error);
    QCOMPARE(form.has_value(), valid);
    if (form)
        QCOMPARE(QByteArray::fromStdString(*form), expected);
    else
        QVERIFY2(QByteArray::fromStdString(error).contains(expected), error.c_str());
}

void TestStripeForm::convertedFormReadsBack()
{
    // What Stripe decodes from the converted body is what the agent sent.
    std::string error;
    const auto form = keybrake::jsonToStripeForm(
        R"({"description": "a+b & c=d [x] 50%", "metadata": {"k y": "ü"}})", error);
    QVERIFY(form);
    const auto fields = keybrake::parseFormBody(*form);
    QVERIFY(fields);
    QCOMPARE(fields->size(), std::size_t(2));
    QCOMPARE(fields->at(0).key, std::string("description"));
    QCOMPARE(fields->at(0).value, std::string("a+b & c=d [x] 50%"));
    QCOMPARE(fields->at(1).key, std::string("metadata[k y]"));
    QCOMPARE(fields->at(1).value, std::string("ü"));
}

QTEST_APPLESS_MAIN(TestStripeForm)
#include "tst_stripeform.moc"
