// Stopping an agent, not only its keys (contract, added 2026-12-05), written as the attacks:
// an agent whose issuer keeps minting keys under a blocked prefix, a burst that tries to slip
// past a velocity limit, and the operator who must be named for every stop.
#include "auditreader.h"
#include "httpburst.h"
#include "testserver.h"

#include <QJsonDocument>
#include <QtTest>

using namespace keybrake::test;

class TestBrakes : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void blockStopsExistingKeysAndIssuance();
    void blockNarrowedToVendor();
    void blockRefusesAWholeBurst();
    void bulkRevokeCreatesTheBlock();
    void blockNeedsAReasonAndAnOperator();
    void callsPerMinuteExactUnderConcurrency();
    void usdPerMinuteExactUnderConcurrency();
    void velocityDefaultsApplyAtIssuance();
    void revokeNamesWhoAndWhy();
    void adminKeysShowUseAndIssuance();

private:
    QJsonObject issue(const QString &label, const QJsonObject &extra = {},
                      const QString &vendor = QStringLiteral("stripe"));
    HttpResult charge(const QJsonObject &key, qint64 cents = 100);
    HttpResult as(const QString &bearer, const QByteArray &method, const QString &path,
                  const QJsonObject &body = {});
    std::vector<BurstRequest> charges(const QString &vaultKey, int count, qint64 cents) const;

    std::unique_ptr<TestServer> m_server;
    QString m_operator; // an operator key named "on-call"
    QString m_operatorId;
};

void TestBrakes::initTestCase()
{
    TestServer::Options options;
    // A fixed clock: a burst is inside one 60 s window however slowly the machine runs it.
    options.testClock = true;
    options.simArgs << QStringLiteral("--latency-ms") << QStringLiteral("20");
    m_server = std::make_unique<TestServer>(options);
    QVERIFY2(m_server->start(), qPrintable(m_server->errorString()));
    QVERIFY(m_server->setClock(QStringLiteral("2026-12-05T10:00:00.000Z")));
    m_operator = m_server->createAdminKey(QStringLiteral("operator"), QStringLiteral("on-call"));
    QVERIFY(!m_operator.isEmpty());
    const HttpResult whoami = as(m_operator, "GET", QStringLiteral("/v1/whoami"));
    m_operatorId = whoami.json.value(QStringLiteral("admin_key_id")).toString();
    QVERIFY(m_operatorId.startsWith(QStringLiteral("ak_")));
}

QJsonObject TestBrakes::issue(const QString &label, const QJsonObject &extra, const QString &vendor)
{
    QJsonObject policy {
        {QStringLiteral("vendor"), vendor},
        {QStringLiteral("daily_usd_cap"), 1000},
        {QStringLiteral("allowed_endpoints"),
         QJsonArray {vendor == QLatin1String("stripe") ? QStringLiteral("charges.create")
                                                       : QStringLiteral("emails.send")}},
        {QStringLiteral("expires_in"), QStringLiteral("6h")},
        {QStringLiteral("agent_run_label"), label}};
    for (auto it = extra.begin(); it != extra.end(); ++it)
        policy.insert(it.key(), it.value());
    return m_server->issueKey(policy);
}

HttpResult TestBrakes::charge(const QJsonObject &key, qint64 cents)
{
    return m_server->proxy("POST", QStringLiteral("/stripe/v1/charges"), stripeCharge(cents),
                           key.value(QStringLiteral("vault_key")).toString());
}

HttpResult TestBrakes::as(const QString &bearer, const QByteArray &method, const QString &path,
                          const QJsonObject &body)
{
    return m_server->request(method, path,
                             body.isEmpty() ? QByteArray()
                                            : QJsonDocument(body).toJson(QJsonDocument::Compact),
                             bearer, {{"Content-Type", "application/json"}});
}

