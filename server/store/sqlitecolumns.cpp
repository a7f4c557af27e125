#include "sqlitecolumns.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <openssl/evp.h>

#include <algorithm>
#include <cctype>

namespace keybrake::sqlitecolumns {

namespace json = boost::json;

namespace {

// The store wrote every JSON column itself, so a value that does not parse means a damaged row;
// readers get an empty value rather than an exception that would fail the whole page.
json::value parseOrNull(std::string_view text)
{
    boost::system::error_code error;
    json::value value = json::parse(text, error);
    if (error)
        return nullptr;
    return value;
}

json::array toArray(const std::vector<std::string> &values)
{
    json::array array;
    array.reserve(values.size());
    for (const auto &value : values)
        array.emplace_back(value);
    return array;
}

std::vector<std::string> fromArray(const json::value *value)
{
    std::vector<std::string> out;
    if (!value || !value->is_array())
        return out;
    for (const auto &element : value->get_array()) {
        if (element.is_string())
            out.emplace_back(element.get_string());
    }
    return out;
}

} // namespace

std::string stringsToJson(const std::vector<std::string> &values)
{
    return json::serialize(toArray(values));
}

std::vector<std::string> stringsFromJson(std::string_view text)
{
    const json::value value = parseOrNull(text);
    return fromArray(&value);
}

std::string scopeToJson(const Scope &scope)
{
    json::object object;
    const auto put = [&object](std::string_view name, const std::vector<std::string> &values) {
        if (!values.empty())
            object[name] = toArray(values);
    };
    put("stripe_customers", scope.stripeCustomers);
    put("stripe_accounts", scope.stripeAccounts);
    put("resend_from_domains", scope.resendFromDomains);
    put("twilio_from_numbers", scope.twilioFromNumbers);
    return json::serialize(object);
}

Scope scopeFromJson(std::string_view text)
{
    Scope scope;
    const json::value value = parseOrNull(text);
    if (!value.is_object())
        return scope;
    const json::object &object = value.get_object();
    scope.stripeCustomers = fromArray(object.if_contains("stripe_customers"));
    scope.stripeAccounts = fromArray(object.if_contains("stripe_accounts"));
    scope.resendFromDomains = fromArray(object.if_contains("resend_from_domains"));
    scope.twilioFromNumbers = fromArray(object.if_contains("twilio_from_numbers"));
    return scope;
}

std::string metadataToJson(const std::map<std::string, std::string> &metadata)
{
    json::object object;
    for (const auto &[name, value] : metadata)
        object[name] = value;
    return json::serialize(object);
}

std::map<std::string, std::string> metadataFromJson(std::string_view text)
{
    std::map<std::string, std::string> metadata;
    const json::value value = parseOrNull(text);
    if (!value.is_object())
        return metadata;
    for (const auto &member : value.get_object()) {
        if (member.value().is_string())
            metadata.emplace(member.key(), member.value().get_string());
    }
    return metadata;
}

std::string headersToJson(const Headers &headers)
{
    json::array array;
    for (const auto &[name, value] : headers)
        array.emplace_back(json::array {json::string(name), json::string(value)});
    return json::serialize(array);
}

Headers headersFromJson(std::string_view text)
{
    Headers headers;
    const json::value value = parseOrNull(text);
    if (!value.is_array())
        return headers;
    for (const auto &element : value.get_array()) {
        const json::array *pair = element.if_array();
        if (pair && pair->size() == 2 && (*pair)[0].is_string() && (*pair)[1].is_string())
            headers.emplace_back((*pair)[0].get_string(), (*pair)[1].get_string());
    }
    return headers;
}

std::string encodeCursor(std::string_view tag, std::string_view fields)
{
    const std::string raw = std::string(tag) + ':' + std::string(fields);
    std::string out(4 * ((raw.size() + 2) / 3) + 1, '\0');
    const int length = EVP_EncodeBlock(reinterpret_cast<unsigned char *>(out.data()),
                                       reinterpret_cast<const unsigned char *>(raw.data()),
                                       static_cast<int>(raw.size()));
    out.resize(static_cast<std::size_t>(length));
    // URL-safe and unpadded, so it can go into a query string as it is.
    while (!out.empty() && out.back() == '=')
        out.pop_back();
    std::replace(out.begin(), out.end(), '+', '-');
    std::replace(out.begin(), out.end(), '/', '_');
    return out;
}

std::optional<std::string> decodeCursor(std::string_view tag, std::string_view cursor)
{
    if (cursor.empty() || cursor.size() > 512)
        return std::nullopt;
    std::string text(cursor);
    for (char &c : text) {
        if (c == '-')
            c = '+';
        else if (c == '_')
            c = '/';
        else if (!(std::isalnum(static_cast<unsigned char>(c))))
            return std::nullopt;
    }
    const std::size_t padding = (4 - text.size() % 4) % 4;
    if (padding == 3)
        return std::nullopt;
    text.append(padding, '=');
    std::string raw(text.size() / 4 * 3, '\0');
    const int length = EVP_DecodeBlock(reinterpret_cast<unsigned char *>(raw.data()),
                                       reinterpret_cast<const unsigned char *>(text.data()),
                                       static_cast<int>(text.size()));
    if (length < 0)
        return std::nullopt;
    // EVP_DecodeBlock counts the padding as zero bytes.
    raw.resize(static_cast<std::size_t>(length) - padding);
    const std::string expected = std::string(tag) + ':';
    if (raw.rfind(expected, 0) != 0)
        return std::nullopt;
    return raw.substr(expected.size());
}

std::optional<std::string> prefixUpperBound(std::string_view prefix)
{
    std::string bound(prefix);
    while (!bound.empty() && static_cast<unsigned char>(bound.back()) == 0xff)
        bound.pop_back();
    if (bound.empty())
        return std::nullopt;
    bound.back() = static_cast<char>(static_cast<unsigned char>(bound.back()) + 1);
    return bound;
}

} // namespace keybrake::sqlitecolumns
