// The cap invariant under concurrency: settled + held never exceeds the cap, however many
// admissions race for it, and every refused admission really would not have fitted.

#include "storefixture.h"

#include <QTest>

#include <latch>
#include <mutex>
#include <random>
#include <thread>

using namespace keybrake;
using namespace keybrake::testing;

namespace {

struct Attempt
{
    Usd estimate;
    StoreResult<AdmissionResult> result;
};

// Fires `estimates.size()` admissions on one key from `threads` threads released together, and
// returns each attempt with its result.
std::vector<Attempt> burst(Store &store, const std::string &keyId,
                           const std::vector<Usd> &estimates, int threads)
{
    std::mutex mutex;
    std::vector<Attempt> attempts;
    std::latch start(threads);
    std::latch answered(static_cast<std::ptrdiff_t>(estimates.size()));
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            start.arrive_and_wait();
            for (std::size_t i = t; i < estimates.size(); i += threads) {
                const Usd estimate = estimates[i];
                AdmissionRequest request = admission(keyId, estimate);
                request.audit.requestId = "req_" + std::to_string(i);
                store.admit(std::move(request), [&, estimate](StoreResult<AdmissionResult> r) {
                    {
                        std::lock_guard lock(mutex);
                        attempts.push_back({estimate, std::move(r)});
                    }
                    answered.count_down();
                });
            }
        });
    }
    for (auto &worker : workers)
        worker.join();
    answered.wait();
    return attempts;
}

} // namespace

class TestStoreCapInvariant : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void thousandOneDollarCallsAgainstFiftyDollarCap();
    void randomAmountsNeverOvershootNorUnderAdmit();
};

void TestStoreCapInvariant::thousandOneDollarCallsAgainstFiftyDollarCap()
{
    auto store = backend().open();
    issue(*store, makeKey("vk_cap", Usd::fromDollars(50)));

    const auto attempts = burst(*store, "vk_cap", std::vector<Usd>(1000, Usd::fromDollars(1)), 8);

    std::vector<std::int64_t> holds;
    int refused = 0;
    for (const auto &attempt : attempts) {
        QVERIFY(attempt.result.ok());
        const auto &result = attempt.result.value();
        QCOMPARE(result.cap, Usd::fromDollars(50));
        QVERIFY(result.spend.settled + result.spend.held <= Usd::fromDollars(50));
        if (result.outcome == AdmissionResult::Outcome::Admitted) {
            holds.push_back(result.holdId);
        } else {
            QCOMPARE(result.outcome, AdmissionResult::Outcome::CapExhausted);
            QCOMPARE(result.spend.held, Usd::fromDollars(50));
            ++refused;
        }
    }
    QCOMPARE(holds.size(), std::size_t(50));
    QCOMPARE(refused, 950);

    KeyView key = view(*store, "vk_cap");
    QCOMPARE(key.today.held, Usd::fromDollars(50));
    QCOMPARE(key.today.settled, Usd());
    QCOMPARE(key.today.calls, std::int64_t(1000));
    QCOMPARE(key.today.blocked, std::int64_t(950));
    QCOMPARE(keyStatus(key, kNoon), KeyStatus::Capped);

    // Settle every hold: a third charged in full, a third charged at a parsed lower price, a
    // third released. Ledger and audit log must agree to the micro-dollar.
    Usd charged;
    for (std::size_t i = 0; i < holds.size(); ++i) {
        Settlement request;
        if (i % 3 == 0) {
            request = settlement(holds[i], Settlement::Kind::Charge, Usd::fromDollars(1));
        } else if (i % 3 == 1) {
            request = settlement(holds[i], Settlement::Kind::Charge,
                                 Usd::fromMicros(333'333 + static_cast<std::int64_t>(i)));
        } else {
            request = settlement(holds[i], Settlement::Kind::Release, Usd());
        }
        charged += request.audit.cost;
        request.audit.keyId = "vk_cap";
        QVERIFY(settle(*store, std::move(request)).ok());
    }
    key = view(*store, "vk_cap");
    QCOMPARE(key.today.held, Usd());
    QCOMPARE(key.today.settled, charged);

    AuditFilter filter;
    filter.keyId = "vk_cap";
    const auto rows = auditOf(*store, filter);
    Usd audited;
    int denied = 0;
    int settledRows = 0;
    for (const auto &row : rows) {
        audited += row.cost;
        if (row.verdict == Verdict::DeniedCap) {
            ++denied;
            QCOMPARE(row.httpStatus, 429);
            QCOMPARE(row.reason, std::string("cap_exhausted"));
            QCOMPARE(row.cost, Usd());
        } else {
            ++settledRows;
        }
    }
    QCOMPARE(denied, 950);
    QCOMPARE(settledRows, 50);
    QCOMPARE(audited, charged);

    const auto stats = call<TodayStats>([&](auto done) { store->todayStats(kToday, kNoon, done); });
    QVERIFY(stats.ok());
    QCOMPARE(stats->spent, charged);
    QCOMPARE(stats->held, Usd());
    QCOMPARE(stats->calls, std::int64_t(1000));
    QCOMPARE(stats->blocked, std::int64_t(950));
}

void TestStoreCapInvariant::randomAmountsNeverOvershootNorUnderAdmit()
{
    auto store = backend().open();
    const Usd cap = Usd::fromDollars(50);
    for (unsigned seed = 1; seed <= 3; ++seed) {
        const std::string keyId = "vk_random_" + std::to_string(seed);
        issue(*store, makeKey(keyId, cap));
        std::mt19937 random(seed);
        std::uniform_int_distribution<std::int64_t> cents(1, 799);
        std::vector<Usd> estimates;
        for (int i = 0; i < 1000; ++i)
            estimates.push_back(Usd::fromCents(cents(random)));

        const auto attempts = burst(*store, keyId, estimates, 8);
        Usd admitted;
        for (const auto &attempt : attempts) {
            QVERIFY(attempt.result.ok());
            const auto &result = attempt.result.value();
            const Usd used = result.spend.settled + result.spend.held;
            QVERIFY(used <= cap);
            if (result.outcome == AdmissionResult::Outcome::Admitted) {
                admitted += attempt.estimate;
            } else {
                QCOMPARE(result.outcome, AdmissionResult::Outcome::CapExhausted);
                // Refused only because it did not fit at that moment.
                QVERIFY2(used + attempt.estimate > cap,
                         qPrintable(QString::fromStdString(used.toDisplay() + " + "
                                                           + attempt.estimate.toDisplay())));
            }
        }
        QVERIFY(admitted <= cap);
        QCOMPARE(view(*store, keyId).today.held, admitted);
    }
}

KEYBRAKE_STORE_CONTRACT_MAIN(TestStoreCapInvariant)
#include "tst_storecapinvariant.moc"
