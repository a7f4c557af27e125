#include "sqliteevents.h"

#include "admin/wirejson.h"
#include "json.h"
#include "sqlitecolumns.h"
#include "sqlitedatabase.h"
#include "sqlitefilter.h"

#include <boost/json/object.hpp>

#include <algorithm>
#include <array>

namespace keybrake {

namespace json = boost::json;

namespace {

constexpr std::string_view kEventColumns = "id, ts, type, key_id, label, payload";

StoredEvent readEvent(const SqliteStatement &row)
{
    StoredEvent event;
    event.id = row.int64(0);
    event.ts = fromUnixMillis(row.int64(1));
    event.type = row.text(2);
    event.keyId = row.text(3);
    event.label = row.text(4);
    event.payload = row.text(5);
    return event;
}

// The thresholds of settled spend, as fractions of the cap, compared in integer micro-dollars
// (settled * denominator >= cap * numerator) so no double ever holds money.
struct Threshold
{
    std::string_view mark; // key_thresholds.threshold
    double wire; // the `threshold` field
    std::int64_t numerator;
    std::int64_t denominator;
};
constexpr std::array<Threshold, 3> kThresholds {{
    {"0.8", 0.8, 4, 5},
    {"0.95", 0.95, 19, 20},
    {"1.0", 1.0, 1, 1},
}};
constexpr std::string_view kCappedMark = "capped";

bool reached(Usd amount, Usd cap, std::int64_t numerator, std::int64_t denominator)
{
    // amount >= cap * numerator / denominator, rounded up, without the product overflowing
    // (numerator <= denominator).
    const std::int64_t c = cap.micros();
    const std::int64_t needed = (c / denominator) * numerator
        + ((c % denominator) * numerator + denominator - 1) / denominator;
    return amount.micros() >= needed;
}

} // namespace

void SqliteEvents::append(std::string_view type, TimePoint ts, std::string_view keyId,
                          std::string_view label, json::value payload)
{
    auto insert = m_db.prepare(
        "INSERT INTO events (ts, type, key_id, label, payload) VALUES (?, ?, ?, ?, ?)");
    insert.bind(1, toUnixMillis(ts)).bind(2, type);
    if (keyId.empty())
        insert.bindNull(3);
    else
        insert.bind(3, keyId);
    insert.bind(4, label).bind(5, std::string_view(toJsonText(payload)));
    insert.run();
}

SqliteEvents::KeyLabel SqliteEvents::keyLabel(std::string_view keyId)
{
    auto select = m_db.prepare("SELECT name, vendor, agent_run_label FROM vault_keys WHERE id = ?");
    select.bind(1, keyId);
    if (!select.step())
        return {};
    return {select.text(0), select.text(1), select.text(2)};
}

bool SqliteEvents::mark(std::string_view keyId, std::int64_t windowStart,
                        std::string_view threshold)
{
    auto insert = m_db.prepare("INSERT INTO key_thresholds (key_id, window_start, threshold) "
                               "VALUES (?, ?, ?) ON CONFLICT DO NOTHING");
    insert.bind(1, keyId).bind(2, windowStart).bind(3, threshold);
    insert.run();
    return m_db.changes() == 1;
}

void SqliteEvents::keyIssued(const VaultKey &key)
{
    // The key object as GET /v1/keys/{id} shows it; a new key has spent nothing. resets_at is
    // left out: issuance does not carry the spend window (the next read of the key has it).
    json::object payload = keyJson(KeyView {key, {}}, SpendWindow {}, key.createdAt);
    payload.erase("resets_at");
    append(eventtype::kKeyIssued, key.createdAt, key.id, key.agentRunLabel, std::move(payload));
}

void SqliteEvents::keyRevoked(const VaultKey &key, TimePoint at, Usd heldAtRevoke,
                              std::string_view actor, std::string_view reason)
{
    json::object payload;
    payload["key_id"] = key.id;
    payload["name"] = key.name;
    payload["vendor"] = vendorName(key.vendor);
    payload["agent_run_label"] = key.agentRunLabel;
    payload["revoked_at"] = timeJson(at);
    payload["held_usd"] = usdJson(heldAtRevoke);
    payload["actor"] = actor;
    payload["reason"] = reason.empty() ? json::value(nullptr) : json::value(reason);
    append(eventtype::kKeyRevoked, at, key.id, key.agentRunLabel, std::move(payload));
}

void SqliteEvents::blockChanged(std::string_view type, const PrefixBlock &block, TimePoint at)
{
    append(type, at, "", block.labelPrefix, blockJson(block, at));
}

void SqliteEvents::call(const AuditEntry &entry, std::string_view id)
{
    json::object payload = auditJson(entry);
    payload["id"] = id;
    payload["kind"] = "call";
    append(eventtype::kCall, entry.ts, entry.keyId, entry.keyId.empty() ? "" : entry.agentRunLabel,
           std::move(payload));
}

void SqliteEvents::spendChanged(std::string_view keyId, std::int64_t windowStart,
                                const KeySpend &spend, Usd cap, TimePoint at)
{
    if (cap <= Usd())
        return;
    // The common case, far from the cap, costs no statement.
    const bool anyThreshold =
        reached(spend.settled, cap, kThresholds[0].numerator, kThresholds[0].denominator);
    const bool capped = reached(spend.settled + spend.held, cap, 1, 1);
    if (!anyThreshold && !capped)
        return;

    std::optional<KeyLabel> key;
    const auto base = [&] {
        if (!key)
            key = keyLabel(keyId);
        json::object payload;
        payload["key_id"] = keyId;
        payload["name"] = key->name;
        payload["vendor"] = key->vendor;
        payload["agent_run_label"] = key->label;
        payload["daily_usd_cap"] = usdJson(cap);
        payload["spent_today_usd"] = usdJson(spend.settled);
        payload["held_usd"] = usdJson(spend.held);
        payload["window_start"] = timeJson(fromUnixMillis(windowStart));
        payload["ts"] = timeJson(at);
        return payload;
    };
    for (const Threshold &threshold : kThresholds) {
        if (!reached(spend.settled, cap, threshold.numerator, threshold.denominator))
            break;
        if (!mark(keyId, windowStart, threshold.mark))
            continue;
        json::object payload = base();
        payload["threshold"] = threshold.wire;
        append(eventtype::kCapThreshold, at, keyId, key->label, std::move(payload));
    }
    if (capped && mark(keyId, windowStart, kCappedMark)) {
        json::object payload = base();
        append(eventtype::kKeyCapped, at, keyId, key->label, std::move(payload));
    }
}

std::int64_t SqliteEvents::expireKeys(TimePoint now, int limit)
{
    struct Due
    {
        std::string id;
        std::string name;
        std::string vendor;
        std::string label;
        std::int64_t expiresAt = 0;
    };
    std::vector<Due> due;
    {
        auto select = m_db.prepare(
            "SELECT id, name, vendor, agent_run_label, expires_at FROM vault_keys "
            "INDEXED BY vault_keys_expiry_due WHERE expiry_announced = 0 AND revoked_at IS NULL "
            "AND expires_at <= ? ORDER BY expires_at, id LIMIT ?");
        select.bind(1, toUnixMillis(now)).bind(2, limit);
        while (select.step())
            due.push_back(
                {select.text(0), select.text(1), select.text(2), select.text(3), select.int64(4)});
    }
    for (const Due &key : due) {
        auto update = m_db.prepare("UPDATE vault_keys SET expiry_announced = 1 WHERE id = ?");
        update.bind(1, std::string_view(key.id));
        update.run();
        json::object payload;
        payload["key_id"] = key.id;
        payload["name"] = key.name;
        payload["vendor"] = key.vendor;
        payload["agent_run_label"] = key.label;
        payload["expired_at"] = timeJson(fromUnixMillis(key.expiresAt));
        append(eventtype::kKeyExpired, fromUnixMillis(key.expiresAt), key.id, key.label,
               std::move(payload));
    }
    return static_cast<std::int64_t>(due.size());
}

std::int64_t SqliteEvents::trim(std::int64_t keep, std::int64_t published)
{
    auto remove = m_db.prepare("DELETE FROM events WHERE id <= min((SELECT coalesce(max(id), 0) "
                               "FROM events) - ?, ?)");
    remove.bind(1, std::max<std::int64_t>(keep, 0));
    remove.bind(2, published);
    remove.run();
    return m_db.changes();
}

void SqliteEvents::forgetOldMarks()
{
    // Relative to the newest mark, not to a clock: a test clock may stand anywhere in time.
    auto marks = m_db.prepare("DELETE FROM key_thresholds WHERE window_start < "
                              "(SELECT max(window_start) FROM key_thresholds) - 7 * 86400000");
    marks.run();
}

std::int64_t SqliteEvents::latestId()
{
    // From sqlite_sequence, so an id stays taken even if every event were trimmed: a client
    // that saw it is never mistaken for one that is up to date.
    auto select =
        m_db.prepare("SELECT max(coalesce((SELECT max(id) FROM events), 0), "
                     "coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0))");
    select.step();
    return select.int64(0);
}

EventPage SqliteEvents::read(std::int64_t after, const EventFilter &filter, int limit)
{
    EventPage page;
    page.latestId = latestId();
    {
        auto oldest = m_db.prepare("SELECT coalesce(min(id), 0) FROM events");
        oldest.step();
        page.oldestId = oldest.int64(0);
    }
    page.scannedThrough = page.latestId;
    if (limit <= 0 || after >= page.latestId)
        return page;

    SqliteFilter where;
    where.add("id > ?", {after});
    if (!filter.types.empty()) {
        std::string term = "type IN (";
        std::vector<SqliteFilter::Value> values;
        for (const std::string &type : filter.types) {
            term += values.empty() ? "?" : ", ?";
            values.emplace_back(type);
        }
        where.add(term + ")", std::move(values));
    }
    if (!filter.keyId.empty())
        where.add("key_id = ?", {filter.keyId});
    if (!filter.labelPrefix.empty()) {
        if (const auto upper = sqlitecolumns::prefixUpperBound(filter.labelPrefix))
            where.add("label >= ? AND label < ?", {filter.labelPrefix, *upper});
        else
            where.add("label >= ?", {filter.labelPrefix});
    }
    auto select = m_db.prepare("SELECT " + std::string(kEventColumns) + " FROM events"
                               + where.where() + " ORDER BY id LIMIT ?");
    const int next = where.bind(select);
    select.bind(next, limit);
    while (select.step())
        page.events.push_back(readEvent(select));
    if (static_cast<int>(page.events.size()) == limit)
        page.scannedThrough = page.events.back().id;
    return page;
}

std::vector<StoredEvent> SqliteEvents::after(std::int64_t id)
{
    std::vector<StoredEvent> events;
    auto select = m_db.prepare("SELECT " + std::string(kEventColumns)
                               + " FROM events WHERE id > ? ORDER BY id");
    select.bind(1, id);
    while (select.step())
        events.push_back(readEvent(select));
    return events;
}

} // namespace keybrake