std::vector<BurstRequest> TestBrakes::charges(const QString &vaultKey, int count,
                                              qint64 cents) const
{
    std::vector<BurstRequest> requests;
    for (int i = 0; i < count; ++i) {
        BurstRequest request;
        request.target = "/stripe/v1/charges";
        request.headers = {{"Authorization", "Bearer " + vaultKey.toStdString()},
                           {"Content-Type", "application/x-www-form-urlencoded"}};
        request.body = stripeCharge(cents).toStdString();
        requests.push_back(std::move(request));
    }
    return requests;
}

void TestBrakes::blockStopsExistingKeysAndIssuance()
{
    const QJsonObject running = issue(QStringLiteral("tests/runaway/run-1"));
    const QJsonObject neighbour = issue(QStringLiteral("tests/runaway-not/run-1"));
    QCOMPARE(charge(running).status, 200);

    const HttpResult created =
        as(m_operator, "POST", QStringLiteral("/v1/blocks"),
           {{QStringLiteral("label_prefix"), QStringLiteral("tests/runaway/")},
            {QStringLiteral("reason"), QStringLiteral("re-issues keys")},
            {QStringLiteral("expires_in"), QStringLiteral("1h")}});
    QCOMPARE(created.status, 201);
    const QString blockId = created.json.value(QStringLiteral("id")).toString();
    QVERIFY(blockId.startsWith(QStringLiteral("blk_")));
    QCOMPARE(created.json.value(QStringLiteral("status")).toString(), QStringLiteral("active"));
    QCOMPARE(created.json.value(QStringLiteral("ends_at")).toString(),
             QStringLiteral("2026-12-05T11:00:00.000Z"));
    QCOMPARE(created.json[QStringLiteral("created_by")][QStringLiteral("name")].toString(),
             QStringLiteral("on-call"));

    // The existing key's very next call.
    const HttpResult refused = charge(running);
    QCOMPARE(refused.status, 403);
    QCOMPARE(refused.json.value(QStringLiteral("code")).toString(),
             QStringLiteral("prefix_blocked"));
    QCOMPARE(refused.json.value(QStringLiteral("block_id")).toString(), blockId);
    QCOMPARE(refused.json.value(QStringLiteral("label_prefix")).toString(),
             QStringLiteral("tests/runaway/"));
    QCOMPARE(refused.json.value(QStringLiteral("reason")).toString(),
             QStringLiteral("re-issues keys"));
    QCOMPARE(refused.json.value(QStringLiteral("ends_at")).toString(),
             QStringLiteral("2026-12-05T11:00:00.000Z"));
    QCOMPARE(refused.json[QStringLiteral("error")][QStringLiteral("code")].toString(),
             QStringLiteral("prefix_blocked"));
    // The key's label is only *prefixed* by a string that is not the block's prefix.
    QCOMPARE(charge(neighbour).status, 200);

    // The issuer mints a fresh key for the same agent.
    QJsonObject policy {
        {QStringLiteral("vendor"), QStringLiteral("stripe")},
        {QStringLiteral("daily_usd_cap"), 100},
        {QStringLiteral("allowed_endpoints"), QJsonArray {QStringLiteral("charges.create")}},
        {QStringLiteral("expires_in"), QStringLiteral("15m")},
        {QStringLiteral("agent_run_label"), QStringLiteral("tests/runaway/run-2")}};
    const HttpResult minted = m_server->admin("POST", QStringLiteral("/v1/keys"), policy);
    QCOMPARE(minted.status, 403);
    QCOMPARE(minted.json.value(QStringLiteral("code")).toString(),
             QStringLiteral("prefix_blocked"));
    QCOMPARE(minted.json.value(QStringLiteral("block_id")).toString(), blockId);
    QCOMPARE(minted.json.value(QStringLiteral("reason")).toString(),
             QStringLiteral("re-issues keys"));
    QVERIFY(minted.json.value(QStringLiteral("error"))
                .toString()
                .contains(QStringLiteral("re-issues keys")));

    // Refusals are audited and counted on the block.
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("key_id"),
                       running.value(QStringLiteral("key_id")).toString());
    query.addQueryItem(QStringLiteral("verdict"), QStringLiteral("denied_blocked"));
    QCOMPARE(readAudit(*m_server, query).size(), 1);
    const HttpResult list = m_server->admin("GET", QStringLiteral("/v1/blocks"));
    QCOMPARE(list.status, 200);
    const QJsonArray blocks = list.json.value(QStringLiteral("data")).toArray();
    QCOMPARE(blocks.size(), 1);
    QCOMPARE(blocks[0][QStringLiteral("id")].toString(), blockId);
    QCOMPARE(blocks[0][QStringLiteral("refused_calls")].toInt(), 1);
    QCOMPARE(blocks[0][QStringLiteral("refused_issuances")].toInt(), 1);

    // Lifted: calls and issuance go through again.
    const HttpResult lifted =
        as(m_operator, "DELETE", QStringLiteral("/v1/blocks/%1?reason=fixed").arg(blockId));
    QCOMPARE(lifted.status, 200);
    QCOMPARE(lifted.json.value(QStringLiteral("status")).toString(), QStringLiteral("lifted"));
    QCOMPARE(lifted.json[QStringLiteral("lifted_by")][QStringLiteral("admin_key_id")].toString(),
             m_operatorId);
    QCOMPARE(charge(running).status, 200);
    QCOMPARE(m_server->admin("POST", QStringLiteral("/v1/keys"), policy).status, 201);
    QCOMPARE(m_server->admin("GET", QStringLiteral("/v1/blocks"))
                 .json.value(QStringLiteral("data"))
                 .toArray()
                 .size(),
             0);

    // Who did it, and why.
    QUrlQuery admin;
    admin.addQueryItem(QStringLiteral("kind"), QStringLiteral("admin"));
    admin.addQueryItem(QStringLiteral("actor"), m_operatorId);
    const QList<QJsonObject> rows = readAudit(*m_server, admin);
    QStringList actions;
    for (const auto &row : rows) {
        actions << row.value(QStringLiteral("action")).toString();
        QCOMPARE(row.value(QStringLiteral("actor")).toString(), m_operatorId);
        QCOMPARE(row.value(QStringLiteral("actor_name")).toString(), QStringLiteral("on-call"));
    }
    QVERIFY2(actions.contains(QStringLiteral("block.created"))
                 && actions.contains(QStringLiteral("block.lifted")),
             qPrintable(actions.join(u',')));
    for (const auto &row : rows) {
        if (row.value(QStringLiteral("action")).toString() == QLatin1String("block.created"))
            QCOMPARE(row.value(QStringLiteral("reason")).toString(),
                     QStringLiteral("re-issues keys"));
    }
}

