// Several stores on one database, as several keybraked instances behind a load balancer share
// it (every backend): the cap and the velocity limit stay exact with admissions spread over the
// instances, a revoke or a block committed through one refuses the very next admission through
// another, and one Idempotency-Key sent to all of them at once is admitted once.

#include "storefixture.h"

#include <QTest>

#include <latch>
#include <mutex>
#include <thread>

using namespace keybrake;
using namespace keybrake::testing;
using Outcome = AdmissionResult::Outcome;

namespace {

constexpr int kInstances = 3;

// `count` admissions from `threads` threads released together, the i-th through instance
// i % instances and built by `make(i)`; the outcomes in any order.
template<class Make>
std::vector<Outcome> spread(const std::vector<std::unique_ptr<Store>> &stores, int count,
                            int threads, Make make)
{
    std::mutex mutex;
    std::vector<Outcome> outcomes;
    std::latch start(threads);
    std::latch answered(count);
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            start.arrive_and_wait();
            for (int i = t; i < count; i += threads) {
                Store &store = *stores[static_cast<std::size_t>(i) % stores.size()];
                store.admit(make(i), [&](StoreResult<AdmissionResult> result) {
                    {
                        std::lock_guard lock(mutex);
                        // A failed call is none of the outcomes counted below.
                        outcomes.push_back(result.ok() ? result->outcome : Outcome::UnknownKey);
                    }
                    answered.count_down();
                });
            }
        });
    }
    for (auto &worker : workers)
        worker.join();
    answered.wait();
    return outcomes;
}

int countOf(const std::vector<Outcome> &outcomes, Outcome outcome)
{
    return static_cast<int>(std::count(outcomes.begin(), outcomes.end(), outcome));
}

} // namespace

class TestStoreInstances : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void capIsExactAcrossInstances();
    void callsPerMinuteIsExactAcrossInstances();
    void revokeThroughOneRefusesTheNextAdmissionThroughAnother();
    void blockThroughOneRefusesTheNextAdmissionThroughAnother();
    void oneIdempotencyKeyAtEveryInstanceIsAdmittedOnce();

private:
    std::vector<std::unique_ptr<Store>> m_stores;
};

void TestStoreInstances::init()
{
    backend().open().reset(); // a new database
    for (int i = 0; i < kInstances; ++i)
        m_stores.push_back(backend().another());
}

void TestStoreInstances::cleanup()
{
    m_stores.clear();
}

void TestStoreInstances::capIsExactAcrossInstances()
{
    issue(*m_stores[0], makeKey("vk_cap", Usd::fromDollars(50)));
    // The issue's burst: 1,000 calls of $1 on one $50 key, over every instance at once.
    const auto outcomes = spread(m_stores, 1000, 12, [](int i) {
        AdmissionRequest request = admission("vk_cap", Usd::fromDollars(1));
        request.audit.requestId = "req_" + std::to_string(i);
        return request;
    });
    QCOMPARE(countOf(outcomes, Outcome::Admitted), 50);
    QCOMPARE(countOf(outcomes, Outcome::CapExhausted), 950);
    for (const auto &store : m_stores) {
        const KeySpend spend = view(*store, "vk_cap").today;
        QCOMPARE(spend.held, Usd::fromDollars(50));
        QCOMPARE(spend.calls, std::int64_t(1000));
        QCOMPARE(spend.blocked, std::int64_t(950));
    }
}

void TestStoreInstances::callsPerMinuteIsExactAcrossInstances()
{
    VaultKey key = makeKey("vk_rate", Usd::fromDollars(1000));
    key.maxCallsPerMinute = 9;
    issue(*m_stores[1], key);
    const auto outcomes =
        spread(m_stores, 90, 9, [](int) { return admission("vk_rate", Usd::fromCents(1)); });
    QCOMPARE(countOf(outcomes, Outcome::Admitted), 9);
    QCOMPARE(countOf(outcomes, Outcome::RateExceeded), 81);
}

void TestStoreInstances::revokeThroughOneRefusesTheNextAdmissionThroughAnother()
{
    issue(*m_stores[0], makeKey("vk_a", Usd::fromDollars(50)));
    QCOMPARE(admit(*m_stores[2], admission("vk_a", Usd::fromDollars(1))).outcome,
             Outcome::Admitted);
    const auto revoked = call<RevokeResult>([&](auto done) {
        m_stores[0]->revokeKey("vk_a", kNoon, kToday, adminAudit("key.revoked"), done);
    });
    QVERIFY(revoked.ok());
    for (std::size_t i = 1; i < m_stores.size(); ++i) {
        const auto refused = admit(*m_stores[i], admission("vk_a", Usd::fromDollars(1)));
        QCOMPARE(refused.outcome, Outcome::Revoked);
        QCOMPARE(refused.revokedAt, std::optional<TimePoint>(kNoon));
    }
}

void TestStoreInstances::blockThroughOneRefusesTheNextAdmissionThroughAnother()
{
    issue(*m_stores[0], makeKey("vk_a", Usd::fromDollars(50), "lambda/billing/msg-1"));
    PrefixBlock block;
    block.id = "blk_1";
    block.labelPrefix = "lambda/billing/";
    block.reason = "runaway";
    block.createdAt = kNoon - 1s;
    block.createdBy = "ak_test";
    QVERIFY(call<PrefixBlock>([&](auto done) {
                m_stores[1]->createBlock(block, adminAudit("block.created"), done);
            }).ok());
    QCOMPARE(admit(*m_stores[2], admission("vk_a", Usd::fromDollars(1))).outcome,
             Outcome::PrefixBlocked);
    QCOMPARE(admit(*m_stores[0], admission("vk_a", Usd::fromDollars(1))).outcome,
             Outcome::PrefixBlocked);
}

void TestStoreInstances::oneIdempotencyKeyAtEveryInstanceIsAdmittedOnce()
{
    issue(*m_stores[0], makeKey("vk_a", Usd::fromDollars(50), "lambda/billing/msg-1"));
    // An SQS redelivery storm: the same message's call, at every instance at once.
    const auto outcomes = spread(m_stores, 30, 6, [](int) {
        AdmissionRequest request = admission("vk_a", Usd::fromDollars(5));
        request.idempotency = claim("msg-1");
        return request;
    });
    QCOMPARE(countOf(outcomes, Outcome::Admitted), 1);
    QCOMPARE(countOf(outcomes, Outcome::InFlight), 29);
    QCOMPARE(view(*m_stores[2], "vk_a").today.held, Usd::fromDollars(5));
}

KEYBRAKE_STORE_CONTRACT_MAIN(TestStoreInstances)
#include "tst_storeinstances.moc"
