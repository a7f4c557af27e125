#pragma once

#include "client/prefixblock.h"
#include "usd.h"

#include <QDateTime>
#include <QStringList>

#include <optional>

namespace keybrake::client {

// The answer to POST /v1/keys/revoke.
struct BulkRevokeResult
{
    qint64 revoked = 0; // keys revoked by this call (would be, on a dry run)
    QStringList keyIds; // which ones
    QStringList notFound; // requested ids the server does not know
    bool dryRun = false;
    Usd heldUsd; // holds still open on those keys
    QDateTime revokedAt; // invalid on a dry run
    std::optional<PrefixBlock> block; // the block created with the revoke ("block": true)

    friend bool operator==(const BulkRevokeResult &, const BulkRevokeResult &) = default;
};

} // namespace keybrake::client
