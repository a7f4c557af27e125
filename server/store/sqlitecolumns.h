#pragma once

#include "domain.h"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// How values that are not plain integers or text live in SQLite columns: JSON text written and
// read with Boost.JSON, and the opaque paging cursors handed to clients.
namespace keybrake::sqlitecolumns {

std::string stringsToJson(const std::vector<std::string> &values);
std::vector<std::string> stringsFromJson(std::string_view text);

std::string scopeToJson(const Scope &scope);
Scope scopeFromJson(std::string_view text);

std::string metadataToJson(const std::map<std::string, std::string> &metadata);
std::map<std::string, std::string> metadataFromJson(std::string_view text);

using Headers = std::vector<std::pair<std::string, std::string>>;
std::string headersToJson(const Headers &headers);
Headers headersFromJson(std::string_view text);

// Cursors are base64url of "<tag>:<fields>"; the tag keeps a key-list cursor from being
// accepted by the audit list and the other way round.
std::string encodeCursor(std::string_view tag, std::string_view fields);
// nullopt when the text is not a cursor of this tag.
std::optional<std::string> decodeCursor(std::string_view tag, std::string_view cursor);

// The smallest string greater than every string starting with `prefix`, for a range scan that
// is exactly "starts with" (a LIKE pattern would treat % and _ in a label as wildcards);
// nullopt when there is none (the prefix is empty or all 0xff bytes).
std::optional<std::string> prefixUpperBound(std::string_view prefix);

} // namespace keybrake::sqlitecolumns
