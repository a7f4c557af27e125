// The brakes inside the store's transactions (every backend): a prefix block refuses the very
// next admission and issuance and counts what it refused; velocity limits are exact under
// concurrent admissions, slide with the window and count a call as what it cost; a revoked issuer
// issues nothing; velocity defaults fill the limits a key was issued without.

#include "storefixture.h"

#include <QTest>

#include <latch>
#include <mutex>
#include <thread>

using namespace keybrake;
using namespace keybrake::testing;
using Outcome = AdmissionResult::Outcome;

namespace {

PrefixBlock makeBlock(const std::string &id, const std::string &prefix,
                      std::optional<Vendor> vendor = std::nullopt)
{
    PrefixBlock block;
    block.id = id;
    block.labelPrefix = prefix;
    block.vendor = vendor;
    block.reason = "runaway";
    block.createdAt = kNoon - 1min;
    block.createdBy = "ak_test";
    return block;
}

PrefixBlock createBlock(Store &store, const PrefixBlock &block)
{
    auto created = call<PrefixBlock>(
        [&](auto done) { store.createBlock(block, adminAudit("block.created"), done); });
    if (!created.ok())
        throw std::runtime_error("cannot create the block");
    return created.value();
}

std::vector<PrefixBlock> blocks(Store &store)
{
    auto listed =
        call<std::vector<PrefixBlock>>([&](auto done) { store.listBlocks(true, kNoon, done); });
    if (!listed.ok())
        throw std::runtime_error("cannot list blocks");
    return listed.value();
}

// `count` admissions of `estimate` at `now` on one key from `threads` threads released together.
std::vector<AdmissionResult> burst(Store &store, const std::string &keyId, Usd estimate, int count,
                                   int threads, TimePoint now = kNoon)
{
    std::mutex mutex;
    std::vector<AdmissionResult> results;
    std::latch start(threads);
    std::latch answered(count);
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            start.arrive_and_wait();
            for (int i = t; i < count; i += threads) {
                store.admit(admission(keyId, estimate, now), [&](StoreResult<AdmissionResult> r) {
                    {
                        std::lock_guard lock(mutex);
                        results.push_back(r.ok() ? std::move(r.value()) : AdmissionResult {});
                        if (!r.ok())
                            results.back().outcome = Outcome::UnknownKey; // fails the test
                    }
                    answered.count_down();
                });
            }
        });
    }
    for (auto &worker : workers)
        worker.join();
    answered.wait();
    return results;
}

int countOf(const std::vector<AdmissionResult> &results, Outcome outcome)
{
    return static_cast<int>(std::count_if(results.begin(), results.end(),
                                          [&](const auto &r) { return r.outcome == outcome; }));
}

} // namespace

class TestStoreBrakes : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void blockRefusesTheNextAdmissionUntilLifted();
    void blockOfAnotherVendorOrPrefixDoesNotApply();
    void blockRefusesIssuanceAndIssuesNothing();
    void callsPerMinuteIsExactUnderConcurrency();
    void usdPerMinuteCountsACallAsWhatItCost();
    void revokedIssuerIssuesNothing();
    void velocityDefaultsFillTheLimitsLeftOpen();

private:
    std::unique_ptr<Store> m_store;
};

void TestStoreBrakes::init()
{
    m_store = backend().open();
}

void TestStoreBrakes::cleanup()
{
    m_store.reset();
}

void TestStoreBrakes::blockRefusesTheNextAdmissionUntilLifted()
{
    issue(*m_store, makeKey("vk_a", Usd::fromDollars(10), "lambda/billing/msg-1"));
    QCOMPARE(admit(*m_store, admission("vk_a", Usd::fromDollars(1))).outcome, Outcome::Admitted);

    const PrefixBlock block = createBlock(*m_store, makeBlock("blk_1", "lambda/billing/"));
    const auto refused = admit(*m_store, admission("vk_a", Usd::fromDollars(1)));
    QCOMPARE(refused.outcome, Outcome::PrefixBlocked);
    QVERIFY(refused.block);
    QCOMPARE(refused.block->id, block.id);
    QCOMPARE(refused.block->refusedCalls, std::int64_t(1));
    QCOMPARE(refused.spend.held, Usd::fromDollars(1)); // the earlier hold only
    QCOMPARE(refused.spend.blocked, std::int64_t(1));

    AuditFilter filter;
    filter.keyId = "vk_a";
    const auto rows = auditOf(*m_store, filter);
    QCOMPARE(rows.front().id, refused.auditId);
    QCOMPARE(rows.front().verdict, Verdict::DeniedBlocked);
    QCOMPARE(rows.front().reason, std::string("prefix_blocked"));
    QCOMPARE(rows.front().httpStatus, 403);

    QCOMPARE(blocks(*m_store).front().refusedCalls, std::int64_t(1));
    const auto lifted = call<PrefixBlock>(
        [&](auto done) { m_store->liftBlock(block.id, kNoon, adminAudit("block.lifted"), done); });
    QVERIFY(lifted.ok());
    QCOMPARE(admit(*m_store, admission("vk_a", Usd::fromDollars(1))).outcome, Outcome::Admitted);
}

