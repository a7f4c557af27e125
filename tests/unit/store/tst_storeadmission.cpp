// Admission and settlement in the store (every backend): the order of the checks, what each refusal
// writes, every Idempotency-Key path, and where holds settle.

#include "storefixture.h"

#include <QTest>

using namespace keybrake;
using namespace keybrake::testing;
using Outcome = AdmissionResult::Outcome;

class TestStoreAdmission : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void unknownKeyIsRefusedAndAudited();
    void revokedKeyIsRefusedWithItsRevocationTime();
    void expiredKeyIsRefusedFromItsExpiryOn();
    void checksRunInOrder();
    void costThatCannotBeKnownIsRefused();
    void capRefusalCarriesTheSpend();
    void admissionTakesAHoldInTheWindow();

    void duplicateInFlightIsRefused();
    void completedDuplicateIsReplayedWithoutCharge();
    void reusedKeyWithAnotherRequestIsRefused();
    void retryAfterUnknownOutcomeResumesTheHold();
    void releasedClaimIsForgotten();
    void claimExpiresAfterFortyEightHours();
    void claimsAreScoped();
    void anotherRunIsNeverServedTheRecord();
    void retryWithoutVendorIdempotencyIsANewCall();
    void inFlightRecordsBecomeUnknownAfterACrash();
    void purgeDropsOldRecordsButKeepsHolds();

    void chargeSettlesAtTheAmount();
    void releaseSpendsNothing();
    void unknownOutcomeKeepsTheHold();
    void settlingTwiceIsNotFound();
    void holdFromYesterdaySettlesIntoYesterday();
    void refusalRecordedBeforeAdmissionCountsAgainstTheKey();

private:
    std::unique_ptr<Store> m_store;
};

void TestStoreAdmission::init()
{
    m_store = backend().open();
    issue(*m_store, makeKey("vk_a", Usd::fromDollars(10)));
}

void TestStoreAdmission::cleanup()
{
    m_store.reset();
}

void TestStoreAdmission::unknownKeyIsRefusedAndAudited()
{
    const auto result = admit(*m_store, admission("vk_missing", Usd::fromDollars(1)));
    QCOMPARE(result.outcome, Outcome::UnknownKey);
    QVERIFY(!result.auditId.empty());

    AuditFilter filter;
    const auto rows = auditOf(*m_store, filter);
    QCOMPARE(rows.size(), std::size_t(1));
    QCOMPARE(rows[0].id, result.auditId);
    QCOMPARE(rows[0].verdict, Verdict::DeniedInvalidKey);
    QCOMPARE(rows[0].reason, std::string("invalid_key"));
    QCOMPARE(rows[0].httpStatus, 401);
    QCOMPARE(rows[0].cost, Usd());
    QCOMPARE(rows[0].costSource, CostSource::None);
}

void TestStoreAdmission::revokedKeyIsRefusedWithItsRevocationTime()
{
    const TimePoint revokedAt = kNoon - 5min;
    QVERIFY(call<RevokeResult>([&](auto done) {
                m_store->revokeKey("vk_a", revokedAt, kToday, adminAudit("key.revoked"), done);
            }).ok());

    const auto result = admit(*m_store, admission("vk_a", Usd::fromDollars(1)));
    QCOMPARE(result.outcome, Outcome::Revoked);
    QVERIFY(result.revokedAt.has_value());
    QVERIFY(*result.revokedAt == revokedAt);
    QCOMPARE(result.spend.calls, std::int64_t(1));
    QCOMPARE(result.spend.blocked, std::int64_t(1));
    QCOMPARE(result.spend.held, Usd());

    AuditFilter filter;
    filter.verdict = Verdict::DeniedRevoked;
    const auto rows = auditOf(*m_store, filter);
    QCOMPARE(rows.size(), std::size_t(1));
    QCOMPARE(rows[0].reason, std::string("key_revoked"));
    QCOMPARE(rows[0].httpStatus, 401);
}

void TestStoreAdmission::expiredKeyIsRefusedFromItsExpiryOn()
{
    const TimePoint expiry = kNoon + 1h; // makeKey's default
    auto result = admit(*m_store, admission("vk_a", Usd(), expiry - 1ms));
    QCOMPARE(result.outcome, Outcome::Admitted);

    result = admit(*m_store, admission("vk_a", Usd(), expiry));
    QCOMPARE(result.outcome, Outcome::Expired);
    QVERIFY(result.expiredAt.has_value());
    QVERIFY(*result.expiredAt == expiry);

    AuditFilter filter;
    filter.verdict = Verdict::DeniedExpired;
    const auto rows = auditOf(*m_store, filter);
    QCOMPARE(rows.size(), std::size_t(1));
    QCOMPARE(rows[0].reason, std::string("key_expired"));
    QCOMPARE(rows[0].httpStatus, 401);
}

