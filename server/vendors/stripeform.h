#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace keybrake {

// One name=value pair of an application/x-www-form-urlencoded body (Stripe and Twilio bodies,
// and query strings), decoded, with the raw text it came from.
struct FormField
{
    std::string key; // decoded: "metadata[order]"
    std::string value; // decoded, '+' as space
    std::string_view raw; // "metadata%5Border%5D=A+1", a view into the parsed text
};

// Splits and decodes a form body or query string. Stripe SDKs send literal brackets in keys
// ("metadata[order]=1"), which a strict RFC 3986 query parser rejects, so only the percent
// escapes are validated. nullopt when an escape is malformed ("%zz", a lone "%").
std::optional<std::vector<FormField>> parseFormBody(std::string_view body);

// Percent-encodes everything but RFC 3986 unreserved characters (so UTF-8 bytes, '&', '=', '+'
// and brackets inside values are escaped).
std::string encodeFormComponent(std::string_view text);

// A JSON object in Stripe's form encoding, as Stripe's own SDKs write it: nested objects as
// "a[b]=", arrays as "a[0]=", booleans "true"/"false", integers as written, null as an empty
// value (Stripe's way to unset a field). Empty objects and arrays produce nothing. Brackets stay
// literal, as stripe-node sends them. nullopt, with a sentence in `error`, when the text is not
// JSON or not an object.
std::optional<std::string> jsonToStripeForm(std::string_view json, std::string &error);

} // namespace keybrake
