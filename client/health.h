#pragma once

#include <QString>

namespace keybrake::client {

// GET /healthz (no authentication).
struct Health
{
    QString status; // "ok"
    QString store; // "sqlite" or "postgres"

    bool isOk() const { return status == u"ok"; }
    friend bool operator==(const Health &, const Health &) = default;
};

} // namespace keybrake::client
