#pragma once

#include "client/adminref.h"
#include "client/keyscope.h"
#include "usd.h"

#include <QDateTime>
#include <QMap>
#include <QString>
#include <QStringList>

#include <optional>

namespace keybrake::client {

enum class KeyStatus {
    Active,
    Capped, // active, but settled + held spend today has reached the cap
    Revoked,
    Expired,
    Unknown, // a status this client does not know yet (a newer server); shown, never acted on
};

// "active", "capped", "revoked", "expired"; Unknown gives "unknown".
QString keyStatusName(KeyStatus status);
// Unknown for anything else, so one new status does not make a whole page unreadable.
KeyStatus parseKeyStatus(const QString &name);

// A vault key as GET /v1/keys, GET /v1/keys/{id} and POST /v1/keys return it: its policy plus its
// spend in the current spend window. The secret is never part of it (see IssuedKey).
struct VaultKey
{
    QString keyId; // "vk_" + 24 base32 chars
    QString name;
    QString vendor; // "stripe", "twilio", "resend"
    KeyStatus status = KeyStatus::Active;
    QString keyHint; // "vault_key_…a1b2"
    Usd dailyUsdCap;
    QStringList allowedEndpoints; // operation names ("charges.create") or "METHOD /path"
    KeyScope scope;
    QString agentRunLabel;
    QMap<QString, QString> metadata;
    QDateTime createdAt; // all times UTC
    QDateTime expiresAt;
    QDateTime revokedAt; // invalid (null) while not revoked
    // Velocity limits over a sliding 60 s window (the key's own or the server's default for its
    // label prefix at issuance); nullopt: none.
    std::optional<qint64> maxCallsPerMinute;
    std::optional<Usd> maxUsdPerMinute;
    AdminRef issuedBy; // the admin key that issued it
    AdminRef revokedBy; // invalid while not revoked
    QString revokeReason; // the operator's reason, when one was given
    // Spend in the window that ends at resetsAt.
    Usd spentTodayUsd;
    Usd heldUsd; // open holds, including ones kept after an upstream timeout or 5xx
    qint64 callsToday = 0;
    qint64 blockedToday = 0;
    QDateTime lastCallAt; // invalid when the key was never used
    QDateTime resetsAt;

    // Settled + held: what the cap check compares against the cap.
    Usd committedUsd() const { return spentTodayUsd + heldUsd; }
    friend bool operator==(const VaultKey &, const VaultKey &) = default;
};

} // namespace keybrake::client
