// Vault keys and admin keys in the store (every backend): issuance and its replay, revocation
// single and in bulk, derived status, the paged list with its filters, today's figures.

#include "storefixture.h"

#include <QTest>

#include <set>

using namespace keybrake;
using namespace keybrake::testing;

namespace {

std::vector<KeyView> listAll(Store &store, KeyFilter filter, int pageSize, TimePoint now = kNoon,
                             int *pages = nullptr)
{
    std::vector<KeyView> keys;
    filter.limit = pageSize;
    int count = 0;
    for (;;) {
        auto page =
            call<Page<KeyView>>([&](auto done) { store.listKeys(filter, kToday, now, done); });
        if (!page.ok())
            throw std::runtime_error("cannot list keys");
        ++count;
        keys.insert(keys.end(), page->data.begin(), page->data.end());
        if (page->nextCursor.empty())
            break;
        filter.cursor = page->nextCursor;
    }
    if (pages)
        *pages = count;
    return keys;
}

std::vector<std::string> idsOf(const std::vector<KeyView> &keys)
{
    std::vector<std::string> ids;
    for (const auto &key : keys)
        ids.push_back(key.key.id);
    return ids;
}

StoreResult<RevokeResult> revoke(Store &store, const std::string &keyId, TimePoint now)
{
    return call<RevokeResult>([&](auto done) {
        store.revokeKey(keyId, now, kToday, adminAudit("key.revoked", now), done);
    });
}

StoreResult<BulkRevokeResult> revokeMany(Store &store, BulkRevokeRequest request)
{
    request.now = kNoon;
    request.window = kToday;
    request.audit = adminAudit("key.revoked");
    return call<BulkRevokeResult>([&](auto done) { store.revokeKeys(std::move(request), done); });
}

AdminKey makeAdminKey(const std::string &id, Role role, TimePoint createdAt)
{
    AdminKey key;
    key.id = id;
    key.name = "admin " + id;
    key.role = role;
    key.secretHash = "admin-hash-" + id;
    key.keyHint = "kb_…" + id;
    key.createdAt = createdAt;
    key.createdBy = "bootstrap";
    return key;
}

} // namespace

class TestStoreVaultKeys : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void issuedKeyReadsBackWhole();
    void issuanceWithTheSameClaimReplaysTheKey();
    void issuanceClaimMismatchAndExpiry();
    void duplicateSecretIsAConflict();

    void revokeIsIdempotent();
    void noAdmissionAfterTheRevokeCommits();
    void bulkRevokeByIds();
    void bulkRevokeByLabelPrefix();
    void bulkRevokeDryRunWritesNothing();

    void statusIsDerived();
    void listIsNewestFirstAcrossPages();
    void listFilters();
    void listRejectsForeignCursorsAndClampsLimit();
    void todaysFigures();

    void adminKeys();

private:
    std::unique_ptr<Store> m_store;
};

void TestStoreVaultKeys::init()
{
    m_store = backend().open();
}

void TestStoreVaultKeys::cleanup()
{
    m_store.reset();
}

