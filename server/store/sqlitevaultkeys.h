#pragma once

#include "admission.h"
#include "store.h"

#include <optional>
#include <string_view>

namespace keybrake {

class SqliteDatabase;

// The vault_keys table: issuance's rows (with its idempotency record; the rules are Issuance's),
// revocation, lookups and the paged list. Writes run inside the caller's transaction.
class SqliteVaultKeys final : public IssuanceTransaction
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

    std::optional<RevokeResult> revoke(std::string_view keyId, TimePoint now,
                                       const SpendWindow &window, AuditEntry audit);
    BulkRevokeResult revokeMany(const BulkRevokeRequest &request);

    // --- IssuanceTransaction
    std::optional<IssuanceRecord> issuanceRecord(const IdempotencyClaim &claim) override;
    void forgetIssuance(const IdempotencyClaim &claim) override;
    std::optional<VaultKey> keyById(std::string_view keyId) override { return byId(keyId); }
    bool adminKeyRevoked(std::string_view adminKeyId) override;
    std::optional<PrefixBlock> activeBlock(std::string_view label, std::string_view vendor,
                                           TimePoint now) override;
    void countBlockedIssuance(std::string_view blockId) override;
    std::optional<VelocityDefault> velocityDefault(std::string_view label) override;
    // Throws SqliteError (a constraint violation) when the id or secret hash is taken.
    void insertKey(const VaultKey &key) override { insert(key); }
    void recordIssuance(const IdempotencyClaim &claim, std::string_view keyId,
                        std::string_view sealedSecret, TimePoint at) override;
    void announceIssued(VaultKey &key, AuditEntry audit) override;

private:
    std::optional<VaultKey> byId(std::string_view keyId);
    void insert(const VaultKey &key);
    void markRevoked(std::string_view keyId, TimePoint at, const AuditEntry &audit);

    SqliteDatabase &m_db;
};

} // namespace keybrake
