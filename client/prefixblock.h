#pragma once

#include "client/adminref.h"

#include <QDateTime>
#include <QJsonObject>
#include <QString>

#include <chrono>

namespace keybrake::client {

// A block on a label prefix (GET/POST /v1/blocks, DELETE /v1/blocks/{id}, the "block" of a bulk
// revoke, and the block.created / block.lifted events). While active, no vault key whose
// agent_run_label starts with the prefix is issued, and no call of an existing one is admitted.
struct PrefixBlock
{
    QString id; // "blk_" + 24 base32 chars
    QString labelPrefix;
    QString vendor; // empty: every vendor
    QString reason;
    QString status; // "active", "expired", "lifted" (at the server's answer)
    QDateTime createdAt;
    QDateTime endsAt; // invalid: until lifted
    QDateTime liftedAt; // invalid while not lifted
    AdminRef createdBy;
    AdminRef liftedBy;
    QString liftReason;
    qint64 refusedCalls = 0; // proxied calls this block refused
    qint64 refusedIssuances = 0; // vault keys it refused to issue

    bool isActive() const { return status == u"active"; }
    friend bool operator==(const PrefixBlock &, const PrefixBlock &) = default;
};

// The body of POST /v1/blocks.
struct CreateBlockRequest
{
    QString labelPrefix; // non-empty
    QString vendor; // empty: every vendor
    QString reason; // required by the server
    std::chrono::seconds expiresIn {0}; // 0: until lifted

    QJsonObject toJson() const;
    friend bool operator==(const CreateBlockRequest &, const CreateBlockRequest &) = default;
};

} // namespace keybrake::client