void TestStoreBrakes::blockOfAnotherVendorOrPrefixDoesNotApply()
{
    issue(*m_store, makeKey("vk_a", Usd::fromDollars(10), "lambda/billing/msg-1"));
    createBlock(*m_store, makeBlock("blk_1", "lambda/billing/", Vendor::Twilio));
    createBlock(*m_store, makeBlock("blk_2", "lambda/billing/msg-10"));
    createBlock(*m_store, makeBlock("blk_3", "lambda/other/"));
    QCOMPARE(admit(*m_store, admission("vk_a", Usd::fromDollars(1))).outcome, Outcome::Admitted);

    createBlock(*m_store, makeBlock("blk_4", "lambda/", Vendor::Stripe));
    QCOMPARE(admit(*m_store, admission("vk_a", Usd::fromDollars(1))).outcome,
             Outcome::PrefixBlocked);
}

void TestStoreBrakes::blockRefusesIssuanceAndIssuesNothing()
{
    createBlock(*m_store, makeBlock("blk_1", "lambda/billing/"));
    IssueKeyRequest request;
    request.key = makeKey("vk_new", Usd::fromDollars(10), "lambda/billing/msg-2");
    request.audit = adminAudit("key.issued");
    const auto result =
        call<IssueKeyResult>([&](auto done) { m_store->issueKey(std::move(request), done); });
    QVERIFY(result.ok());
    QCOMPARE(int(result->outcome), int(IssueKeyResult::Outcome::PrefixBlocked));
    QVERIFY(result->block);
    QCOMPARE(result->block->id, std::string("blk_1"));
    QCOMPARE(result->block->refusedIssuances, std::int64_t(1));

    const auto found = call<std::optional<KeyView>>(
        [&](auto done) { m_store->getKey("vk_new", kToday, kNoon, done); });
    QVERIFY(found.ok());
    QVERIFY(!found.value());
    QCOMPARE(blocks(*m_store).front().refusedIssuances, std::int64_t(1));
}

