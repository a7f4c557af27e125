#include "domain.h"

#include <array>

namespace keybrake {

namespace {

template<class E, std::size_t N>
std::optional<E> lookup(const std::array<std::pair<E, std::string_view>, N> &table,
                        std::string_view name)
{
    for (const auto &[value, text] : table) {
        if (text == name)
            return value;
    }
    return std::nullopt;
}

template<class E, std::size_t N>
std::string_view nameOf(const std::array<std::pair<E, std::string_view>, N> &table, E value)
{
    for (const auto &[candidate, text] : table) {
        if (candidate == value)
            return text;
    }
    return {};
}

constexpr std::array<std::pair<Vendor, std::string_view>, 3> kVendors {{
    {Vendor::Stripe, "stripe"},
    {Vendor::Twilio, "twilio"},
    {Vendor::Resend, "resend"},
}};

constexpr std::array<std::pair<Role, std::string_view>, 4> kRoles {{
    {Role::Viewer, "viewer"},
    {Role::Issuer, "issuer"},
    {Role::Operator, "operator"},
    {Role::Admin, "admin"},
}};

constexpr std::array<std::pair<KeyStatus, std::string_view>, 4> kStatuses {{
    {KeyStatus::Active, "active"},
    {KeyStatus::Capped, "capped"},
    {KeyStatus::Revoked, "revoked"},
    {KeyStatus::Expired, "expired"},
}};

constexpr std::array<std::pair<Verdict, std::string_view>, 15> kVerdicts {{
    {Verdict::Allowed, "allowed"},
    {Verdict::Replayed, "replayed"},
    {Verdict::DeniedInvalidKey, "denied_invalid_key"},
    {Verdict::DeniedRevoked, "denied_revoked"},
    {Verdict::DeniedExpired, "denied_expired"},
    {Verdict::DeniedVendor, "denied_vendor"},
    {Verdict::DeniedEndpoint, "denied_endpoint"},
    {Verdict::DeniedScope, "denied_scope"},
    {Verdict::DeniedCostUnknown, "denied_cost_unknown"},
    // The contract has no verdict of its own for an unsupported currency; it is a cost that
    // cannot be known, and the row's reason says currency_not_supported.
    {Verdict::DeniedCurrency, "denied_cost_unknown"},
    {Verdict::DeniedCap, "denied_cap"},
    {Verdict::DeniedIdempotency, "denied_idempotency"},
    {Verdict::UpstreamError, "upstream_error"},
    {Verdict::DeniedBlocked, "denied_blocked"},
    {Verdict::DeniedRate, "denied_rate"},
}};

constexpr std::array<std::pair<CostSource, std::string_view>, 3> kCostSources {{
    {CostSource::Parsed, "parsed"},
    {CostSource::Estimated, "estimated"},
    {CostSource::None, "none"},
}};

} // namespace

std::string_view vendorName(Vendor vendor)
{
    return nameOf(kVendors, vendor);
}

std::optional<Vendor> parseVendor(std::string_view name)
{
    return lookup(kVendors, name);
}

std::string_view roleName(Role role)
{
    return nameOf(kRoles, role);
}

std::optional<Role> parseRole(std::string_view name)
{
    return lookup(kRoles, name);
}

std::string_view keyStatusName(KeyStatus status)
{
    return nameOf(kStatuses, status);
}

std::optional<KeyStatus> parseKeyStatus(std::string_view name)
{
    return lookup(kStatuses, name);
}

std::string_view verdictName(Verdict verdict)
{
    return nameOf(kVerdicts, verdict);
}

std::optional<Verdict> parseVerdict(std::string_view name)
{
    return lookup(kVerdicts, name);
}

bool isDenial(Verdict verdict)
{
    return verdict != Verdict::Allowed && verdict != Verdict::Replayed
        && verdict != Verdict::UpstreamError;
}

std::string_view costSourceName(CostSource source)
{
    return nameOf(kCostSources, source);
}

} // namespace keybrake