void TestBrakes::blockNarrowedToVendor()
{
    const QJsonObject stripe = issue(QStringLiteral("tests/vendorblock/a"));
    const HttpResult created =
        as(m_operator, "POST", QStringLiteral("/v1/blocks"),
           {{QStringLiteral("label_prefix"), QStringLiteral("tests/vendorblock/")},
            {QStringLiteral("vendor"), QStringLiteral("resend")},
            {QStringLiteral("reason"), QStringLiteral("mail storm")}});
    QCOMPARE(created.status, 201);
    QVERIFY(created.json.value(QStringLiteral("ends_at")).isNull());
    QCOMPARE(charge(stripe).status, 200);
    QJsonObject policy {
        {QStringLiteral("vendor"), QStringLiteral("resend")},
        {QStringLiteral("daily_usd_cap"), 1},
        {QStringLiteral("allowed_endpoints"), QJsonArray {QStringLiteral("emails.send")}},
        {QStringLiteral("expires_in"), QStringLiteral("15m")},
        {QStringLiteral("agent_run_label"), QStringLiteral("tests/vendorblock/b")}};
    QCOMPARE(m_server->admin("POST", QStringLiteral("/v1/keys"), policy).status, 403);
    QCOMPARE(m_server
                 ->admin("DELETE",
                         QStringLiteral("/v1/blocks/")
                             + created.json.value(QStringLiteral("id")).toString())
                 .status,
             200);
}

