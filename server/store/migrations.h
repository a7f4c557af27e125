#pragma once

#include <string_view>
#include <vector>

namespace keybrake {

class SqliteDatabase;

struct Migration
{
    int version;
    std::string_view description;
    std::string_view sql;
};

// The SQLite schema as an ordered list of steps. A step, once released, never changes: a new
// column or index is a new step. Each runs in its own transaction together with its row in
// `schema_migrations`, so a crash leaves the database at a step boundary.
class Migrations
{
public:
    static const std::vector<Migration> &all();
    static int latestVersion();

    // Brings the database up to latestVersion(). Throws SqliteError on failure, and
    // std::runtime_error when the database was written by a newer keybraked (its schema may have
    // changed in ways this binary would corrupt).
    static void apply(SqliteDatabase &db);
    static int currentVersion(SqliteDatabase &db);
};

} // namespace keybrake
