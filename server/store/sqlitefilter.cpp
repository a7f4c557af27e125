#include "sqlitefilter.h"

#include "sqlitedatabase.h"

namespace keybrake {

void SqliteFilter::add(std::string term, std::vector<Value> values)
{
    m_terms.push_back(std::move(term));
    for (auto &value : values)
        m_values.push_back(std::move(value));
}

std::string SqliteFilter::where() const
{
    std::string out;
    for (const auto &term : m_terms) {
        out += out.empty() ? " WHERE " : " AND ";
        out += term;
    }
    return out;
}

int SqliteFilter::bind(SqliteStatement &statement, int first) const
{
    int index = first;
    for (const auto &value : m_values) {
        if (const auto *number = std::get_if<std::int64_t>(&value))
            statement.bind(index++, *number);
        else
            statement.bind(index++, std::string_view(std::get<std::string>(value)));
    }
    return index;
}

} // namespace keybrake