void TestBrakes::blockRefusesAWholeBurst()
{
    const QJsonObject key = issue(QStringLiteral("tests/burstblock/run"));
    const QString secret = key.value(QStringLiteral("vault_key")).toString();
    const HttpResult created =
        as(m_operator, "POST", QStringLiteral("/v1/blocks"),
           {{QStringLiteral("label_prefix"), QStringLiteral("tests/burstblock/")},
            {QStringLiteral("reason"), QStringLiteral("burst")}});
    QCOMPARE(created.status, 201);
    const int before = m_server->simStats()
                           .value(QStringLiteral("by_operation"))
                           .toObject()
                           .value(QStringLiteral("stripe.charges.create"))
                           .toInt();
    const auto responses = sendBurst("127.0.0.1", m_server->port(), charges(secret, 100, 1));
    for (const auto &response : responses)
        QCOMPARE(response.status, 403);
    QCOMPARE(m_server->simStats()
                 .value(QStringLiteral("by_operation"))
                 .toObject()
                 .value(QStringLiteral("stripe.charges.create"))
                 .toInt(),
             before);
    const HttpResult list = m_server->admin("GET", QStringLiteral("/v1/blocks"));
    for (const auto &block : list.json.value(QStringLiteral("data")).toArray()) {
        if (block[QStringLiteral("id")] == created.json.value(QStringLiteral("id")))
            QCOMPARE(block[QStringLiteral("refused_calls")].toInt(), 100);
    }
    m_server->admin("DELETE",
                    QStringLiteral("/v1/blocks/")
                        + created.json.value(QStringLiteral("id")).toString());
}

void TestBrakes::bulkRevokeCreatesTheBlock()
{
    const QJsonObject a = issue(QStringLiteral("tests/stopruns/1"));
    const QJsonObject b = issue(QStringLiteral("tests/stopruns/2"));
    const HttpResult stopped =
        as(m_operator, "POST", QStringLiteral("/v1/keys/revoke"),
           {{QStringLiteral("label_prefix"), QStringLiteral("tests/stopruns/")},
            {QStringLiteral("block"), true},
            {QStringLiteral("reason"), QStringLiteral("runaway")},
            {QStringLiteral("expires_in"), QStringLiteral("1h")}});
    QCOMPARE(stopped.status, 200);
    QCOMPARE(stopped.json.value(QStringLiteral("revoked")).toInt(), 2);
    const QJsonObject block = stopped.json.value(QStringLiteral("block")).toObject();
    QCOMPARE(block.value(QStringLiteral("label_prefix")).toString(),
             QStringLiteral("tests/stopruns/"));
    QCOMPARE(block.value(QStringLiteral("reason")).toString(), QStringLiteral("runaway"));

    // The revoked keys name who and why.
    const HttpResult revoked = m_server->admin(
        "GET", QStringLiteral("/v1/keys/") + a.value(QStringLiteral("key_id")).toString());
    QCOMPARE(revoked.json[QStringLiteral("revoked_by")][QStringLiteral("name")].toString(),
             QStringLiteral("on-call"));
    QCOMPARE(revoked.json.value(QStringLiteral("revoke_reason")).toString(),
             QStringLiteral("runaway"));

    // The agent's issuer keeps minting: refused for the block's life, allowed after it.
    QJsonObject policy {
        {QStringLiteral("vendor"), QStringLiteral("stripe")},
        {QStringLiteral("daily_usd_cap"), 100},
        {QStringLiteral("allowed_endpoints"), QJsonArray {QStringLiteral("charges.create")}},
        {QStringLiteral("expires_in"), QStringLiteral("15m")},
        {QStringLiteral("agent_run_label"), QStringLiteral("tests/stopruns/3")}};
    QCOMPARE(m_server->admin("POST", QStringLiteral("/v1/keys"), policy).status, 403);
    QVERIFY(m_server->advanceClock(QStringLiteral("59m")));
    QCOMPARE(m_server->admin("POST", QStringLiteral("/v1/keys"), policy).status, 403);
    QVERIFY(m_server->advanceClock(QStringLiteral("61s")));
    QCOMPARE(m_server->admin("POST", QStringLiteral("/v1/keys"), policy).status, 201);
    const HttpResult all = m_server->admin("GET", QStringLiteral("/v1/blocks?status=all"));
    bool seen = false;
    for (const auto &entry : all.json.value(QStringLiteral("data")).toArray()) {
        if (entry[QStringLiteral("id")] == block.value(QStringLiteral("id"))) {
            seen = true;
            QCOMPARE(entry[QStringLiteral("status")].toString(), QStringLiteral("expired"));
            QCOMPARE(entry[QStringLiteral("refused_issuances")].toInt(), 2);
        }
    }
    QVERIFY(seen);
    Q_UNUSED(b);

    // A dry run creates nothing.
    issue(QStringLiteral("tests/stopruns-dry/1"));
    const HttpResult dry =
        as(m_operator, "POST", QStringLiteral("/v1/keys/revoke"),
           {{QStringLiteral("label_prefix"), QStringLiteral("tests/stopruns-dry/")},
            {QStringLiteral("block"), true},
            {QStringLiteral("reason"), QStringLiteral("preview")},
            {QStringLiteral("dry_run"), true}});
    QCOMPARE(dry.status, 200);
    QVERIFY(dry.json.value(QStringLiteral("block")).isNull());
    QCOMPARE(
        issue(QStringLiteral("tests/stopruns-dry/2")).value(QStringLiteral("key_id")).isString(),
        true);
}

