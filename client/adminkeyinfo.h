#pragma once

#include "client/adminrole.h"

#include <QDateTime>
#include <QString>

namespace keybrake::client {

// An admin API key as GET/POST/DELETE /v1/admin-keys return it. The secret is never part of it
// (see CreatedAdminKey).
struct AdminKeyInfo
{
    QString id; // "ak_..."
    QString name;
    AdminRole role = AdminRole::Viewer;
    QString keyHint; // "kb_…a1b2"
    QDateTime createdAt;
    QDateTime revokedAt; // invalid while the key is usable
    QString createdBy; // admin key id, or "bootstrap" / "cli"
    QString createdByName; // that admin key's name ("bootstrap" / "cli" name themselves)
    QDateTime lastUsedAt; // invalid: never used (recorded to within a minute)
    qint64 keysIssuedToday = 0; // vault keys it issued in the server's current spend window

    bool isRevoked() const { return revokedAt.isValid(); }
    friend bool operator==(const AdminKeyInfo &, const AdminKeyInfo &) = default;
};

} // namespace keybrake::client
