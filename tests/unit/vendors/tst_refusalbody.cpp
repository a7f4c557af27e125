// Refusal bodies on proxy routes: Keybrake's own fields for agents, and each vendor's error shape
// for its official SDKs.

#include "vendors/refusalbody.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>

#include <boost/json/parse.hpp>

using namespace keybrake;
using namespace Qt::StringLiterals;

Q_DECLARE_METATYPE(keybrake::Vendor)

namespace {

boost::json::object capDetails()
{
    boost::json::object details;
    details["daily_usd_cap"] = Usd::fromDollars(50).toJsonNumber();
    details["spent_today_usd"] = Usd::fromDollars(48).toJsonNumber();
    details["held_usd"] = Usd().toJsonNumber();
    details["attempted_usd"] = Usd::fromMicros(10'500'000).toJsonNumber();
    details["resets_at"] = "2026-11-29T00:00:00.000Z";
    details["retryable"] = false;
    return details;
}

QJsonObject parsed(const std::string &text)
{
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(QByteArray::fromStdString(text), &error);
    if (error.error != QJsonParseError::NoError || !document.isObject())
        qFatal("not a JSON object: %s", text.c_str());
    return document.object();
}

} // namespace

class TestRefusalBody : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void vendorShape_data();
    void vendorShape();
    void moneyPrintsAsPlainDecimals();
    void detailsCannotOverrideTheShape();
    void contractExample();
};

void TestRefusalBody::vendorShape_data()
{
    QTest::addColumn<Vendor>("vendor");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("code");

    for (Vendor vendor : {Vendor::Stripe, Vendor::Twilio, Vendor::Resend}) {
        const QByteArray name(vendorName(vendor).data(), qsizetype(vendorName(vendor).size()));
        QTest::addRow("%s 401", name.constData()) << vendor << 401 << u"key_revoked"_s;
        QTest::addRow("%s 403", name.constData()) << vendor << 403 << u"endpoint_not_allowed"_s;
        QTest::addRow("%s 422", name.constData()) << vendor << 422 << u"cost_unknown"_s;
        QTest::addRow("%s 429", name.constData()) << vendor << 429 << u"cap_exhausted"_s;
        QTest::addRow("%s 503", name.constData()) << vendor << 503 << u"store_unavailable"_s;
    }
}

void TestRefusalBody::vendorShape()
{
    QFETCH(Vendor, vendor);
    QFETCH(int, status);
    QFETCH(QString, code);

    const QString message = u"Daily spend cap of $50 reached"_s;
    const QJsonObject body = parsed(
        refusalBody(vendor, status, code.toStdString(), message.toStdString(), capDetails()));
    // What agents read, on every vendor.
    QCOMPARE(body.value("code"_L1).toString(), code);
    QCOMPARE(body.value("message"_L1).toString(), message);
    QCOMPARE(body.value("daily_usd_cap"_L1).toDouble(), 50.0);
    QCOMPARE(body.value("resets_at"_L1).toString(), u"2026-11-29T00:00:00.000Z"_s);
    QCOMPARE(body.value("retryable"_L1), QJsonValue(false));

    switch (vendor) {
    case Vendor::Stripe: {
        // stripe-node/python/go read error.type, error.code and error.message from an object;
        // a string `error` crashes them.
        QVERIFY(body.value("error"_L1).isObject());
        const QJsonObject error = body.value("error"_L1).toObject();
        QCOMPARE(error.value("type"_L1).toString(),
                 status == 503 ? u"api_error"_s : u"invalid_request_error"_s);
        QCOMPARE(error.value("code"_L1).toString(), code);
        QCOMPARE(error.value("message"_L1).toString(), message);
        QVERIFY(!body.contains("status"_L1));
        QVERIFY(!body.contains("statusCode"_L1));
        break;
    }
    case Vendor::Twilio: {
        // TwilioRestException takes status, code, message and more_info from the body.
        QVERIFY(body.value("status"_L1).isDouble());
        QCOMPARE(body.value("status"_L1).toInt(), status);
        const QString moreInfo = body.value("more_info"_L1).toString();
        QVERIFY2(moreInfo.startsWith("https://"_L1) && moreInfo.endsWith(code),
                 qPrintable(moreInfo));
        QVERIFY(!body.contains("error"_L1));
        break;
    }
    case Vendor::Resend:
        // The Resend SDK returns {error: {name, message, statusCode}} from these fields.
        QCOMPARE(body.value("name"_L1).toString(), code);
        QVERIFY(body.value("statusCode"_L1).isDouble());
        QCOMPARE(body.value("statusCode"_L1).toInt(), status);
        QVERIFY(!body.contains("error"_L1));
        break;
    }
}

void TestRefusalBody::moneyPrintsAsPlainDecimals()
{
    const std::string text = refusalBody(Vendor::Stripe, 429, "cap_exhausted",
                                         "Daily spend cap of $50 reached", capDetails());
    QVERIFY2(text.find(R"("daily_usd_cap":50,)") != std::string::npos, text.c_str());
    QVERIFY2(text.find(R"("spent_today_usd":48,)") != std::string::npos, text.c_str());
    QVERIFY2(text.find(R"("held_usd":0,)") != std::string::npos, text.c_str());
    QVERIFY2(text.find(R"("attempted_usd":10.5,)") != std::string::npos, text.c_str());
    QVERIFY2(text.find('E') == std::string::npos, text.c_str()); // no "4.8E1"
}

void TestRefusalBody::detailsCannotOverrideTheShape()
{
    boost::json::object details;
    details["code"] = "spoofed";
    details["message"] = "spoofed";
    details["error"] = "spoofed";
    details["status"] = 200;
    details["statusCode"] = 200;
    details["name"] = "spoofed";
    details["field"] = "customer";
    for (Vendor vendor : {Vendor::Stripe, Vendor::Twilio, Vendor::Resend}) {
        const std::string text =
            refusalBody(vendor, 403, "scope_violation", "Out of scope", details);
        QVERIFY2(text.find("spoofed") == std::string::npos, text.c_str());
        QVERIFY2(text.find("200") == std::string::npos, text.c_str());
        QCOMPARE(parsed(text).value("field"_L1).toString(), u"customer"_s);
    }
}

void TestRefusalBody::contractExample()
{
    // The 403 on a Stripe route, exactly as the contract shows it.
    boost::json::object details;
    details["allowed_endpoints"] = boost::json::array {"charges.create"};
    details["attempted"] = "payouts.create";
    const std::string message =
        "Operation \"payouts.create\" is not permitted by this vault key's policy";
    const std::string text =
        refusalBody(Vendor::Stripe, 403, "endpoint_not_allowed", message, details);
    const auto expected = boost::json::parse(
        R"({"code": "endpoint_not_allowed", "message": "Operation \"payouts.create\" is not permitted by this vault key's policy", "allowed_endpoints": ["charges.create"], "attempted": "payouts.create", "error": {"type": "invalid_request_error", "code": "endpoint_not_allowed", "message": "Operation \"payouts.create\" is not permitted by this vault key's policy"}})");
    QVERIFY2(boost::json::parse(text) == expected, text.c_str());
}

QTEST_APPLESS_MAIN(TestRefusalBody)
#include "tst_refusalbody.moc"
