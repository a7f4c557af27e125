#pragma once

#include "client/adminrole.h"
#include "usd.h"

#include <QString>

namespace keybrake::client {

// GET /v1/whoami: who the admin key is and what the server is; "Test connection" shows it.
struct WhoAmI
{
    QString adminKeyId; // "ak_..."
    QString name;
    AdminRole role = AdminRole::Viewer;
    QString serverVersion;
    QString spendTimezone; // IANA zone of the daily spend window
    Usd maxDailyUsdCap; // the largest cap a key may have

    bool can(AdminRole required) const { return roleIncludes(role, required); }
    friend bool operator==(const WhoAmI &, const WhoAmI &) = default;
};

} // namespace keybrake::client
