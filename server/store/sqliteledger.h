#pragma once

#include "admission.h"
#include "store.h"

#include <optional>
#include <string>
#include <string_view>

namespace keybrake {

class SqliteDatabase;

// The spend ledger's rows on the write connection: per key and window the settled spend, the open
// holds, calls and refusals; the holds themselves; and the proxy's idempotency records. It
// implements the primitives the admission rules (admission.h) run on; every method runs inside
// the caller's transaction and leaves committing to it.
class SqliteLedger final : public LedgerTransaction
{
public:
    explicit SqliteLedger(SqliteDatabase &db)
        : m_db(db)
    {
    }

    std::int64_t purgeIdempotency(TimePoint olderThan);
    // In-flight idempotency records and their holds become unknown (after a crash); returns the
    // number of records.
    std::int64_t reconcileInterrupted();

    // The key's spend in the window starting at `windowStart`; zero when it has no row.
    KeySpend spend(std::string_view keyId, TimePoint windowStart)
    {
        return spend(keyId, toUnixMillis(windowStart));
    }

    // --- LedgerTransaction
    std::optional<KeyState> keyState(std::string_view keyId) override;
    std::optional<PrefixBlock> activeBlock(std::string_view label, std::string_view vendor,
                                           TimePoint now) override;
    void countBlockedCall(std::string_view blockId) override;
    std::optional<ClaimRecord> claimRecord(const IdempotencyClaim &claim) override;
    void forgetClaim(const IdempotencyClaim &claim) override;
    void recordClaimInFlight(const IdempotencyClaim &claim, std::int64_t holdId,
                             std::string_view keyId, TimePoint at) override;
    void resumeClaim(const IdempotencyClaim &claim) override;
    void completeClaim(const IdempotencyClaim &claim, std::int64_t holdId,
                       const StoredResponse &response) override;
    void dropClaim(const IdempotencyClaim &claim, std::int64_t holdId) override;
    void markClaimUnknown(const IdempotencyClaim &claim, std::int64_t holdId) override;
    std::vector<VelocityCall> velocityCalls(std::string_view keyId, TimePoint after) override;
    void recordVelocity(std::int64_t holdId, std::string_view keyId, TimePoint at,
                        Usd amount) override;
    void settleVelocity(std::int64_t holdId, Usd charged) override;
    bool reserve(std::string_view keyId, std::int64_t windowStart, Usd amount, Usd cap) override;
    std::int64_t insertHold(std::string_view keyId, std::int64_t windowStart, Usd amount,
                            TimePoint at) override;
    std::optional<Hold> hold(std::int64_t holdId) override;
    bool reopenHold(std::int64_t holdId) override;
    void markHoldUnknown(std::int64_t holdId) override;
    void closeHold(const Hold &hold, std::int64_t holdId, Usd charged) override;
    KeySpend countCall(std::string_view keyId, std::int64_t windowStart, bool blocked,
                       TimePoint at) override;
    KeySpend spend(std::string_view keyId, std::int64_t windowStart) override;
    std::string insertAudit(const AuditEntry &entry, std::int64_t windowStart) override;
    void spendChanged(std::string_view keyId, std::int64_t windowStart, const KeySpend &spend,
                      Usd cap, TimePoint at) override;

private:
    SqliteDatabase &m_db;
};

} // namespace keybrake
