#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace keybrake {

class SqliteStatement;

// The WHERE clause of a list query built from optional filters: terms joined by AND, with their
// `?` values in order. Only our own fixed SQL fragments go into the text; every value the
// caller supplied is bound.
class SqliteFilter
{
public:
    using Value = std::variant<std::int64_t, std::string>;

    void add(std::string term, std::vector<Value> values = {});
    bool empty() const { return m_terms.empty(); }
    std::string where() const; // " WHERE a AND b", or "" without terms
    // Binds the values from `first` on and returns the next free index.
    int bind(SqliteStatement &statement, int first = 1) const;

private:
    std::vector<std::string> m_terms;
    std::vector<Value> m_values;
};

} // namespace keybrake
