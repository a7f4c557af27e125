#pragma once

#include "client/adminkeyinfo.h"

#include <QString>

namespace keybrake::client {

// The answer to POST /v1/admin-keys: the new key and its secret, shown this once.
struct CreatedAdminKey
{
    AdminKeyInfo key;
    QString apiKey; // "kb_..."; never log it

    friend bool operator==(const CreatedAdminKey &, const CreatedAdminKey &) = default;
};

} // namespace keybrake::client
