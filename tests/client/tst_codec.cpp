// The JSON codec against the contract's shapes: every type decodes from the example JSON and
// survives a round trip, money is exact to the micro-dollar, and malformed or wrong-typed bodies
// give Parse errors that name the field (never a crash, never a half-filled value).

#include "client/auditquery.h"
#include "client/jsoncodec.h"
#include "client/keyquery.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace keybrake;
using namespace keybrake::client;
using namespace Qt::StringLiterals;

namespace {

QByteArray json(const char *text)
{
    return QByteArray(text);
}

QDateTime utc(const char *text)
{
    return QDateTime::fromString(QString::fromLatin1(text), Qt::ISODateWithMs).toUTC();
}

// The key object of the contract ("The key object"), with the "..." placeholders filled in.
const char *const kKeyObject = R"({
  "key_id": "vk_abcdefghijklmnopqrstuvwx", "name": "billing agent run", "vendor": "stripe",
  "status": "active", "key_hint": "vault_key_…a1b2", "daily_usd_cap": 100,
  "allowed_endpoints": ["POST /v1/payment_intents", "customers.list"],
  "scope": {"stripe_customers": ["cus_123"]}, "agent_run_label": "lambda/billing-agent/6b1f0c1e-msg",
  "metadata": {"team": "billing"},
  "created_at": "2026-11-28T14:03:05.123Z", "expires_at": "2026-11-28T14:18:05.123Z",
  "revoked_at": null,
  "spent_today_usd": 12.5, "held_usd": 2.0, "calls_today": 7, "blocked_today": 1,
  "last_call_at": "2026-11-28T14:10:00.000Z", "resets_at": "2026-11-29T00:00:00.000Z"
})";

// The audit row of the contract ("The audit log").
const char *const kAuditRow = R"({
  "id": "184", "ts": "2026-11-28T14:03:05.123Z", "request_id": "req_kb_1", "key_id": "vk_abcdefghijklmnopqrstuvwx",
  "key_name": "billing agent run", "agent_run_label": "lambda/billing-agent/6b1f0c1e-msg",
  "vendor": "stripe", "method": "POST", "path": "/v1/payment_intents",
  "operation": "payment_intents.create", "verdict": "allowed",
  "reason": null, "http_status": 200, "upstream_status": 200, "cost_usd": 25.0,
  "cost_source": "parsed", "currency": "usd", "original_amount": 2500,
  "cap_usage_after_usd": 37.5, "customer_scope_id": "cus_123",
  "vendor_object_id": "pi_123", "vendor_request_id": "req_123", "idempotency_key": "msg-6b1f0c1e",
  "latency_ms": 212.4, "upstream_latency_ms": 210.9
})";

// Decodes, re-encodes, decodes again: the value must not change on the way.
template<typename T>
T roundTrip(const QByteArray &body)
{
    const Result<T> first = JsonCodec::decode<T>(body);
    if (!first.isOk()) {
        QTest::qFail(qPrintable(first.error().message), __FILE__, __LINE__);
        return T {};
    }
    const QByteArray encoded = QJsonDocument(JsonCodec::toJson(*first)).toJson();
    const Result<T> second = JsonCodec::decode<T>(encoded);
    if (!second.isOk()) {
        QTest::qFail(qPrintable(second.error().message), __FILE__, __LINE__);
        return T {};
    }
    if (!(*first == *second))
        QTest::qFail("the value changed in a round trip", __FILE__, __LINE__);
    return *first;
}

} // namespace

