#pragma once

#include "store.h"

#include <optional>
#include <string>

namespace keybrake {

class SqliteDatabase;

// The audit table: one row per proxied call and per admin mutation, written inside the
// transaction of the change it records.
class SqliteAuditLog
{
public:
    explicit SqliteAuditLog(SqliteDatabase &db)
        : m_db(db)
    {
    }

    // Returns the new row's id as decimal text (increasing, never reused). `windowStart` is the
    // spend window (unix ms of its start) a call was counted in; admin rows have none.
    std::string insert(const AuditEntry &entry,
                       std::optional<std::int64_t> windowStart = std::nullopt);

    // Newest first. nullopt when the filter's cursor is not one this log handed out.
    std::optional<Page<AuditEntry>> list(const AuditFilter &filter);

private:
    SqliteDatabase &m_db;
};

} // namespace keybrake
