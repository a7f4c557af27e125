#pragma once

#include "store.h"

#include <map>
#include <optional>
#include <string_view>
#include <vector>

namespace keybrake {

class SqliteDatabase;

// The admin_keys table. Writes run inside the caller's transaction.
class SqliteAdminKeys
{
public:
    explicit SqliteAdminKeys(SqliteDatabase &db)
        : m_db(db)
    {
    }

    std::optional<AdminKey> findByHash(std::string_view secretHash);
    std::vector<AdminKey> list(); // newest first, revoked ones included
    // Active keys of any role: zero means the server must bootstrap one.
    std::int64_t countActive();
    // Vault keys issued by each admin key since `since`.
    std::map<std::string, std::int64_t> keysIssuedSince(TimePoint since);
    void touch(std::string_view id, TimePoint at);

    // Throws SqliteError (a constraint violation) when the id or secret hash is taken.
    void create(const AdminKey &key, AuditEntry audit);
    // NotFound; Conflict when it is the last active key with the admin role (nobody could manage
    // admin keys any more). Revoking a revoked key changes nothing and returns it.
    StoreResult<AdminKey> revoke(std::string_view id, TimePoint now, AuditEntry audit);

private:
    std::optional<AdminKey> byId(std::string_view id);

    SqliteDatabase &m_db;
};

} // namespace keybrake
