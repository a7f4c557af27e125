#include "sqlitebrakes.h"

#include "admin/wirejson.h"
#include "json.h"
#include "sqliteauditlog.h"
#include "sqlitedatabase.h"
#include "sqliteevents.h"

#include <boost/json/object.hpp>

#include <algorithm>

namespace keybrake {

namespace json = boost::json;

namespace {

constexpr std::string_view kBlockColumns =
    "id, label_prefix, vendor, reason, created_at, ends_at, lifted_at, created_by, lifted_by, "
    "lift_reason, refused_calls, refused_issuances";

PrefixBlock readBlock(const SqliteStatement &row)
{
    PrefixBlock block;
    block.id = row.text(0);
    block.labelPrefix = row.text(1);
    if (!row.isNull(2))
        block.vendor = parseVendor(row.text(2));
    block.reason = row.text(3);
    block.createdAt = fromUnixMillis(row.int64(4));
    if (const auto at = row.optionalInt64(5))
        block.endsAt = fromUnixMillis(*at);
    if (const auto at = row.optionalInt64(6))
        block.liftedAt = fromUnixMillis(*at);
    block.createdBy = row.text(7);
    block.liftedBy = row.text(8);
    block.liftReason = row.text(9);
    block.refusedCalls = row.int64(10);
    block.refusedIssuances = row.int64(11);
    return block;
}

void nameBlock(PrefixBlock &block, const std::map<std::string, std::string> &names)
{
    if (auto it = names.find(block.createdBy); it != names.end())
        block.createdByName = it->second;
    if (auto it = names.find(block.liftedBy); it != names.end())
        block.liftedByName = it->second;
}

std::string blockDetail(const PrefixBlock &block)
{
    json::object detail;
    detail["block_id"] = block.id;
    detail["label_prefix"] = block.labelPrefix;
    detail["vendor"] = block.vendor ? json::value(vendorName(*block.vendor)) : json::value(nullptr);
    detail["ends_at"] = timeJson(block.endsAt);
    return toJsonText(detail);
}

} // namespace

std::map<std::string, std::string> SqliteBrakes::adminKeyNames()
{
    std::map<std::string, std::string> names;
    auto select = m_db.prepare("SELECT id, name FROM admin_keys");
    while (select.step())
        names.emplace(select.text(0), select.text(1));
    return names;
}

std::optional<PrefixBlock> SqliteBrakes::activeBlock(std::string_view label,
                                                     std::string_view vendor, TimePoint now)
{
    // Byte-wise "starts with", as every label prefix in the API.
    auto select =
        m_db.prepare("SELECT " + std::string(kBlockColumns)
                     + " FROM prefix_blocks INDEXED BY prefix_blocks_live WHERE lifted_at IS NULL "
                       "AND (ends_at IS NULL OR ends_at > ?1) AND (vendor IS NULL OR vendor = ?2) "
                       "AND substr(?3, 1, length(label_prefix)) = label_prefix "
                       "ORDER BY created_at, id LIMIT 1");
    select.bind(1, toUnixMillis(now)).bind(2, vendor).bind(3, label);
    if (!select.step())
        return std::nullopt;
    return readBlock(select);
}

void SqliteBrakes::countRefusedCall(std::string_view blockId)
{
    auto update =
        m_db.prepare("UPDATE prefix_blocks SET refused_calls = refused_calls + 1 WHERE id = ?");
    update.bind(1, blockId);
    update.run();
}

void SqliteBrakes::countRefusedIssuance(std::string_view blockId)
{
    auto update = m_db.prepare(
        "UPDATE prefix_blocks SET refused_issuances = refused_issuances + 1 WHERE id = ?");
    update.bind(1, blockId);
    update.run();
}

std::optional<PrefixBlock> SqliteBrakes::block(std::string_view id)
{
    auto select =
        m_db.prepare("SELECT " + std::string(kBlockColumns) + " FROM prefix_blocks WHERE id = ?");
    select.bind(1, id);
    if (!select.step())
        return std::nullopt;
    PrefixBlock found = readBlock(select);
    nameBlock(found, adminKeyNames());
    return found;
}

PrefixBlock SqliteBrakes::createBlock(const PrefixBlock &block, AuditEntry audit)
{
    auto insert = m_db.prepare(
        "INSERT INTO prefix_blocks (id, label_prefix, vendor, reason, created_at, ends_at, "
        "created_by) VALUES (?, ?, ?, ?, ?, ?, ?)");
    insert.bind(1, std::string_view(block.id)).bind(2, std::string_view(block.labelPrefix));
    if (block.vendor)
        insert.bind(3, vendorName(*block.vendor));
    else
        insert.bindNull(3);
    insert.bind(4, std::string_view(block.reason)).bind(5, toUnixMillis(block.createdAt));
    if (block.endsAt)
        insert.bind(6, toUnixMillis(*block.endsAt));
    else
        insert.bindNull(6);
    insert.bind(7, std::string_view(block.createdBy));
    insert.run();

    PrefixBlock created = block;
    nameBlock(created, adminKeyNames());
    audit.kind = "admin";
    audit.action = "block.created";
    audit.actor = block.createdBy;
    audit.reason = block.reason;
    audit.agentRunLabel = block.labelPrefix;
    audit.vendor = block.vendor ? std::string(vendorName(*block.vendor)) : std::string();
    audit.detail = blockDetail(block);
    SqliteAuditLog(m_db).insert(audit);
    SqliteEvents(m_db).blockChanged("block.created", created, block.createdAt);
    return created;
}

std::optional<PrefixBlock> SqliteBrakes::liftBlock(std::string_view id, TimePoint now,
                                                   AuditEntry audit)
{
    auto found = block(id);
    if (!found)
        return std::nullopt;
    if (found->liftedAt)
        return found;
    auto update = m_db.prepare(
        "UPDATE prefix_blocks SET lifted_at = ?, lifted_by = ?, lift_reason = ? WHERE id = ?");
    update.bind(1, toUnixMillis(now))
        .bind(2, std::string_view(audit.actor))
        .bind(3, std::string_view(audit.reason))
        .bind(4, id);
    update.run();
    found->liftedAt = now;
    found->liftedBy = audit.actor;
    found->liftReason = audit.reason;
    nameBlock(*found, adminKeyNames());
    audit.kind = "admin";
    audit.action = "block.lifted";
    audit.agentRunLabel = found->labelPrefix;
    audit.vendor = found->vendor ? std::string(vendorName(*found->vendor)) : std::string();
    audit.detail = blockDetail(*found);
    SqliteAuditLog(m_db).insert(audit);
    SqliteEvents(m_db).blockChanged("block.lifted", *found, now);
    return found;
}

std::vector<PrefixBlock> SqliteBrakes::listBlocks(bool all, TimePoint now, int limit)
{
    const std::string where = all ? std::string()
                                  : " INDEXED BY prefix_blocks_live WHERE lifted_at IS NULL AND "
                                    "(ends_at IS NULL OR ends_at > ?1)";
    auto select = m_db.prepare("SELECT " + std::string(kBlockColumns) + " FROM prefix_blocks"
                               + where + " ORDER BY created_at DESC, id DESC LIMIT ?2");
    if (!all)
        select.bind(1, toUnixMillis(now));
    select.bind(2, limit);
    std::vector<PrefixBlock> blocks;
    while (select.step())
        blocks.push_back(readBlock(select));
    if (!blocks.empty()) {
        const auto names = adminKeyNames();
        for (auto &entry : blocks)
            nameBlock(entry, names);
    }
    return blocks;
}

std::vector<LedgerTransaction::VelocityCall> SqliteBrakes::velocityCalls(std::string_view keyId,
                                                                         TimePoint after)
{
    const std::int64_t afterMs = toUnixMillis(after);
    {
        auto forget = m_db.prepare("DELETE FROM key_velocity WHERE key_id = ? AND at <= ?");
        forget.bind(1, keyId).bind(2, afterMs);
        forget.run();
    }
    std::vector<LedgerTransaction::VelocityCall> calls;
    auto select = m_db.prepare(
        "SELECT at, amount_micros FROM key_velocity WHERE key_id = ? ORDER BY at, hold_id");
    select.bind(1, keyId);
    while (select.step())
        calls.push_back({fromUnixMillis(select.int64(0)), Usd::fromMicros(select.int64(1))});
    return calls;
}

void SqliteBrakes::recordAdmitted(std::int64_t holdId, std::string_view keyId, TimePoint at,
                                  Usd amount)
{
    auto insert = m_db.prepare(
        "INSERT INTO key_velocity (hold_id, key_id, at, amount_micros) VALUES (?, ?, ?, ?)");
    insert.bind(1, holdId).bind(2, keyId).bind(3, toUnixMillis(at)).bind(4, amount.micros());
    insert.run();
}

void SqliteBrakes::settled(std::int64_t holdId, Usd charged)
{
    auto update = m_db.prepare("UPDATE key_velocity SET amount_micros = ? WHERE hold_id = ?");
    update.bind(1, charged.micros()).bind(2, holdId);
    update.run();
}

namespace {

constexpr std::string_view kDefaultColumns =
    "label_prefix, max_calls_per_minute, max_usd_per_minute_micros, updated_at, updated_by";

VelocityDefault readDefault(const SqliteStatement &row)
{
    VelocityDefault value;
    value.labelPrefix = row.text(0);
    value.maxCallsPerMinute = row.optionalInt64(1);
    if (const auto micros = row.optionalInt64(2))
        value.maxUsdPerMinute = Usd::fromMicros(*micros);
    value.updatedAt = fromUnixMillis(row.int64(3));
    value.updatedBy = row.text(4);
    return value;
}

std::string defaultDetail(const VelocityDefault &value)
{
    json::object detail;
    detail["label_prefix"] = value.labelPrefix;
    detail["max_calls_per_minute"] =
        value.maxCallsPerMinute ? json::value(*value.maxCallsPerMinute) : json::value(nullptr);
    detail["max_usd_per_minute"] =
        value.maxUsdPerMinute ? usdJson(*value.maxUsdPerMinute) : json::value(nullptr);
    return toJsonText(detail);
}

} // namespace

std::optional<VelocityDefault> SqliteBrakes::defaultFor(std::string_view label)
{
    auto select = m_db.prepare("SELECT " + std::string(kDefaultColumns)
                               + " FROM velocity_defaults "
                                 "WHERE substr(?1, 1, length(label_prefix)) = label_prefix "
                                 "ORDER BY length(label_prefix) DESC LIMIT 1");
    select.bind(1, label);
    if (!select.step())
        return std::nullopt;
    return readDefault(select);
}

std::vector<VelocityDefault> SqliteBrakes::listDefaults()
{
    auto select = m_db.prepare("SELECT " + std::string(kDefaultColumns)
                               + " FROM velocity_defaults ORDER BY label_prefix");
    std::vector<VelocityDefault> values;
    while (select.step())
        values.push_back(readDefault(select));
    if (!values.empty()) {
        const auto names = adminKeyNames();
        for (auto &value : values) {
            if (auto it = names.find(value.updatedBy); it != names.end())
                value.updatedByName = it->second;
        }
    }
    return values;
}

VelocityDefault SqliteBrakes::putDefault(const VelocityDefault &value, AuditEntry audit)
{
    auto upsert = m_db.prepare(
        "INSERT INTO velocity_defaults (label_prefix, max_calls_per_minute, "
        "max_usd_per_minute_micros, updated_at, updated_by) VALUES (?1, ?2, ?3, ?4, ?5) "
        "ON CONFLICT (label_prefix) DO UPDATE SET max_calls_per_minute = ?2, "
        "max_usd_per_minute_micros = ?3, updated_at = ?4, updated_by = ?5");
    upsert.bind(1, std::string_view(value.labelPrefix)).bind(2, value.maxCallsPerMinute);
    if (value.maxUsdPerMinute)
        upsert.bind(3, value.maxUsdPerMinute->micros());
    else
        upsert.bindNull(3);
    upsert.bind(4, toUnixMillis(value.updatedAt)).bind(5, std::string_view(value.updatedBy));
    upsert.run();
    VelocityDefault stored = value;
    const auto names = adminKeyNames();
    if (auto it = names.find(value.updatedBy); it != names.end())
        stored.updatedByName = it->second;
    audit.kind = "admin";
    audit.action = "velocity_default.set";
    audit.agentRunLabel = value.labelPrefix;
    audit.detail = defaultDetail(value);
    SqliteAuditLog(m_db).insert(audit);
    return stored;
}

bool SqliteBrakes::deleteDefault(std::string_view labelPrefix, AuditEntry audit)
{
    auto remove = m_db.prepare("DELETE FROM velocity_defaults WHERE label_prefix = ?");
    remove.bind(1, labelPrefix);
    remove.run();
    if (m_db.changes() != 1)
        return false;
    audit.kind = "admin";
    audit.action = "velocity_default.deleted";
    audit.agentRunLabel = std::string(labelPrefix);
    json::object detail;
    detail["label_prefix"] = labelPrefix;
    audit.detail = toJsonText(detail);
    SqliteAuditLog(m_db).insert(audit);
    return true;
}

} // namespace keybrake
