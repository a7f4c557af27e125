#pragma once

#include "clock.h"

#include <cstdint>
#include <string>

namespace keybrake::bench {

// What the fill wrote, for choosing the routes to time.
struct FilledStore
{
    std::int64_t callRows = 0;
    std::int64_t adminRows = 0;
    std::int64_t runs = 0;
    std::int64_t keys = 0;
    std::int64_t prefixes = 0;
    std::string runawayLabel; // a run with hundreds of calls, most refused at its cap
    std::string typicalLabel; // a run of the last hour
    std::string busyPrefix; // a label prefix
    std::string searchText; // a substring of a few labels
};

// A store as thirty days of a busy deployment leave it: `callRows` proxied calls of about 50,000
// runs under 200 label prefixes on the three vendors, each key's issuance row, and the ledger
// (key_spend) summed from those calls exactly as the server keeps it. The schema is the server's
// own (SqliteStore::open migrates the file first); rows are written with SQL in one transaction,
// since going through admit/settle would take hours. Spend windows are UTC days.
FilledStore fillReportsStore(const std::string &path, std::int64_t callRows, TimePoint now);

} // namespace keybrake::bench