void TestStoreVaultKeys::issuedKeyReadsBackWhole()
{
    VaultKey key = makeKey("vk_whole", Usd::fromMicros(12'345'678), "lambda/billing/msg-1");
    key.vendor = Vendor::Twilio;
    key.allowedEndpoints = {"messages.create", "GET /2010-04-01/Accounts/{id}/Messages.json"};
    key.scope.twilioFromNumbers = {"+15550001111"};
    key.scope.stripeCustomers = {"cus_1", "cus_2"};
    key.metadata = {{"queue", "billing"}, {"attempt", "2"}, {"quote", "a \"b\" \\c"}};
    issue(*m_store, key);

    const KeyView read = view(*m_store, "vk_whole");
    QCOMPARE(read.key.name, key.name);
    QVERIFY(read.key.vendor == Vendor::Twilio);
    QCOMPARE(read.key.secretHash, key.secretHash);
    QCOMPARE(read.key.keyHint, key.keyHint);
    QCOMPARE(read.key.dailyCap, key.dailyCap);
    QVERIFY(read.key.allowedEndpoints == key.allowedEndpoints);
    QVERIFY(read.key.scope == key.scope);
    QVERIFY(read.key.metadata == key.metadata);
    QCOMPARE(read.key.agentRunLabel, key.agentRunLabel);
    QVERIFY(read.key.createdAt == key.createdAt);
    QVERIFY(read.key.expiresAt == key.expiresAt);
    QVERIFY(!read.key.revokedAt);
    QCOMPARE(read.key.createdBy, key.createdBy);
    QCOMPARE(read.today.calls, std::int64_t(0));

    const auto found = call<std::optional<VaultKey>>(
        [&](auto done) { m_store->findVaultKeyByHash(key.secretHash, done); });
    QVERIFY(found.ok() && found.value());
    QCOMPARE(found.value()->id, std::string("vk_whole"));
    const auto missing = call<std::optional<VaultKey>>(
        [&](auto done) { m_store->findVaultKeyByHash("no-such-hash", done); });
    QVERIFY(missing.ok() && !missing.value());

    AuditFilter filter;
    filter.kind = "admin";
    const auto rows = auditOf(*m_store, filter);
    QCOMPARE(rows.size(), std::size_t(1));
    QCOMPARE(rows[0].action, std::string("key.issued"));
    QCOMPARE(rows[0].keyId, std::string("vk_whole"));
    QCOMPARE(rows[0].agentRunLabel, std::string("lambda/billing/msg-1"));
    QCOMPARE(rows[0].vendor, std::string("twilio"));
}

void TestStoreVaultKeys::issuanceWithTheSameClaimReplaysTheKey()
{
    IssueKeyRequest request;
    request.key = makeKey("vk_first", Usd::fromDollars(100));
    request.idempotency = claim("sqs-message-1", "body-fp", "issue:ak_test");
    request.sealedSecret = std::string("\x01\x02sealed\0bytes", 14);
    request.audit = adminAudit("key.issued");
    auto result = call<IssueKeyResult>([&](auto done) { m_store->issueKey(request, done); });
    QVERIFY(result.ok());
    QVERIFY(result->outcome == IssueKeyResult::Outcome::Created);

    // The SQS redelivery: same claim and body, a freshly generated key that must not be created.
    IssueKeyRequest redelivery = request;
    redelivery.key = makeKey("vk_second", Usd::fromDollars(100));
    redelivery.key.createdAt = kNoon;
    redelivery.sealedSecret = "other";
    result = call<IssueKeyResult>([&](auto done) { m_store->issueKey(redelivery, done); });
    QVERIFY(result.ok());
    QVERIFY(result->outcome == IssueKeyResult::Outcome::Replayed);
    QCOMPARE(result->key.id, std::string("vk_first"));
    QCOMPARE(result->sealedSecret, request.sealedSecret);

    QCOMPARE(idsOf(listAll(*m_store, KeyFilter {}, 100)), std::vector<std::string> {"vk_first"});
    AuditFilter filter;
    filter.kind = "admin";
    QCOMPARE(auditOf(*m_store, filter).size(), std::size_t(1));
}

void TestStoreVaultKeys::issuanceClaimMismatchAndExpiry()
{
    IssueKeyRequest request;
    request.key = makeKey("vk_1", Usd::fromDollars(100));
    request.idempotency = claim("sqs-message-2", "body-fp", "issue:ak_test");
    request.sealedSecret = "sealed";
    request.audit = adminAudit("key.issued");
    QVERIFY(call<IssueKeyResult>([&](auto done) { m_store->issueKey(request, done); }).ok());

    IssueKeyRequest other = request;
    other.key = makeKey("vk_2", Usd::fromDollars(100));
    other.idempotency->fingerprint = "other-body";
    auto result = call<IssueKeyResult>([&](auto done) { m_store->issueKey(other, done); });
    QVERIFY(result->outcome == IssueKeyResult::Outcome::IdempotencyMismatch);

    // Another admin key's claims are its own.
    other.idempotency->scope = "issue:ak_other";
    result = call<IssueKeyResult>([&](auto done) { m_store->issueKey(other, done); });
    QVERIFY(result->outcome == IssueKeyResult::Outcome::Created);

    // 48 hours on, the same claim issues a new key.
    IssueKeyRequest later = request;
    later.key = makeKey("vk_3", Usd::fromDollars(100), "run/1", request.key.createdAt + 48h,
                        request.key.createdAt + 49h);
    result = call<IssueKeyResult>([&](auto done) { m_store->issueKey(later, done); });
    QVERIFY(result->outcome == IssueKeyResult::Outcome::Created);
    QCOMPARE(result->key.id, std::string("vk_3"));
}

