#include "sqliteledger.h"

#include "sqliteauditlog.h"
#include "sqlitebrakes.h"
#include "sqlitecolumns.h"
#include "sqlitedatabase.h"
#include "sqliteevents.h"

#include <algorithm>

namespace keybrake {

namespace {

using Outcome = AdmissionResult::Outcome;

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

// A row of the audit log for a call that moved no money, as the store writes it for refusals and
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

void SqliteLedger::ensureSpendRow(std::string_view keyId, std::int64_t windowStart)
{
    auto insert = m_db.prepare(
        "INSERT INTO key_spend (key_id, window_start) VALUES (?, ?) ON CONFLICT DO NOTHING");
    insert.bind(1, keyId).bind(2, windowStart);
    insert.run();
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
    auto update = m_db.prepare("UPDATE key_spend SET held_micros = held_micros + ?1 "
                               "WHERE key_id = ?2 AND window_start = ?3 "
                               "AND settled_micros + held_micros + ?1 <= ?4");
    update.bind(1, amount.micros()).bind(2, keyId).bind(3, windowStart).bind(4, cap.micros());
    update.run();
    return m_db.changes() == 1;
}

KeySpend SqliteLedger::spend(std::string_view keyId, TimePoint windowStart)
{
    auto select = m_db.prepare(
        "SELECT settled_micros, held_micros, calls, blocked, last_call_at FROM key_spend "
        "WHERE key_id = ? AND window_start = ?");
    select.bind(1, keyId).bind(2, toUnixMillis(windowStart));
    if (!select.step())
        return {};
    return readSpend(select, 0);
}

std::optional<SqliteLedger::ClaimRecord> SqliteLedger::claimRecord(const IdempotencyClaim &claim,
                                                                   TimePoint now)
{
    std::optional<ClaimRecord> record;
    {
        // The label of the key that made the recorded call: only the same run may be served
        // its replay or resume it.
        auto select = m_db.prepare(
            "SELECT i.fingerprint, i.state, i.hold_id, i.response_status, i.response_headers, "
            "i.response_body, i.created_at, k.agent_run_label FROM idempotency i "
            "LEFT JOIN vault_keys k ON k.id = i.key_id WHERE i.scope = ? AND i.key = ?");
        select.bind(1, std::string_view(claim.scope)).bind(2, std::string_view(claim.key));
        if (!select.step())
            return std::nullopt;
        if (now - fromUnixMillis(select.int64(6)) < kIdempotencyRetention) {
            record.emplace();
            record->fingerprint = select.text(0);
            record->state = select.text(1);
            record->holdId = select.int64(2);
            record->response.status = select.integer(3);
            record->response.headers = sqlitecolumns::headersFromJson(select.text(4));
            record->response.body = select.blob(5);
            if (!select.isNull(7))
                record->ownerLabel = select.text(7);
            return record;
        }
    }
    // Past retention the key is new again; the old record would only get in the way of the new
    // one's insert. Its hold, if any, stays until it is settled or reconciled.
    forgetClaim(claim);
    return std::nullopt;
}

void SqliteLedger::forgetClaim(const IdempotencyClaim &claim)
{
    auto remove = m_db.prepare("DELETE FROM idempotency WHERE scope = ? AND key = ?");
    remove.bind(1, std::string_view(claim.scope)).bind(2, std::string_view(claim.key));
    remove.run();
}

AdmissionResult SqliteLedger::admit(const AdmissionRequest &request)
{
    AdmissionResult result;
    SqliteAuditLog audit(m_db);
    const std::int64_t window = toUnixMillis(request.window.start);

    const auto key = keyState(request.keyId);
    if (!key) {
        // Nothing to count against: the row is the only trace.
        result.outcome = kUnknownKey.outcome;
        result.auditId = audit.insert(costless(request.audit, request.estimate, kUnknownKey.verdict,
                                               kUnknownKey.reason, kUnknownKey.httpStatus),
                                      window);
        return result;
    }
    result.cap = key->cap;

    const auto finish = [&](Outcome outcome, bool blocked) {
        result.outcome = outcome;
        result.spend = countCall(request.keyId, window, blocked, request.now);
        return result;
    };
    const auto refuse = [&](const Refusal &refusal) {
        finish(refusal.outcome, true);
        AuditEntry row = costless(request.audit, request.estimate, refusal.verdict, refusal.reason,
                                  refusal.httpStatus);
        row.capUsageAfter = result.spend.settled + result.spend.held;
        result.auditId = audit.insert(row, window);
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
    SqliteBrakes brakes(m_db);
    if (auto block = brakes.activeBlock(key->agentRunLabel, key->vendor, request.now)) {
        brakes.countRefusedCall(block->id);
        block->refusedCalls += 1;
        result.block = std::move(block);
        return refuse(kBlocked);
    }

    const auto &claim = request.idempotency;
    if (claim) {
        if (auto record = claimRecord(*claim, request.now)) {
            // Another run's call (or another account or scope, which the fingerprint covers) is
            // not this request, however alike: it is neither replayed to it nor resumed by it.
            if (record->fingerprint != claim->fingerprint || !record->ownerLabel
                || *record->ownerLabel != key->agentRunLabel)
                return refuse(kMismatch);
            if (record->state == "in_flight")
                return refuse(kInFlight);
            if (record->state == "completed") {
                result.replay = std::move(record->response);
                finish(Outcome::Replayed, false);
                AuditEntry row = costless(request.audit, request.estimate, Verdict::Replayed, "",
                                          result.replay.status);
                row.capUsageAfter = result.spend.settled + result.spend.held;
                result.auditId = audit.insert(row, window);
                return result;
            }
            // "unknown": an earlier attempt's outcome was never learnt and its hold still
            // counts. Where the vendor deduplicates the same Idempotency-Key, the retry carries
            // on under that hold, unless the hold has been reconciled away meanwhile. Elsewhere
            // (Twilio) the retry is a new call: its own hold, on the sender's cap, below; the
            // earlier hold stays unknown.
            int reopened = 0;
            if (request.vendorDeduplicates) {
                auto reopen = m_db.prepare("UPDATE holds SET state = 'open' WHERE id = ?");
                reopen.bind(1, record->holdId);
                reopen.run();
                reopened = m_db.changes();
            }
            if (reopened == 1) {
                auto resume = m_db.prepare(
                    "UPDATE idempotency SET state = 'in_flight' WHERE scope = ? AND key = ?");
                resume.bind(1, std::string_view(claim->scope))
                    .bind(2, std::string_view(claim->key));
                resume.run();
                result.holdId = record->holdId;
                result.resumedHold = true;
                return finish(Outcome::Admitted, false);
            }
            if (request.vendorDeduplicates)
                forgetClaim(*claim);
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
        const auto rate = brakes.checkRate(request.keyId, request.now, request.estimate.amount,
                                           key->maxCallsPerMinute, key->maxUsdPerMinute);
        if (rate.exceeded) {
            result.rate = {rate.limit,         key->maxCallsPerMinute, key->maxUsdPerMinute,
                           rate.callsInWindow, rate.usdInWindow,       rate.retryAfter};
            return refuse(kRate);
        }
    }

    ensureSpendRow(request.keyId, window);
    if (!reserve(request.keyId, window, request.estimate.amount, key->cap))
        return refuse(kCapExhausted);

    auto hold = m_db.prepare("INSERT INTO holds (key_id, window_start, amount_micros, state, "
                             "created_at) VALUES (?, ?, ?, 'open', ?)");
    hold.bind(1, std::string_view(request.keyId))
        .bind(2, window)
        .bind(3, request.estimate.amount.micros())
        .bind(4, toUnixMillis(request.now));
    hold.run();
    result.holdId = m_db.lastInsertRowId();
    if (limited)
        brakes.recordAdmitted(result.holdId, request.keyId, request.now, request.estimate.amount);

    if (claim) {
        // A retry of an unknown call at a vendor without idempotency takes its record over.
        auto record = m_db.prepare(
            "INSERT INTO idempotency (scope, key, fingerprint, state, hold_id, key_id, "
            "created_at) VALUES (?, ?, ?, 'in_flight', ?, ?, ?) ON CONFLICT (scope, key) DO "
            "UPDATE SET fingerprint = excluded.fingerprint, state = 'in_flight', "
            "hold_id = excluded.hold_id, key_id = excluded.key_id, "
            "created_at = excluded.created_at, response_status = NULL, "
            "response_headers = NULL, response_body = NULL");
        record.bind(1, std::string_view(claim->scope))
            .bind(2, std::string_view(claim->key))
            .bind(3, std::string_view(claim->fingerprint))
            .bind(4, result.holdId)
            .bind(5, std::string_view(request.keyId))
            .bind(6, toUnixMillis(request.now));
        record.run();
    }
    finish(Outcome::Admitted, false);
    // The new hold may have brought settled + held to the cap (key.capped).
    SqliteEvents(m_db).spendChanged(request.keyId, window, result.spend, key->cap, request.now);
    return result;
}

std::optional<SettlementResult> SqliteLedger::settle(const Settlement &settlement)
{
    std::string keyId;
    std::int64_t window = 0;
    Usd held;
    {
        auto select =
            m_db.prepare("SELECT key_id, window_start, amount_micros FROM holds WHERE id = ?");
        select.bind(1, settlement.holdId);
        if (!select.step())
            return std::nullopt;
        keyId = select.text(0);
        window = select.int64(1);
        held = Usd::fromMicros(select.int64(2));
    }

    // A charge never goes below zero: a negative amount is a parsing bug, not a refund.
    const Usd charged =
        settlement.kind == Settlement::Kind::Charge ? std::max(settlement.amount, Usd()) : Usd();
    if (settlement.kind == Settlement::Kind::KeepUnknown) {
        auto mark = m_db.prepare("UPDATE holds SET state = 'unknown' WHERE id = ?");
        mark.bind(1, settlement.holdId);
        mark.run();
    } else {
        auto update = m_db.prepare("UPDATE key_spend SET held_micros = held_micros - ?, "
                                   "settled_micros = settled_micros + ? "
                                   "WHERE key_id = ? AND window_start = ?");
        update.bind(1, held.micros()).bind(2, charged.micros()).bind(3, keyId).bind(4, window);
        update.run();
        auto remove = m_db.prepare("DELETE FROM holds WHERE id = ?");
        remove.bind(1, settlement.holdId);
        remove.run();
        // A limited key's call counts in its velocity window as what it cost.
        SqliteBrakes(m_db).settled(settlement.holdId, charged);
    }

    if (const auto &claim = settlement.idempotency) {
        // Only the record this hold was admitted under: after a purge the same key may belong
        // to a newer request.
        if (settlement.response || settlement.kind == Settlement::Kind::Charge) {
            const StoredResponse response = settlement.response.value_or(StoredResponse {});
            auto complete =
                m_db.prepare("UPDATE idempotency SET state = 'completed', response_status = ?, "
                             "response_headers = ?, response_body = ? "
                             "WHERE scope = ? AND key = ? AND hold_id = ?");
            complete.bind(1, response.status)
                .bind(2, sqlitecolumns::headersToJson(response.headers))
                .bindBlob(3, response.body)
                .bind(4, std::string_view(claim->scope))
                .bind(5, std::string_view(claim->key))
                .bind(6, settlement.holdId);
            complete.run();
        } else if (settlement.kind == Settlement::Kind::Release) {
            auto remove =
                m_db.prepare("DELETE FROM idempotency WHERE scope = ? AND key = ? AND hold_id = ?");
            remove.bind(1, std::string_view(claim->scope))
                .bind(2, std::string_view(claim->key))
                .bind(3, settlement.holdId);
            remove.run();
        } else {
            auto mark = m_db.prepare("UPDATE idempotency SET state = 'unknown' "
                                     "WHERE scope = ? AND key = ? AND hold_id = ?");
            mark.bind(1, std::string_view(claim->scope))
                .bind(2, std::string_view(claim->key))
                .bind(3, settlement.holdId);
            mark.run();
        }
    }

    SettlementResult result;
    result.spend = spend(keyId, fromUnixMillis(window));
    if (const auto key = keyState(keyId))
        result.cap = key->cap;
    AuditEntry row = settlement.audit;
    row.capUsageAfter = result.spend.settled + result.spend.held;
    // The row carries exactly what the ledger booked, in the window it booked it in (the hold's,
    // also for a retry that resumed an earlier window's hold), so audit sums equal key_spend.
    row.cost = charged;
    result.auditId = SqliteAuditLog(m_db).insert(row, window);
    // After the call's own event: an alert follows the call that caused it.
    SqliteEvents(m_db).spendChanged(keyId, window, result.spend, result.cap, row.ts);
    return result;
}

std::string SqliteLedger::recordRefusal(AuditEntry entry, const SpendWindow &window)
{
    const auto key = entry.keyId.empty() ? std::nullopt : keyState(entry.keyId);
    if (key && entry.verdict == Verdict::DeniedBlocked) {
        // Refused at lookup, before admission: counted on the block that refused it.
        SqliteBrakes brakes(m_db);
        if (const auto block = brakes.activeBlock(key->agentRunLabel, key->vendor, entry.ts))
            brakes.countRefusedCall(block->id);
    }
    if (key) {
        // Only denials count as blocked (KeySpend::blocked); a call refused because the server
        // lacks the vendor's credential is an upstream_error, as in the audit row.
        const KeySpend after =
            countCall(entry.keyId, toUnixMillis(window.start), isDenial(entry.verdict), entry.ts);
        if (!entry.capUsageAfter)
            entry.capUsageAfter = after.settled + after.held;
    }
    return SqliteAuditLog(m_db).insert(entry, toUnixMillis(window.start));
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
