#pragma once

#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace keybrake::sim {

// The decoded name=value pairs of an application/x-www-form-urlencoded body or a query string, in
// order (Twilio repeats MediaUrl; Stripe writes "expand[]" several times).
class FormFields
{
public:
    // '+' is a space. Keys keep literal brackets ("metadata[order]"), which Stripe's SDKs send
    // unescaped and a strict RFC 3986 query parser would refuse. nullopt when a percent escape is
    // malformed.
    static std::optional<FormFields> parse(std::string_view text);

    const std::string *find(std::string_view key) const;
    bool empty() const { return m_fields.empty(); }
    const std::vector<std::pair<std::string, std::string>> &fields() const { return m_fields; }

    // Stripe's bracketed keys as nested JSON: "metadata[order]=7" -> {"metadata": {"order": "7"}},
    // "expand[]=a" and "items[0][price]=p" -> arrays. Values stay strings, as Stripe receives them.
    boost::json::object nested() const;

private:
    std::vector<std::pair<std::string, std::string>> m_fields;
};

} // namespace keybrake::sim