void TestBrakes::blockNeedsAReasonAndAnOperator()
{
    const HttpResult noReason = as(m_operator, "POST", QStringLiteral("/v1/blocks"),
                                   {{QStringLiteral("label_prefix"), QStringLiteral("tests/x/")}});
    QCOMPARE(noReason.status, 422);
    QCOMPARE(noReason.json.value(QStringLiteral("field")).toString(), QStringLiteral("reason"));
    const HttpResult emptyPrefix = as(m_operator, "POST", QStringLiteral("/v1/blocks"),
                                      {{QStringLiteral("label_prefix"), QString()},
                                       {QStringLiteral("reason"), QStringLiteral("all")}});
    QCOMPARE(emptyPrefix.status, 422);
    const QString issuer =
        m_server->createAdminKey(QStringLiteral("issuer"), QStringLiteral("lambda"));
    const HttpResult forbidden = as(issuer, "POST", QStringLiteral("/v1/blocks"),
                                    {{QStringLiteral("label_prefix"), QStringLiteral("tests/x/")},
                                     {QStringLiteral("reason"), QStringLiteral("no")}});
    QCOMPARE(forbidden.status, 403);
    QCOMPARE(
        m_server->admin("DELETE", QStringLiteral("/v1/blocks/blk_aaaaaaaaaaaaaaaaaaaaaaaa")).status,
        404);
}

