// The client's calls for stopping an agent (prefix blocks, velocity limits and defaults) and for
// who did what (actor and reason, admin key use), against the real keybraked.

#include "client/jsoncodec.h"
#include "client/keybrakeclient.h"
#include "testserver.h"

#include <QTest>

#include <memory>
#include <optional>

using namespace keybrake;
using namespace keybrake::client;
using namespace Qt::StringLiterals;
using Kind = ApiError::Kind;

namespace {

template<typename T, typename Start>
Result<T> call(Start start, int timeoutMs = 20'000)
{
    std::optional<Result<T>> result;
    start([&result](const Result<T> &r) { result.emplace(r); });
    if (!QTest::qWaitFor([&result] { return result.has_value(); }, timeoutMs)) {
        ApiError error;
        error.kind = Kind::Timeout;
        error.message = QStringLiteral("the test waited in vain for the callback");
        return error;
    }
    return *result;
}

template<typename T>
QByteArray describe(const Result<T> &result)
{
    return result.isOk()
        ? QByteArray("ok")
        : (ApiError::kindName(result.error().kind) + u": " + result.error().message).toUtf8();
}

IssueKeyRequest policy(const QString &label)
{
    IssueKeyRequest request;
    request.vendor = QStringLiteral("stripe");
    request.dailyUsdCap = Usd::fromDollars(100);
    request.allowedEndpoints = {QStringLiteral("charges.create")};
    request.expiresIn = std::chrono::minutes(15);
    request.agentRunLabel = label;
    return request;
}

} // namespace

class TestClientBrakes : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<KeybrakeClient> clientWith(const QString &adminKey)
    {
        auto client = std::make_unique<KeybrakeClient>();
        client->setBaseUrl(m_server->baseUrl());
        client->setAdminKey(adminKey);
        return client;
    }

    IssuedKey issue(const IssueKeyRequest &request)
    {
        const Result<IssuedKey> issued =
            call<IssuedKey>([&](auto done) { return m_client->issueKey(request, this, done); });
        if (!issued.isOk()) {
            QTest::qFail(describe(issued).constData(), __FILE__, __LINE__);
            return {};
        }
        return *issued;
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_server = std::make_unique<test::TestServer>();
        QVERIFY2(m_server->start(), qPrintable(m_server->errorString()));
        m_client = clientWith(m_server->adminKey());
        m_operatorSecret =
            m_server->createAdminKey(QStringLiteral("operator"), QStringLiteral("on-call"));
        m_operator = clientWith(m_operatorSecret);
    }

    void cleanupTestCase()
    {
        m_operator.reset();
        m_client.reset();
        m_server.reset();
    }

    void blocksCreateRefuseListAndLift()
    {
        CreateBlockRequest request;
        request.labelPrefix = QStringLiteral("client/runaway/");
        request.reason = QStringLiteral("keeps minting keys");
        request.expiresIn = std::chrono::hours(1);
        const Result<PrefixBlock> created = call<PrefixBlock>(
            [&](auto done) { return m_operator->createBlock(request, this, done); });
        QVERIFY2(created.isOk(), describe(created).constData());
        QVERIFY(created->id.startsWith(u"blk_"));
        QCOMPARE(created->labelPrefix, request.labelPrefix);
        QCOMPARE(created->reason, request.reason);
        QVERIFY(created->isActive());
        QVERIFY(created->endsAt.isValid());
        QCOMPARE(created->createdBy.name, u"on-call");

        // Issuance under the prefix is refused, naming the block.
        const Result<IssuedKey> refused = call<IssuedKey>([&](auto done) {
            return m_client->issueKey(policy(QStringLiteral("client/runaway/1")), this, done);
        });
        QVERIFY(!refused.isOk());
        QCOMPARE(refused.error().httpStatus, 403);
        QCOMPARE(refused.error().code, u"prefix_blocked");
        QCOMPARE(refused.error().details.value(u"block_id").toString(), created->id);

        const Result<QList<PrefixBlock>> active = call<QList<PrefixBlock>>(
            [&](auto done) { return m_client->blocks(false, this, done); });
        QVERIFY2(active.isOk(), describe(active).constData());
        QCOMPARE(active->size(), 1);
        QCOMPARE(active->first().refusedIssuances, 1);

        const Result<PrefixBlock> lifted = call<PrefixBlock>([&](auto done) {
            return m_operator->liftBlock(created->id, QStringLiteral("agent fixed"), this, done);
        });
        QVERIFY2(lifted.isOk(), describe(lifted).constData());
        QCOMPARE(lifted->status, u"lifted");
        QCOMPARE(lifted->liftReason, u"agent fixed");
        QCOMPARE(lifted->liftedBy.name, u"on-call");
        const Result<QList<PrefixBlock>> all =
            call<QList<PrefixBlock>>([&](auto done) { return m_client->blocks(true, this, done); });
        QVERIFY2(all.isOk(), describe(all).constData());
        QCOMPARE(all->size(), 1);
        QVERIFY(call<QList<PrefixBlock>>([&](auto done) {
                    return m_client->blocks(false, this, done);
                })->isEmpty());

        // Only an operator may block.
        const QString viewerSecret = m_server->createAdminKey(QStringLiteral("viewer"));
        auto viewer = clientWith(viewerSecret);
        const Result<PrefixBlock> forbidden =
            call<PrefixBlock>([&](auto done) { return viewer->createBlock(request, this, done); });
        QVERIFY(!forbidden.isOk());
        QCOMPARE(forbidden.error().kind, Kind::Forbidden);
    }