void TestStoreAdmission::checksRunInOrder()
{
    // An in-flight claim, then a request that would fail every later check too.
    AdmissionRequest first = admission("vk_a", Usd::fromDollars(1));
    first.idempotency = claim("idem-order");
    QCOMPARE(admit(*m_store, first).outcome, Outcome::Admitted);

    AdmissionRequest later = admission("vk_a", Usd::fromDollars(100));
    later.idempotency = claim("idem-order", "fp-other");
    later.estimate.outcome = CostEstimate::Outcome::Unknown;
    // Idempotency comes before the cost and the cap ...
    QCOMPARE(admit(*m_store, later).outcome, Outcome::IdempotencyMismatch);
    later.idempotency = claim("idem-order");
    QCOMPARE(admit(*m_store, later).outcome, Outcome::InFlight);
    // ... the cost before the cap ...
    later.idempotency.reset();
    QCOMPARE(admit(*m_store, later).outcome, Outcome::CostUnknown);
    // ... expiry before idempotency ...
    later.now = kNoon + 2h;
    later.window = dayOf(later.now);
    later.idempotency = claim("idem-order", "fp-other");
    QCOMPARE(admit(*m_store, later).outcome, Outcome::Expired);
    // ... and revocation before expiry.
    QVERIFY(call<RevokeResult>([&](auto done) {
                m_store->revokeKey("vk_a", kNoon, kToday, adminAudit("key.revoked"), done);
            }).ok());
    QCOMPARE(admit(*m_store, later).outcome, Outcome::Revoked);
}

void TestStoreAdmission::costThatCannotBeKnownIsRefused()
{
    AdmissionRequest request = admission("vk_a", Usd());
    request.estimate.outcome = CostEstimate::Outcome::Unknown;
    auto result = admit(*m_store, request);
    QCOMPARE(result.outcome, Outcome::CostUnknown);

    request.estimate.outcome = CostEstimate::Outcome::CurrencyUnsupported;
    request.estimate.currency = "xyz";
    request.estimate.originalAmount = 1500;
    result = admit(*m_store, request);
    QCOMPARE(result.outcome, Outcome::CurrencyUnsupported);
    QCOMPARE(result.spend.blocked, std::int64_t(2));

    const auto rows = auditOf(*m_store, AuditFilter {});
    QCOMPARE(rows.size(), std::size_t(2));
    // Newest first: the currency refusal, written with the contract's verdict.
    QCOMPARE(rows[0].verdict, Verdict::DeniedCostUnknown);
    QCOMPARE(rows[0].reason, std::string("currency_not_supported"));
    QCOMPARE(rows[0].httpStatus, 422);
    QCOMPARE(rows[0].currency, std::string("xyz"));
    QCOMPARE(rows[0].originalAmount.value_or(0), std::int64_t(1500));
    QCOMPARE(rows[1].reason, std::string("cost_unknown"));
    QCOMPARE(rows[1].httpStatus, 422);
}

void TestStoreAdmission::capRefusalCarriesTheSpend()
{
    QCOMPARE(admit(*m_store, admission("vk_a", Usd::fromDollars(7))).outcome, Outcome::Admitted);
    const auto result = admit(*m_store, admission("vk_a", Usd::fromCents(301)));
    QCOMPARE(result.outcome, Outcome::CapExhausted);
    QCOMPARE(result.cap, Usd::fromDollars(10));
    QCOMPARE(result.spend.held, Usd::fromDollars(7));
    QCOMPARE(result.spend.calls, std::int64_t(2));
    QCOMPARE(result.spend.blocked, std::int64_t(1));

    AuditFilter filter;
    filter.verdict = Verdict::DeniedCap;
    const auto rows = auditOf(*m_store, filter);
    QCOMPARE(rows.size(), std::size_t(1));
    QCOMPARE(rows[0].id, result.auditId);
    QCOMPARE(rows[0].httpStatus, 429);
    QCOMPARE(rows[0].capUsageAfter.value_or(Usd()), Usd::fromDollars(7));

    // Exactly up to the cap still fits; a zero-cost read fits at the cap.
    QCOMPARE(admit(*m_store, admission("vk_a", Usd::fromDollars(3))).outcome, Outcome::Admitted);
    QCOMPARE(admit(*m_store, admission("vk_a", Usd())).outcome, Outcome::Admitted);
    QCOMPARE(admit(*m_store, admission("vk_a", Usd::fromMicros(1))).outcome, Outcome::CapExhausted);
}