void TestBrakes::callsPerMinuteExactUnderConcurrency()
{
    const QJsonObject key = issue(QStringLiteral("tests/velocity/calls"),
                                  {{QStringLiteral("max_calls_per_minute"), 37}});
    QCOMPARE(key.value(QStringLiteral("max_calls_per_minute")).toInt(), 37);
    const QString secret = key.value(QStringLiteral("vault_key")).toString();
    const auto responses = sendBurst("127.0.0.1", m_server->port(), charges(secret, 200, 1));
    int admitted = 0;
    int limited = 0;
    for (const auto &response : responses) {
        if (response.status == 200) {
            ++admitted;
            continue;
        }
        QCOMPARE(response.status, 429);
        const QJsonObject body =
            QJsonDocument::fromJson(QByteArray::fromStdString(response.body)).object();
        QCOMPARE(body.value(QStringLiteral("code")).toString(), QStringLiteral("rate_exceeded"));
        QCOMPARE(body.value(QStringLiteral("max_calls_per_minute")).toInt(), 37);
        QVERIFY(response.headers.count("retry-after"));
        QVERIFY(std::stoi(response.headers.at("retry-after")) >= 1);
        QVERIFY(std::stoi(response.headers.at("retry-after")) <= 60);
        ++limited;
    }
    QCOMPARE(admitted, 37);
    QCOMPARE(limited, 163);
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("key_id"), key.value(QStringLiteral("key_id")).toString());
    query.addQueryItem(QStringLiteral("verdict"), QStringLiteral("denied_rate"));
    QCOMPARE(readAudit(*m_server, query).size(), 163);

    // Sliding: still refused 59 s on, admitted once the burst has left the window.
    QVERIFY(m_server->advanceClock(QStringLiteral("59s")));
    const HttpResult still = charge(key, 1);
    QCOMPARE(still.status, 429);
    QCOMPARE(still.header("Retry-After"), QByteArray("1"));
    QVERIFY(m_server->advanceClock(QStringLiteral("1s")));
    QCOMPARE(charge(key, 1).status, 200);
}

void TestBrakes::usdPerMinuteExactUnderConcurrency()
{
    const QJsonObject key =
        issue(QStringLiteral("tests/velocity/usd"), {{QStringLiteral("max_usd_per_minute"), 10}});
    QCOMPARE(key.value(QStringLiteral("max_usd_per_minute")).toDouble(), 10.0);
    const auto responses =
        sendBurst("127.0.0.1", m_server->port(),
                  charges(key.value(QStringLiteral("vault_key")).toString(), 100, 100));
    int admitted = 0;
    for (const auto &response : responses) {
        if (response.status == 200) {
            ++admitted;
            continue;
        }
        QCOMPARE(response.status, 429);
        const QJsonObject body =
            QJsonDocument::fromJson(QByteArray::fromStdString(response.body)).object();
        QCOMPARE(body.value(QStringLiteral("code")).toString(), QStringLiteral("rate_exceeded"));
    }
    QCOMPARE(admitted, 10);
    const HttpResult ledger = m_server->admin(
        "GET", QStringLiteral("/v1/keys/") + key.value(QStringLiteral("key_id")).toString());
    QCOMPARE(micros(ledger.json.value(QStringLiteral("spent_today_usd")).toDouble()), 10'000'000);
    QVERIFY(m_server->advanceClock(QStringLiteral("61s")));
    QCOMPARE(charge(key, 100).status, 200);
}

