// The Issue Key form's logic without widgets: the request it sends, the preview it shows, and
// the checks it makes before sending.
#include "client/vendorcatalog.h"
#include "models/keypolicydraft.h"
#include "models/timeformatter.h"
#include "models/usdtext.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>
#include <QTimeZone>

using namespace keybrake;
using Preset = KeyPolicyDraft::ExpiryPreset;

namespace {

client::VendorCatalog catalog()
{
    client::VendorCatalog catalog;
    client::VendorInfo stripe;
    stripe.vendor = QStringLiteral("stripe");
    stripe.operations = {
        {QStringLiteral("charges.create"), QStringLiteral("POST"), QStringLiteral("/v1/charges"),
         true, QStringLiteral("amount")},
        {QStringLiteral("customers.list"),
         QStringLiteral("GET"),
         QStringLiteral("/v1/customers"),
         false,
         {}},
    };
    catalog.vendors = {stripe};
    catalog.maxDailyUsdCap = Usd::fromDollars(100);
    catalog.maxExpiresInSeconds = 30LL * 86400;
    return catalog;
}

KeyPolicyDraft billing()
{
    KeyPolicyDraft draft;
    draft.vendor = QStringLiteral("stripe");
    draft.operations = {QStringLiteral("charges.create"), QStringLiteral("customers.list")};
    draft.dailyCap = Usd::fromDollars(50);
    draft.expiry = Preset::Minutes15;
    draft.runLabel = QStringLiteral("lambda/billing-agent/6b1f0c1e-msg");
    draft.scope.stripeCustomers = {QStringLiteral("cus_123")};
    draft.scope.resendFromDomains = {QStringLiteral("example.com")}; // not Stripe's: left out
    draft.idempotencyKey = QStringLiteral("idem-1");
    return draft;
}

} // namespace