void TestStoreVaultKeys::duplicateSecretIsAConflict()
{
    issue(*m_store, makeKey("vk_1", Usd::fromDollars(1)));
    IssueKeyRequest request;
    request.key = makeKey("vk_2", Usd::fromDollars(1));
    request.key.secretHash = "hash-of-vk_1";
    request.audit = adminAudit("key.issued");
    const auto result = call<IssueKeyResult>([&](auto done) { m_store->issueKey(request, done); });
    QVERIFY(!result.ok());
    QCOMPARE(result.error(), StoreError::Conflict);
    // Rolled back alone: no audit row for the failed issuance.
    AuditFilter filter;
    filter.kind = "admin";
    QCOMPARE(auditOf(*m_store, filter).size(), std::size_t(1));
}

void TestStoreVaultKeys::revokeIsIdempotent()
{
    issue(*m_store, makeKey("vk_r", Usd::fromDollars(10)));
    QVERIFY(m_store->pendingWrites() == 0);
    admit(*m_store, admission("vk_r", Usd::fromDollars(3)));

    const auto missing = revoke(*m_store, "vk_nope", kNoon);
    QCOMPARE(missing.error(), StoreError::NotFound);

    const auto first = revoke(*m_store, "vk_r", kNoon);
    QVERIFY(first.ok());
    QVERIFY(!first->alreadyRevoked);
    QVERIFY(first->revokedAt == kNoon);
    QCOMPARE(first->heldAtRevoke, Usd::fromDollars(3));

    const auto again = revoke(*m_store, "vk_r", kNoon + 5min);
    QVERIFY(again.ok());
    QVERIFY(again->alreadyRevoked);
    QVERIFY(again->revokedAt == kNoon);
    QVERIFY(*view(*m_store, "vk_r").key.revokedAt == kNoon);

    AuditFilter filter;
    filter.kind = "admin";
    const auto rows = auditOf(*m_store, filter);
    QCOMPARE(rows.size(), std::size_t(2)); // issued, revoked once
    QCOMPARE(rows[0].action, std::string("key.revoked"));
    QCOMPARE(rows[0].keyId, std::string("vk_r"));
}

void TestStoreVaultKeys::noAdmissionAfterTheRevokeCommits()
{
    issue(*m_store, makeKey("vk_burst", Usd::fromDollars(1000)));
    // Queue admissions, the revoke, and more admissions without waiting: everything queued
    // after the revoke is refused, whatever batches the writer forms.
    std::vector<std::future<StoreResult<AdmissionResult>>> before;
    std::vector<std::future<StoreResult<AdmissionResult>>> after;
    const auto enqueue = [this](auto &into) {
        auto promise = std::make_shared<std::promise<StoreResult<AdmissionResult>>>();
        into.push_back(promise->get_future());
        m_store->admit(admission("vk_burst", Usd::fromDollars(1)),
                       [promise](StoreResult<AdmissionResult> r) { promise->set_value(r); });
    };
    for (int i = 0; i < 50; ++i)
        enqueue(before);
    std::promise<StoreResult<RevokeResult>> revoked;
    m_store->revokeKey("vk_burst", kNoon, kToday, adminAudit("key.revoked"),
                       [&revoked](StoreResult<RevokeResult> r) { revoked.set_value(r); });
    for (int i = 0; i < 50; ++i)
        enqueue(after);

    for (auto &result : before)
        QCOMPARE(result.get()->outcome, AdmissionResult::Outcome::Admitted);
    QVERIFY(revoked.get_future().get().ok());
    for (auto &result : after)
        QCOMPARE(result.get()->outcome, AdmissionResult::Outcome::Revoked);
}

