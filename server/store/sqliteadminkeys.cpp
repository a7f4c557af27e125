#include "sqliteadminkeys.h"

#include "sqliteauditlog.h"
#include "sqlitedatabase.h"

namespace keybrake {

namespace {

constexpr std::string_view kColumns =
    "id, name, role, secret_hash, key_hint, created_at, revoked_at, created_by, last_used_at";

AdminKey readKey(const SqliteStatement &row)
{
    AdminKey key;
    key.id = row.text(0);
    key.name = row.text(1);
    // An unreadable role grants the least.
    key.role = parseRole(row.text(2)).value_or(Role::Viewer);
    key.secretHash = row.text(3);
    key.keyHint = row.text(4);
    key.createdAt = fromUnixMillis(row.int64(5));
    if (const auto revoked = row.optionalInt64(6))
        key.revokedAt = fromUnixMillis(*revoked);
    key.createdBy = row.text(7);
    if (const auto used = row.optionalInt64(8))
        key.lastUsedAt = fromUnixMillis(*used);
    return key;
}

} // namespace

std::optional<AdminKey> SqliteAdminKeys::findByHash(std::string_view secretHash)
{
    auto select =
        m_db.prepare("SELECT " + std::string(kColumns) + " FROM admin_keys WHERE secret_hash = ?");
    select.bind(1, secretHash);
    if (!select.step())
        return std::nullopt;
    return readKey(select);
}

std::optional<AdminKey> SqliteAdminKeys::byId(std::string_view id)
{
    auto select = m_db.prepare("SELECT " + std::string(kColumns) + " FROM admin_keys WHERE id = ?");
    select.bind(1, id);
    if (!select.step())
        return std::nullopt;
    return readKey(select);
}

std::vector<AdminKey> SqliteAdminKeys::list()
{
    auto select = m_db.prepare("SELECT " + std::string(kColumns)
                               + " FROM admin_keys ORDER BY created_at DESC, id DESC");
    std::vector<AdminKey> keys;
    while (select.step())
        keys.push_back(readKey(select));
    return keys;
}

std::int64_t SqliteAdminKeys::countActive()
{
    auto count = m_db.prepare("SELECT count(*) FROM admin_keys WHERE revoked_at IS NULL");
    count.step();
    return count.int64(0);
}

std::map<std::string, std::int64_t> SqliteAdminKeys::keysIssuedSince(TimePoint since)
{
    std::map<std::string, std::int64_t> counts;
    auto select = m_db.prepare("SELECT a.id, (SELECT count(*) FROM vault_keys AS k INDEXED BY "
                               "vault_keys_issuer WHERE k.created_by = a.id AND k.created_at >= ?) "
                               "FROM admin_keys AS a");
    select.bind(1, toUnixMillis(since));
    while (select.step()) {
        if (const std::int64_t count = select.int64(1); count > 0)
            counts.emplace(select.text(0), count);
    }
    return counts;
}

void SqliteAdminKeys::touch(std::string_view id, TimePoint at)
{
    auto update = m_db.prepare("UPDATE admin_keys SET last_used_at = max(coalesce(last_used_at, "
                               "0), ?) WHERE id = ?");
    update.bind(1, toUnixMillis(at)).bind(2, id);
    update.run();
}

void SqliteAdminKeys::create(const AdminKey &key, AuditEntry audit)
{
    auto insert =
        m_db.prepare("INSERT INTO admin_keys (id, name, role, secret_hash, key_hint, created_at, "
                     "revoked_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    insert.bind(1, std::string_view(key.id))
        .bind(2, std::string_view(key.name))
        .bind(3, roleName(key.role))
        .bind(4, std::string_view(key.secretHash))
        .bind(5, std::string_view(key.keyHint))
        .bind(6, toUnixMillis(key.createdAt));
    if (key.revokedAt)
        insert.bind(7, toUnixMillis(*key.revokedAt));
    else
        insert.bindNull(7);
    insert.bind(8, std::string_view(key.createdBy));
    insert.run();
    audit.kind = "admin";
    SqliteAuditLog(m_db).insert(audit);
}

StoreResult<AdminKey> SqliteAdminKeys::revoke(std::string_view id, TimePoint now, AuditEntry audit)
{
    auto key = byId(id);
    if (!key)
        return StoreError::NotFound;
    if (key->revokedAt)
        return std::move(*key);
    if (key->role == Role::Admin) {
        auto others = m_db.prepare("SELECT count(*) FROM admin_keys "
                                   "WHERE revoked_at IS NULL AND role = 'admin' AND id <> ?");
        others.bind(1, id);
        others.step();
        if (others.int64(0) == 0)
            return StoreError::Conflict;
    }
    auto update = m_db.prepare("UPDATE admin_keys SET revoked_at = ? WHERE id = ?");
    update.bind(1, toUnixMillis(now)).bind(2, id);
    update.run();
    audit.kind = "admin";
    SqliteAuditLog(m_db).insert(audit);
    key->revokedAt = now;
    return std::move(*key);
}

} // namespace keybrake