class TestCodec : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void vaultKeyFromContractExample()
    {
        const VaultKey key = roundTrip<VaultKey>(json(kKeyObject));
        QCOMPARE(key.keyId, u"vk_abcdefghijklmnopqrstuvwx");
        QCOMPARE(key.vendor, u"stripe");
        QCOMPARE(key.status, KeyStatus::Active);
        QCOMPARE(key.keyHint, QStringLiteral("vault_key_…a1b2"));
        QCOMPARE(key.dailyUsdCap, Usd::fromDollars(100));
        QCOMPARE(key.allowedEndpoints,
                 QStringList({u"POST /v1/payment_intents"_s, u"customers.list"_s}));
        QCOMPARE(key.scope.stripeCustomers, QStringList {u"cus_123"_s});
        QVERIFY(key.scope.twilioFromNumbers.isEmpty());
        QCOMPARE(key.metadata.value(u"team"_s), u"billing");
        QCOMPARE(key.createdAt, utc("2026-11-28T14:03:05.123Z"));
        QCOMPARE(key.createdAt.timeSpec(), Qt::UTC);
        QCOMPARE(key.createdAt.time().msec(), 123);
        QVERIFY(!key.revokedAt.isValid());
        QCOMPARE(key.spentTodayUsd, Usd::fromCents(1250));
        QCOMPARE(key.heldUsd, Usd::fromDollars(2));
        QCOMPARE(key.committedUsd(), Usd::fromCents(1450));
        QCOMPARE(key.callsToday, 7);
        QCOMPARE(key.blockedToday, 1);
        QCOMPARE(key.resetsAt, utc("2026-11-29T00:00:00.000Z"));
    }

    void vaultKeyEncodesAsTheContractWritesIt()
    {
        const VaultKey key = roundTrip<VaultKey>(json(kKeyObject));
        const QJsonObject encoded = JsonCodec::toJson(key);
        QCOMPARE(encoded.value(u"created_at").toString(), u"2026-11-28T14:03:05.123Z");
        QCOMPARE(encoded.value(u"revoked_at").type(), QJsonValue::Null);
        QCOMPARE(encoded.value(u"daily_usd_cap").toDouble(), 100.0);
        QCOMPARE(encoded.value(u"status").toString(), u"active");
        // Empty scope lists are left out, as the server writes them.
        QCOMPARE(encoded.value(u"scope").toObject().keys(), QStringList {u"stripe_customers"_s});
    }

    void everyKeyStatus_data()
    {
        QTest::addColumn<QString>("wire");
        QTest::addColumn<KeyStatus>("status");
        QTest::newRow("active") << u"active"_s << KeyStatus::Active;
        QTest::newRow("capped") << u"capped"_s << KeyStatus::Capped;
        QTest::newRow("revoked") << u"revoked"_s << KeyStatus::Revoked;
        QTest::newRow("expired") << u"expired"_s << KeyStatus::Expired;
        // A status added by a newer server is shown as unknown, not a failed page.
        QTest::newRow("newer server") << u"suspended"_s << KeyStatus::Unknown;
    }
    void everyKeyStatus()
    {
        QFETCH(QString, wire);
        QFETCH(KeyStatus, status);
        QJsonObject object = QJsonDocument::fromJson(json(kKeyObject)).object();
        object.insert(u"status", wire);
        const Result<VaultKey> key = JsonCodec::decode<VaultKey>(QJsonDocument(object).toJson());
        QVERIFY(key.isOk());
        QCOMPARE(key->status, status);
    }

    void issuedKeyCarriesTheSecret()
    {
        QJsonObject object = QJsonDocument::fromJson(json(kKeyObject)).object();
        object.insert(u"vault_key", u"vault_key_0123456789abcdefghijABCDEFGHIJxyz"_s);
        const IssuedKey issued = roundTrip<IssuedKey>(QJsonDocument(object).toJson());
        QCOMPARE(issued.vaultKey, u"vault_key_0123456789abcdefghijABCDEFGHIJxyz");
        QCOMPARE(issued.key.keyId, u"vk_abcdefghijklmnopqrstuvwx");

        object.remove(u"vault_key");
        const Result<IssuedKey> withoutSecret =
            JsonCodec::decode<IssuedKey>(QJsonDocument(object).toJson());
        QVERIFY(!withoutSecret.isOk());
        QCOMPARE(withoutSecret.error().kind, ApiError::Kind::Parse);
    }

    void issueKeyRequestFromContractExample()
    {
        const IssueKeyRequest request = roundTrip<IssueKeyRequest>(json(R"({
          "vendor": "stripe",
          "daily_usd_cap": 100,
          "allowed_endpoints": ["POST /v1/payment_intents", "customers.list"],
          "expires_in": "15m",
          "agent_run_label": "lambda/billing-agent/6b1f0c1e-msg",
          "name": "billing agent run",
          "scope": {"stripe_customers": ["cus_123"], "stripe_accounts": ["acct_1"],
                    "resend_from_domains": ["example.com"], "twilio_from_numbers": ["+15550001111"]},
          "metadata": {"any": "string map"}
        })"));
        QCOMPARE(request.vendor, u"stripe");
        QCOMPARE(request.dailyUsdCap, Usd::fromDollars(100));
        QCOMPARE(request.expiresIn, std::chrono::minutes(15));
        QVERIFY(!request.expiresAt.isValid());
        QCOMPARE(request.scope.stripeAccounts, QStringList {u"acct_1"_s});
        QCOMPARE(request.scope.twilioFromNumbers, QStringList {u"+15550001111"_s});
        QCOMPARE(request.metadata.value(u"any"_s), u"string map");
    }

    void issueKeyRequestBody()
    {
        IssueKeyRequest request;
        request.vendor = u"resend"_s;
        request.dailyUsdCap = Usd::fromMicros(400);
        request.allowedEndpoints = {u"emails.send"_s};
        request.expiresIn = std::chrono::hours(2);
        request.agentRunLabel = u"sqs/msg-1"_s;
        request.idempotencyKey = u"msg-1"_s;
        const QJsonObject body = request.toJson();
        QCOMPARE(body.value(u"expires_in").toInteger(), 7200);
        QCOMPARE(body.value(u"daily_usd_cap").toDouble(), 0.0004);
        // Unset optional members are not sent; the idempotency key is a header, not a field.
        QVERIFY(!body.contains(u"expires_at"));
        QVERIFY(!body.contains(u"name"));
        QVERIFY(!body.contains(u"scope"));
        QVERIFY(!body.contains(u"metadata"));
        QVERIFY(!body.contains(u"idempotency_key"));

        request.expiresIn = std::chrono::seconds(0);
        request.expiresAt = utc("2026-11-28T15:00:00.000Z");
        QCOMPARE(request.toJson().value(u"expires_at").toString(), u"2026-11-28T15:00:00.000Z");
        QVERIFY(!request.toJson().contains(u"expires_in"));
    }

    void durations_data()
    {
        QTest::addColumn<QJsonValue>("wire");
        QTest::addColumn<qint64>("seconds");
        QTest::newRow("90s") << QJsonValue(u"90s"_s) << qint64(90);
        QTest::newRow("15m") << QJsonValue(u"15m"_s) << qint64(900);
        QTest::newRow("2h") << QJsonValue(u"2h"_s) << qint64(7200);
        QTest::newRow("1d") << QJsonValue(u"1d"_s) << qint64(86400);
        QTest::newRow("digits") << QJsonValue(u"900"_s) << qint64(900);
        QTest::newRow("integer") << QJsonValue(900) << qint64(900);
        QTest::newRow("zero") << QJsonValue(0) << qint64(-1);
        QTest::newRow("negative") << QJsonValue(u"-5m"_s) << qint64(-1);
        QTest::newRow("fraction") << QJsonValue(1.5) << qint64(-1);
        QTest::newRow("unit only") << QJsonValue(u"m"_s) << qint64(-1);
        QTest::newRow("unknown unit") << QJsonValue(u"3w"_s) << qint64(-1);
        QTest::newRow("plus sign") << QJsonValue(u"+5m"_s) << qint64(-1);
    }
    void durations()
    {
        QFETCH(QJsonValue, wire);
        QFETCH(qint64, seconds);
        QCOMPARE(JsonCodec::parseDurationSeconds(wire).value_or(-1), seconds);
    }

    void keyPageWithCursor()
    {
        const QByteArray body = "{\"data\": [" + json(kKeyObject) + ", " + json(kKeyObject)
            + "], \"next_cursor\": \"c_42\"}";
        const KeyPage page = roundTrip<KeyPage>(body);
        QCOMPARE(page.data.size(), 2);
        QCOMPARE(page.nextCursor, u"c_42");
        QVERIFY(page.hasMore());

        const KeyPage last = roundTrip<KeyPage>(json(R"({"data": [], "next_cursor": null})"));
        QVERIFY(last.data.isEmpty());
        QVERIFY(!last.hasMore());
    }

    void auditRowFromContractExample()
    {
        const AuditEntry row = roundTrip<AuditEntry>(json(kAuditRow));
        QCOMPARE(row.id, u"184");
        QCOMPARE(row.kind, AuditKind::Call); // no "kind": a call row, as in the contract
        QCOMPARE(row.operation, u"payment_intents.create");
        QCOMPARE(row.verdict, u"allowed");
        QVERIFY(!row.isDenied());
        QVERIFY(row.reason.isEmpty());
        QCOMPARE(row.httpStatus, 200);
        QCOMPARE(row.upstreamStatus, std::optional<int>(200));
        QCOMPARE(row.costUsd, Usd::fromDollars(25));
        QCOMPARE(row.originalAmount, std::optional<qint64>(2500));
        QCOMPARE(row.capUsageAfterUsd, std::optional<Usd>(Usd::fromCents(3750)));
        QCOMPARE(row.latencyMs, std::optional<double>(212.4));
        QCOMPARE(row.ts, utc("2026-11-28T14:03:05.123Z"));
    }

    void refusedCallRowKeepsNullsApartFromZero()
    {
        const AuditEntry row = roundTrip<AuditEntry>(json(R"({
          "id": "185", "ts": "2026-11-28T14:03:06.000Z", "kind": "call", "key_id": null,
          "vendor": "stripe", "method": "POST", "path": "/v1/charges", "verdict": "denied_cap",
          "reason": "cap_exhausted", "http_status": 429, "upstream_status": null, "cost_usd": 0,
          "cost_source": "none", "original_amount": null, "cap_usage_after_usd": 0,
          "latency_ms": null, "params": {"amount": 2500}
        })"));
        QVERIFY(row.isDenied());
        QCOMPARE(row.reason, u"cap_exhausted");
        QVERIFY(!row.upstreamStatus.has_value());
        QVERIFY(!row.originalAmount.has_value());
        QCOMPARE(row.capUsageAfterUsd, std::optional<Usd>(Usd()));
        QVERIFY(!row.latencyMs.has_value());
        QVERIFY(row.keyId.isEmpty());
    }

    void adminAuditRow()
    {
        const AuditEntry row = roundTrip<AuditEntry>(json(R"({
          "id": "186", "ts": "2026-11-28T14:04:00.000Z", "kind": "admin", "request_id": "r1",
          "key_id": "vk_abcdefghijklmnopqrstuvwx", "action": "key.revoked", "actor": "ak_1",
          "detail": {"bulk": true, "label_prefix": "lambda/"}
        })"));
        QCOMPARE(row.kind, AuditKind::Admin);
        QCOMPARE(row.action, u"key.revoked");
        QCOMPARE(row.actor, u"ak_1");
        QCOMPARE(QJsonDocument::fromJson(row.detail.toUtf8()).object().value(u"label_prefix"),
                 QJsonValue(u"lambda/"_s));
    }

    void auditPage()
    {
        const AuditPage page =
            roundTrip<AuditPage>("{\"data\": [" + json(kAuditRow) + "], \"next_cursor\": \"a_9\"}");
        QCOMPARE(page.data.size(), 1);
        QCOMPARE(page.nextCursor, u"a_9");
    }

    void todayStats()
    {
        const TodayStats stats = roundTrip<TodayStats>(json(R"({
          "active_keys": 12, "spend_today_usd": 48.75, "held_usd": 2.5, "calls_today": 310,
          "blocked_today": 4, "resets_at": "2026-11-29T00:00:00.000Z", "window_start":
          "2026-11-28T00:00:00.000Z", "spend_timezone": "UTC", "as_of": "2026-11-28T14:03:05.123Z"
        })"));
        QCOMPARE(stats.activeKeys, 12);
        QCOMPARE(stats.spendTodayUsd, Usd::fromCents(4875));
        QCOMPARE(stats.heldUsd, Usd::fromCents(250));
        QCOMPARE(stats.callsToday, 310);
        QCOMPARE(stats.blockedToday, 4);
        QCOMPARE(stats.spendTimezone, u"UTC");
        QCOMPARE(stats.asOf, utc("2026-11-28T14:03:05.123Z"));
    }

    void whoAmI()
    {
        const WhoAmI me = roundTrip<WhoAmI>(json(R"({
          "admin_key_id": "ak_abcdefghijklmnopqrstuvwx", "name": "ops laptop", "role": "operator",
          "server_version": "0.1.0", "spend_timezone": "Europe/Berlin", "max_daily_usd_cap": 10000
        })"));
        QCOMPARE(me.role, AdminRole::Operator);
        QVERIFY(me.can(AdminRole::Issuer));
        QVERIFY(me.can(AdminRole::Operator));
        QVERIFY(!me.can(AdminRole::Admin));
        QCOMPARE(me.spendTimezone, u"Europe/Berlin");
        QCOMPARE(me.maxDailyUsdCap, Usd::fromDollars(10000));

        const Result<WhoAmI> unknownRole =
            JsonCodec::decode<WhoAmI>(json(R"({"admin_key_id": "ak_1", "role": "superuser"})"));
        QVERIFY(!unknownRole.isOk());
        QVERIFY(unknownRole.error().details.value(u"parse_error").toString().startsWith(u"role"));
    }

    void vendorCatalog()
    {
        const VendorCatalog catalog = roundTrip<VendorCatalog>(json(R"({
          "data": [
            {"vendor": "stripe", "credential_configured": true, "operations": [
              {"name": "charges.create", "method": "POST", "path": "/v1/charges",
               "money_moving": true, "cost_rule": "amount and currency of the request"},
              {"name": "customers.list", "method": "GET", "path": "/v1/customers",
               "money_moving": false, "cost_rule": "free"}]},
            {"vendor": "resend", "credential_configured": false, "operations": []}],
          "max_daily_usd_cap": 10000, "max_expires_in_s": 2592000, "spend_timezone": "UTC"
        })"));
        QCOMPARE(catalog.vendors.size(), 2);
        QVERIFY(catalog.find(u"stripe"_s));
        QVERIFY(catalog.find(u"stripe"_s)->credentialConfigured);
        QCOMPARE(catalog.find(u"stripe"_s)->operations.size(), 2);
        QVERIFY(catalog.find(u"stripe"_s)->operations.at(0).moneyMoving);
        QVERIFY(!catalog.find(u"stripe"_s)->operations.at(1).moneyMoving);
        QVERIFY(!catalog.find(u"twilio"_s));
        QCOMPARE(catalog.maxDailyUsdCap, Usd::fromDollars(10000));
        QCOMPARE(catalog.maxExpiresInSeconds, 2592000);
    }

    void revokeResults()
    {
        const RevokeResult single = roundTrip<RevokeResult>(json(R"({
          "key_id": "vk_abcdefghijklmnopqrstuvwx", "status": "revoked",
          "revoked_at": "2026-11-28T14:05:01.337Z", "already_revoked": false, "held_usd": 0.5
        })"));
        QCOMPARE(single.status, KeyStatus::Revoked);
        QCOMPARE(single.revokedAt.time().msec(), 337);
        QVERIFY(!single.alreadyRevoked);
        QCOMPARE(single.heldUsd, Usd::fromCents(50));

        const BulkRevokeResult bulk = roundTrip<BulkRevokeResult>(json(R"({
          "revoked": 2, "key_ids": ["vk_a", "vk_b"], "not_found": ["vk_zz"], "dry_run": false,
          "held_usd": 0, "revoked_at": "2026-11-28T14:05:01.337Z"
        })"));
        QCOMPARE(bulk.revoked, 2);
        QCOMPARE(bulk.keyIds, QStringList({u"vk_a"_s, u"vk_b"_s}));
        QCOMPARE(bulk.notFound, QStringList {u"vk_zz"_s});

        const BulkRevokeResult dryRun = roundTrip<BulkRevokeResult>(json(
            R"({"revoked": 3, "key_ids": ["a", "b", "c"], "not_found": [], "dry_run": true,
                    "held_usd": 0, "revoked_at": null})"));
        QVERIFY(dryRun.dryRun);
        QVERIFY(!dryRun.revokedAt.isValid());
    }

    void bulkRevokeRequestBodies()
    {
        const QJsonObject byIds = BulkRevokeRequest::byIds({u"vk_a"_s, u"vk_b"_s}).toJson();
        QCOMPARE(byIds.keys(), QStringList {u"key_ids"_s});
        QCOMPARE(byIds.value(u"key_ids").toArray().size(), 2);

        const QJsonObject byPrefix =
            BulkRevokeRequest::byLabelPrefix(u"lambda/billing/"_s, u"stripe"_s, true).toJson();
        QCOMPARE(byPrefix.value(u"label_prefix").toString(), u"lambda/billing/");
        QCOMPARE(byPrefix.value(u"vendor").toString(), u"stripe");
        QCOMPARE(byPrefix.value(u"dry_run").toBool(), true);
        QVERIFY(!byPrefix.contains(u"key_ids"));

        const BulkRevokeRequest parsed =
            roundTrip<BulkRevokeRequest>(QJsonDocument(byPrefix).toJson());
        QCOMPARE(parsed, BulkRevokeRequest::byLabelPrefix(u"lambda/billing/"_s, u"stripe"_s, true));
    }

    void adminKeys()
    {
        const char *const adminKey = R"({"id": "ak_abcdefghijklmnopqrstuvwx", "name": "ci",
          "role": "issuer", "key_hint": "kb_…9f3a", "created_at": "2026-11-28T14:00:00.000Z",
          "revoked_at": null, "created_by": "bootstrap"})";
        const QList<AdminKeyInfo> list =
            roundTrip<QList<AdminKeyInfo>>("{\"data\": [" + json(adminKey) + "]}");
        QCOMPARE(list.size(), 1);
        QCOMPARE(list.at(0).role, AdminRole::Issuer);
        QCOMPARE(list.at(0).createdBy, u"bootstrap");
        QVERIFY(!list.at(0).isRevoked());

        QJsonObject created = QJsonDocument::fromJson(json(adminKey)).object();
        created.insert(u"api_key", u"kb_0123456789012345678901234567890123456789"_s);
        const CreatedAdminKey fresh = roundTrip<CreatedAdminKey>(QJsonDocument(created).toJson());
        QCOMPARE(fresh.apiKey, u"kb_0123456789012345678901234567890123456789");
        QCOMPARE(fresh.key.id, u"ak_abcdefghijklmnopqrstuvwx");
    }

    void health()
    {
        const Health health = roundTrip<Health>(json(R"({"status": "ok", "store": "sqlite"})"));
        QVERIFY(health.isOk());
        QCOMPARE(health.store, u"sqlite");
    }

    // Money is exact to the micro-dollar on the way in and on the way out.
    void moneyIsExact_data()
    {
        QTest::addColumn<QByteArray>("wire");
        QTest::addColumn<qint64>("micros");
        QTest::newRow("0.0004 (one Resend email)") << QByteArray("0.0004") << qint64(400);
        QTest::newRow("12.34") << QByteArray("12.34") << qint64(12'340'000);
        QTest::newRow("9999.999999") << QByteArray("9999.999999") << qint64(9'999'999'999);
        QTest::newRow("0.1 + 0.2 territory") << QByteArray("0.3") << qint64(300'000);
        QTest::newRow("integer") << QByteArray("50") << qint64(50'000'000);
        QTest::newRow("exponent") << QByteArray("1.5e-5") << qint64(15);
    }
    void moneyIsExact()
    {
        QFETCH(QByteArray, wire);
        QFETCH(qint64, micros);
        const QByteArray body = R"({"key_id": "vk_1", "vendor": "resend", "status": "active",
                                    "daily_usd_cap": )"
            + wire + ", \"spent_today_usd\": " + wire + "}";
        const Result<VaultKey> key = JsonCodec::decode<VaultKey>(body);
        QVERIFY2(key.isOk(), key.isOk() ? "" : qPrintable(key.error().message));
        QCOMPARE(key->dailyUsdCap.micros(), micros);
        QCOMPARE(key->spentTodayUsd.micros(), micros);

        // Written as text and read back, the amount is still the same number of micro-dollars.
        const QByteArray text =
            QJsonDocument(JsonCodec::toJson(*key)).toJson(QJsonDocument::Compact);
        const Result<VaultKey> again = JsonCodec::decode<VaultKey>(text);
        QVERIFY(again.isOk());
        QCOMPARE(again->dailyUsdCap.micros(), micros);
    }

    // Each body is wrong in one way; each must give a Parse error naming where, not a value.
    void malformedBodiesAreParseErrors_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("where");
        const QByteArray ok = json(kKeyObject);
        const auto with = [&ok](const char *field, const char *value) -> QByteArray {
            QJsonObject object = QJsonDocument::fromJson(ok).object();
            object.insert(QString::fromLatin1(field),
                          QJsonDocument::fromJson(QByteArray("[") + value + "]").array().at(0));
            return "{\"data\": [" + ok + ", " + QJsonDocument(object).toJson() + "]}";
        };
        QTest::newRow("not JSON") << QByteArray("<html>502 Bad Gateway</html>") << u"not JSON"_s;
        QTest::newRow("empty") << QByteArray() << u"empty body"_s;
        QTest::newRow("truncated") << ok.left(ok.size() / 2) << u"not JSON"_s;
        QTest::newRow("array instead of object") << QByteArray("[1, 2]") << u"expected an object"_s;
        QTest::newRow("data not an array") << QByteArray(R"({"data": {}})") << u"data"_s;
        QTest::newRow("data missing") << QByteArray(R"({"next_cursor": null})") << u"data"_s;
        QTest::newRow("cap as string")
            << with("daily_usd_cap", "\"100\"") << u"data[1].daily_usd_cap"_s;
        QTest::newRow("seven decimals")
            << with("spent_today_usd", "0.0000001") << u"data[1].spent_today_usd"_s;
        QTest::newRow("cap null") << with("daily_usd_cap", "null") << u"data[1].daily_usd_cap"_s;
        QTest::newRow("fractional count") << with("calls_today", "1.5") << u"data[1].calls_today"_s;
        QTest::newRow("count as string")
            << with("calls_today", "\"7\"") << u"data[1].calls_today"_s;
        QTest::newRow("time not RFC 3339")
            << with("created_at", "\"yesterday\"") << u"data[1].created_at"_s;
        QTest::newRow("time without offset")
            << with("created_at", "\"2026-11-28T14:03:05.123\"") << u"data[1].created_at"_s;
        QTest::newRow("time as number")
            << with("expires_at", "1764338585") << u"data[1].expires_at"_s;
        QTest::newRow("status as number") << with("status", "5") << u"data[1].status"_s;
        QTest::newRow("key id missing") << with("key_id", "null") << u"data[1].key_id"_s;
        QTest::newRow("endpoint not a string")
            << with("allowed_endpoints", "[\"a\", 1]") << u"data[1].allowed_endpoints[1]"_s;
        QTest::newRow("metadata value not a string")
            << with("metadata", "{\"n\": 1}") << u"data[1].metadata.n"_s;
        QTest::newRow("scope not an object") << with("scope", "[]") << u"data[1].scope"_s;
        QTest::newRow("scope list of numbers") << with("scope", "{\"stripe_customers\": [1]}")
                                               << u"data[1].scope.stripe_customers[0]"_s;
        QTest::newRow("next cursor as number")
            << QByteArray(R"({"data": [], "next_cursor": 5})") << u"next_cursor"_s;
    }
    void malformedBodiesAreParseErrors()
    {
        QFETCH(QByteArray, body);
        QFETCH(QString, where);
        const Result<KeyPage> page =
            JsonCodec::decode<KeyPage>(body, u"Could not load the vault keys."_s, 200, u"r-1"_s);
        QVERIFY(!page.isOk());
        const ApiError &error = page.error();
        QCOMPARE(error.kind, ApiError::Kind::Parse);
        QCOMPARE(error.httpStatus, 200);
        QCOMPARE(error.requestId, u"r-1");
        const QString detail = error.details.value(u"parse_error").toString();
        QVERIFY2(detail.startsWith(where), qPrintable(detail));
        QVERIFY(error.message.startsWith(u"Could not load the vault keys."));
        QVERIFY(error.message.contains(detail));
    }

    void unknownFieldsAreIgnored()
    {
        QJsonObject object = QJsonDocument::fromJson(json(kKeyObject)).object();
        object.insert(u"future_field", QJsonObject {{u"nested"_s, QJsonArray {1, 2}}});
        object.insert(u"spend_window", u"2026-11-28"_s);
        const Result<VaultKey> key = JsonCodec::decode<VaultKey>(QJsonDocument(object).toJson());
        QVERIFY(key.isOk());
        QCOMPARE(*key, roundTrip<VaultKey>(json(kKeyObject)));
    }

    void timesWithOffsetsBecomeUtc()
    {
        QJsonObject object = QJsonDocument::fromJson(json(kKeyObject)).object();
        object.insert(u"created_at", u"2026-11-28T15:03:05.123+01:00"_s);
        const Result<VaultKey> key = JsonCodec::decode<VaultKey>(QJsonDocument(object).toJson());
        QVERIFY(key.isOk());
        QCOMPARE(key->createdAt.timeSpec(), Qt::UTC);
        QCOMPARE(key->createdAt.toString(Qt::ISODateWithMs), u"2026-11-28T14:03:05.123Z");
    }

    void keyQueryParameters()
    {
        KeyQuery query;
        QVERIFY(query.toUrlQuery().isEmpty());
        query.status = KeyStatus::Capped;
        query.vendor = u"twilio"_s;
        query.labelPrefix = u"sqs/"_s;
        query.q = u"night run"_s;
        query.limit = 500;
        query.cursor = u"c_1"_s;
        const QUrlQuery url = query.toUrlQuery();
        QCOMPARE(url.queryItemValue(u"status"_s), u"capped");
        QCOMPARE(url.queryItemValue(u"vendor"_s), u"twilio");
        QCOMPARE(url.queryItemValue(u"label_prefix"_s), u"sqs/");
        QCOMPARE(url.queryItemValue(u"q"_s), u"night run");
        QCOMPARE(url.queryItemValue(u"limit"_s), u"500");
        QCOMPARE(url.queryItemValue(u"cursor"_s), u"c_1");
    }

    void auditQueryParameters()
    {
        AuditQuery query;
        QCOMPARE(query.toUrlQuery().query(), u"kind=call");
        query.kind = AuditQuery::Kind::All;
        query.keyId = u"vk_1"_s;
        query.verdict = u"denied_cap"_s;
        query.since = QDateTime::fromString(u"2026-11-28T15:00:00.000+01:00"_s, Qt::ISODateWithMs);
        const QUrlQuery url = query.toUrlQuery();
        QCOMPARE(url.queryItemValue(u"kind"_s), u"all");
        QCOMPARE(url.queryItemValue(u"key_id"_s), u"vk_1");
        QCOMPARE(url.queryItemValue(u"verdict"_s), u"denied_cap");
        QCOMPARE(url.queryItemValue(u"since"_s), u"2026-11-28T14:00:00.000Z");
        QVERIFY(!url.hasQueryItem(u"until"_s));
        QVERIFY(!url.hasQueryItem(u"limit"_s));
    }
};

QTEST_APPLESS_MAIN(TestCodec)
#include "tst_codec.moc"