void TestStoreVaultKeys::bulkRevokeByIds()
{
    issue(*m_store, makeKey("vk_b", Usd::fromDollars(10), "run/1", kNoon - 2h));
    issue(*m_store, makeKey("vk_a", Usd::fromDollars(10), "run/1", kNoon - 3h));
    issue(*m_store, makeKey("vk_gone", Usd::fromDollars(10)));
    issue(*m_store, makeKey("vk_old", Usd::fromDollars(10), "run/1", kNoon - 3h, kNoon - 1h));
    QVERIFY(revoke(*m_store, "vk_gone", kNoon - 1min).ok());
    admit(*m_store, admission("vk_a", Usd::fromDollars(2)));
    admit(*m_store, admission("vk_b", Usd::fromCents(50)));

    BulkRevokeRequest request;
    request.keyIds = {"vk_b", "vk_missing", "vk_gone", "vk_old", "vk_a", "vk_b"};
    const auto result = revokeMany(*m_store, request);
    QVERIFY(result.ok());
    // Oldest first; the revoked and the expired one skipped.
    QCOMPARE(result->keyIds, (std::vector<std::string> {"vk_a", "vk_b"}));
    QCOMPARE(result->notFound, std::vector<std::string> {"vk_missing"});
    QCOMPARE(result->held, Usd::fromCents(250));
    QVERIFY(result->revokedAt == kNoon);
    QVERIFY(*view(*m_store, "vk_a").key.revokedAt == kNoon);
    QVERIFY(*view(*m_store, "vk_gone").key.revokedAt == kNoon - 1min);

    AuditFilter filter;
    filter.kind = "admin";
    filter.label = "run/1";
    std::set<std::string> revokedRows;
    for (const auto &row : auditOf(*m_store, filter)) {
        if (row.action == "key.revoked" && row.ts == kNoon)
            revokedRows.insert(row.keyId);
    }
    QCOMPARE(revokedRows, (std::set<std::string> {"vk_a", "vk_b"}));
}

void TestStoreVaultKeys::bulkRevokeByLabelPrefix()
{
    issue(*m_store, makeKey("vk_1", Usd::fromDollars(10), "batch_7/msg-1", kNoon - 50min));
    issue(*m_store, makeKey("vk_2", Usd::fromDollars(10), "batch_7/msg-2", kNoon - 40min));
    issue(*m_store,
          makeKey("vk_3", Usd::fromDollars(10), "batch_7/msg-3", kNoon - 30min, kNoon + 1h,
                  Vendor::Resend));
    // "_" is a LIKE wildcard: batchX7 must not match the literal prefix "batch_7/".
    issue(*m_store, makeKey("vk_4", Usd::fromDollars(10), "batchX7/msg-4", kNoon - 20min));
    issue(*m_store,
          makeKey("vk_5", Usd::fromDollars(10), "batch_7/msg-5", kNoon - 10min, kNoon - 1min));
    issue(*m_store, makeKey("vk_6", Usd::fromDollars(10), "batch_8/msg-6", kNoon - 5min));

    BulkRevokeRequest request;
    request.labelPrefix = "batch_7/";
    request.vendor = Vendor::Stripe;
    auto result = revokeMany(*m_store, request);
    QVERIFY(result.ok());
    QCOMPARE(result->keyIds, (std::vector<std::string> {"vk_1", "vk_2"}));

    request.vendor.reset();
    result = revokeMany(*m_store, request);
    QCOMPARE(result->keyIds, std::vector<std::string> {"vk_3"});
    QVERIFY(!view(*m_store, "vk_4").key.revokedAt);
    QVERIFY(!view(*m_store, "vk_6").key.revokedAt);
}

void TestStoreVaultKeys::bulkRevokeDryRunWritesNothing()
{
    issue(*m_store, makeKey("vk_1", Usd::fromDollars(10), "runaway/1"));
    issue(*m_store, makeKey("vk_2", Usd::fromDollars(10), "runaway/2", kNoon - 30min));
    admit(*m_store, admission("vk_2", Usd::fromDollars(4)));

    BulkRevokeRequest request;
    request.labelPrefix = "runaway/";
    request.dryRun = true;
    const auto result = revokeMany(*m_store, request);
    QVERIFY(result.ok());
    QCOMPARE(result->keyIds, (std::vector<std::string> {"vk_1", "vk_2"}));
    QCOMPARE(result->held, Usd::fromDollars(4));
    QVERIFY(!view(*m_store, "vk_1").key.revokedAt);
    QVERIFY(!view(*m_store, "vk_2").key.revokedAt);
    AuditFilter filter;
    filter.kind = "admin";
    QCOMPARE(auditOf(*m_store, filter).size(), std::size_t(2)); // the two issuances
}