void TestBrakes::velocityDefaultsApplyAtIssuance()
{
    const QString issuer =
        m_server->createAdminKey(QStringLiteral("issuer"), QStringLiteral("lambda-2"));
    QCOMPARE(as(m_operator, "PUT", QStringLiteral("/v1/velocity-defaults"),
                {{QStringLiteral("label_prefix"), QStringLiteral("tests/defaults/")},
                 {QStringLiteral("max_calls_per_minute"), 3}})
                 .status,
             403);
    const HttpResult set =
        m_server->admin("PUT", QStringLiteral("/v1/velocity-defaults"),
                        {{QStringLiteral("label_prefix"), QStringLiteral("tests/defaults/")},
                         {QStringLiteral("max_calls_per_minute"), 3},
                         {QStringLiteral("max_usd_per_minute"), 50}});
    QCOMPARE(set.status, 200);
    QCOMPARE(set.json.value(QStringLiteral("max_calls_per_minute")).toInt(), 3);
    const HttpResult listed = as(issuer, "GET", QStringLiteral("/v1/velocity-defaults"));
    QCOMPARE(listed.status, 200);
    QCOMPARE(listed.json.value(QStringLiteral("data")).toArray().size(), 1);

    // The issuer forgets the brake: the key carries the default all the same.
    const HttpResult issued =
        as(issuer, "POST", QStringLiteral("/v1/keys"),
           {{QStringLiteral("vendor"), QStringLiteral("stripe")},
            {QStringLiteral("daily_usd_cap"), 100},
            {QStringLiteral("allowed_endpoints"), QJsonArray {QStringLiteral("charges.create")}},
            {QStringLiteral("expires_in"), QStringLiteral("15m")},
            {QStringLiteral("agent_run_label"), QStringLiteral("tests/defaults/run-1")}});
    QCOMPARE(issued.status, 201);
    QCOMPARE(issued.json.value(QStringLiteral("max_calls_per_minute")).toInt(), 3);
    QCOMPARE(issued.json.value(QStringLiteral("max_usd_per_minute")).toDouble(), 50.0);
    for (int i = 0; i < 3; ++i)
        QCOMPARE(charge(issued.json, 1).status, 200);
    QCOMPARE(charge(issued.json, 1).status, 429);

    // A key that gives its own limit keeps it; one outside the prefix gets none.
    const QJsonObject own = issue(QStringLiteral("tests/defaults/run-2"),
                                  {{QStringLiteral("max_calls_per_minute"), 5}});
    QCOMPARE(own.value(QStringLiteral("max_calls_per_minute")).toInt(), 5);
    QCOMPARE(own.value(QStringLiteral("max_usd_per_minute")).toDouble(), 50.0);
    const QJsonObject outside = issue(QStringLiteral("tests/other/run-1"));
    QVERIFY(outside.value(QStringLiteral("max_calls_per_minute")).isNull());

    const HttpResult removed = m_server->admin(
        "DELETE", QStringLiteral("/v1/velocity-defaults?label_prefix=tests%2Fdefaults%2F"));
    QCOMPARE(removed.status, 200);
    QVERIFY(issue(QStringLiteral("tests/defaults/run-3"))
                .value(QStringLiteral("max_calls_per_minute"))
                .isNull());
    QCOMPARE(m_server
                 ->admin("DELETE",
                         QStringLiteral("/v1/velocity-defaults?label_prefix=tests%2Fdefaults%2F"))
                 .status,
             404);
    // Bad limits are refused with the field named.
    const HttpResult bad = m_server->admin("PUT", QStringLiteral("/v1/velocity-defaults"),
                                           {{QStringLiteral("label_prefix"), QStringLiteral("x/")},
                                            {QStringLiteral("max_calls_per_minute"), 0}});
    QCOMPARE(bad.status, 422);
    QCOMPARE(bad.json.value(QStringLiteral("field")).toString(),
             QStringLiteral("max_calls_per_minute"));
}