void TestStoreAdmission::admissionTakesAHoldInTheWindow()
{
    const auto result = admit(*m_store, admission("vk_a", Usd::fromCents(250)));
    QCOMPARE(result.outcome, Outcome::Admitted);
    QVERIFY(result.holdId > 0);
    QVERIFY(!result.resumedHold);
    QCOMPARE(result.spend.held, Usd::fromCents(250));
    QCOMPARE(result.spend.calls, std::int64_t(1));
    QCOMPARE(result.spend.blocked, std::int64_t(0));
    QVERIFY(result.spend.lastCallAt.has_value());
    QVERIFY(*result.spend.lastCallAt == kNoon);
    QVERIFY(result.auditId.empty()); // the settlement writes the call's row

    const KeyView key = view(*m_store, "vk_a");
    QCOMPARE(key.today.held, Usd::fromCents(250));
    QCOMPARE(view(*m_store, "vk_a", dayOf(kNoon + 24h)).today.held, Usd());
}

void TestStoreAdmission::duplicateInFlightIsRefused()
{
    AdmissionRequest request = admission("vk_a", Usd::fromDollars(2));
    request.idempotency = claim("idem-1");
    QCOMPARE(admit(*m_store, request).outcome, Outcome::Admitted);

    const auto duplicate = admit(*m_store, request);
    QCOMPARE(duplicate.outcome, Outcome::InFlight);
    QCOMPARE(duplicate.spend.held, Usd::fromDollars(2)); // no second hold
    QCOMPARE(duplicate.spend.blocked, std::int64_t(1));

    AuditFilter filter;
    filter.verdict = Verdict::DeniedIdempotency;
    const auto rows = auditOf(*m_store, filter);
    QCOMPARE(rows.size(), std::size_t(1));
    QCOMPARE(rows[0].reason, std::string("idempotency_key_in_use"));
    QCOMPARE(rows[0].httpStatus, 409);
}

void TestStoreAdmission::completedDuplicateIsReplayedWithoutCharge()
{
    AdmissionRequest request = admission("vk_a", Usd::fromDollars(2));
    request.idempotency = claim("idem-2");
    const auto first = admit(*m_store, request);
    QCOMPARE(first.outcome, Outcome::Admitted);

    Settlement done = settlement(first.holdId, Settlement::Kind::Charge, Usd::fromCents(150));
    done.idempotency = request.idempotency;
    static const char raw[] = "{\"id\":\"pi_1\",\"amount\":150,\0\"binary\"}";
    const std::string body(raw, sizeof raw - 1); // stored as a blob, NUL included
    done.response =
        StoredResponse {200, {{"content-type", "application/json"}, {"request-id", "req_v"}}, body};
    QVERIFY(settle(*m_store, done).ok());

    const auto replay = admit(*m_store, request);
    QCOMPARE(replay.outcome, Outcome::Replayed);
    QCOMPARE(replay.replay.status, 200);
    QCOMPARE(replay.replay.body, body);
    QCOMPARE(replay.replay.headers.size(), std::size_t(2));
    QCOMPARE(replay.replay.headers[1].first, std::string("request-id"));
    QCOMPARE(replay.replay.headers[1].second, std::string("req_v"));
    QCOMPARE(replay.holdId, std::int64_t(0));
    QCOMPARE(replay.spend.settled, Usd::fromCents(150));
    QCOMPARE(replay.spend.held, Usd());
    QCOMPARE(replay.spend.calls, std::int64_t(2));
    QCOMPARE(replay.spend.blocked, std::int64_t(0));

    AuditFilter filter;
    filter.verdict = Verdict::Replayed;
    const auto rows = auditOf(*m_store, filter);
    QCOMPARE(rows.size(), std::size_t(1));
    QCOMPARE(rows[0].id, replay.auditId);
    QCOMPARE(rows[0].httpStatus, 200);
    QCOMPARE(rows[0].cost, Usd());
    QCOMPARE(rows[0].costSource, CostSource::None);
}