    void bulkRevokeWithBlockAndReason()
    {
        const IssuedKey a = issue(policy(QStringLiteral("client/stop/1")));
        BulkRevokeRequest request =
            BulkRevokeRequest::byLabelPrefix(QStringLiteral("client/stop/"));
        request.reason = QStringLiteral("runaway");
        request.block = true;
        request.blockExpiresIn = std::chrono::minutes(30);
        const Result<BulkRevokeResult> result = call<BulkRevokeResult>(
            [&](auto done) { return m_operator->revokeKeys(request, this, done); });
        QVERIFY2(result.isOk(), describe(result).constData());
        QCOMPARE(result->revoked, 1);
        QVERIFY(result->block.has_value());
        QCOMPARE(result->block->labelPrefix, u"client/stop/");
        QCOMPARE(result->block->reason, u"runaway");

        const Result<VaultKey> key =
            call<VaultKey>([&](auto done) { return m_client->key(a.key.keyId, this, done); });
        QVERIFY2(key.isOk(), describe(key).constData());
        QCOMPARE(key->revokedBy.name, u"on-call");
        QCOMPARE(key->revokeReason, u"runaway");
        QCOMPARE(key->issuedBy.name, u"bootstrap");
        QVERIFY(call<PrefixBlock>([&](auto done) {
                    return m_operator->liftBlock(result->block->id, {}, this, done);
                }).isOk());
    }

    void velocityFieldsAndDefaults()
    {
        IssueKeyRequest own = policy(QStringLiteral("client/velocity/own"));
        own.maxCallsPerMinute = 5;
        own.maxUsdPerMinute = Usd::fromCents(250);
        const IssuedKey issued = issue(own);
        QCOMPARE(issued.key.maxCallsPerMinute, std::optional<qint64>(5));
        QCOMPARE(issued.key.maxUsdPerMinute, std::optional<Usd>(Usd::fromCents(250)));

        VelocityDefault fallback;
        fallback.labelPrefix = QStringLiteral("client/velocity/");
        fallback.maxCallsPerMinute = 12;
        const Result<VelocityDefault> set = call<VelocityDefault>(
            [&](auto done) { return m_client->setVelocityDefault(fallback, this, done); });
        QVERIFY2(set.isOk(), describe(set).constData());
        QCOMPARE(set->maxCallsPerMinute, std::optional<qint64>(12));
        QVERIFY(!set->maxUsdPerMinute);
        QVERIFY(set->updatedBy.isValid());
        const Result<QList<VelocityDefault>> listed = call<QList<VelocityDefault>>(
            [&](auto done) { return m_client->velocityDefaults(this, done); });
        QVERIFY2(listed.isOk(), describe(listed).constData());
        QCOMPARE(listed->size(), 1);
        const IssuedKey defaulted = issue(policy(QStringLiteral("client/velocity/forgot")));
        QCOMPARE(defaulted.key.maxCallsPerMinute, std::optional<qint64>(12));

        // Setting defaults is for admins.
        const Result<VelocityDefault> forbidden = call<VelocityDefault>(
            [&](auto done) { return m_operator->setVelocityDefault(fallback, this, done); });
        QVERIFY(!forbidden.isOk());
        QCOMPARE(forbidden.error().kind, Kind::Forbidden);

        const Result<DeletedVelocityDefault> removed = call<DeletedVelocityDefault>([&](auto done) {
            return m_client->deleteVelocityDefault(fallback.labelPrefix, this, done);
        });
        QVERIFY2(removed.isOk(), describe(removed).constData());
        QCOMPARE(removed->labelPrefix, fallback.labelPrefix);
        const Result<DeletedVelocityDefault> again = call<DeletedVelocityDefault>([&](auto done) {
            return m_client->deleteVelocityDefault(fallback.labelPrefix, this, done);
        });
        QVERIFY(!again.isOk());
        QCOMPARE(again.error().kind, Kind::NotFound);
    }

