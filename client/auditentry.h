#pragma once

#include "usd.h"

#include <QDateTime>
#include <QString>

#include <optional>

namespace keybrake::client {

enum class AuditKind {
    Call, // a proxied request, forwarded or refused
    Admin, // an admin mutation: issue, revoke, admin-key changes
    Unknown, // a kind this client does not know yet
};

QString auditKindName(AuditKind kind); // "call", "admin", "unknown"
AuditKind parseAuditKind(const QString &name);

// One row of GET /v1/audit. Call rows fill the request fields; admin rows fill action, actor and
// detail. Nullable numbers are std::optional, because "not known" and 0 differ (a refused call
// has no upstream status; a cap usage of 0 is a fact).
struct AuditEntry
{
    QString id; // increasing
    QDateTime ts;
    AuditKind kind = AuditKind::Call;
    QString requestId;
    QString keyId; // empty for an unknown vault key
    QString keyName;
    QString agentRunLabel;
    QString vendor;
    QString method;
    QString path; // without the query string
    QString operation; // "payment_intents.create"
    // "allowed", "replayed", "upstream_error" or "denied_*" (contract, "The audit log"); kept as
    // text so a new verdict still shows.
    QString verdict;
    // Call rows: the refusal code or upstream failure, empty when allowed. Admin rows: the
    // operator's reason for a revoke, block or lift, when one was given.
    QString reason;
    int httpStatus = 0;
    std::optional<int> upstreamStatus;
    Usd costUsd;
    QString costSource; // "parsed", "estimated", "none"
    QString currency;
    std::optional<qint64> originalAmount; // in the currency's minor units
    std::optional<Usd> capUsageAfterUsd;
    QString customerScopeId;
    QString vendorObjectId;
    QString vendorRequestId;
    QString idempotencyKey;
    std::optional<double> latencyMs; // durations, not money
    std::optional<double> upstreamLatencyMs;
    // Admin rows.
    QString action; // "key.issued", "key.revoked", "admin_key.created", "admin_key.revoked"
    QString actor; // admin key id
    QString actorName; // that admin key's name (empty when the server does not know it)
    QString detail; // redacted parameters as compact JSON text

    bool isDenied() const { return verdict.startsWith(u"denied_"); }
    friend bool operator==(const AuditEntry &, const AuditEntry &) = default;
};

} // namespace keybrake::client
