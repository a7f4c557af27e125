#include "sqliteledger.h"

#include "sqliteauditlog.h"
#include "sqlitebrakes.h"
#include "sqlitecolumns.h"
#include "sqlitedatabase.h"
#include "sqliteevents.h"

namespace keybrake {

namespace {

KeySpend readSpend(const SqliteStatement &row, int first)
{
    KeySpend spend;
    spend.settled = Usd::fromMicros(row.int64(first));
    spend.held = Usd::fromMicros(row.int64(first + 1));
    spend.calls = row.int64(first + 2);
    spend.blocked = row.int64(first + 3);
    if (const auto at = row.optionalInt64(first + 4))
        spend.lastCallAt = fromUnixMillis(*at);
    return spend;
}

LedgerTransaction::ClaimState claimState(std::string_view text)
{
    if (text == "completed")
        return LedgerTransaction::ClaimState::Completed;
    if (text == "unknown")
        return LedgerTransaction::ClaimState::Unknown;
    return LedgerTransaction::ClaimState::InFlight;
}

} // namespace

std::optional<SqliteLedger::KeyState> SqliteLedger::keyState(std::string_view keyId)
{
    auto select = m_db.prepare(
        "SELECT daily_cap_micros, revoked_at, expires_at, agent_run_label, vendor, "
        "max_calls_per_minute, max_usd_per_minute_micros FROM vault_keys WHERE id = ?");
    select.bind(1, keyId);
    if (!select.step())
        return std::nullopt;
    KeyState state;
    state.cap = Usd::fromMicros(select.int64(0));
    if (const auto revoked = select.optionalInt64(1))
        state.revokedAt = fromUnixMillis(*revoked);
    state.expiresAt = fromUnixMillis(select.int64(2));
    state.agentRunLabel = select.text(3);
    state.vendor = select.text(4);
    state.maxCallsPerMinute = select.optionalInt64(5);
    if (const auto micros = select.optionalInt64(6))
        state.maxUsdPerMinute = Usd::fromMicros(*micros);
    return state;
}

std::optional<PrefixBlock> SqliteLedger::activeBlock(std::string_view label,
                                                     std::string_view vendor, TimePoint now)
{
    return SqliteBrakes(m_db).activeBlock(label, vendor, now);
}

void SqliteLedger::countBlockedCall(std::string_view blockId)
{
    SqliteBrakes(m_db).countRefusedCall(blockId);
}

KeySpend SqliteLedger::countCall(std::string_view keyId, std::int64_t windowStart, bool blocked,
                                 TimePoint at)
{
    auto upsert = m_db.prepare(
        "INSERT INTO key_spend (key_id, window_start, calls, blocked, first_call_at, "
        "last_call_at) VALUES (?1, ?2, 1, ?3, ?4, ?4) ON CONFLICT (key_id, window_start) DO "
        "UPDATE SET calls = calls + 1, blocked = blocked + ?3, "
        // Calls are not admitted in the order they arrived; the latest stays the latest.
        "first_call_at = min(coalesce(first_call_at, ?4), ?4), "
        "last_call_at = max(coalesce(last_call_at, ?4), ?4) "
        "RETURNING settled_micros, held_micros, calls, blocked, last_call_at");
    upsert.bind(1, keyId).bind(2, windowStart).bind(3, blocked ? 1 : 0).bind(4, toUnixMillis(at));
    upsert.step();
    KeySpend spend = readSpend(upsert, 0);
    upsert.run();
    return spend;
}

// The cap invariant lives in this one statement: the hold is added only when it still fits, so
// no interleaving of admissions can overshoot the cap.
bool SqliteLedger::reserve(std::string_view keyId, std::int64_t windowStart, Usd amount, Usd cap)
{
    {
        auto insert = m_db.prepare(
            "INSERT INTO key_spend (key_id, window_start) VALUES (?, ?) ON CONFLICT DO NOTHING");
        insert.bind(1, keyId).bind(2, windowStart);
        insert.run();
    }
    auto update = m_db.prepare("UPDATE key_spend SET held_micros = held_micros + ?1 "
                               "WHERE key_id = ?2 AND window_start = ?3 "
                               "AND settled_micros + held_micros + ?1 <= ?4");
    update.bind(1, amount.micros()).bind(2, keyId).bind(3, windowStart).bind(4, cap.micros());
    update.run();
    return m_db.changes() == 1;
}

KeySpend SqliteLedger::spend(std::string_view keyId, std::int64_t windowStart)
{
    auto select = m_db.prepare(
        "SELECT settled_micros, held_micros, calls, blocked, last_call_at FROM key_spend "
        "WHERE key_id = ? AND window_start = ?");
    select.bind(1, keyId).bind(2, windowStart);
    if (!select.step())
        return {};
    return readSpend(select, 0);
}

std::optional<SqliteLedger::ClaimRecord> SqliteLedger::claimRecord(const IdempotencyClaim &claim)
{
    // The label of the key that made the recorded call: only the same run may be served its
    // replay or resume it.
    auto select =
        m_db.prepare("SELECT i.fingerprint, i.state, i.hold_id, i.response_status, "
                     "i.response_headers, i.response_body, i.created_at, k.agent_run_label "
                     "FROM idempotency i LEFT JOIN vault_keys k ON k.id = i.key_id "
                     "WHERE i.scope = ? AND i.key = ?");
    select.bind(1, std::string_view(claim.scope)).bind(2, std::string_view(claim.key));
    if (!select.step())
        return std::nullopt;
    ClaimRecord record;
    record.fingerprint = select.text(0);
    record.state = claimState(select.text(1));
    record.holdId = select.int64(2);
    record.response.status = select.integer(3);
    record.response.headers = sqlitecolumns::headersFromJson(select.text(4));
    record.response.body = select.blob(5);
    record.createdAt = fromUnixMillis(select.int64(6));
    if (!select.isNull(7))
        record.ownerLabel = select.text(7);
    return record;
}

void SqliteLedger::forgetClaim(const IdempotencyClaim &claim)
{
    auto remove = m_db.prepare("DELETE FROM idempotency WHERE scope = ? AND key = ?");
    remove.bind(1, std::string_view(claim.scope)).bind(2, std::string_view(claim.key));
    remove.run();
}

void SqliteLedger::recordClaimInFlight(const IdempotencyClaim &claim, std::int64_t holdId,
                                       std::string_view keyId, TimePoint at)
{
    auto record = m_db.prepare(
        "INSERT INTO idempotency (scope, key, fingerprint, state, hold_id, key_id, "
        "created_at) VALUES (?, ?, ?, 'in_flight', ?, ?, ?) ON CONFLICT (scope, key) DO "
        "UPDATE SET fingerprint = excluded.fingerprint, state = 'in_flight', "
        "hold_id = excluded.hold_id, key_id = excluded.key_id, "
        "created_at = excluded.created_at, response_status = NULL, "
        "response_headers = NULL, response_body = NULL");
    record.bind(1, std::string_view(claim.scope))
        .bind(2, std::string_view(claim.key))
        .bind(3, std::string_view(claim.fingerprint))
        .bind(4, holdId)
        .bind(5, keyId)
        .bind(6, toUnixMillis(at));
    record.run();
}

void SqliteLedger::resumeClaim(const IdempotencyClaim &claim)
{
    auto resume =
        m_db.prepare("UPDATE idempotency SET state = 'in_flight' WHERE scope = ? AND key = ?");
    resume.bind(1, std::string_view(claim.scope)).bind(2, std::string_view(claim.key));
    resume.run();
}

void SqliteLedger::completeClaim(const IdempotencyClaim &claim, std::int64_t holdId,
                                 const StoredResponse &response)
{
    auto complete = m_db.prepare("UPDATE idempotency SET state = 'completed', response_status = ?, "
                                 "response_headers = ?, response_body = ? "
                                 "WHERE scope = ? AND key = ? AND hold_id = ?");
    complete.bind(1, response.status)
        .bind(2, sqlitecolumns::headersToJson(response.headers))
        .bindBlob(3, response.body)
        .bind(4, std::string_view(claim.scope))
        .bind(5, std::string_view(claim.key))
        .bind(6, holdId);
    complete.run();
}

void SqliteLedger::dropClaim(const IdempotencyClaim &claim, std::int64_t holdId)
{
    auto remove =
        m_db.prepare("DELETE FROM idempotency WHERE scope = ? AND key = ? AND hold_id = ?");
    remove.bind(1, std::string_view(claim.scope))
        .bind(2, std::string_view(claim.key))
        .bind(3, holdId);
    remove.run();
}

void SqliteLedger::markClaimUnknown(const IdempotencyClaim &claim, std::int64_t holdId)
{
    auto mark = m_db.prepare("UPDATE idempotency SET state = 'unknown' "
                             "WHERE scope = ? AND key = ? AND hold_id = ?");
    mark.bind(1, std::string_view(claim.scope))
        .bind(2, std::string_view(claim.key))
        .bind(3, holdId);
    mark.run();
}

std::vector<LedgerTransaction::VelocityCall> SqliteLedger::velocityCalls(std::string_view keyId,
                                                                         TimePoint after)
{
    return SqliteBrakes(m_db).velocityCalls(keyId, after);
}

void SqliteLedger::recordVelocity(std::int64_t holdId, std::string_view keyId, TimePoint at,
                                  Usd amount)
{
    SqliteBrakes(m_db).recordAdmitted(holdId, keyId, at, amount);
}

void SqliteLedger::settleVelocity(std::int64_t holdId, Usd charged)
{
    SqliteBrakes(m_db).settled(holdId, charged);
}

std::int64_t SqliteLedger::insertHold(std::string_view keyId, std::int64_t windowStart, Usd amount,
                                      TimePoint at)
{
    auto hold = m_db.prepare("INSERT INTO holds (key_id, window_start, amount_micros, state, "
                             "created_at) VALUES (?, ?, ?, 'open', ?)");
    hold.bind(1, keyId).bind(2, windowStart).bind(3, amount.micros()).bind(4, toUnixMillis(at));
    hold.run();
    return m_db.lastInsertRowId();
}

std::optional<LedgerTransaction::Hold> SqliteLedger::hold(std::int64_t holdId)
{
    auto select =
        m_db.prepare("SELECT key_id, window_start, amount_micros FROM holds WHERE id = ?");
    select.bind(1, holdId);
    if (!select.step())
        return std::nullopt;
    return Hold {select.text(0), select.int64(1), Usd::fromMicros(select.int64(2))};
}

bool SqliteLedger::reopenHold(std::int64_t holdId)
{
    auto reopen = m_db.prepare("UPDATE holds SET state = 'open' WHERE id = ?");
    reopen.bind(1, holdId);
    reopen.run();
    return m_db.changes() == 1;
}

void SqliteLedger::markHoldUnknown(std::int64_t holdId)
{
    auto mark = m_db.prepare("UPDATE holds SET state = 'unknown' WHERE id = ?");
    mark.bind(1, holdId);
    mark.run();
}

void SqliteLedger::closeHold(const Hold &hold, std::int64_t holdId, Usd charged)
{
    auto update = m_db.prepare("UPDATE key_spend SET held_micros = held_micros - ?, "
                               "settled_micros = settled_micros + ? "
                               "WHERE key_id = ? AND window_start = ?");
    update.bind(1, hold.amount.micros())
        .bind(2, charged.micros())
        .bind(3, std::string_view(hold.keyId))
        .bind(4, hold.windowStart);
    update.run();
    auto remove = m_db.prepare("DELETE FROM holds WHERE id = ?");
    remove.bind(1, holdId);
    remove.run();
}

std::string SqliteLedger::insertAudit(const AuditEntry &entry, std::int64_t windowStart)
{
    return SqliteAuditLog(m_db).insert(entry, windowStart);
}

void SqliteLedger::spendChanged(std::string_view keyId, std::int64_t windowStart,
                                const KeySpend &spend, Usd cap, TimePoint at)
{
    SqliteEvents(m_db).spendChanged(keyId, windowStart, spend, cap, at);
}

std::int64_t SqliteLedger::reconcileInterrupted()
{
    // Calls admitted under an Idempotency-Key by a process that died before their answer: the
    // vendor may or may not have acted. Their holds keep counting, as unknown, and the records
    // become unknown too, so a retry resumes them (or, at a vendor without idempotency, retries
    // as a new call) instead of being told for 48 hours that the call is still in flight.
    auto holds = m_db.prepare(
        "UPDATE holds SET state = 'unknown' WHERE state = 'open' AND id IN "
        "(SELECT hold_id FROM idempotency WHERE state = 'in_flight' AND hold_id IS NOT NULL)");
    holds.run();
    auto records = m_db.prepare("UPDATE idempotency SET state = 'unknown' WHERE state = "
                                "'in_flight' AND hold_id IS NOT NULL");
    records.run();
    return m_db.changes();
}

std::int64_t SqliteLedger::purgeIdempotency(TimePoint olderThan)
{
    auto remove = m_db.prepare("DELETE FROM idempotency WHERE created_at < ?");
    remove.bind(1, toUnixMillis(olderThan));
    remove.run();
    return m_db.changes();
}

} // namespace keybrake