void TestStoreBrakes::callsPerMinuteIsExactUnderConcurrency()
{
    VaultKey key = makeKey("vk_rate", Usd::fromDollars(1000));
    key.maxCallsPerMinute = 7;
    issue(*m_store, key);

    const auto results = burst(*m_store, "vk_rate", Usd::fromCents(10), 60, 6);
    QCOMPARE(countOf(results, Outcome::Admitted), 7);
    QCOMPARE(countOf(results, Outcome::RateExceeded), 53);
    for (const auto &result : results) {
        if (result.outcome != Outcome::RateExceeded)
            continue;
        QCOMPARE(result.rate.limit, std::string("calls_per_minute"));
        QCOMPARE(result.rate.callsInWindow, std::int64_t(7));
        QCOMPARE(result.rate.maxCallsPerMinute, std::optional<std::int64_t>(7));
        // All seven were admitted at noon: room again when they leave the window.
        QCOMPARE(result.rate.retryAfter, std::chrono::seconds(60));
    }
    QCOMPARE(view(*m_store, "vk_rate").today.held, Usd::fromCents(70));

    // 59.999 s later the window still holds them; at 60 s they have left it.
    QCOMPARE(admit(*m_store, admission("vk_rate", Usd::fromCents(10), kNoon + 59'999ms)).outcome,
             Outcome::RateExceeded);
    const auto later = burst(*m_store, "vk_rate", Usd::fromCents(10), 20, 4, kNoon + 60s);
    QCOMPARE(countOf(later, Outcome::Admitted), 7);
}

void TestStoreBrakes::usdPerMinuteCountsACallAsWhatItCost()
{
    VaultKey key = makeKey("vk_usd", Usd::fromDollars(1000));
    key.maxUsdPerMinute = Usd::fromDollars(3);
    issue(*m_store, key);

    std::vector<std::int64_t> holds;
    for (int i = 0; i < 3; ++i) {
        const auto admitted =
            admit(*m_store, admission("vk_usd", Usd::fromDollars(1), kNoon + 1s * i));
        QCOMPARE(admitted.outcome, Outcome::Admitted);
        holds.push_back(admitted.holdId);
    }
    const auto refused = admit(*m_store, admission("vk_usd", Usd::fromDollars(1), kNoon + 5s));
    QCOMPARE(refused.outcome, Outcome::RateExceeded);
    QCOMPARE(refused.rate.limit, std::string("usd_per_minute"));
    QCOMPARE(refused.rate.usdInWindow, Usd::fromDollars(3));
    // The first call leaves the window at noon + 60 s: 55 s after this attempt.
    QCOMPARE(refused.rate.retryAfter, std::chrono::seconds(55));

    // Released (nothing happened at the vendor): it now counts as $0 in the window.
    QVERIFY(settle(*m_store, settlement(holds[0], Settlement::Kind::Release, Usd())).ok());
    QCOMPARE(admit(*m_store, admission("vk_usd", Usd::fromDollars(1), kNoon + 6s)).outcome,
             Outcome::Admitted);
    // A call larger than the limit itself never fits: a full window.
    const auto huge = admit(*m_store, admission("vk_usd", Usd::fromDollars(4), kNoon + 7s));
    QCOMPARE(huge.outcome, Outcome::RateExceeded);
    QCOMPARE(huge.rate.retryAfter, std::chrono::seconds(60));
}

void TestStoreBrakes::revokedIssuerIssuesNothing()
{
    for (const char *id : {"ak_one", "ak_two"}) {
        AdminKey admin;
        admin.id = id;
        admin.name = std::string("admin ") + id;
        admin.role = Role::Admin;
        admin.secretHash = std::string("hash-") + id;
        admin.keyHint = "kb_…0000";
        admin.createdAt = kNoon - 2h;
        admin.createdBy = "bootstrap";
        QVERIFY(call<Done>([&](auto done) {
                    m_store->createAdminKey(admin, adminAudit("admin_key.created"), done);
                }).ok());
    }
    QVERIFY(call<AdminKey>([&](auto done) {
                m_store->revokeAdminKey("ak_two", kNoon - 1h, adminAudit("admin_key.revoked"),
                                        done);
            }).ok());

    IssueKeyRequest request;
    request.key = makeKey("vk_new", Usd::fromDollars(10));
    request.key.createdBy = "ak_two";
    request.audit = adminAudit("key.issued");
    const auto result = call<IssueKeyResult>([&](auto done) { m_store->issueKey(request, done); });
    QVERIFY(result.ok());
    QCOMPARE(int(result->outcome), int(IssueKeyResult::Outcome::IssuerRevoked));
    const auto found = call<std::optional<KeyView>>(
        [&](auto done) { m_store->getKey("vk_new", kToday, kNoon, done); });
    QVERIFY(found.ok() && !found.value());

    request.key.createdBy = "ak_one";
    const auto issued = call<IssueKeyResult>([&](auto done) { m_store->issueKey(request, done); });
    QVERIFY(issued.ok());
    QCOMPARE(int(issued->outcome), int(IssueKeyResult::Outcome::Created));
}

void TestStoreBrakes::velocityDefaultsFillTheLimitsLeftOpen()
{
    const auto put = [&](const std::string &prefix, std::optional<std::int64_t> calls,
                         std::optional<Usd> usd) {
        VelocityDefault value;
        value.labelPrefix = prefix;
        value.maxCallsPerMinute = calls;
        value.maxUsdPerMinute = usd;
        value.updatedAt = kNoon - 1h;
        value.updatedBy = "ak_test";
        QVERIFY(call<VelocityDefault>([&](auto done) {
                    m_store->putVelocityDefault(value, adminAudit("velocity_default.set"), done);
                }).ok());
    };
    put("lambda/", 100, Usd::fromDollars(50));
    put("lambda/billing/", 5, std::nullopt); // the longest prefix wins, whole

    const auto issueWith = [&](const std::string &id, const std::string &label,
                               std::optional<std::int64_t> calls) {
        IssueKeyRequest request;
        request.key = makeKey(id, Usd::fromDollars(10), label);
        request.key.maxCallsPerMinute = calls;
        request.audit = adminAudit("key.issued");
        auto result =
            call<IssueKeyResult>([&](auto done) { m_store->issueKey(std::move(request), done); });
        if (!result.ok() || result->outcome != IssueKeyResult::Outcome::Created)
            throw std::runtime_error("cannot issue " + id);
        return result->key;
    };
    const VaultKey billing = issueWith("vk_b", "lambda/billing/msg-1", std::nullopt);
    QCOMPARE(billing.maxCallsPerMinute, std::optional<std::int64_t>(5));
    QVERIFY(!billing.maxUsdPerMinute);
    const VaultKey other = issueWith("vk_o", "lambda/other/msg-1", 9);
    QCOMPARE(other.maxCallsPerMinute, std::optional<std::int64_t>(9)); // its own
    QCOMPARE(other.maxUsdPerMinute, std::optional<Usd>(Usd::fromDollars(50)));
    const VaultKey none = issueWith("vk_n", "cron/nightly", std::nullopt);
    QVERIFY(!none.maxCallsPerMinute && !none.maxUsdPerMinute);

    // And the stored key carries them: the sixth call in a minute is refused.
    for (int i = 0; i < 5; ++i)
        QCOMPARE(admit(*m_store, admission("vk_b", Usd::fromCents(1))).outcome, Outcome::Admitted);
    QCOMPARE(admit(*m_store, admission("vk_b", Usd::fromCents(1))).outcome, Outcome::RateExceeded);
}

KEYBRAKE_STORE_CONTRACT_MAIN(TestStoreBrakes)
#include "tst_storebrakes.moc"