void TestStoreVaultKeys::statusIsDerived()
{
    issue(*m_store, makeKey("vk_active", Usd::fromDollars(10), "s/1", kNoon - 4h));
    issue(*m_store, makeKey("vk_capped", Usd::fromDollars(10), "s/2", kNoon - 3h));
    issue(*m_store, makeKey("vk_expired", Usd::fromDollars(10), "s/3", kNoon - 2h, kNoon));
    issue(*m_store, makeKey("vk_revoked", Usd::fromDollars(10), "s/4", kNoon - 1h, kNoon - 1s));
    admit(*m_store, admission("vk_active", Usd::fromMicros(9'999'999)));
    const auto held = admit(*m_store, admission("vk_capped", Usd::fromDollars(6)));
    const auto charged = admit(*m_store, admission("vk_capped", Usd::fromDollars(4)));
    QVERIFY(
        settle(*m_store, settlement(charged.holdId, Settlement::Kind::Charge, Usd::fromDollars(4)))
            .ok());
    Q_UNUSED(held);
    // Revoked wins over expired.
    QVERIFY(revoke(*m_store, "vk_revoked", kNoon - 2s).ok());

    const std::vector<std::pair<std::string, KeyStatus>> expected {
        {"vk_active", KeyStatus::Active},
        {"vk_capped", KeyStatus::Capped},
        {"vk_expired", KeyStatus::Expired},
        {"vk_revoked", KeyStatus::Revoked},
    };
    for (const auto &[id, status] : expected) {
        QCOMPARE(keyStatus(view(*m_store, id), kNoon), status);
        KeyFilter filter;
        filter.status = status;
        QCOMPARE(idsOf(listAll(*m_store, filter, 10)), std::vector<std::string> {id});
    }
}

void TestStoreVaultKeys::listIsNewestFirstAcrossPages()
{
    // 50 keys, several sharing a creation time, so the cursor's id tie-break matters.
    std::vector<std::string> expected;
    for (int i = 0; i < 50; ++i) {
        const std::string id = "vk_" + std::string(i < 10 ? "0" : "") + std::to_string(i);
        issue(*m_store,
              makeKey(id, Usd::fromDollars(1), "page/" + id,
                      kNoon - std::chrono::minutes(60 - i / 4)));
        expected.push_back(id);
    }
    std::reverse(expected.begin(), expected.end());

    int pages = 0;
    const auto keys = listAll(*m_store, KeyFilter {}, 7, kNoon, &pages);
    QCOMPARE(idsOf(keys), expected);
    QCOMPARE(pages, 8);

    // Keys issued while paging appear on no later page (they are newer than the cursor).
    KeyFilter filter;
    filter.limit = 20;
    auto first =
        call<Page<KeyView>>([&](auto done) { m_store->listKeys(filter, kToday, kNoon, done); });
    issue(*m_store, makeKey("vk_new", Usd::fromDollars(1), "page/new", kNoon));
    filter.cursor = first->nextCursor;
    auto second =
        call<Page<KeyView>>([&](auto done) { m_store->listKeys(filter, kToday, kNoon, done); });
    QCOMPARE(second->data.front().key.id, expected[20]);
}

