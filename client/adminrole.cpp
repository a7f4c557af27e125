#include "client/adminrole.h"

namespace keybrake::client {

QString adminRoleName(AdminRole role)
{
    switch (role) {
    case AdminRole::Viewer:
        return QStringLiteral("viewer");
    case AdminRole::Issuer:
        return QStringLiteral("issuer");
    case AdminRole::Operator:
        return QStringLiteral("operator");
    case AdminRole::Admin:
        return QStringLiteral("admin");
    }
    return {};
}

std::optional<AdminRole> parseAdminRole(const QString &name)
{
    for (AdminRole role :
         {AdminRole::Viewer, AdminRole::Issuer, AdminRole::Operator, AdminRole::Admin}) {
        if (name == adminRoleName(role))
            return role;
    }
    return std::nullopt;
}

} // namespace keybrake::client
