#pragma once

#include "client/keyscope.h"
#include "usd.h"

#include <QDateTime>
#include <QJsonObject>
#include <QMap>
#include <QString>
#include <QStringList>

#include <chrono>
#include <optional>

namespace keybrake::client {

// The body of POST /v1/keys. The server validates it (and answers 422 invalid_field with the
// field's name); the client sends what it is given.
struct IssueKeyRequest
{
    QString vendor; // "stripe", "twilio", "resend"
    Usd dailyUsdCap; // > 0 and <= the server's maximum (VendorCatalog, WhoAmI)
    QStringList allowedEndpoints; // non-empty: operation names or "METHOD /path"
    // Exactly one of the two: a lifetime (sent as integer seconds) or an absolute UTC time.
    std::chrono::seconds expiresIn {0}; // 0: not set
    QDateTime expiresAt; // invalid: not set
    QString agentRunLabel; // up to 200 chars, e.g. an SQS messageId
    QString name; // optional; the server defaults it to the label
    KeyScope scope;
    QMap<QString, QString> metadata;
    // Velocity limits (sliding 60 s window); nullopt: not sent (the server may apply its default
    // for the label's prefix).
    std::optional<qint64> maxCallsPerMinute;
    std::optional<Usd> maxUsdPerMinute;
    // Sent as the Idempotency-Key header, not in the body: the same key and body within 48 h
    // return the same vault key (and secret) instead of issuing a second budget.
    QString idempotencyKey;

    // The JSON body (Idempotency-Key excluded); unset optional fields are left out.
    QJsonObject toJson() const;

    friend bool operator==(const IssueKeyRequest &, const IssueKeyRequest &) = default;
};

} // namespace keybrake::client