void TestStoreVaultKeys::listFilters()
{
    issue(*m_store, makeKey("vk_1", Usd::fromDollars(1), "lambda/Billing/1", kNoon - 6h));
    issue(*m_store,
          makeKey("vk_2", Usd::fromDollars(1), "lambda/billing/2", kNoon - 5h, kNoon + 1h,
                  Vendor::Twilio));
    issue(*m_store, makeKey("vk_3", Usd::fromDollars(1), "lambda%/x", kNoon - 4h));
    issue(*m_store, makeKey("vk_4", Usd::fromDollars(1), "lambdaZ/x", kNoon - 3h));
    VaultKey named = makeKey("vk_5", Usd::fromDollars(1), "cron/nightly", kNoon - 2h);
    named.name = "Nightly BILLING export";
    issue(*m_store, named);
    VaultKey quoted = makeKey("vk_6", Usd::fromDollars(1), "cron/quoted", kNoon - 1h);
    quoted.name = "say \"quoted\" OR y";
    issue(*m_store, quoted);

    KeyFilter filter;
    filter.vendor = Vendor::Twilio;
    QCOMPARE(idsOf(listAll(*m_store, filter, 100)), std::vector<std::string> {"vk_2"});

    filter = {};
    filter.labelPrefix = "lambda/";
    QCOMPARE(idsOf(listAll(*m_store, filter, 100)), (std::vector<std::string> {"vk_2", "vk_1"}));
    filter.labelPrefix = "lambda%";
    QCOMPARE(idsOf(listAll(*m_store, filter, 100)), std::vector<std::string> {"vk_3"});

    filter = {};
    filter.query = "billing";
    QCOMPARE(idsOf(listAll(*m_store, filter, 100)),
             (std::vector<std::string> {"vk_5", "vk_2", "vk_1"}));
    filter.query = "BILLING/2";
    QCOMPARE(idsOf(listAll(*m_store, filter, 100)), std::vector<std::string> {"vk_2"});
    filter.query = "%";
    QCOMPARE(idsOf(listAll(*m_store, filter, 100)), std::vector<std::string> {"vk_3"});
    filter.query = "ghtly b"; // across a word boundary
    QCOMPARE(idsOf(listAll(*m_store, filter, 100)), std::vector<std::string> {"vk_5"});
    filter.query = "\"quoted\" OR x";
    QVERIFY(listAll(*m_store, filter, 100).empty());
    filter.query = "\"QUOTED\" or Y";
    QCOMPARE(idsOf(listAll(*m_store, filter, 100)), std::vector<std::string> {"vk_6"});

    filter = {};
    filter.labelPrefix = "lambda";
    filter.vendor = Vendor::Stripe;
    filter.status = KeyStatus::Active;
    filter.query = "x";
    QCOMPARE(idsOf(listAll(*m_store, filter, 1)), (std::vector<std::string> {"vk_4", "vk_3"}));
}

void TestStoreVaultKeys::listRejectsForeignCursorsAndClampsLimit()
{
    for (int i = 0; i < 3; ++i)
        issue(*m_store, makeKey("vk_" + std::to_string(i), Usd::fromDollars(1)));
    KeyFilter filter;
    filter.limit = 0;
    auto page =
        call<Page<KeyView>>([&](auto done) { m_store->listKeys(filter, kToday, kNoon, done); });
    QVERIFY(page.ok());
    QCOMPARE(page->data.size(), std::size_t(1));
    filter.limit = 5000;
    page = call<Page<KeyView>>([&](auto done) { m_store->listKeys(filter, kToday, kNoon, done); });
    QCOMPARE(page->data.size(), std::size_t(3));
    QVERIFY(page->nextCursor.empty());

    for (const std::string cursor : {"garbage!", "a2V5czo", "bm90LWEtY3Vyc29y"}) {
        filter.cursor = cursor;
        page =
            call<Page<KeyView>>([&](auto done) { m_store->listKeys(filter, kToday, kNoon, done); });
        QVERIFY(!page.ok());
        QCOMPARE(page.error(), StoreError::NotFound);
    }
    // An audit cursor is no key cursor.
    for (int i = 0; i < 3; ++i)
        admit(*m_store, admission("vk_missing", Usd()));
    AuditFilter audit;
    audit.limit = 1;
    const auto auditPage =
        call<Page<AuditEntry>>([&](auto done) { m_store->listAudit(audit, done); });
    QVERIFY(!auditPage->nextCursor.empty());
    filter.cursor = auditPage->nextCursor;
    page = call<Page<KeyView>>([&](auto done) { m_store->listKeys(filter, kToday, kNoon, done); });
    QCOMPARE(page.error(), StoreError::NotFound);
}

