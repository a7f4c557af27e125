#pragma once

#include "admission.h"
#include "store.h"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace keybrake {

class SqliteDatabase;

// Prefix blocks, velocity limits and their defaults (contract: "Stopping an agent, not only its
// keys"). Writes run inside the caller's transaction; the admission and issuance checks are
// called from within theirs, so a block or a full window stops the very next one.
class SqliteBrakes
{
public:
    explicit SqliteBrakes(SqliteDatabase &db)
        : m_db(db)
    {
    }

    // --- blocks
    // The oldest block active at `now` whose prefix starts `label` (and whose vendor, if any, is
    // `vendor`).
    std::optional<PrefixBlock> activeBlock(std::string_view label, std::string_view vendor,
                                           TimePoint now);
    // A call or an issuance the block refused.
    void countRefusedCall(std::string_view blockId);
    void countRefusedIssuance(std::string_view blockId);
    // Inserts the block and writes its admin row and block.created event.
    PrefixBlock createBlock(const PrefixBlock &block, AuditEntry audit);
    // nullopt when no block has the id. A block already lifted is returned unchanged.
    std::optional<PrefixBlock> liftBlock(std::string_view id, TimePoint now, AuditEntry audit);
    // Active blocks (or every block with `all`), newest first, at most `limit`.
    std::vector<PrefixBlock> listBlocks(bool all, TimePoint now, int limit);
    std::optional<PrefixBlock> block(std::string_view id);

    // --- velocity
    // The key's calls after `after`, oldest first; forgets those at or before it.
    std::vector<LedgerTransaction::VelocityCall> velocityCalls(std::string_view keyId,
                                                               TimePoint after);
    // An admitted call of a limited key, under its hold.
    void recordAdmitted(std::int64_t holdId, std::string_view keyId, TimePoint at, Usd amount);
    // The call's hold settled: it now counts as what was charged (0 when released).
    void settled(std::int64_t holdId, Usd charged);

    // --- velocity defaults
    // The default with the longest prefix of `label`.
    std::optional<VelocityDefault> defaultFor(std::string_view label);
    std::vector<VelocityDefault> listDefaults();
    VelocityDefault putDefault(const VelocityDefault &value, AuditEntry audit);
    // False when there was none for the prefix.
    bool deleteDefault(std::string_view labelPrefix, AuditEntry audit);

    // Admin key id -> name, for the names shown beside actor ids (admin keys are few and are
    // never renamed).
    std::map<std::string, std::string> adminKeyNames();

private:
    SqliteDatabase &m_db;
};

} // namespace keybrake