void TestBrakes::revokeNamesWhoAndWhy()
{
    const QJsonObject key = issue(QStringLiteral("tests/who/run-1"));
    const QString keyId = key.value(QStringLiteral("key_id")).toString();
    QCOMPARE(key[QStringLiteral("issued_by")][QStringLiteral("name")].toString(),
             QStringLiteral("bootstrap"));
    const HttpResult revoked =
        m_server->request("DELETE",
                          QStringLiteral("/v1/keys/%1?reason=%2")
                              .arg(keyId, QStringLiteral("looping%20on%20refunds")),
                          {}, m_operator);
    QCOMPARE(revoked.status, 200);
    const HttpResult view = m_server->admin("GET", QStringLiteral("/v1/keys/") + keyId);
    QCOMPARE(view.json[QStringLiteral("revoked_by")][QStringLiteral("admin_key_id")].toString(),
             m_operatorId);
    QCOMPARE(view.json[QStringLiteral("revoked_by")][QStringLiteral("name")].toString(),
             QStringLiteral("on-call"));
    QCOMPARE(view.json.value(QStringLiteral("revoke_reason")).toString(),
             QStringLiteral("looping on refunds"));

    // A reason in the body works too.
    const QJsonObject other = issue(QStringLiteral("tests/who/run-2"));
    QCOMPARE(as(m_operator, "DELETE",
                QStringLiteral("/v1/keys/") + other.value(QStringLiteral("key_id")).toString(),
                {{QStringLiteral("reason"), QStringLiteral("body reason")}})
                 .status,
             200);

    QUrlQuery admin;
    admin.addQueryItem(QStringLiteral("kind"), QStringLiteral("admin"));
    admin.addQueryItem(QStringLiteral("actor"), m_operatorId);
    admin.addQueryItem(QStringLiteral("label_prefix"), QStringLiteral("tests/who/"));
    const QList<QJsonObject> rows = readAudit(*m_server, admin);
    QCOMPARE(rows.size(), 2);
    QCOMPARE(rows[0].value(QStringLiteral("action")).toString(), QStringLiteral("key.revoked"));
    QCOMPARE(rows[0].value(QStringLiteral("reason")).toString(), QStringLiteral("body reason"));
    QCOMPARE(rows[1].value(QStringLiteral("reason")).toString(),
             QStringLiteral("looping on refunds"));
    QCOMPARE(rows[1].value(QStringLiteral("actor_name")).toString(), QStringLiteral("on-call"));
    // Filtering by another actor finds none of them.
    admin.removeAllQueryItems(QStringLiteral("actor"));
    admin.addQueryItem(QStringLiteral("actor"), QStringLiteral("ak_nobody"));
    QCOMPARE(readAudit(*m_server, admin).size(), 0);
}

void TestBrakes::adminKeysShowUseAndIssuance()
{
    const QString issuer =
        m_server->createAdminKey(QStringLiteral("issuer"), QStringLiteral("billing-lambda"));
    const QJsonObject policy {
        {QStringLiteral("vendor"), QStringLiteral("stripe")},
        {QStringLiteral("daily_usd_cap"), 10},
        {QStringLiteral("allowed_endpoints"), QJsonArray {QStringLiteral("charges.create")}},
        {QStringLiteral("expires_in"), QStringLiteral("15m")},
        {QStringLiteral("agent_run_label"), QStringLiteral("tests/adminkeys/run")}};
    QCOMPARE(as(issuer, "POST", QStringLiteral("/v1/keys"), policy).status, 201);
    const HttpResult second = as(issuer, "POST", QStringLiteral("/v1/keys"), policy);
    QCOMPARE(second.status, 201);
    const QString issuerId =
        second.json[QStringLiteral("issued_by")][QStringLiteral("admin_key_id")].toString();
    QCOMPARE(second.json[QStringLiteral("issued_by")][QStringLiteral("name")].toString(),
             QStringLiteral("billing-lambda"));

    const HttpResult list = m_server->admin("GET", QStringLiteral("/v1/admin-keys"));
    QCOMPARE(list.status, 200);
    QJsonObject entry;
    for (const auto &value : list.json.value(QStringLiteral("data")).toArray()) {
        if (value[QStringLiteral("id")].toString() == issuerId)
            entry = value.toObject();
    }
    QCOMPARE(entry.value(QStringLiteral("name")).toString(), QStringLiteral("billing-lambda"));
    QCOMPARE(entry.value(QStringLiteral("role")).toString(), QStringLiteral("issuer"));
    QCOMPARE(entry.value(QStringLiteral("keys_issued_today")).toInt(), 2);
    QVERIFY(!entry.value(QStringLiteral("last_used_at")).toString().isEmpty());
    QVERIFY(!entry.value(QStringLiteral("created_by")).toString().isEmpty());
    QVERIFY(entry.contains(QStringLiteral("created_by_name")));

    // Revoking the issuer stops its issuance at once.
    QCOMPARE(m_server->admin("DELETE", QStringLiteral("/v1/admin-keys/") + issuerId).status, 200);
    QCOMPARE(as(issuer, "POST", QStringLiteral("/v1/keys"), policy).status, 401);
}

QTEST_GUILESS_MAIN(TestBrakes)
#include "tst_brakes.moc"