void TestStoreAdmission::reusedKeyWithAnotherRequestIsRefused()
{
    AdmissionRequest request = admission("vk_a", Usd::fromDollars(1));
    request.idempotency = claim("idem-3");
    const auto first = admit(*m_store, request);

    AdmissionRequest other = request;
    other.idempotency = claim("idem-3", "fp-2");
    auto result = admit(*m_store, other);
    QCOMPARE(result.outcome, Outcome::IdempotencyMismatch);

    Settlement done = settlement(first.holdId, Settlement::Kind::Charge, Usd::fromDollars(1));
    done.idempotency = request.idempotency;
    done.response = StoredResponse {200, {}, "{}"};
    QVERIFY(settle(*m_store, done).ok());
    result = admit(*m_store, other);
    QCOMPARE(result.outcome, Outcome::IdempotencyMismatch);

    AuditFilter filter;
    filter.verdict = Verdict::DeniedIdempotency;
    const auto rows = auditOf(*m_store, filter);
    QCOMPARE(rows.size(), std::size_t(2));
    QCOMPARE(rows[0].reason, std::string("idempotency_key_reused"));
    QCOMPARE(rows[0].httpStatus, 422);
}

void TestStoreAdmission::retryAfterUnknownOutcomeResumesTheHold()
{
    AdmissionRequest request = admission("vk_a", Usd::fromDollars(4));
    request.idempotency = claim("idem-4");
    const auto first = admit(*m_store, request);

    Settlement timedOut = settlement(first.holdId, Settlement::Kind::KeepUnknown, Usd());
    timedOut.idempotency = request.idempotency;
    const auto kept = settle(*m_store, timedOut);
    QVERIFY(kept.ok());
    QCOMPARE(kept->spend.held, Usd::fromDollars(4)); // still counts against the cap

    const auto retry = admit(*m_store, request);
    QCOMPARE(retry.outcome, Outcome::Admitted);
    QVERIFY(retry.resumedHold);
    QCOMPARE(retry.holdId, first.holdId);
    QCOMPARE(retry.spend.held, Usd::fromDollars(4)); // nothing new reserved

    // Resumed means in flight again.
    QCOMPARE(admit(*m_store, request).outcome, Outcome::InFlight);

    Settlement done = settlement(retry.holdId, Settlement::Kind::Charge, Usd::fromDollars(4));
    done.idempotency = request.idempotency;
    done.response = StoredResponse {200, {}, "charged once"};
    const auto charged = settle(*m_store, done);
    QVERIFY(charged.ok());
    QCOMPARE(charged->spend.held, Usd());
    QCOMPARE(charged->spend.settled, Usd::fromDollars(4));
    QCOMPARE(admit(*m_store, request).replay.body, std::string("charged once"));
}

void TestStoreAdmission::releasedClaimIsForgotten()
{
    AdmissionRequest request = admission("vk_a", Usd::fromDollars(1));
    request.idempotency = claim("idem-5");
    const auto first = admit(*m_store, request);

    Settlement refused = settlement(first.holdId, Settlement::Kind::Release, Usd());
    refused.idempotency = request.idempotency;
    QVERIFY(settle(*m_store, refused).ok());

    const auto retry = admit(*m_store, request);
    QCOMPARE(retry.outcome, Outcome::Admitted);
    QVERIFY(!retry.resumedHold);
    QVERIFY(retry.holdId != first.holdId);
    QCOMPARE(retry.spend.held, Usd::fromDollars(1));
}

void TestStoreAdmission::claimExpiresAfterFortyEightHours()
{
    issue(*m_store,
          makeKey("vk_long", Usd::fromDollars(10), "run/long", kNoon - 1h, kNoon + 24h * 5));
    AdmissionRequest request = admission("vk_long", Usd::fromDollars(1));
    request.idempotency = claim("idem-6");
    const auto first = admit(*m_store, request);
    QCOMPARE(first.outcome, Outcome::Admitted);

    // Left in flight; just inside the retention it still blocks a different request ...
    AdmissionRequest other = admission("vk_long", Usd::fromDollars(1), kNoon + 48h - 1ms);
    other.idempotency = claim("idem-6", "fp-new");
    QCOMPARE(admit(*m_store, other).outcome, Outcome::IdempotencyMismatch);

    // ... and after 48 h the key is new again.
    other = admission("vk_long", Usd::fromDollars(1), kNoon + 48h);
    other.idempotency = claim("idem-6", "fp-new");
    const auto later = admit(*m_store, other);
    QCOMPARE(later.outcome, Outcome::Admitted);
    QVERIFY(later.holdId != first.holdId);
    // The forgotten record's hold still counts in its own window.
    QCOMPARE(view(*m_store, "vk_long").today.held, Usd::fromDollars(1));
}

