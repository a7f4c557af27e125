#pragma once

#include "store.h"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace keybrake {

class SqliteDatabase;

// The spend ledger on the write connection: per key and window the settled spend, the open
// holds, calls and refusals; the holds themselves; and the proxy's idempotency records. Every
// method runs inside the caller's transaction and leaves committing to it.
class SqliteLedger
{
public:
    // Idempotency records older than this count as absent (Stripe keeps 24 h; EventBridge
    // retries for up to 24 h, so twice that is safe).
    static constexpr std::chrono::hours kIdempotencyRetention {48};

    explicit SqliteLedger(SqliteDatabase &db)
        : m_db(db)
    {
    }

    AdmissionResult admit(const AdmissionRequest &request);
    // nullopt when the hold does not exist (settled already, or never taken).
    std::optional<SettlementResult> settle(const Settlement &settlement);
    std::string recordRefusal(AuditEntry entry, const SpendWindow &window);
    std::int64_t purgeIdempotency(TimePoint olderThan);
    // In-flight idempotency records and their holds become unknown (after a crash); returns the
    // number of records.
    std::int64_t reconcileInterrupted();

    // The key's spend in the window starting at `windowStart`; zero when it has no row.
    KeySpend spend(std::string_view keyId, TimePoint windowStart);

private:
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
    struct ClaimRecord
    {
        std::string fingerprint;
        std::string state;
        std::int64_t holdId = 0;
        StoredResponse response;
        std::optional<std::string> ownerLabel; // the recording key's label; nullopt: key gone
    };
    std::optional<KeyState> keyState(std::string_view keyId);
    // The record of a claim, or nullopt when there is none younger than the retention.
    std::optional<ClaimRecord> claimRecord(const IdempotencyClaim &claim, TimePoint now);
    void forgetClaim(const IdempotencyClaim &claim);
    void ensureSpendRow(std::string_view keyId, std::int64_t windowStart);
    KeySpend countCall(std::string_view keyId, std::int64_t windowStart, bool blocked,
                       TimePoint at);
    bool reserve(std::string_view keyId, std::int64_t windowStart, Usd amount, Usd cap);

    SqliteDatabase &m_db;
};

} // namespace keybrake
