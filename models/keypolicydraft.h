#pragma once

#include "client/issuekeyrequest.h"
#include "client/keyscope.h"
#include "client/vaultkey.h"
#include "models/timeformatter.h"
#include "usd.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QList>
#include <QString>
#include <QStringList>
#include <QUrl>

#include <optional>

namespace keybrake::client {
struct VendorCatalog;
}

namespace keybrake {

// What the Issue Key form holds, and everything derived from it: the request the server will
// receive, its JSON, a curl line, the one-sentence summary, and the checks the form can make
// before sending (the server checks again and has the last word).
struct KeyPolicyDraft
{
    Q_DECLARE_TR_FUNCTIONS(KeyPolicyDraft)

public:
    enum class ExpiryPreset {
        Minutes15, // the AWS Lambda maximum run time
        Hour1,
        Hours24,
        Custom,
    };

    struct FieldError
    {
        QString field; // the request's field name, as the server names it ("daily_usd_cap")
        QString message;
        friend bool operator==(const FieldError &, const FieldError &) = default;
    };

    QString vendor = QStringLiteral("stripe");
    QStringList operations; // checked catalog operation names, in catalog order
    QStringList customEndpoints; // "METHOD /path" entries
    Usd dailyCap;
    ExpiryPreset expiry = ExpiryPreset::Minutes15;
    QDateTime customExpiresAt; // UTC, for ExpiryPreset::Custom
    QString runLabel;
    QString name;
    client::KeyScope scope;
    // Velocity limits (sliding 60 s window): nullopt leaves the limit out (the server may apply
    // its default for the label's prefix); a value of 0 is kept so validate() can refuse it.
    std::optional<qint64> maxCallsPerMinute;
    std::optional<Usd> maxUsdPerMinute;
    // One per opening of the form, sent as Idempotency-Key, so a double submission (or a retry
    // after a lost answer) gives back the same key instead of a second budget.
    QString idempotencyKey;

    QStringList allowedEndpoints() const { return operations + customEndpoints; }
    // When the key would expire if issued at `now`.
    QDateTime expiresAt(const QDateTime &now) const;

    QList<FieldError> validate(const client::VendorCatalog &catalog, const QDateTime &now) const;
    client::IssueKeyRequest toRequest() const;
    // "Stripe: max $50.00 per day, resets 00:00 UTC; may call charges.create; expires 14:32 UTC
    // (in 15 min)."
    QString summary(const TimeFormatter &time, const QString &spendTimezone,
                    const QDateTime &now) const;
    // The body as indented JSON, exactly what toRequest() sends.
    QByteArray jsonPreview() const;
    // A curl command that issues the same key; the admin key is the $KEYBRAKE_API_KEY variable,
    // never the real key.
    QString curlCommand(const QUrl &server) const;

    // The form pre-filled with an old key's policy ("Issue a similar key"): same vendor,
    // endpoints, cap and scope, a fresh expiry, and the label marked as a new run.
    static KeyPolicyDraft similarTo(const client::VaultKey &key,
                                    const client::VendorCatalog &catalog);
    // Empty when `entry` is a valid "METHOD /path"; otherwise why not.
    static QString checkCustomEndpoint(const QString &entry);
    static std::chrono::seconds presetDuration(ExpiryPreset preset);
};

} // namespace keybrake
