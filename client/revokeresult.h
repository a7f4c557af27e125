#pragma once

#include "client/vaultkey.h"
#include "usd.h"

#include <QDateTime>
#include <QString>

namespace keybrake::client {

// The answer to DELETE /v1/keys/{id}. Revoking is idempotent: a second revoke answers 200 with
// alreadyRevoked and the first revocation's time.
struct RevokeResult
{
    QString keyId;
    KeyStatus status = KeyStatus::Revoked;
    QDateTime revokedAt; // the server's time, with milliseconds
    bool alreadyRevoked = false;
    Usd heldUsd; // holds still open on the key (calls in flight or of unknown outcome)

    friend bool operator==(const RevokeResult &, const RevokeResult &) = default;
};

} // namespace keybrake::client