    void revokeReasonAndAdminActivity()
    {
        const IssuedKey key = issue(policy(QStringLiteral("client/who/1")));
        const Result<RevokeResult> revoked = call<RevokeResult>([&](auto done) {
            return m_operator->revokeKey(key.key.keyId, QStringLiteral("wrong + customer"), this,
                                         done);
        });
        QVERIFY2(revoked.isOk(), describe(revoked).constData());

        const Result<WhoAmI> me =
            call<WhoAmI>([&](auto done) { return m_operator->whoAmI(this, done); });
        QVERIFY(me.isOk());
        AuditQuery query;
        query.kind = AuditQuery::Kind::Admin;
        query.actor = me->adminKeyId;
        query.labelPrefix = QStringLiteral("client/who/");
        const Result<AuditPage> page =
            call<AuditPage>([&](auto done) { return m_client->audit(query, this, done); });
        QVERIFY2(page.isOk(), describe(page).constData());
        QCOMPARE(page->data.size(), 1);
        const AuditEntry &row = page->data.first();
        QCOMPARE(row.kind, AuditKind::Admin);
        QCOMPARE(row.action, u"key.revoked");
        QCOMPARE(row.actor, me->adminKeyId);
        QCOMPARE(row.actorName, u"on-call");
        QCOMPARE(row.reason, u"wrong + customer");
    }

    void adminKeysShowUse()
    {
        const QString issuerSecret =
            m_server->createAdminKey(QStringLiteral("issuer"), QStringLiteral("lambda"));
        auto issuer = clientWith(issuerSecret);
        const Result<IssuedKey> issued = call<IssuedKey>([&](auto done) {
            return issuer->issueKey(policy(QStringLiteral("client/issuer/1")), this, done);
        });
        QVERIFY2(issued.isOk(), describe(issued).constData());
        QCOMPARE(issued->key.issuedBy.name, u"lambda");
        const Result<QList<AdminKeyInfo>> keys =
            call<QList<AdminKeyInfo>>([&](auto done) { return m_client->adminKeys(this, done); });
        QVERIFY2(keys.isOk(), describe(keys).constData());
        bool found = false;
        for (const AdminKeyInfo &info : *keys) {
            if (info.id != issued->key.issuedBy.adminKeyId)
                continue;
            found = true;
            QCOMPARE(info.keysIssuedToday, 1);
            QVERIFY(info.lastUsedAt.isValid());
            QCOMPARE(info.createdByName, u"bootstrap");
        }
        QVERIFY(found);
    }

    void codecRoundTrips()
    {
        PrefixBlock block;
        block.id = QStringLiteral("blk_aaaaaaaaaaaaaaaaaaaaaaaa");
        block.labelPrefix = QStringLiteral("a/");
        block.vendor = QStringLiteral("stripe");
        block.reason = QStringLiteral("why");
        block.status = QStringLiteral("lifted");
        block.createdAt = QDateTime::fromString(u"2026-12-05T10:00:00.000Z"_s, Qt::ISODateWithMs);
        block.liftedAt = block.createdAt.addSecs(5);
        block.createdBy = {QStringLiteral("ak_x"), QStringLiteral("x")};
        block.liftedBy = {QStringLiteral("ak_y"), QStringLiteral("y")};
        block.liftReason = QStringLiteral("done");
        block.refusedCalls = 3;
        PrefixBlock back;
        QString error;
        QVERIFY2(JsonCodec::fromJson(JsonCodec::toJson(block), &back, &error), qPrintable(error));
        QCOMPARE(back, block);

        BulkRevokeRequest bulk = BulkRevokeRequest::byLabelPrefix(QStringLiteral("a/"));
        bulk.block = true;
        bulk.reason = QStringLiteral("r");
        bulk.blockExpiresIn = std::chrono::hours(1);
        BulkRevokeRequest bulkBack;
        QVERIFY2(JsonCodec::fromJson(bulk.toJson(), &bulkBack, &error), qPrintable(error));
        QCOMPARE(bulkBack, bulk);

        VelocityDefault value;
        value.labelPrefix = QStringLiteral("");
        value.maxUsdPerMinute = Usd::fromCents(1);
        VelocityDefault valueBack;
        QVERIFY2(JsonCodec::fromJson(JsonCodec::toJson(value), &valueBack, &error),
                 qPrintable(error));
        QCOMPARE(valueBack, value);
    }

private:
    std::unique_ptr<test::TestServer> m_server;
    std::unique_ptr<KeybrakeClient> m_client;
    std::unique_ptr<KeybrakeClient> m_operator;
    QString m_operatorSecret;
};

QTEST_GUILESS_MAIN(TestClientBrakes)
#include "tst_client_brakes.moc"
