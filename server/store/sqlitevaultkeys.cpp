#include "sqlitevaultkeys.h"

#include "sqliteauditlog.h"
#include "sqlitebrakes.h"
#include "sqlitecolumns.h"
#include "sqlitedatabase.h"
#include "sqliteevents.h"
#include "sqlitefilter.h"
#include "sqliteledger.h"

#include <algorithm>
#include <charconv>
#include <set>
#include <tuple>

namespace keybrake {

namespace {

namespace columns = sqlitecolumns;

constexpr std::string_view kKeyColumns =
    "k.id, k.name, k.vendor, k.secret_hash, k.key_hint, k.daily_cap_micros, "
    "k.allowed_endpoints, k.scope, k.agent_run_label, k.metadata, k.created_at, "
    "k.expires_at, k.revoked_at, k.created_by, k.max_calls_per_minute, "
    "k.max_usd_per_minute_micros, k.revoked_by, k.revoke_reason";
constexpr int kKeyColumnCount = 18;
// The key's spend in the window bound as the first parameter, zero without a row.
constexpr std::string_view kSpendColumns =
    "coalesce(s.settled_micros, 0), coalesce(s.held_micros, 0), coalesce(s.calls, 0), "
    "coalesce(s.blocked, 0), s.last_call_at";
constexpr std::string_view kSpendJoin =
    " LEFT JOIN key_spend AS s ON s.key_id = k.id AND s.window_start = ?";

constexpr std::string_view kCursorTag = "keys";
// See SqliteAuditLog: past this many matches a sorted range is worse than the newest-first walk.
constexpr int kProbeLimit = 2000;

VaultKey readKey(const SqliteStatement &row)
{
    VaultKey key;
    key.id = row.text(0);
    key.name = row.text(1);
    key.vendor = parseVendor(row.text(2)).value_or(Vendor::Stripe);
    key.secretHash = row.text(3);
    key.keyHint = row.text(4);
    key.dailyCap = Usd::fromMicros(row.int64(5));
    key.allowedEndpoints = columns::stringsFromJson(row.text(6));
    key.scope = columns::scopeFromJson(row.text(7));
    key.agentRunLabel = row.text(8);
    key.metadata = columns::metadataFromJson(row.text(9));
    key.createdAt = fromUnixMillis(row.int64(10));
    key.expiresAt = fromUnixMillis(row.int64(11));
    if (const auto revoked = row.optionalInt64(12))
        key.revokedAt = fromUnixMillis(*revoked);
    key.createdBy = row.text(13);
    key.maxCallsPerMinute = row.optionalInt64(14);
    if (const auto micros = row.optionalInt64(15))
        key.maxUsdPerMinute = Usd::fromMicros(*micros);
    key.revokedBy = row.text(16);
    key.revokeReason = row.text(17);
    return key;
}

KeyView readView(const SqliteStatement &row)
{
    KeyView view;
    view.key = readKey(row);
    const int first = kKeyColumnCount;
    view.today.settled = Usd::fromMicros(row.int64(first));
    view.today.held = Usd::fromMicros(row.int64(first + 1));
    view.today.calls = row.int64(first + 2);
    view.today.blocked = row.int64(first + 3);
    if (const auto at = row.optionalInt64(first + 4))
        view.today.lastCallAt = fromUnixMillis(*at);
    return view;
}

// SQLite's lower() folds ASCII only; the needle is folded the same way so both sides agree.
std::string asciiLower(std::string_view text)
{
    std::string out(text);
    for (char &c : out) {
        if (c >= 'A' && c <= 'Z')
            c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

// `column` starts with `prefix`, as a range an index can seek on.
void addPrefix(SqliteFilter &filter, std::string_view column, const std::string &prefix)
{
    const auto upper = columns::prefixUpperBound(prefix);
    if (upper)
        filter.add(std::string(column) + " >= ? AND " + std::string(column) + " < ?",
                   {prefix, *upper});
    else
        filter.add(std::string(column) + " >= ?", {prefix});
}

// An FTS5 query for the rows whose name or label contains `needle` (trigrams fold case);
// nullopt when the needle is shorter than a trigram and the index cannot help.
std::optional<std::string> trigramPhrase(std::string_view needle)
{
    const auto characters = std::count_if(needle.begin(), needle.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xc0) != 0x80;
    });
    if (characters < 3)
        return std::nullopt;
    std::string phrase = "{name agent_run_label} : \"";
    for (const char c : needle) {
        phrase += c;
        if (c == '"')
            phrase += '"';
    }
    phrase += '"';
    return phrase;
}

void fillKeyFields(AuditEntry &audit, const VaultKey &key)
{
    audit.kind = "admin";
    audit.keyId = key.id;
    audit.keyName = key.name;
    audit.agentRunLabel = key.agentRunLabel;
    audit.vendor = std::string(vendorName(key.vendor));
}

void nameKey(VaultKey &key, const std::map<std::string, std::string> &names)
{
    if (auto it = names.find(key.createdBy); it != names.end())
        key.createdByName = it->second;
    if (auto it = names.find(key.revokedBy); it != names.end())
        key.revokedByName = it->second;
}

} // namespace

std::optional<VaultKey> SqliteVaultKeys::findByHash(std::string_view secretHash)
{
    auto select = m_db.prepare("SELECT " + std::string(kKeyColumns)
                               + " FROM vault_keys AS k WHERE k.secret_hash = ?");
    select.bind(1, secretHash);
    if (!select.step())
        return std::nullopt;
    return readKey(select);
}

std::optional<VaultKey> SqliteVaultKeys::byId(std::string_view keyId)
{
    auto select =
        m_db.prepare("SELECT " + std::string(kKeyColumns) + " FROM vault_keys AS k WHERE k.id = ?");
    select.bind(1, keyId);
    if (!select.step())
        return std::nullopt;
    return readKey(select);
}

std::optional<KeyView> SqliteVaultKeys::get(std::string_view keyId, const SpendWindow &window)
{
    auto select =
        m_db.prepare("SELECT " + std::string(kKeyColumns) + ", " + std::string(kSpendColumns)
                     + " FROM vault_keys AS k" + std::string(kSpendJoin) + " WHERE k.id = ?");
    select.bind(1, toUnixMillis(window.start)).bind(2, keyId);
    if (!select.step())
        return std::nullopt;
    KeyView view = readView(select);
    nameKey(view.key, SqliteBrakes(m_db).adminKeyNames());
    return view;
}

std::optional<Page<KeyView>> SqliteVaultKeys::list(const KeyFilter &filter,
                                                   const SpendWindow &window, TimePoint now)
{
    const int limit = std::clamp(filter.limit, 1, 1000);
    const std::int64_t nowMs = toUnixMillis(now);

    SqliteFilter where;
    // Ways in besides the default walk of vault_keys_created (newest first, no sort): an index
    // whose matches are sorted afterwards, worth it only when they are few.
    std::vector<std::pair<std::string, SqliteFilter>> ways;

    if (filter.status) {
        constexpr std::string_view spent =
            "coalesce(s.settled_micros, 0) + coalesce(s.held_micros, 0)";
        SqliteFilter live;
        switch (*filter.status) {
        case KeyStatus::Revoked: {
            where.add("k.revoked_at IS NOT NULL");
            SqliteFilter revoked;
            revoked.add("revoked_at IS NOT NULL");
            ways.emplace_back("vault_keys_revoked", std::move(revoked));
            break;
        }
        case KeyStatus::Expired:
            where.add("k.revoked_at IS NULL AND k.expires_at <= ?", {nowMs});
            live.add("revoked_at IS NULL AND expires_at <= ?", {nowMs});
            ways.emplace_back("vault_keys_live", std::move(live));
            break;
        case KeyStatus::Active:
        case KeyStatus::Capped:
            where.add("k.revoked_at IS NULL AND k.expires_at > ? AND " + std::string(spent)
                          + (*filter.status == KeyStatus::Active ? " < " : " >= ")
                          + "k.daily_cap_micros",
                      {nowMs});
            live.add("revoked_at IS NULL AND expires_at > ?", {nowMs});
            ways.emplace_back("vault_keys_live", std::move(live));
            break;
        }
    }
    if (filter.vendor)
        where.add("k.vendor = ?", {std::string(vendorName(*filter.vendor))});
    if (!filter.labelPrefix.empty()) {
        addPrefix(where, "k.agent_run_label", filter.labelPrefix);
        SqliteFilter label;
        addPrefix(label, "agent_run_label", filter.labelPrefix);
        ways.emplace_back("vault_keys_label", std::move(label));
    }
    // The substring test itself; the trigram index below only narrows the candidates.
    std::optional<std::string> phrase;
    if (!filter.query.empty()) {
        const std::string needle = asciiLower(filter.query);
        where.add("(instr(lower(k.name), ?) > 0 OR instr(lower(k.agent_run_label), ?) > 0)",
                  {needle, needle});
        phrase = trigramPhrase(filter.query);
    }
    if (!filter.cursor.empty()) {
        const auto fields = columns::decodeCursor(kCursorTag, filter.cursor);
        const auto colon = fields ? fields->find(':') : std::string::npos;
        std::int64_t createdAt = 0;
        if (colon == std::string::npos
            || std::from_chars(fields->data(), fields->data() + colon, createdAt).ptr
                != fields->data() + colon) {
            return std::nullopt;
        }
        where.add("(k.created_at, k.id) < (?, ?)", {createdAt, fields->substr(colon + 1)});
    }

    std::string access = " INDEXED BY vault_keys_created";
    int fewest = kProbeLimit;
    for (const auto &[candidate, seek] : ways) {
        auto probe =
            m_db.prepare("SELECT count(*) FROM (SELECT 1 FROM vault_keys INDEXED BY " + candidate
                         + seek.where() + " LIMIT " + std::to_string(kProbeLimit) + ")");
        seek.bind(probe);
        probe.step();
        if (const int count = probe.integer(0); count < fewest) {
            fewest = count;
            access = " INDEXED BY " + candidate;
        }
    }
    if (phrase) {
        auto probe = m_db.prepare("SELECT count(*) FROM (SELECT 1 FROM vault_keys_search "
                                  "WHERE vault_keys_search MATCH ? LIMIT "
                                  + std::to_string(kProbeLimit) + ")");
        probe.bind(1, *phrase);
        probe.step();
        if (probe.integer(0) < fewest) {
            // SQLite reads the few candidates through the primary key and sorts them.
            where.add("k.id IN (SELECT key_id FROM vault_keys_search "
                      "WHERE vault_keys_search MATCH ?)",
                      {*phrase});
            access.clear();
        }
    }

    auto select =
        m_db.prepare("SELECT " + std::string(kKeyColumns) + ", " + std::string(kSpendColumns)
                     + " FROM vault_keys AS k" + access + std::string(kSpendJoin) + where.where()
                     + " ORDER BY k.created_at DESC, k.id DESC LIMIT ?");
    select.bind(1, toUnixMillis(window.start));
    select.bind(where.bind(select, 2), limit + 1);
    Page<KeyView> page;
    while (select.step()) {
        if (static_cast<int>(page.data.size()) == limit) {
            const VaultKey &last = page.data.back().key;
            page.nextCursor = columns::encodeCursor(
                kCursorTag, std::to_string(toUnixMillis(last.createdAt)) + ':' + last.id);
            break;
        }
        page.data.push_back(readView(select));
    }
    if (!page.data.empty()) {
        const auto names = SqliteBrakes(m_db).adminKeyNames();
        for (auto &view : page.data)
            nameKey(view.key, names);
    }
    return page;
}

TodayStats SqliteVaultKeys::todayStats(const SpendWindow &window, TimePoint now)
{
    TodayStats stats;
    auto active = m_db.prepare("SELECT count(*) FROM vault_keys INDEXED BY vault_keys_live "
                               "WHERE revoked_at IS NULL AND expires_at > ?");
    active.bind(1, toUnixMillis(now));
    active.step();
    stats.activeKeys = active.int64(0);

    auto sums =
        m_db.prepare("SELECT coalesce(sum(settled_micros), 0), coalesce(sum(held_micros), 0), "
                     "coalesce(sum(calls), 0), coalesce(sum(blocked), 0) FROM key_spend "
                     "WHERE window_start = ?");
    sums.bind(1, toUnixMillis(window.start));
    sums.step();
    stats.spent = Usd::fromMicros(sums.int64(0));
    stats.held = Usd::fromMicros(sums.int64(1));
    stats.calls = sums.int64(2);
    stats.blocked = sums.int64(3);
    return stats;
}

void SqliteVaultKeys::insert(const VaultKey &key)
{
    auto insert = m_db.prepare(
        "INSERT INTO vault_keys (id, name, vendor, secret_hash, key_hint, daily_cap_micros, "
        "allowed_endpoints, scope, agent_run_label, metadata, created_at, expires_at, "
        "revoked_at, created_by, max_calls_per_minute, max_usd_per_minute_micros) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    insert.bind(1, std::string_view(key.id))
        .bind(2, std::string_view(key.name))
        .bind(3, vendorName(key.vendor))
        .bind(4, std::string_view(key.secretHash))
        .bind(5, std::string_view(key.keyHint))
        .bind(6, key.dailyCap.micros())
        .bind(7, columns::stringsToJson(key.allowedEndpoints))
        .bind(8, columns::scopeToJson(key.scope))
        .bind(9, std::string_view(key.agentRunLabel))
        .bind(10, columns::metadataToJson(key.metadata))
        .bind(11, toUnixMillis(key.createdAt))
        .bind(12, toUnixMillis(key.expiresAt));
    if (key.revokedAt)
        insert.bind(13, toUnixMillis(*key.revokedAt));
    else
        insert.bindNull(13);
    insert.bind(14, std::string_view(key.createdBy));
    insert.bind(15, key.maxCallsPerMinute);
    if (key.maxUsdPerMinute)
        insert.bind(16, key.maxUsdPerMinute->micros());
    else
        insert.bindNull(16);
    insert.run();
}

std::optional<IssuanceTransaction::IssuanceRecord>
SqliteVaultKeys::issuanceRecord(const IdempotencyClaim &claim)
{
    auto select = m_db.prepare("SELECT fingerprint, state, key_id, sealed_secret, created_at "
                               "FROM idempotency WHERE scope = ? AND key = ?");
    select.bind(1, std::string_view(claim.scope)).bind(2, std::string_view(claim.key));
    if (!select.step())
        return std::nullopt;
    IssuanceRecord record;
    record.fingerprint = select.text(0);
    record.completed = select.text(1) == "completed";
    record.keyId = select.text(2);
    record.sealedSecret = select.blob(3);
    record.createdAt = fromUnixMillis(select.int64(4));
    return record;
}

void SqliteVaultKeys::forgetIssuance(const IdempotencyClaim &claim)
{
    auto remove = m_db.prepare("DELETE FROM idempotency WHERE scope = ? AND key = ?");
    remove.bind(1, std::string_view(claim.scope)).bind(2, std::string_view(claim.key));
    remove.run();
}

bool SqliteVaultKeys::adminKeyRevoked(std::string_view adminKeyId)
{
    auto issuer = m_db.prepare("SELECT revoked_at FROM admin_keys WHERE id = ?");
    issuer.bind(1, adminKeyId);
    return issuer.step() && !issuer.isNull(0);
}

std::optional<PrefixBlock> SqliteVaultKeys::activeBlock(std::string_view label,
                                                        std::string_view vendor, TimePoint now)
{
    return SqliteBrakes(m_db).activeBlock(label, vendor, now);
}

void SqliteVaultKeys::countBlockedIssuance(std::string_view blockId)
{
    SqliteBrakes(m_db).countRefusedIssuance(blockId);
}

std::optional<VelocityDefault> SqliteVaultKeys::velocityDefault(std::string_view label)
{
    return SqliteBrakes(m_db).defaultFor(label);
}

void SqliteVaultKeys::recordIssuance(const IdempotencyClaim &claim, std::string_view keyId,
                                     std::string_view sealedSecret, TimePoint at)
{
    auto record = m_db.prepare("INSERT INTO idempotency (scope, key, fingerprint, state, key_id, "
                               "sealed_secret, created_at) VALUES (?, ?, ?, 'completed', ?, ?, ?)");
    record.bind(1, std::string_view(claim.scope))
        .bind(2, std::string_view(claim.key))
        .bind(3, std::string_view(claim.fingerprint))
        .bind(4, keyId)
        .bindBlob(5, sealedSecret)
        .bind(6, toUnixMillis(at));
    record.run();
}

void SqliteVaultKeys::announceIssued(VaultKey &key, AuditEntry audit)
{
    fillKeyFields(audit, key);
    SqliteAuditLog(m_db).insert(audit);
    nameKey(key, SqliteBrakes(m_db).adminKeyNames());
    SqliteEvents(m_db).keyIssued(key);
}

void SqliteVaultKeys::markRevoked(std::string_view keyId, TimePoint at, const AuditEntry &audit)
{
    auto update = m_db.prepare(
        "UPDATE vault_keys SET revoked_at = ?, revoked_by = ?, revoke_reason = ? WHERE id = ?");
    update.bind(1, toUnixMillis(at))
        .bind(2, std::string_view(audit.actor))
        .bind(3, std::string_view(audit.reason))
        .bind(4, keyId);
    update.run();
}

std::optional<RevokeResult> SqliteVaultKeys::revoke(std::string_view keyId, TimePoint now,
                                                    const SpendWindow &window, AuditEntry audit)
{
    const auto key = byId(keyId);
    if (!key)
        return std::nullopt;
    RevokeResult result;
    result.heldAtRevoke = SqliteLedger(m_db).spend(keyId, window.start).held;
    if (key->revokedAt) {
        result.revokedAt = *key->revokedAt;
        result.alreadyRevoked = true;
        // One-click revoke asks no question; its result line offers "Add reason", which repeats
        // the revoke with the reason. A key revoked without one takes it once (never replaces
        // one), and the addition is audited as its own admin row.
        if (!audit.reason.empty() && key->revokeReason.empty()) {
            auto update = m_db.prepare("UPDATE vault_keys SET revoke_reason = ? WHERE id = ?");
            update.bind(1, std::string_view(audit.reason)).bind(2, keyId);
            update.run();
            audit.action = "key.revoke_reason";
            fillKeyFields(audit, *key);
            SqliteAuditLog(m_db).insert(audit);
        }
        return result;
    }
    markRevoked(keyId, now, audit);
    fillKeyFields(audit, *key);
    SqliteAuditLog(m_db).insert(audit);
    SqliteEvents(m_db).keyRevoked(*key, now, result.heldAtRevoke, audit.actor, audit.reason);
    result.revokedAt = now;
    return result;
}

BulkRevokeResult SqliteVaultKeys::revokeMany(const BulkRevokeRequest &request)
{
    BulkRevokeResult result;
    result.revokedAt = request.now;
    const std::int64_t nowMs = toUnixMillis(request.now);

    std::vector<VaultKey> keys;
    if (request.labelPrefix) {
        SqliteFilter where;
        addPrefix(where, "k.agent_run_label", *request.labelPrefix);
        where.add("k.revoked_at IS NULL AND k.expires_at > ?", {nowMs});
        if (request.vendor)
            where.add("k.vendor = ?", {std::string(vendorName(*request.vendor))});
        auto select =
            m_db.prepare("SELECT " + std::string(kKeyColumns)
                         + " FROM vault_keys AS k INDEXED BY vault_keys_label" + where.where());
        where.bind(select);
        while (select.step())
            keys.push_back(readKey(select));
    } else {
        std::set<std::string_view> seen;
        for (const std::string &keyId : request.keyIds) {
            if (!seen.insert(keyId).second)
                continue;
            auto key = byId(keyId);
            if (!key)
                result.notFound.push_back(keyId);
            else if (!key->revokedAt && request.now < key->expiresAt)
                keys.push_back(std::move(*key));
        }
    }
    std::sort(keys.begin(), keys.end(), [](const VaultKey &a, const VaultKey &b) {
        return std::tie(a.createdAt, a.id) < std::tie(b.createdAt, b.id);
    });

    SqliteLedger ledger(m_db);
    SqliteAuditLog log(m_db);
    SqliteEvents events(m_db);
    for (const VaultKey &key : keys) {
        result.keyIds.push_back(key.id);
        const Usd held = ledger.spend(key.id, request.window.start).held;
        result.held += held;
        if (request.dryRun)
            continue;
        markRevoked(key.id, request.now, request.audit);
        AuditEntry audit = request.audit;
        fillKeyFields(audit, key);
        log.insert(audit);
        events.keyRevoked(key, request.now, held, audit.actor, audit.reason);
    }
    // After the revokes, in the same transaction: a key the issuer mints next is refused.
    if (request.block && request.labelPrefix && !request.dryRun) {
        AuditEntry audit = request.audit;
        audit.keyId.clear();
        result.block = SqliteBrakes(m_db).createBlock(*request.block, audit);
    }
    return result;
}

} // namespace keybrake