void TestStoreAdmission::claimsAreScoped()
{
    AdmissionRequest stripe = admission("vk_a", Usd::fromDollars(1));
    stripe.idempotency = claim("idem-7", "fp-1", "stripe");
    QCOMPARE(admit(*m_store, stripe).outcome, Outcome::Admitted);

    AdmissionRequest resend = admission("vk_a", Usd::fromDollars(1));
    resend.idempotency = claim("idem-7", "fp-2", "resend");
    QCOMPARE(admit(*m_store, resend).outcome, Outcome::Admitted);

    // A fresh vault key reusing the SQS message id on the same vendor account is a duplicate.
    issue(*m_store, makeKey("vk_redelivery", Usd::fromDollars(10)));
    AdmissionRequest redelivery = admission("vk_redelivery", Usd::fromDollars(1));
    redelivery.idempotency = claim("idem-7", "fp-1", "stripe");
    QCOMPARE(admit(*m_store, redelivery).outcome, Outcome::InFlight);
}

void TestStoreAdmission::anotherRunIsNeverServedTheRecord()
{
    issue(*m_store, makeKey("vk_other_run", Usd::fromDollars(10), "run/other"));
    AdmissionRequest request = admission("vk_a", Usd::fromDollars(2));
    request.idempotency = claim("idem-runs");
    const auto first = admit(*m_store, request);
    QCOMPARE(first.outcome, Outcome::Admitted);

    AdmissionRequest stranger = admission("vk_other_run", Usd::fromDollars(2));
    stranger.idempotency = claim("idem-runs");
    // In flight, completed or unknown: another run's call is not this request.
    QCOMPARE(admit(*m_store, stranger).outcome, Outcome::IdempotencyMismatch);
    Settlement timedOut = settlement(first.holdId, Settlement::Kind::KeepUnknown, Usd());
    timedOut.idempotency = request.idempotency;
    QVERIFY(settle(*m_store, timedOut).ok());
    QCOMPARE(admit(*m_store, stranger).outcome, Outcome::IdempotencyMismatch);
    const auto resumed = admit(*m_store, request);
    QVERIFY(resumed.resumedHold);
    Settlement done = settlement(resumed.holdId, Settlement::Kind::Charge, Usd::fromDollars(2));
    done.idempotency = request.idempotency;
    done.response = StoredResponse {200, {}, "the first run's charge"};
    QVERIFY(settle(*m_store, done).ok());
    const auto replay = admit(*m_store, stranger);
    QCOMPARE(replay.outcome, Outcome::IdempotencyMismatch);
    QVERIFY(replay.replay.body.empty());
    QCOMPARE(view(*m_store, "vk_other_run").today.settled, Usd());
    QCOMPARE(view(*m_store, "vk_other_run").today.held, Usd());
}

void TestStoreAdmission::retryWithoutVendorIdempotencyIsANewCall()
{
    issue(*m_store, makeKey("vk_poor", Usd::fromMicros(1)));
    AdmissionRequest request = admission("vk_a", Usd::fromDollars(3));
    request.idempotency = claim("idem-sms");
    request.vendorDeduplicates = false;
    const auto first = admit(*m_store, request);
    Settlement timedOut = settlement(first.holdId, Settlement::Kind::KeepUnknown, Usd());
    timedOut.idempotency = request.idempotency;
    QVERIFY(settle(*m_store, timedOut).ok());

    // The same run with no room: its retry needs its own hold, which does not fit.
    AdmissionRequest poor = admission("vk_poor", Usd::fromDollars(3));
    poor.idempotency = request.idempotency;
    poor.vendorDeduplicates = false;
    QCOMPARE(admit(*m_store, poor).outcome, Outcome::CapExhausted);

    const auto retry = admit(*m_store, request);
    QCOMPARE(retry.outcome, Outcome::Admitted);
    QVERIFY(!retry.resumedHold);
    QVERIFY(retry.holdId != first.holdId);
    QCOMPARE(retry.spend.held, Usd::fromDollars(6)); // the unknown hold still counts
    QCOMPARE(admit(*m_store, request).outcome, Outcome::InFlight);
}