class TestKeyPolicyDraft : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void requestBodyIsWhatTheFormShows()
    {
        const QJsonObject body = billing().toRequest().toJson();
        QCOMPARE(body.value(QStringLiteral("vendor")).toString(), QStringLiteral("stripe"));
        QCOMPARE(body.value(QStringLiteral("daily_usd_cap")).toDouble(), 50.0);
        QCOMPARE(body.value(QStringLiteral("allowed_endpoints")).toArray().size(), 2);
        QCOMPARE(body.value(QStringLiteral("expires_in")).toInteger(), 900);
        QCOMPARE(body.value(QStringLiteral("agent_run_label")).toString(),
                 QStringLiteral("lambda/billing-agent/6b1f0c1e-msg"));
        const QJsonObject scope = body.value(QStringLiteral("scope")).toObject();
        QCOMPARE(scope.value(QStringLiteral("stripe_customers")).toArray().first().toString(),
                 QStringLiteral("cus_123"));
        QVERIFY(!scope.contains(QStringLiteral("resend_from_domains")));
        QCOMPARE(QJsonDocument::fromJson(billing().jsonPreview()).object(), body);
    }

    void curlUsesTheVariableNeverAKey()
    {
        const QString curl = billing().curlCommand(QUrl(QStringLiteral("https://kb.example/")));
        QVERIFY(curl.contains(QStringLiteral("https://kb.example/v1/keys")));
        QVERIFY(curl.contains(QStringLiteral("Bearer $KEYBRAKE_API_KEY")));
        QVERIFY(curl.contains(QStringLiteral("Idempotency-Key: idem-1")));
        QVERIFY(!curl.contains(QStringLiteral("kb_")));
    }

    void summaryIsOneSentence()
    {
        const QDateTime now = QDateTime(QDate(2026, 11, 28), QTime(14, 17), QTimeZone::utc());
        const QString summary =
            billing().summary(TimeFormatter(TimeZoneDisplay::Utc), QStringLiteral("UTC"), now);
        QCOMPARE(summary,
                 QStringLiteral("Stripe: max $50.00 per day, resets 00:00 UTC; may call "
                                "charges.create, customers.list; only for customers cus_123; "
                                "expires 14:32 UTC (in 15 min)."));
    }

    void validation_data()
    {
        QTest::addColumn<int>("change");
        QTest::addColumn<QString>("field");
        QTest::newRow("cap zero") << 0 << QStringLiteral("daily_usd_cap");
        QTest::newRow("cap above the server maximum") << 1 << QStringLiteral("daily_usd_cap");
        QTest::newRow("no endpoints") << 2 << QStringLiteral("allowed_endpoints");
        QTest::newRow("bad custom endpoint") << 3 << QStringLiteral("allowed_endpoints");
        QTest::newRow("custom expiry in the past") << 4 << QStringLiteral("expires_at");
        QTest::newRow("expiry beyond 30 days") << 5 << QStringLiteral("expires_at");
        QTest::newRow("no label") << 6 << QStringLiteral("agent_run_label");
        QTest::newRow("unknown vendor") << 7 << QStringLiteral("vendor");
    }

    void validation()
    {
        QFETCH(int, change);
        QFETCH(QString, field);
        const QDateTime now = QDateTime::currentDateTimeUtc();
        KeyPolicyDraft draft = billing();
        QVERIFY(draft.validate(catalog(), now).isEmpty());
        switch (change) {
        case 0:
            draft.dailyCap = Usd();
            break;
        case 1:
            draft.dailyCap = Usd::fromDollars(101);
            break;
        case 2:
            draft.operations.clear();
            break;
        case 3:
            draft.customEndpoints = {QStringLiteral("charges")};
            break;
        case 4:
            draft.expiry = Preset::Custom;
            draft.customExpiresAt = now.addSecs(-60);
            break;
        case 5:
            draft.expiry = Preset::Custom;
            draft.customExpiresAt = now.addDays(31);
            break;
        case 6:
            draft.runLabel = QStringLiteral("  ");
            break;
        case 7:
            draft.vendor = QStringLiteral("paypal");
            break;
        }
        const auto errors = draft.validate(catalog(), now);
        QCOMPARE(errors.size(), 1);
        QCOMPARE(errors.first().field, field);
        QVERIFY(!errors.first().message.isEmpty());
    }

    void similarKeyKeepsThePolicyWithAFreshExpiry()
    {
        client::VaultKey old;
        old.vendor = QStringLiteral("stripe");
        old.allowedEndpoints = {QStringLiteral("charges.create"),
                                QStringLiteral("GET /v1/customers/{id}")};
        old.dailyUsdCap = Usd::fromDollars(25);
        old.agentRunLabel = QStringLiteral("run/7");
        old.name = QStringLiteral("run/7");
        old.createdAt = QDateTime::currentDateTimeUtc().addSecs(-7200);
        old.expiresAt = old.createdAt.addSecs(3600);
        const KeyPolicyDraft draft = KeyPolicyDraft::similarTo(old, catalog());
        QCOMPARE(draft.operations, QStringList {QStringLiteral("charges.create")});
        QCOMPARE(draft.customEndpoints, QStringList {QStringLiteral("GET /v1/customers/{id}")});
        QCOMPARE(draft.dailyCap, Usd::fromDollars(25));
        QCOMPARE(draft.expiry, Preset::Hour1);
        QVERIFY(draft.name.isEmpty());
    }

    void moneyText()
    {
        QCOMPARE(UsdText::display(Usd::fromCents(1234567)), QStringLiteral("$12,345.67"));
        QCOMPARE(UsdText::display(Usd::fromMicros(400)), QStringLiteral("$0.0004"));
        QCOMPARE(UsdText::display(Usd::fromDollars(50)), QStringLiteral("$50.00"));
        QCOMPARE(UsdText::display(Usd::fromDollars(100)), QStringLiteral("$100.00"));
        QCOMPARE(UsdText::display(Usd::fromDollars(-1000)), QStringLiteral("-$1,000.00"));
        // Sub-cent digits only for sub-cent amounts; totals round to the cent.
        QCOMPARE(UsdText::display(Usd::fromMicros(360'603'600)), QStringLiteral("$360.60"));
        QCOMPARE(UsdText::display(Usd::fromMicros(4'405'000)), QStringLiteral("$4.41"));
        QCOMPARE(UsdText::exact(Usd::fromMicros(360'603'600)), QStringLiteral("$360.6036"));
        QCOMPARE(UsdText::display(Usd::fromMicros(9'999)), QStringLiteral("$0.009999"));
        QCOMPARE(UsdText::ofCap(Usd::fromCents(3750), Usd::fromDollars(50)),
                 QStringLiteral("$37.50 / $50.00 · 75 %"));
        // 99.9 % never reads as 100 %.
        QCOMPARE(UsdText::percentOf(Usd::fromMicros(49'950'000), Usd::fromDollars(50)), 99);
    }

    void relativeTimes()
    {
        const TimeFormatter time(TimeZoneDisplay::Utc);
        const QDateTime now(QDate(2026, 11, 28), QTime(14, 0), QTimeZone::utc());
        QCOMPARE(time.relative(now.addSecs(12 * 60), now), QStringLiteral("in 12 min"));
        QCOMPARE(time.relative(now.addSecs(-180), now), QStringLiteral("3 min ago"));
        QCOMPARE(time.relative(now.addSecs(3600 + 300), now), QStringLiteral("in 1 h 5 min"));
        QCOMPARE(time.absolute(now), QStringLiteral("2026-11-28 14:00:00 UTC"));
        QCOMPARE(time.clock(now.addMSecs(123), true), QStringLiteral("14:00:00.123"));
    }
};

QTEST_APPLESS_MAIN(TestKeyPolicyDraft)
#include "tst_keypolicydraft.moc"
