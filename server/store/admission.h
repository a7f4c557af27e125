#pragma once

#include "store.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace keybrake {

// The storage primitives of the spend ledger, inside one transaction that the caller opened and
// will commit: what a backend implements so that the admission rules (class Admission below) run
// on it unchanged. Every method reads or writes rows and decides nothing; the one exception is
// reserve(), which must add the hold atomically with its cap check, so that no interleaving of
// admissions (on this instance or any other sharing the store) can overshoot the cap.
//
// The rules read and then decide, so the reads must not go stale before the commit. SQLite's
// single writer serialises every transaction already; a backend whose transactions run
// concurrently (PostgreSQL) must make keyState() lock the key's row until the transaction ends
// (velocity, revocation and the cap of one key are then decided one admission at a time, and a
// revoke waits for the admissions before it), and make claimRecord() of a claim that another
// open transaction is recording wait for it, so that one Idempotency-Key is admitted once.
//
// Windows are identified by their start in Unix milliseconds. Any failure is an exception (the
// caller's transaction rolls back and the call answers Unavailable).
class LedgerTransaction
{
public:
    struct KeyState
    {
        Usd cap;
        std::optional<TimePoint> revokedAt;
        TimePoint expiresAt;
        std::string agentRunLabel; // scope of replays, and prefix blocks
        std::string vendor;
        std::optional<std::int64_t> maxCallsPerMinute;
        std::optional<Usd> maxUsdPerMinute;
    };
    enum class ClaimState {
        InFlight,
        Completed,
        Unknown,
    };
    struct ClaimRecord
    {
        std::string fingerprint;
        ClaimState state = ClaimState::InFlight;
        std::int64_t holdId = 0;
        StoredResponse response;
        TimePoint createdAt;
        std::optional<std::string> ownerLabel; // the recording key's label; nullopt: key gone
    };
    struct Hold
    {
        std::string keyId;
        std::int64_t windowStart = 0;
        Usd amount;
    };
    struct VelocityCall
    {
        TimePoint at;
        Usd amount; // its hold, or what it was charged once settled
    };

    virtual ~LedgerTransaction() = default;

    // --- keys and brakes
    virtual std::optional<KeyState> keyState(std::string_view keyId) = 0;
    // The oldest block active at `now` whose prefix starts `label` (and whose vendor, if any, is
    // `vendor`).
    virtual std::optional<PrefixBlock> activeBlock(std::string_view label, std::string_view vendor,
                                                   TimePoint now) = 0;
    virtual void countBlockedCall(std::string_view blockId) = 0;

    // --- idempotency records of proxied calls
    // The record of (scope, key) whatever its age; nullopt when there is none.
    virtual std::optional<ClaimRecord> claimRecord(const IdempotencyClaim &claim) = 0;
    virtual void forgetClaim(const IdempotencyClaim &claim) = 0;
    // Records the claim in flight under the hold, replacing any record of (scope, key).
    virtual void recordClaimInFlight(const IdempotencyClaim &claim, std::int64_t holdId,
                                     std::string_view keyId, TimePoint at) = 0;
    // Marks the record in flight again (a retry resuming its hold).
    virtual void resumeClaim(const IdempotencyClaim &claim) = 0;
    // The following touch the record only while it is still the one taken under `holdId`.
    virtual void completeClaim(const IdempotencyClaim &claim, std::int64_t holdId,
                               const StoredResponse &response) = 0;
    virtual void dropClaim(const IdempotencyClaim &claim, std::int64_t holdId) = 0;
    virtual void markClaimUnknown(const IdempotencyClaim &claim, std::int64_t holdId) = 0;

    // --- velocity
    // The key's calls with `at` after `after`, oldest first; older ones may be forgotten.
    virtual std::vector<VelocityCall> velocityCalls(std::string_view keyId, TimePoint after) = 0;
    virtual void recordVelocity(std::int64_t holdId, std::string_view keyId, TimePoint at,
                                Usd amount) = 0;
    // The call under the hold now counts as `charged`.
    virtual void settleVelocity(std::int64_t holdId, Usd charged) = 0;

    // --- spend and holds
    // Adds `amount` to the key's held spend in the window if, atomically, settled + held + amount
    // <= cap afterwards; false (and nothing changed) otherwise.
    virtual bool reserve(std::string_view keyId, std::int64_t windowStart, Usd amount, Usd cap) = 0;
    // A new open hold; returns its id.
    virtual std::int64_t insertHold(std::string_view keyId, std::int64_t windowStart, Usd amount,
                                    TimePoint at) = 0;
    virtual std::optional<Hold> hold(std::int64_t holdId) = 0;
    // True when the hold still existed (it is open again and counts as before).
    virtual bool reopenHold(std::int64_t holdId) = 0;
    virtual void markHoldUnknown(std::int64_t holdId) = 0;
    // Removes the hold and moves it in its window's spend from held to `charged` settled.
    virtual void closeHold(const Hold &hold, std::int64_t holdId, Usd charged) = 0;
    // One more call (a refused one when `blocked`) at `at`; returns the spend afterwards.
    virtual KeySpend countCall(std::string_view keyId, std::int64_t windowStart, bool blocked,
                               TimePoint at) = 0;
    // Zero when the key has no spend in the window.
    virtual KeySpend spend(std::string_view keyId, std::int64_t windowStart) = 0;

