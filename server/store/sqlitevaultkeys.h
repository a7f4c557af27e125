#pragma once

#include "store.h"

#include <optional>
#include <string_view>

namespace keybrake {

class SqliteDatabase;

// The vault_keys table: issuance (with its idempotency record), revocation, lookups and the
// paged list. Writes run inside the caller's transaction.
class SqliteVaultKeys
{
public:
    explicit SqliteVaultKeys(SqliteDatabase &db)
        : m_db(db)
    {
    }

    std::optional<VaultKey> findByHash(std::string_view secretHash);
    std::optional<KeyView> get(std::string_view keyId, const SpendWindow &window);
    // nullopt when the filter's cursor is not one this list handed out.
    std::optional<Page<KeyView>> list(const KeyFilter &filter, const SpendWindow &window,
                                      TimePoint now);
    TodayStats todayStats(const SpendWindow &window, TimePoint now);

    // Throws SqliteError (a constraint violation) when the id or secret hash is taken.
    IssueKeyResult issue(const IssueKeyRequest &request);
    std::optional<RevokeResult> revoke(std::string_view keyId, TimePoint now,
                                       const SpendWindow &window, AuditEntry audit);
    BulkRevokeResult revokeMany(const BulkRevokeRequest &request);

private:
    std::optional<VaultKey> byId(std::string_view keyId);
    void insert(const VaultKey &key);
    void markRevoked(std::string_view keyId, TimePoint at, const AuditEntry &audit);

    SqliteDatabase &m_db;
};

} // namespace keybrake
