// Every route of the admin client against the real keybraked (tests/support/testserver.h): the
// typed values are what the server says, the errors are the kinds the console branches on, and
// the effects are real (a revoked key is refused by the proxy on its next call).

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

// Runs one call to completion. Tests only: it spins the event loop until the callback ran.
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

IssueKeyRequest billingPolicy(const QString &label)
{
    IssueKeyRequest request;
    request.vendor = QStringLiteral("stripe");
    request.dailyUsdCap = Usd::fromCents(5000);
    request.allowedEndpoints = {QStringLiteral("charges.create"),
                                QStringLiteral("GET /v1/customers/{id}")};
    request.expiresIn = std::chrono::minutes(15);
    request.agentRunLabel = label;
    request.name = QStringLiteral("billing agent run");
    request.scope.stripeCustomers = {QStringLiteral("cus_123")};
    request.metadata.insert(QStringLiteral("team"), QStringLiteral("billing"));
    return request;
}

} // namespace

class TestClientServer : public QObject
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
        test::TestServer::Options options;
        // Policy refusals need no upstream; the simulator is used when the build has it.
        options.startSim = !qEnvironmentVariableIsEmpty("KEYBRAKE_SIM");
        m_server = std::make_unique<test::TestServer>(options);
        QVERIFY2(m_server->start(), qPrintable(m_server->errorString()));
        m_client = clientWith(m_server->adminKey());
    }

    void cleanupTestCase()
    {
        m_client.reset();
        m_server.reset();
    }

    void health()
    {
        const Result<Health> health =
            call<Health>([&](auto done) { return m_client->health(this, done); });
        QVERIFY2(health.isOk(), describe(health).constData());
        QVERIFY(health->isOk());
        QCOMPARE(health->store, u"sqlite");
    }

    void whoAmI()
    {
        const Result<WhoAmI> me =
            call<WhoAmI>([&](auto done) { return m_client->whoAmI(this, done); });
        QVERIFY2(me.isOk(), describe(me).constData());
        QVERIFY(me->adminKeyId.startsWith(u"ak_"));
        QCOMPARE(me->role, AdminRole::Admin);
        QVERIFY(!me->serverVersion.isEmpty());
        QCOMPARE(me->spendTimezone, u"UTC");
        QCOMPARE(me->maxDailyUsdCap, Usd::fromDollars(10000)); // the server's default maximum
    }

    void vendorCatalog()
    {
        const Result<VendorCatalog> catalog =
            call<VendorCatalog>([&](auto done) { return m_client->vendors(this, done); });
        QVERIFY2(catalog.isOk(), describe(catalog).constData());
        for (const char *vendor : {"stripe", "twilio", "resend"})
            QVERIFY2(catalog->find(QString::fromLatin1(vendor)), vendor);
        const VendorInfo *stripe = catalog->find(QStringLiteral("stripe"));
        QVERIFY(stripe->credentialConfigured);
        const auto charges = std::find_if(
            stripe->operations.cbegin(), stripe->operations.cend(),
            [](const VendorOperation &operation) { return operation.name == u"charges.create"; });
        QVERIFY(charges != stripe->operations.cend());
        QVERIFY(charges->moneyMoving);
        QCOMPARE(charges->method, u"POST");
        QCOMPARE(charges->path, u"/v1/charges");
        QCOMPARE(catalog->maxDailyUsdCap, Usd::fromDollars(10000));
        QCOMPARE(catalog->maxExpiresInSeconds, 30 * 24 * 3600);
    }

    void issuedKeyHasThePolicyAsked()
    {
        const QDateTime before = QDateTime::currentDateTimeUtc();
        const IssueKeyRequest request = billingPolicy(QStringLiteral("client-test/issue"));
        const IssuedKey issued = issue(request);
        QVERIFY(issued.vaultKey.startsWith(u"vault_key_"));
        const VaultKey &key = issued.key;
        QVERIFY(key.keyId.startsWith(u"vk_"));
        QCOMPARE(key.status, KeyStatus::Active);
        QCOMPARE(key.vendor, u"stripe");
        QCOMPARE(key.name, request.name);
        QCOMPARE(key.dailyUsdCap, Usd::fromDollars(50));
        QCOMPARE(key.allowedEndpoints, request.allowedEndpoints);
        QCOMPARE(key.scope, request.scope);
        QCOMPARE(key.metadata, request.metadata);
        QCOMPARE(key.agentRunLabel, request.agentRunLabel);
        QVERIFY(key.keyHint.endsWith(issued.vaultKey.right(4)));
        QVERIFY(!key.keyHint.contains(issued.vaultKey)); // a hint, not the secret
        QCOMPARE(key.createdAt.timeSpec(), Qt::UTC);
        QVERIFY(key.createdAt >= before.addSecs(-5));
        QCOMPARE(key.createdAt.secsTo(key.expiresAt), 15 * 60);
        QVERIFY(!key.revokedAt.isValid());
        QCOMPARE(key.spentTodayUsd, Usd());
        QVERIFY(key.resetsAt > key.createdAt);

        // The key reads back the same, secret excepted.
        const Result<VaultKey> fetched =
            call<VaultKey>([&](auto done) { return m_client->key(key.keyId, this, done); });
        QVERIFY2(fetched.isOk(), describe(fetched).constData());
        QCOMPARE(fetched->keyId, key.keyId);
        QCOMPARE(fetched->allowedEndpoints, key.allowedEndpoints);
        QCOMPARE(fetched->expiresAt, key.expiresAt);
    }

    // An SQS redelivery that issues again with the same Idempotency-Key gets the same key and
    // secret, not a second budget.
    void idempotentIssuanceReturnsTheSameKey()
    {
        IssueKeyRequest request = billingPolicy(QStringLiteral("client-test/idempotent"));
        request.idempotencyKey = QStringLiteral("sqs-msg-6b1f0c1e");
        const IssuedKey first = issue(request);
        const IssuedKey again = issue(request);
        QCOMPARE(again.key.keyId, first.key.keyId);
        QCOMPARE(again.vaultKey, first.vaultKey);

        KeyQuery query;
        query.labelPrefix = QStringLiteral("client-test/idempotent");
        const Result<KeyPage> page =
            call<KeyPage>([&](auto done) { return m_client->listKeys(query, this, done); });
        QVERIFY(page.isOk());
        QCOMPARE(page->data.size(), 1);
    }

    void listingFiltersAndPages()
    {
        QStringList issued;
        for (int i = 0; i < 3; ++i)
            issued
                << issue(billingPolicy(QStringLiteral("client-test/paging+%1").arg(i))).key.keyId;

        KeyQuery query;
        query.labelPrefix = QStringLiteral("client-test/paging+"); // '+' must arrive as '+'
        query.limit = 2;
        QStringList seen;
        int pages = 0;
        do {
            const Result<KeyPage> page =
                call<KeyPage>([&](auto done) { return m_client->listKeys(query, this, done); });
            QVERIFY2(page.isOk(), describe(page).constData());
            QVERIFY(page->data.size() <= 2);
            for (const VaultKey &key : page->data) {
                QVERIFY(key.agentRunLabel.startsWith(query.labelPrefix));
                seen << key.keyId;
            }
            query.cursor = page->nextCursor;
            ++pages;
        } while (!query.cursor.isEmpty() && pages < 10);
        QCOMPARE(pages, 2);
        QCOMPARE(seen.size(), 3);
        // Newest first, no key twice.
        QCOMPARE(seen, QStringList({issued.at(2), issued.at(1), issued.at(0)}));

        KeyQuery byText;
        byText.q = QStringLiteral("paging+1");
        const Result<KeyPage> found =
            call<KeyPage>([&](auto done) { return m_client->listKeys(byText, this, done); });
        QVERIFY(found.isOk());
        QCOMPARE(found->data.size(), 1);
        QCOMPARE(found->data.at(0).keyId, issued.at(1));
    }

    void revokingStopsTheNextProxiedCall()
    {
        const IssuedKey issued = issue(billingPolicy(QStringLiteral("client-test/revoke")));
        const Result<RevokeResult> revoked = call<RevokeResult>(
            [&](auto done) { return m_client->revokeKey(issued.key.keyId, this, done); });
        QVERIFY2(revoked.isOk(), describe(revoked).constData());
        QCOMPARE(revoked->keyId, issued.key.keyId);
        QCOMPARE(revoked->status, KeyStatus::Revoked);
        QVERIFY(revoked->revokedAt.isValid());
        QVERIFY(!revoked->alreadyRevoked);

        const test::HttpResult proxied =
            m_server->proxy("POST", QStringLiteral("/stripe/v1/charges"),
                            test::stripeCharge(500, "usd", "cus_123"), issued.vaultKey);
        QCOMPARE(proxied.status, 401);
        QCOMPARE(proxied.json.value(u"code").toString(), u"key_revoked");

        // Revoking is idempotent and keeps the first time.
        const Result<RevokeResult> again = call<RevokeResult>(
            [&](auto done) { return m_client->revokeKey(issued.key.keyId, this, done); });
        QVERIFY2(again.isOk(), describe(again).constData());
        QVERIFY(again->alreadyRevoked);
        QCOMPARE(again->revokedAt, revoked->revokedAt);

        const Result<VaultKey> key =
            call<VaultKey>([&](auto done) { return m_client->key(issued.key.keyId, this, done); });
        QVERIFY(key.isOk());
        QCOMPARE(key->status, KeyStatus::Revoked);
        QCOMPARE(key->revokedAt, revoked->revokedAt);
    }

    void unknownKeyIsNotFound()
    {
        const QString unknown = QStringLiteral("vk_aaaaaaaaaaaaaaaaaaaaaaaa");
        const Result<VaultKey> key =
            call<VaultKey>([&](auto done) { return m_client->key(unknown, this, done); });
        QVERIFY(!key.isOk());
        QCOMPARE(key.error().kind, Kind::NotFound);
        QCOMPARE(key.error().httpStatus, 404);
        QCOMPARE(key.error().code, u"not_found");
        QVERIFY(!key.error().requestId.isEmpty());

        const Result<RevokeResult> revoke =
            call<RevokeResult>([&](auto done) { return m_client->revokeKey(unknown, this, done); });
        QVERIFY(!revoke.isOk());
        QCOMPARE(revoke.error().kind, Kind::NotFound);
    }

    void bulkRevokeByLabelPrefixWithDryRun()
    {
        QStringList ids;
        for (int i = 0; i < 2; ++i)
            ids << issue(billingPolicy(QStringLiteral("client-test/bulk/%1").arg(i))).key.keyId;
        ids.sort();

        const BulkRevokeRequest dryRun = BulkRevokeRequest::byLabelPrefix(
            QStringLiteral("client-test/bulk/"), QStringLiteral("stripe"), true);
        const Result<BulkRevokeResult> preview = call<BulkRevokeResult>(
            [&](auto done) { return m_client->revokeKeys(dryRun, this, done); });
        QVERIFY2(preview.isOk(), describe(preview).constData());
        QVERIFY(preview->dryRun);
        QCOMPARE(preview->revoked, 2);
        QStringList previewed = preview->keyIds;
        previewed.sort();
        QCOMPARE(previewed, ids);
        const Result<VaultKey> stillActive =
            call<VaultKey>([&](auto done) { return m_client->key(ids.at(0), this, done); });
        QCOMPARE(stillActive->status, KeyStatus::Active);

        BulkRevokeRequest real = dryRun;
        real.dryRun = false;
        const Result<BulkRevokeResult> done = call<BulkRevokeResult>(
            [&](auto callback) { return m_client->revokeKeys(real, this, callback); });
        QVERIFY2(done.isOk(), describe(done).constData());
        QVERIFY(!done->dryRun);
        QCOMPARE(done->revoked, 2);
        QVERIFY(done->revokedAt.isValid());
        const Result<VaultKey> revoked =
            call<VaultKey>([&](auto callback) { return m_client->key(ids.at(1), this, callback); });
        QCOMPARE(revoked->status, KeyStatus::Revoked);
    }

    void bulkRevokeByIdsReportsUnknownIds()
    {
        const QString id = issue(billingPolicy(QStringLiteral("client-test/byids"))).key.keyId;
        const QString unknown = QStringLiteral("vk_bbbbbbbbbbbbbbbbbbbbbbbb");
        const Result<BulkRevokeResult> result = call<BulkRevokeResult>([&](auto done) {
            return m_client->revokeKeys(BulkRevokeRequest::byIds({id, unknown}), this, done);
        });
        QVERIFY2(result.isOk(), describe(result).constData());
        QCOMPARE(result->keyIds, QStringList {id});
        QCOMPARE(result->notFound, QStringList {unknown});
        QCOMPARE(result->revoked, 1);
    }

    void auditShowsCallsAndAdminActions()
    {
        const IssuedKey issued = issue(billingPolicy(QStringLiteral("client-test/audit")));
        // A policy refusal: no vendor is contacted, one audit row is written.
        const test::HttpResult refused =
            m_server->proxy("POST", QStringLiteral("/stripe/v1/payouts"), "amount=100&currency=usd",
                            issued.vaultKey);
        QCOMPARE(refused.status, 403);

        AuditQuery calls;
        calls.keyId = issued.key.keyId;
        const Result<AuditPage> page =
            call<AuditPage>([&](auto done) { return m_client->audit(calls, this, done); });
        QVERIFY2(page.isOk(), describe(page).constData());
        QCOMPARE(page->data.size(), 1);
        const AuditEntry &row = page->data.at(0);
        QCOMPARE(row.kind, AuditKind::Call);
        QCOMPARE(row.keyId, issued.key.keyId);
        QCOMPARE(row.verdict, u"denied_endpoint");
        QVERIFY(row.isDenied());
        QCOMPARE(row.httpStatus, 403);
        QCOMPARE(row.method, u"POST");
        QCOMPARE(row.path, u"/v1/payouts");
        QCOMPARE(row.costUsd, Usd());
        QVERIFY(!row.upstreamStatus.has_value());
        QCOMPARE(row.requestId, QString::fromLatin1(refused.header("X-Request-Id")));

        AuditQuery admin;
        admin.kind = AuditQuery::Kind::Admin;
        admin.keyId = issued.key.keyId;
        const Result<AuditPage> adminRows =
            call<AuditPage>([&](auto done) { return m_client->audit(admin, this, done); });
        QVERIFY2(adminRows.isOk(), describe(adminRows).constData());
        QVERIFY(!adminRows->data.isEmpty());
        QCOMPARE(adminRows->data.at(0).kind, AuditKind::Admin);
        QCOMPARE(adminRows->data.at(0).action, u"key.issued");
        QVERIFY(!adminRows->data.at(0).actor.isEmpty());
        QVERIFY(!adminRows->data.at(0).detail.contains(issued.vaultKey));

        AuditQuery denied;
        denied.verdict = QStringLiteral("denied_endpoint");
        denied.since = QDateTime::currentDateTimeUtc().addSecs(-600);
        denied.limit = 1;
        const Result<AuditPage> filtered =
            call<AuditPage>([&](auto done) { return m_client->audit(denied, this, done); });
        QVERIFY2(filtered.isOk(), describe(filtered).constData());
        QCOMPARE(filtered->data.size(), 1);
        QCOMPARE(filtered->data.at(0).verdict, u"denied_endpoint");
    }

    void todayStats()
    {
        issue(billingPolicy(QStringLiteral("client-test/stats")));
        const Result<TodayStats> stats =
            call<TodayStats>([&](auto done) { return m_client->todayStats(this, done); });
        QVERIFY2(stats.isOk(), describe(stats).constData());
        QVERIFY(stats->activeKeys >= 1);
        QCOMPARE(stats->spendTimezone, u"UTC");
        QVERIFY(stats->asOf.isValid());
        QVERIFY(stats->resetsAt > stats->asOf);
        QCOMPARE(stats->resetsAt.time(), QTime(0, 0)); // the UTC day ends at midnight
        QVERIFY(stats->callsToday >= stats->blockedToday);
    }

    void adminKeysAndRoles()
    {
        const Result<CreatedAdminKey> created = call<CreatedAdminKey>([&](auto done) {
            return m_client->createAdminKey(QStringLiteral("dashboard"), AdminRole::Viewer, this,
                                            done);
        });
        QVERIFY2(created.isOk(), describe(created).constData());
        QVERIFY(created->apiKey.startsWith(u"kb_"));
        QCOMPARE(created->key.role, AdminRole::Viewer);
        QCOMPARE(created->key.name, u"dashboard");
        QVERIFY(!created->key.isRevoked());

        const Result<QList<AdminKeyInfo>> list =
            call<QList<AdminKeyInfo>>([&](auto done) { return m_client->adminKeys(this, done); });
        QVERIFY2(list.isOk(), describe(list).constData());
        QVERIFY(std::any_of(list->cbegin(), list->cend(), [&](const AdminKeyInfo &key) {
            return key.id == created->key.id && !key.keyHint.contains(created->apiKey);
        }));

        // A viewer reads, and is told which role each write needs.
        auto viewer = clientWith(created->apiKey);
        const Result<WhoAmI> me =
            call<WhoAmI>([&](auto done) { return viewer->whoAmI(this, done); });
        QVERIFY2(me.isOk(), describe(me).constData());
        QCOMPARE(me->role, AdminRole::Viewer);
        QVERIFY(!me->can(AdminRole::Issuer));

        const Result<IssuedKey> issued = call<IssuedKey>([&](auto done) {
            return viewer->issueKey(billingPolicy(QStringLiteral("client-test/viewer")), this,
                                    done);
        });
        QVERIFY(!issued.isOk());
        QCOMPARE(issued.error().kind, Kind::Forbidden);
        QCOMPARE(issued.error().requiredRole, u"issuer");
        QVERIFY(issued.error().message.contains(u"issuer"));

        const Result<RevokeResult> revoke = call<RevokeResult>([&](auto done) {
            return viewer->revokeKey(QStringLiteral("vk_cccccccccccccccccccccccc"), this, done);
        });
        QVERIFY(!revoke.isOk());
        QCOMPARE(revoke.error().kind, Kind::Forbidden);
        QCOMPARE(revoke.error().requiredRole, u"operator");

        const Result<QList<AdminKeyInfo>> adminOnly =
            call<QList<AdminKeyInfo>>([&](auto done) { return viewer->adminKeys(this, done); });
        QVERIFY(!adminOnly.isOk());
        QCOMPARE(adminOnly.error().requiredRole, u"admin");

        // Revoked, the key no longer authenticates.
        const Result<AdminKeyInfo> revoked = call<AdminKeyInfo>(
            [&](auto done) { return m_client->revokeAdminKey(created->key.id, this, done); });
        QVERIFY2(revoked.isOk(), describe(revoked).constData());
        QCOMPARE(revoked->id, created->key.id);
        QVERIFY(revoked->isRevoked());
        const Result<WhoAmI> after =
            call<WhoAmI>([&](auto done) { return viewer->whoAmI(this, done); });
        QVERIFY(!after.isOk());
        QCOMPARE(after.error().kind, Kind::Unauthenticated);
    }

    void unknownAdminKeyIsUnauthenticated()
    {
        auto stranger = clientWith(QStringLiteral("kb_0000000000000000000000000000000000000000"));
        const Result<KeyPage> page =
            call<KeyPage>([&](auto done) { return stranger->listKeys({}, this, done); });
        QVERIFY(!page.isOk());
        QCOMPARE(page.error().kind, Kind::Unauthenticated);
        QCOMPARE(page.error().code, u"unauthenticated");
        QVERIFY(!page.error().message.contains(u"kb_0000"));
    }

    // Server-side validation lands on the field it names, as the Issue Key dialog needs.
    void validationErrorsNameTheField_data()
    {
        QTest::addColumn<qint64>("capMicros");
        QTest::addColumn<QString>("vendor");
        QTest::addColumn<QString>("field");
        QTest::newRow("zero cap") << qint64(0) << u"stripe"_s << u"daily_usd_cap"_s;
        QTest::newRow("cap above maximum")
            << qint64(Usd::fromDollars(10001).micros()) << u"stripe"_s << u"daily_usd_cap"_s;
        QTest::newRow("unknown vendor")
            << qint64(Usd::fromDollars(5).micros()) << u"paypal"_s << u"vendor"_s;
    }
    void validationErrorsNameTheField()
    {
        QFETCH(qint64, capMicros);
        QFETCH(QString, vendor);
        QFETCH(QString, field);
        IssueKeyRequest request = billingPolicy(QStringLiteral("client-test/invalid"));
        request.vendor = vendor;
        request.dailyUsdCap = Usd::fromMicros(capMicros);
        const Result<IssuedKey> issued =
            call<IssuedKey>([&](auto done) { return m_client->issueKey(request, this, done); });
        QVERIFY(!issued.isOk());
        QCOMPARE(issued.error().kind, Kind::Validation);
        QCOMPARE(issued.error().httpStatus, 422);
        QCOMPARE(issued.error().code, u"invalid_field");
        QCOMPARE(issued.error().field, field);
        QVERIFY(!issued.error().requestId.isEmpty());
    }

    // A server that accepts connections but never answers (SIGSTOP): the call times out.
    void frozenServerTimesOut()
    {
        auto impatient = clientWith(m_server->adminKey());
        impatient->setTransferTimeout(500);
        m_server->freezeServer();
        const Result<TodayStats> stats =
            call<TodayStats>([&](auto done) { return impatient->todayStats(this, done); });
        m_server->thawServer();
        QVERIFY(!stats.isOk());
        QCOMPARE(stats.error().kind, Kind::Timeout);

        const Result<TodayStats> thawed =
            call<TodayStats>([&](auto done) { return impatient->todayStats(this, done); });
        QVERIFY2(thawed.isOk(), describe(thawed).constData());
    }

private:
    std::unique_ptr<test::TestServer> m_server;
    std::unique_ptr<KeybrakeClient> m_client;
};

QTEST_GUILESS_MAIN(TestClientServer)
#include "tst_client_server.moc"
