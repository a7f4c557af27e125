#include "admin/issuekeyrequest.h"

#include "admin/admincall.h"
#include "vendors/vendorcatalog.h"

#include <boost/json/object.hpp>

#include <cmath>
#include <set>

namespace keybrake {

namespace json = boost::json;

namespace {

constexpr std::size_t kMaxLabel = 200;
constexpr std::size_t kMaxEndpoints = 100;
constexpr std::size_t kMaxScopeEntries = 100;
constexpr std::size_t kMaxScopeEntryLength = 200;
constexpr std::size_t kMaxMetadataEntries = 50;
constexpr std::size_t kMaxMetadataKey = 40;
constexpr std::size_t kMaxMetadataValue = 500;

bool hasControlCharacters(std::string_view text)
{
    for (unsigned char c : text) {
        if (c < 0x20 || c == 0x7f)
            return true;
    }
    return false;
}

std::optional<FieldError> readText(const json::object &body, const char *field, std::size_t max,
                                   std::string &out)
{
    const json::value *value = body.if_contains(field);
    if (!value || value->is_null())
        return std::nullopt;
    if (!value->is_string())
        return FieldError {field, std::string(field) + " must be a string"};
    const auto &text = value->get_string();
    if (text.size() > max)
        return FieldError {
            field, std::string(field) + " must be at most " + std::to_string(max) + " characters"};
    if (hasControlCharacters(text))
        return FieldError {field, std::string(field) + " must not contain control characters"};
    out.assign(text.data(), text.size());
    return std::nullopt;
}

std::optional<FieldError> readStringList(const json::value &value, const std::string &field,
                                         std::vector<std::string> &out)
{
    if (!value.is_array())
        return FieldError {field, field + " must be an array of strings"};
    const auto &array = value.get_array();
    if (array.size() > kMaxScopeEntries)
        return FieldError {
            field, field + " may list at most " + std::to_string(kMaxScopeEntries) + " entries"};
    for (const auto &element : array) {
        if (!element.is_string() || element.get_string().empty()
            || element.get_string().size() > kMaxScopeEntryLength
            || hasControlCharacters(element.get_string()))
            return FieldError {field,
                               field + " must hold non-empty strings of at most "
                                   + std::to_string(kMaxScopeEntryLength) + " characters"};
        out.emplace_back(element.get_string().data(), element.get_string().size());
    }
    return std::nullopt;
}

std::optional<FieldError> readScope(const json::value *value, Vendor vendor, Scope &scope)
{
    if (!value || value->is_null())
        return std::nullopt;
    if (!value->is_object())
        return FieldError {"scope", "scope must be an object"};
    struct Entry
    {
        const char *name;
        Vendor vendor;
        std::vector<std::string> Scope::*list;
    };
    static const Entry kEntries[] = {
        {"stripe_customers", Vendor::Stripe, &Scope::stripeCustomers},
        {"stripe_accounts", Vendor::Stripe, &Scope::stripeAccounts},
        {"resend_from_domains", Vendor::Resend, &Scope::resendFromDomains},
        {"twilio_from_numbers", Vendor::Twilio, &Scope::twilioFromNumbers},
    };
    for (const auto &member : value->get_object()) {
        const Entry *entry = nullptr;
        for (const auto &candidate : kEntries) {
            if (member.key() == candidate.name)
                entry = &candidate;
        }
        const std::string field = "scope." + std::string(member.key());
        if (!entry)
            return FieldError {field,
                               "unknown scope entry \"" + std::string(member.key())
                                   + "\" (expected stripe_customers, stripe_accounts, "
                                     "resend_from_domains or twilio_from_numbers)"};
        if (entry->vendor != vendor)
            return FieldError {field,
                               field + " applies only to " + std::string(vendorName(entry->vendor))
                                   + " keys"};
        if (auto error = readStringList(member.value(), field, scope.*(entry->list)))
            return error;
    }
    return std::nullopt;
}

} // namespace

std::variant<VaultKey, FieldError> parseIssueKeyRequest(const json::value &bodyValue,
                                                        const IssueLimits &limits, TimePoint now)
{
    auto object = requireObject(bodyValue,
                                {"vendor", "daily_usd_cap", "allowed_endpoints", "expires_in",
                                 "expires_at", "agent_run_label", "name", "scope", "metadata",
                                 "max_calls_per_minute", "max_usd_per_minute"});
    if (auto *error = std::get_if<FieldError>(&object))
        return *error;
    const json::object &body = *std::get<const json::object *>(object);

    VaultKey key;
    const json::value *vendor = body.if_contains("vendor");
    if (!vendor || !vendor->is_string() || !parseVendor(vendor->get_string()))
        return FieldError {"vendor", "vendor must be one of stripe, twilio, resend"};
    key.vendor = *parseVendor(vendor->get_string());

    const json::value *cap = body.if_contains("daily_usd_cap");
    if (!cap || !cap->is_number())
        return FieldError {"daily_usd_cap", "daily_usd_cap must be a number of USD"};
    std::optional<Usd> capUsd;
    if (cap->is_int64())
        capUsd = cap->get_int64() >= 0 && cap->get_int64() <= 1'000'000'000
            ? std::optional(Usd::fromDollars(cap->get_int64()))
            : std::nullopt;
    else if (cap->is_uint64())
        capUsd = std::nullopt;
    else
        capUsd = Usd::fromJsonNumber(cap->get_double());
    if (!capUsd) {
        // Say which rule the number broke: a sign, a size (1e309 parses as infinity) or decimals.
        const double number = cap->is_int64() ? static_cast<double>(cap->get_int64())
            : cap->is_uint64()                ? static_cast<double>(cap->get_uint64())
                                              : cap->get_double();
        if (number <= 0)
            return FieldError {"daily_usd_cap", "daily_usd_cap must be greater than 0"};
        if (!std::isfinite(number) || number > static_cast<double>(1'000'000'000))
            return FieldError {"daily_usd_cap",
                               "daily_usd_cap must be at most " + limits.maxDailyCap.toDisplay()
                                   + " (the server's maximum)"};
        return FieldError {"daily_usd_cap", "daily_usd_cap must have at most 6 decimals"};
    }
    if (*capUsd <= Usd {})
        return FieldError {"daily_usd_cap", "daily_usd_cap must be greater than 0"};
    if (*capUsd > limits.maxDailyCap)
        return FieldError {"daily_usd_cap",
                           "daily_usd_cap must be at most " + limits.maxDailyCap.toDisplay()
                               + " (the server's maximum)"};
    key.dailyCap = *capUsd;

    const json::value *endpoints = body.if_contains("allowed_endpoints");
    if (!endpoints || !endpoints->is_array() || endpoints->get_array().empty())
        return FieldError {"allowed_endpoints",
                           "allowed_endpoints must be a non-empty array of operation names or "
                           "\"METHOD /path\" entries"};
    if (endpoints->get_array().size() > kMaxEndpoints)
        return FieldError {"allowed_endpoints",
                           "allowed_endpoints may list at most " + std::to_string(kMaxEndpoints)
                               + " entries"};
    std::set<std::string> seen;
    for (const auto &entry : endpoints->get_array()) {
        if (!entry.is_string())
            return FieldError {"allowed_endpoints", "allowed_endpoints must hold strings"};
        const std::string text(entry.get_string());
        if (auto error = validateAllowedEndpoint(key.vendor, text))
            return FieldError {"allowed_endpoints", *error};
        std::string normalised = normaliseAllowedEndpoint(text);
        if (seen.insert(normalised).second)
            key.allowedEndpoints.push_back(std::move(normalised));
    }

    const json::value *expiresIn = body.if_contains("expires_in");
    const json::value *expiresAt = body.if_contains("expires_at");
    if ((expiresIn && !expiresIn->is_null()) == (expiresAt && !expiresAt->is_null()))
        return FieldError {"expires_in",
                           "give exactly one of expires_in (\"15m\", \"2h\", \"1d\", "
                           "\"90s\" or seconds) and expires_at (RFC 3339)"};
    if (expiresIn && !expiresIn->is_null()) {
        std::optional<std::chrono::seconds> duration;
        if (expiresIn->is_int64())
            duration = expiresIn->get_int64() > 0
                ? std::optional(std::chrono::seconds(expiresIn->get_int64()))
                : std::nullopt;
        else if (expiresIn->is_string())
            duration = parseDuration(expiresIn->get_string());
        if (!duration)
            return FieldError {"expires_in",
                               "expires_in must be a positive duration such as "
                               "\"15m\", \"2h\", \"1d\", \"90s\" or a number of "
                               "seconds"};
        if (*duration > limits.maxLifetime)
            return FieldError {"expires_in", "expires_in must be at most 30 days"};
        key.expiresAt = now + *duration;
    } else {
        const auto when =
            expiresAt->is_string() ? parseRfc3339(expiresAt->get_string()) : std::nullopt;
        if (!when)
            return FieldError {"expires_at",
                               "expires_at must be an RFC 3339 time such as "
                               "2026-11-28T14:03:05.123Z"};
        if (*when <= now)
            return FieldError {"expires_at", "expires_at must be in the future"};
        if (*when > now + limits.maxLifetime)
            return FieldError {"expires_at", "expires_at must be at most 30 days ahead"};
        key.expiresAt = *when;
    }

    if (auto error = readText(body, "agent_run_label", kMaxLabel, key.agentRunLabel))
        return *error;
    if (auto error = readText(body, "name", kMaxLabel, key.name))
        return *error;
    if (key.name.empty())
        key.name = key.agentRunLabel;

    if (auto error = readScope(body.if_contains("scope"), key.vendor, key.scope))
        return *error;
    if (auto error = readVelocityLimits(body, key.maxCallsPerMinute, key.maxUsdPerMinute))
        return *error;

    if (const json::value *metadata = body.if_contains("metadata");
        metadata && !metadata->is_null()) {
        if (!metadata->is_object())
            return FieldError {"metadata", "metadata must be an object of strings"};
        if (metadata->get_object().size() > kMaxMetadataEntries)
            return FieldError {"metadata",
                               "metadata may hold at most " + std::to_string(kMaxMetadataEntries)
                                   + " entries"};
        for (const auto &member : metadata->get_object()) {
            if (member.key().empty() || member.key().size() > kMaxMetadataKey
                || !member.value().is_string()
                || member.value().get_string().size() > kMaxMetadataValue)
                return FieldError {"metadata",
                                   "metadata keys must be 1 to " + std::to_string(kMaxMetadataKey)
                                       + " characters and values strings of at most "
                                       + std::to_string(kMaxMetadataValue) + " characters"};
            key.metadata.emplace(std::string(member.key()),
                                 std::string(member.value().get_string()));
        }
    }
    return key;
}

std::optional<FieldError> readVelocityLimits(const json::object &body,
                                             std::optional<std::int64_t> &maxCalls,
                                             std::optional<Usd> &maxUsd)
{
    constexpr std::int64_t kMaxCalls = 1'000'000;
    if (const json::value *calls = body.if_contains("max_calls_per_minute");
        calls && !calls->is_null()) {
        if (!calls->is_int64() || calls->get_int64() < 1 || calls->get_int64() > kMaxCalls)
            return FieldError {"max_calls_per_minute",
                               "max_calls_per_minute must be a whole number from 1 to 1000000"};
        maxCalls = calls->get_int64();
    }
    if (const json::value *usd = body.if_contains("max_usd_per_minute"); usd && !usd->is_null()) {
        std::optional<Usd> amount;
        if (usd->is_int64())
            amount = usd->get_int64() > 0 && usd->get_int64() <= kMaxCalls
                ? std::optional(Usd::fromDollars(usd->get_int64()))
                : std::nullopt;
        else if (usd->is_double())
            amount = Usd::fromJsonNumber(usd->get_double());
        if (!amount || *amount <= Usd() || *amount > Usd::fromDollars(kMaxCalls))
            return FieldError {"max_usd_per_minute",
                               "max_usd_per_minute must be a number of USD greater than 0 and at "
                               "most 1000000, with at most 6 decimals"};
        maxUsd = *amount;
    }
    return std::nullopt;
}

std::variant<std::chrono::seconds, FieldError>
readDuration(const json::value &value, const std::string &field, std::chrono::seconds max)
{
    std::optional<std::chrono::seconds> duration;
    if (value.is_int64())
        duration = value.get_int64() > 0 ? std::optional(std::chrono::seconds(value.get_int64()))
                                         : std::nullopt;
    else if (value.is_string())
        duration = parseDuration(value.get_string());
    if (!duration || duration->count() <= 0)
        return FieldError {field,
                           field
                               + " must be a positive duration such as \"15m\", \"2h\", "
                                 "\"1d\", \"90s\" or a number of seconds"};
    if (*duration > max)
        return FieldError {field, field + " must be at most 30 days"};
    return *duration;
}

} // namespace keybrake