void TestStoreAdmission::inFlightRecordsBecomeUnknownAfterACrash()
{
    AdmissionRequest request = admission("vk_a", Usd::fromDollars(4));
    request.idempotency = claim("idem-crash");
    const auto first = admit(*m_store, request);
    QCOMPARE(admit(*m_store, request).outcome, Outcome::InFlight);

    std::promise<StoreResult<std::int64_t>> reconciled;
    m_store->reconcileInterruptedCalls(
        [&](StoreResult<std::int64_t> result) { reconciled.set_value(std::move(result)); });
    const auto count = reconciled.get_future().get();
    QVERIFY(count.ok());
    QCOMPARE(count.value(), std::int64_t(1));

    const auto retry = admit(*m_store, request);
    QCOMPARE(retry.outcome, Outcome::Admitted);
    QVERIFY(retry.resumedHold);
    QCOMPARE(retry.holdId, first.holdId);
    QCOMPARE(retry.spend.held, Usd::fromDollars(4));
}

void TestStoreAdmission::purgeDropsOldRecordsButKeepsHolds()
{
    AdmissionRequest old = admission("vk_a", Usd::fromDollars(1), kNoon - 30min);
    old.idempotency = claim("idem-old");
    QCOMPARE(admit(*m_store, old).outcome, Outcome::Admitted);
    AdmissionRequest recent = admission("vk_a", Usd::fromDollars(1), kNoon);
    recent.idempotency = claim("idem-recent");
    QCOMPARE(admit(*m_store, recent).outcome, Outcome::Admitted);

    const auto purged =
        call<std::int64_t>([&](auto done) { m_store->purgeIdempotency(kNoon - 10min, done); });
    QVERIFY(purged.ok());
    QCOMPARE(purged.value(), std::int64_t(1));
    QCOMPARE(view(*m_store, "vk_a").today.held, Usd::fromDollars(2));
    // The purged key is new again; the recent one is still in flight.
    QCOMPARE(admit(*m_store, old).outcome, Outcome::Admitted);
    QCOMPARE(admit(*m_store, recent).outcome, Outcome::InFlight);
}

void TestStoreAdmission::chargeSettlesAtTheAmount()
{
    const auto admitted = admit(*m_store, admission("vk_a", Usd::fromDollars(5)));
    Settlement charge =
        settlement(admitted.holdId, Settlement::Kind::Charge, Usd::fromMicros(3'141'593));
    charge.audit.keyId = "vk_a";
    charge.audit.vendorObjectId = "pi_42";
    const auto result = settle(*m_store, charge);
    QVERIFY(result.ok());
    QCOMPARE(result->cap, Usd::fromDollars(10));
    QCOMPARE(result->spend.settled, Usd::fromMicros(3'141'593));
    QCOMPARE(result->spend.held, Usd());

    const auto rows = auditOf(*m_store, AuditFilter {});
    QCOMPARE(rows.size(), std::size_t(1));
    QCOMPARE(rows[0].id, result->auditId);
    QCOMPARE(rows[0].verdict, Verdict::Allowed);
    QCOMPARE(rows[0].cost, Usd::fromMicros(3'141'593));
    QCOMPARE(rows[0].capUsageAfter.value_or(Usd()), Usd::fromMicros(3'141'593));
    QCOMPARE(rows[0].vendorObjectId, std::string("pi_42"));
}

void TestStoreAdmission::releaseSpendsNothing()
{
    const auto admitted = admit(*m_store, admission("vk_a", Usd::fromDollars(5)));
    const auto result =
        settle(*m_store, settlement(admitted.holdId, Settlement::Kind::Release, Usd()));
    QVERIFY(result.ok());
    QCOMPARE(result->spend.settled, Usd());
    QCOMPARE(result->spend.held, Usd());
    QCOMPARE(admit(*m_store, admission("vk_a", Usd::fromDollars(10))).outcome, Outcome::Admitted);
}