void TestStoreVaultKeys::todaysFigures()
{
    issue(*m_store, makeKey("vk_1", Usd::fromDollars(5)));
    issue(*m_store, makeKey("vk_2", Usd::fromDollars(5)));
    issue(*m_store, makeKey("vk_expired", Usd::fromDollars(5), "r", kNoon - 2h, kNoon));
    issue(*m_store, makeKey("vk_revoked", Usd::fromDollars(5)));
    QVERIFY(revoke(*m_store, "vk_revoked", kNoon).ok());

    const auto a = admit(*m_store, admission("vk_1", Usd::fromDollars(5)));
    QVERIFY(
        settle(*m_store, settlement(a.holdId, Settlement::Kind::Charge, Usd::fromCents(420))).ok());
    admit(*m_store, admission("vk_2", Usd::fromCents(75)));
    admit(*m_store, admission("vk_2", Usd::fromDollars(6))); // refused: over the cap
    admit(*m_store, admission("vk_revoked", Usd())); // refused: revoked
    admit(*m_store, admission("vk_1", Usd(), kNoon - 24h)); // yesterday: not today's

    const auto stats =
        call<TodayStats>([&](auto done) { m_store->todayStats(kToday, kNoon, done); });
    QVERIFY(stats.ok());
    QCOMPARE(stats->activeKeys, std::int64_t(2));
    QCOMPARE(stats->spent, Usd::fromCents(420));
    QCOMPARE(stats->held, Usd::fromCents(75));
    QCOMPARE(stats->calls, std::int64_t(4));
    QCOMPARE(stats->blocked, std::int64_t(2));
}

void TestStoreVaultKeys::adminKeys()
{
    const auto create = [this](const AdminKey &key) {
        return call<Done>([&](auto done) {
            m_store->createAdminKey(key, adminAudit("admin_key.created"), done);
        });
    };
    QVERIFY(create(makeAdminKey("ak_boot", Role::Admin, kNoon - 3h)).ok());
    QVERIFY(create(makeAdminKey("ak_ops", Role::Operator, kNoon - 2h)).ok());
    QCOMPARE(create(makeAdminKey("ak_ops", Role::Viewer, kNoon)).error(), StoreError::Conflict);

    const auto count = [this] {
        return call<std::int64_t>([&](auto done) { m_store->countActiveAdminKeys(done); }).value();
    };
    const auto revokeAdmin = [this](const std::string &id) {
        return call<AdminKey>([&](auto done) {
            m_store->revokeAdminKey(id, kNoon, adminAudit("admin_key.revoked"), done);
        });
    };
    QCOMPARE(count(), std::int64_t(2));

    // The last admin-role key cannot go; others can.
    QCOMPARE(revokeAdmin("ak_boot").error(), StoreError::Conflict);
    QCOMPARE(revokeAdmin("ak_none").error(), StoreError::NotFound);
    auto revoked = revokeAdmin("ak_ops");
    QVERIFY(revoked.ok());
    QVERIFY(revoked->revokedAt && *revoked->revokedAt == kNoon);
    QCOMPARE(count(), std::int64_t(1));

    QVERIFY(create(makeAdminKey("ak_second", Role::Admin, kNoon - 1h)).ok());
    QVERIFY(revokeAdmin("ak_boot").ok());
    QCOMPARE(revokeAdmin("ak_second").error(), StoreError::Conflict);

    const auto found = call<std::optional<AdminKey>>(
        [&](auto done) { m_store->findAdminKeyByHash("admin-hash-ak_boot", done); });
    QVERIFY(found.ok() && found.value());
    QVERIFY(found.value()->role == Role::Admin);
    QVERIFY(found.value()->revokedAt.has_value()); // found, the caller checks

    const auto list = call<std::vector<AdminKey>>([&](auto done) { m_store->listAdminKeys(done); });
    QVERIFY(list.ok());
    std::vector<std::string> ids;
    for (const auto &key : list.value())
        ids.push_back(key.id);
    QCOMPARE(ids, (std::vector<std::string> {"ak_second", "ak_ops", "ak_boot"}));

    AuditFilter filter;
    filter.kind = "admin";
    QCOMPARE(auditOf(*m_store, filter).size(), std::size_t(5)); // 3 created, 2 revoked
}

KEYBRAKE_STORE_CONTRACT_MAIN(TestStoreVaultKeys)
#include "tst_storevaultkeys.moc"
