#include "admission.h"

#include <algorithm>

namespace keybrake {

namespace {

using Outcome = AdmissionResult::Outcome;
using ClaimState = LedgerTransaction::ClaimState;

struct Refusal
{
    Outcome outcome;
    Verdict verdict;
    std::string_view reason;
    int httpStatus;
};

constexpr Refusal kUnknownKey {Outcome::UnknownKey, Verdict::DeniedInvalidKey, "invalid_key", 401};
constexpr Refusal kRevoked {Outcome::Revoked, Verdict::DeniedRevoked, "key_revoked", 401};
constexpr Refusal kExpired {Outcome::Expired, Verdict::DeniedExpired, "key_expired", 401};
constexpr Refusal kMismatch {Outcome::IdempotencyMismatch, Verdict::DeniedIdempotency,
                             "idempotency_key_reused", 422};
constexpr Refusal kInFlight {Outcome::InFlight, Verdict::DeniedIdempotency,
                             "idempotency_key_in_use", 409};
constexpr Refusal kCostUnknown {Outcome::CostUnknown, Verdict::DeniedCostUnknown, "cost_unknown",
                                422};
constexpr Refusal kCurrency {Outcome::CurrencyUnsupported, Verdict::DeniedCurrency,
                             "currency_not_supported", 422};
constexpr Refusal kCapExhausted {Outcome::CapExhausted, Verdict::DeniedCap, "cap_exhausted", 429};
constexpr Refusal kBlocked {Outcome::PrefixBlocked, Verdict::DeniedBlocked, "prefix_blocked", 403};
constexpr Refusal kRate {Outcome::RateExceeded, Verdict::DeniedRate, "rate_exceeded", 429};

// A row of the audit log for a call that moved no money, as the ledger writes it for refusals and
// replays.
AuditEntry costless(AuditEntry audit, const CostEstimate &estimate, Verdict verdict,
                    std::string_view reason, int httpStatus)
{
    audit.verdict = verdict;
    audit.reason = reason;
    audit.httpStatus = httpStatus;
    audit.cost = Usd();
    audit.costSource = CostSource::None;
    if (audit.currency.empty())
        audit.currency = estimate.currency;
    if (!audit.originalAmount)
        audit.originalAmount = estimate.originalAmount;
    return audit;
}

} // namespace

std::optional<AdmissionResult::RateRefusal>
Admission::checkRate(const std::vector<LedgerTransaction::VelocityCall> &calls, TimePoint now,
                     Usd amount, std::optional<std::int64_t> maxCalls, std::optional<Usd> maxUsd)
{
    AdmissionResult::RateRefusal refusal;
    refusal.maxCallsPerMinute = maxCalls;
    refusal.maxUsdPerMinute = maxUsd;
    refusal.callsInWindow = static_cast<std::int64_t>(calls.size());
    std::int64_t sum = 0;
    for (const auto &call : calls)
        sum += call.amount.micros();
    refusal.usdInWindow = Usd::fromMicros(sum);

    const std::int64_t nowMs = toUnixMillis(now);
    const std::int64_t windowMs = kVelocityWindow.count();
    // When the window has dropped enough of the oldest calls for this one to fit.
    const auto retryAt = [&](std::size_t dropped) {
        const std::int64_t leaves = toUnixMillis(calls[dropped - 1].at) + windowMs;
        const std::int64_t waitMs = std::max<std::int64_t>(leaves - nowMs, 1);
        return std::chrono::seconds((waitMs + 999) / 1000);
    };
    if (maxCalls && refusal.callsInWindow + 1 > *maxCalls) {
        refusal.limit = "calls_per_minute";
        const auto dropped = static_cast<std::size_t>(refusal.callsInWindow + 1 - *maxCalls);
        refusal.retryAfter = dropped <= calls.size() ? retryAt(dropped) : std::chrono::seconds(60);
        return refusal;
    }
    if (maxUsd && sum + amount.micros() > maxUsd->micros()) {
        refusal.limit = "usd_per_minute";
        // A call larger than the limit itself never fits: say a full window.
        refusal.retryAfter = std::chrono::seconds(60);
        if (amount <= *maxUsd) {
            std::int64_t remaining = sum;
            for (std::size_t i = 0; i < calls.size(); ++i) {
                remaining -= calls[i].amount.micros();
                if (remaining + amount.micros() <= maxUsd->micros()) {
                    refusal.retryAfter = retryAt(i + 1);
                    break;
                }
            }
        }
        return refusal;
    }
    return std::nullopt;
}

AdmissionResult Admission::admit(const AdmissionRequest &request)
{
    AdmissionResult result;
    const std::int64_t window = toUnixMillis(request.window.start);

    const auto key = m_ledger.keyState(request.keyId);
    if (!key) {
        // Nothing to count against: the row is the only trace.
        result.outcome = kUnknownKey.outcome;
        result.auditId =
            m_ledger.insertAudit(costless(request.audit, request.estimate, kUnknownKey.verdict,
                                          kUnknownKey.reason, kUnknownKey.httpStatus),
                                 window);
        return result;
    }
    result.cap = key->cap;

    const auto finish = [&](Outcome outcome, bool blocked) {
        result.outcome = outcome;
        result.spend = m_ledger.countCall(request.keyId, window, blocked, request.now);
        return result;
    };
    const auto refuse = [&](const Refusal &refusal) {
        finish(refusal.outcome, true);
        AuditEntry row = costless(request.audit, request.estimate, refusal.verdict, refusal.reason,
                                  refusal.httpStatus);
        row.capUsageAfter = result.spend.settled + result.spend.held;
        result.auditId = m_ledger.insertAudit(row, window);
        return result;
    };

    if (key->revokedAt) {
        result.revokedAt = key->revokedAt;
        return refuse(kRevoked);
    }
    if (request.now >= key->expiresAt) {
        result.expiredAt = key->expiresAt;
        return refuse(kExpired);
    }
    // In the same transaction as the revoked check: a block that committed before this
    // admission stops it, on every instance sharing the store.
    if (auto block = m_ledger.activeBlock(key->agentRunLabel, key->vendor, request.now)) {
        m_ledger.countBlockedCall(block->id);
        block->refusedCalls += 1;
        result.block = std::move(block);
        return refuse(kBlocked);
    }

    const auto &claim = request.idempotency;
    if (claim) {
        auto record = m_ledger.claimRecord(*claim);
        if (record && request.now - record->createdAt >= kIdempotencyRetention) {
            // Past retention the key is new again; the old record would only get in the way of
            // the new one's insert. Its hold, if any, stays until it is settled or reconciled.
            m_ledger.forgetClaim(*claim);
            record.reset();
        }
        if (record) {
            // Another run's call (or another account or scope, which the fingerprint covers) is
            // not this request, however alike: it is neither replayed to it nor resumed by it.
            if (record->fingerprint != claim->fingerprint || !record->ownerLabel
                || *record->ownerLabel != key->agentRunLabel)
                return refuse(kMismatch);
            if (record->state == ClaimState::InFlight)
                return refuse(kInFlight);
            if (record->state == ClaimState::Completed) {
                result.replay = std::move(record->response);
                finish(Outcome::Replayed, false);
                AuditEntry row = costless(request.audit, request.estimate, Verdict::Replayed, "",
                                          result.replay.status);
                row.capUsageAfter = result.spend.settled + result.spend.held;
                result.auditId = m_ledger.insertAudit(row, window);
                return result;
            }
            // Unknown: an earlier attempt's outcome was never learnt and its hold still counts.
            // Where the vendor deduplicates the same Idempotency-Key, the retry carries on under
            // that hold, unless the hold has been reconciled away meanwhile. Elsewhere (Twilio)
            // the retry is a new call: its own hold, on the sender's cap, below; the earlier
            // hold stays unknown.
            if (request.vendorDeduplicates) {
                if (m_ledger.reopenHold(record->holdId)) {
                    m_ledger.resumeClaim(*claim);
                    result.holdId = record->holdId;
                    result.resumedHold = true;
                    return finish(Outcome::Admitted, false);
                }
                m_ledger.forgetClaim(*claim);
            }
        }
    }

    switch (request.estimate.outcome) {
    case CostEstimate::Outcome::Known:
        break;
    case CostEstimate::Outcome::Unknown:
        return refuse(kCostUnknown);
    case CostEstimate::Outcome::CurrencyUnsupported:
        return refuse(kCurrency);
    }
    // A negative hold would raise the room under the cap; it can only be a bug upstream, and the
    // ledger fails closed on it.
    if (request.estimate.amount < Usd())
        return refuse(kCostUnknown);

    const bool limited = key->maxCallsPerMinute || key->maxUsdPerMinute;
    if (limited) {
        const auto calls = m_ledger.velocityCalls(request.keyId, request.now - kVelocityWindow);
        if (auto rate = checkRate(calls, request.now, request.estimate.amount,
                                  key->maxCallsPerMinute, key->maxUsdPerMinute)) {
            result.rate = std::move(*rate);
            return refuse(kRate);
        }
    }

    if (!m_ledger.reserve(request.keyId, window, request.estimate.amount, key->cap))
        return refuse(kCapExhausted);

    result.holdId =
        m_ledger.insertHold(request.keyId, window, request.estimate.amount, request.now);
    if (limited)
        m_ledger.recordVelocity(result.holdId, request.keyId, request.now, request.estimate.amount);
    // A retry of an unknown call at a vendor without idempotency takes its record over.
    if (claim)
        m_ledger.recordClaimInFlight(*claim, result.holdId, request.keyId, request.now);
    finish(Outcome::Admitted, false);
    // The new hold may have brought settled + held to the cap (key.capped).
    m_ledger.spendChanged(request.keyId, window, result.spend, key->cap, request.now);
    return result;
}

std::optional<SettlementResult> Admission::settle(const Settlement &settlement)
{
    const auto hold = m_ledger.hold(settlement.holdId);
    if (!hold)
        return std::nullopt;

    // A charge never goes below zero: a negative amount is a parsing bug, not a refund.
    const Usd charged =
        settlement.kind == Settlement::Kind::Charge ? std::max(settlement.amount, Usd()) : Usd();
    if (settlement.kind == Settlement::Kind::KeepUnknown) {
        m_ledger.markHoldUnknown(settlement.holdId);
    } else {
        m_ledger.closeHold(*hold, settlement.holdId, charged);
        // A limited key's call counts in its velocity window as what it cost.
        m_ledger.settleVelocity(settlement.holdId, charged);
    }

    if (const auto &claim = settlement.idempotency) {
        // Only the record this hold was admitted under: after a purge the same key may belong
        // to a newer request.
        if (settlement.response || settlement.kind == Settlement::Kind::Charge)
            m_ledger.completeClaim(*claim, settlement.holdId,
                                   settlement.response.value_or(StoredResponse {}));
        else if (settlement.kind == Settlement::Kind::Release)
            m_ledger.dropClaim(*claim, settlement.holdId);
        else
            m_ledger.markClaimUnknown(*claim, settlement.holdId);
    }

    SettlementResult result;
    result.spend = m_ledger.spend(hold->keyId, hold->windowStart);
    if (const auto key = m_ledger.keyState(hold->keyId))
        result.cap = key->cap;
    AuditEntry row = settlement.audit;
    row.capUsageAfter = result.spend.settled + result.spend.held;
    // The row carries exactly what the ledger booked, in the window it booked it in (the hold's,
    // also for a retry that resumed an earlier window's hold), so audit sums equal the spend.
    row.cost = charged;
    result.auditId = m_ledger.insertAudit(row, hold->windowStart);
    // After the call's own event: an alert follows the call that caused it.
    m_ledger.spendChanged(hold->keyId, hold->windowStart, result.spend, result.cap, row.ts);
    return result;
}

std::string Admission::recordRefusal(AuditEntry entry, const SpendWindow &window)
{
    const auto key = entry.keyId.empty() ? std::nullopt : m_ledger.keyState(entry.keyId);
    if (key && entry.verdict == Verdict::DeniedBlocked) {
        // Refused at lookup, before admission: counted on the block that refused it.
        if (const auto block = m_ledger.activeBlock(key->agentRunLabel, key->vendor, entry.ts))
            m_ledger.countBlockedCall(block->id);
    }
    const std::int64_t windowStart = toUnixMillis(window.start);
    if (key) {
        // Only denials count as blocked (KeySpend::blocked); a call refused because the server
        // lacks the vendor's credential is an upstream_error, as in the audit row.
        const KeySpend after =
            m_ledger.countCall(entry.keyId, windowStart, isDenial(entry.verdict), entry.ts);
        if (!entry.capUsageAfter)
            entry.capUsageAfter = after.settled + after.held;
    }
    return m_ledger.insertAudit(entry, windowStart);
}

IssueKeyResult Issuance::issue(const IssueKeyRequest &request)
{
    using IssueOutcome = IssueKeyResult::Outcome;
    IssueKeyResult result;
    const TimePoint now = request.key.createdAt;
    if (const auto &claim = request.idempotency) {
        auto record = m_keys.issuanceRecord(*claim);
        if (record && now - record->createdAt < Admission::kIdempotencyRetention) {
            if (record->fingerprint != claim->fingerprint) {
                result.outcome = IssueOutcome::IdempotencyMismatch;
                return result;
            }
            if (!record->completed) {
                result.outcome = IssueOutcome::IdempotencyInFlight;
                return result;
            }
            if (auto original = m_keys.keyById(record->keyId)) {
                result.outcome = IssueOutcome::Replayed;
                result.key = std::move(*original);
                result.sealedSecret = std::move(record->sealedSecret);
                return result;
            }
        }
        // None, past retention, or its key is gone: the claim is new.
        m_keys.forgetIssuance(*claim);
    }

    // Inside the issuance's transaction, so a revoke of the issuer or a new block that committed
    // before it stops it, whatever the route saw when it authenticated.
    if (m_keys.adminKeyRevoked(request.key.createdBy)) {
        result.outcome = IssueOutcome::IssuerRevoked;
        return result;
    }
    if (auto block =
            m_keys.activeBlock(request.key.agentRunLabel, vendorName(request.key.vendor), now)) {
        m_keys.countBlockedIssuance(block->id);
        block->refusedIssuances += 1;
        result.outcome = IssueOutcome::PrefixBlocked;
        result.block = std::move(block);
        return result;
    }
    VaultKey key = request.key;
    if (!key.maxCallsPerMinute || !key.maxUsdPerMinute) {
        if (const auto fallback = m_keys.velocityDefault(key.agentRunLabel)) {
            if (!key.maxCallsPerMinute)
                key.maxCallsPerMinute = fallback->maxCallsPerMinute;
            if (!key.maxUsdPerMinute)
                key.maxUsdPerMinute = fallback->maxUsdPerMinute;
        }
    }

    m_keys.insertKey(key);
    if (const auto &claim = request.idempotency)
        m_keys.recordIssuance(*claim, key.id, request.sealedSecret, now);
    m_keys.announceIssued(key, request.audit);

    result.outcome = IssueOutcome::Created;
    result.key = std::move(key);
    result.sealedSecret = request.idempotency ? request.sealedSecret : std::string();
    return result;
}

} // namespace keybrake
