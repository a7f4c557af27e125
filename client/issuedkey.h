#pragma once

#include "client/vaultkey.h"

#include <QString>

namespace keybrake::client {

// The answer to POST /v1/keys: the new key and its secret. The server returns the secret exactly
// once (or again for a replay of the same Idempotency-Key); keep it no longer than needed and
// never log it.
struct IssuedKey
{
    VaultKey key;
    QString vaultKey; // "vault_key_..."

    friend bool operator==(const IssuedKey &, const IssuedKey &) = default;
};

} // namespace keybrake::client
