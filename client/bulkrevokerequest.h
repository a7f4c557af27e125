#pragma once

#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <chrono>
#include <utility>

namespace keybrake::client {

// The body of POST /v1/keys/revoke: either explicit key ids, or every key whose run label starts
// with a prefix (optionally of one vendor). dryRun reports what would be revoked without doing it.
struct BulkRevokeRequest
{
    QStringList keyIds;
    QString labelPrefix;
    QString vendor;
    bool dryRun = false;
    QString reason; // the operator's optional reason (kept on each revoked key and audit row)
    // With labelPrefix: also block the prefix in the same request (a reason is then required),
    // for blockExpiresIn (0: until lifted). Not created on a dry run.
    bool block = false;
    std::chrono::seconds blockExpiresIn {0};

    static BulkRevokeRequest byIds(QStringList ids)
    {
        BulkRevokeRequest request;
        request.keyIds = std::move(ids);
        return request;
    }
    static BulkRevokeRequest byLabelPrefix(QString prefix, QString vendor = {}, bool dryRun = false)
    {
        BulkRevokeRequest request;
        request.labelPrefix = std::move(prefix);
        request.vendor = std::move(vendor);
        request.dryRun = dryRun;
        return request;
    }

    // Empty members are left out.
    QJsonObject toJson() const;

    friend bool operator==(const BulkRevokeRequest &, const BulkRevokeRequest &) = default;
};

} // namespace keybrake::client