    // --- audit and events
    // Writes the row (and its live event); returns its id.
    virtual std::string insertAudit(const AuditEntry &entry, std::int64_t windowStart) = 0;
    // The key's spend changed: the backend announces thresholds and key.capped once per window.
    virtual void spendChanged(std::string_view keyId, std::int64_t windowStart,
                              const KeySpend &spend, Usd cap, TimePoint at) = 0;
};

// The storage primitives of a key's issuance, inside one transaction the caller opened and will
// commit (see LedgerTransaction).
class IssuanceTransaction
{
public:
    // The idempotency record of an issuance (scope "issue:" + admin key id).
    struct IssuanceRecord
    {
        std::string fingerprint;
        bool completed = false;
        std::string keyId;
        std::string sealedSecret;
        TimePoint createdAt;
    };

    virtual ~IssuanceTransaction() = default;

    // The record of (scope, key) whatever its age; nullopt when there is none.
    virtual std::optional<IssuanceRecord> issuanceRecord(const IdempotencyClaim &claim) = 0;
    virtual void forgetIssuance(const IdempotencyClaim &claim) = 0;
    virtual std::optional<VaultKey> keyById(std::string_view keyId) = 0;
    // Whether the admin key has been revoked (false when it does not exist).
    virtual bool adminKeyRevoked(std::string_view adminKeyId) = 0;
    virtual std::optional<PrefixBlock> activeBlock(std::string_view label, std::string_view vendor,
                                                   TimePoint now) = 0;
    virtual void countBlockedIssuance(std::string_view blockId) = 0;
    // The velocity default with the longest prefix of `label`.
    virtual std::optional<VelocityDefault> velocityDefault(std::string_view label) = 0;
    // Throws when the id or the secret hash is taken (the store answers Conflict).
    virtual void insertKey(const VaultKey &key) = 0;
    virtual void recordIssuance(const IdempotencyClaim &claim, std::string_view keyId,
                                std::string_view sealedSecret, TimePoint at) = 0;
    // Writes the issuance's admin row (with the key's fields) and its key.issued event, and
    // fills in the issuer's name.
    virtual void announceIssued(VaultKey &key, AuditEntry audit) = 0;
};

// The rules of issuing a vault key, the same for every backend: the Idempotency-Key states of
// POST /v1/keys, then, in the same transaction, a revoked issuer and a prefix block refuse it,
// and the label's velocity defaults fill the limits the request left open.
class Issuance
{
public:
    explicit Issuance(IssuanceTransaction &keys)
        : m_keys(keys)
    {
    }

    IssueKeyResult issue(const IssueKeyRequest &request);

private:
    IssuanceTransaction &m_keys;
};

// The rules of the spend ledger, the same for every backend: the contract's check order for an
// admission (revoked, expired, prefix block, Idempotency-Key states and who may be served a
// replay, cost, velocity, cap), the refusal each failed check maps to and the audit row it
// writes, how a settlement books a call and ends its claim, and how a refusal decided before
// admission is counted. Runs inside the caller's transaction over its primitives.
class Admission
{
public:
    // Idempotency records older than this count as absent (Stripe keeps 24 h; EventBridge
    // retries for up to 24 h, so twice that is safe).
    static constexpr std::chrono::hours kIdempotencyRetention {48};
    // The sliding window of the velocity limits.
    static constexpr std::chrono::milliseconds kVelocityWindow {60'000};

    explicit Admission(LedgerTransaction &ledger)
        : m_ledger(ledger)
    {
    }

    AdmissionResult admit(const AdmissionRequest &request);
    // nullopt when the hold does not exist (settled already, or never taken).
    std::optional<SettlementResult> settle(const Settlement &settlement);
    // A refusal decided before admission; returns the audit row's id.
    std::string recordRefusal(AuditEntry entry, const SpendWindow &window);

    // The refusal when one more call costing `amount` at `now` would pass the key's limits,
    // given its calls in the window (oldest first); nullopt when it fits.
    static std::optional<AdmissionResult::RateRefusal>
    checkRate(const std::vector<LedgerTransaction::VelocityCall> &calls, TimePoint now, Usd amount,
              std::optional<std::int64_t> maxCalls, std::optional<Usd> maxUsd);

private:
    LedgerTransaction &m_ledger;
};

} // namespace keybrake