void TestStoreAdmission::unknownOutcomeKeepsTheHold()
{
    const auto admitted = admit(*m_store, admission("vk_a", Usd::fromDollars(6)));
    auto result =
        settle(*m_store, settlement(admitted.holdId, Settlement::Kind::KeepUnknown, Usd()));
    QVERIFY(result.ok());
    QCOMPARE(result->spend.held, Usd::fromDollars(6));
    QCOMPARE(admit(*m_store, admission("vk_a", Usd::fromDollars(5))).outcome,
             Outcome::CapExhausted);

    // Reconciled later: the unknown hold settles like any other.
    result = settle(*m_store,
                    settlement(admitted.holdId, Settlement::Kind::Charge, Usd::fromDollars(6)));
    QVERIFY(result.ok());
    QCOMPARE(result->spend.held, Usd());
    QCOMPARE(result->spend.settled, Usd::fromDollars(6));
}

void TestStoreAdmission::settlingTwiceIsNotFound()
{
    const auto admitted = admit(*m_store, admission("vk_a", Usd::fromDollars(1)));
    QVERIFY(
        settle(*m_store, settlement(admitted.holdId, Settlement::Kind::Charge, Usd::fromDollars(1)))
            .ok());
    const auto again = settle(
        *m_store, settlement(admitted.holdId, Settlement::Kind::Charge, Usd::fromDollars(1)));
    QVERIFY(!again.ok());
    QCOMPARE(again.error(), StoreError::NotFound);
    const auto never = settle(*m_store, settlement(987654, Settlement::Kind::Release, Usd()));
    QCOMPARE(never.error(), StoreError::NotFound);
    QCOMPARE(view(*m_store, "vk_a").today.settled, Usd::fromDollars(1));
}

void TestStoreAdmission::holdFromYesterdaySettlesIntoYesterday()
{
    issue(*m_store,
          makeKey("vk_night", Usd::fromDollars(10), "run/night", kNoon - 1h, kNoon + 48h));
    const TimePoint beforeMidnight = kToday.end - 1s;
    const auto admitted =
        admit(*m_store, admission("vk_night", Usd::fromDollars(8), beforeMidnight));
    QCOMPARE(admitted.outcome, Outcome::Admitted);

    const TimePoint afterMidnight = kToday.end + 2s;
    const SpendWindow tomorrow = dayOf(afterMidnight);
    // The new window starts at zero ...
    QCOMPARE(admit(*m_store, admission("vk_night", Usd::fromDollars(10), afterMidnight)).outcome,
             Outcome::Admitted);

    // ... and the late answer is charged to the window its hold was taken in.
    const auto result = settle(
        *m_store,
        settlement(admitted.holdId, Settlement::Kind::Charge, Usd::fromDollars(7), afterMidnight));
    QVERIFY(result.ok());
    QCOMPARE(result->spend.settled, Usd::fromDollars(7));
    QCOMPARE(result->spend.held, Usd());
    QCOMPARE(view(*m_store, "vk_night", kToday).today.settled, Usd::fromDollars(7));
    QCOMPARE(view(*m_store, "vk_night", tomorrow).today.settled, Usd());
    QCOMPARE(view(*m_store, "vk_night", tomorrow).today.held, Usd::fromDollars(10));
}

void TestStoreAdmission::refusalRecordedBeforeAdmissionCountsAgainstTheKey()
{
    AuditEntry entry = admission("vk_a", Usd()).audit;
    entry.verdict = Verdict::DeniedEndpoint;
    entry.reason = "endpoint_not_allowed";
    entry.httpStatus = 403;
    const auto id =
        call<std::string>([&](auto done) { m_store->recordRefusal(entry, kToday, done); });
    QVERIFY(id.ok());
    const KeyView key = view(*m_store, "vk_a");
    QCOMPARE(key.today.calls, std::int64_t(1));
    QCOMPARE(key.today.blocked, std::int64_t(1));

    // Without a key (an invalid vault key) only the row is written.
    entry.keyId.clear();
    entry.verdict = Verdict::DeniedInvalidKey;
    QVERIFY(
        call<std::string>([&](auto done) { m_store->recordRefusal(entry, kToday, done); }).ok());
    const auto rows = auditOf(*m_store, AuditFilter {});
    QCOMPARE(rows.size(), std::size_t(2));
    QCOMPARE(rows[1].id, id.value());
    QCOMPARE(rows[1].verdict, Verdict::DeniedEndpoint);
    QVERIFY(std::stoll(rows[0].id) > std::stoll(rows[1].id));
    QCOMPARE(rows[0].keyId, std::string());
}

KEYBRAKE_STORE_CONTRACT_MAIN(TestStoreAdmission)
#include "tst_storeadmission.moc"
