#pragma once

#include <QString>

#include <optional>

namespace keybrake::client {

// The roles of admin API keys; each includes the ones before it (contract, "Authentication and
// roles"). The numeric order is the inclusion order.
enum class AdminRole {
    Viewer = 1, // every GET
    Issuer = 2, // + POST /v1/keys
    Operator = 3, // + revoke (single, bulk, by label prefix)
    Admin = 4, // + admin-key management and vendor credentials
};

// "viewer", "issuer", "operator", "admin".
QString adminRoleName(AdminRole role);
std::optional<AdminRole> parseAdminRole(const QString &name);
// True when a key holding `held` may do what `required` allows.
constexpr bool roleIncludes(AdminRole held, AdminRole required)
{
    return static_cast<int>(held) >= static_cast<int>(required);
}

} // namespace keybrake::client
