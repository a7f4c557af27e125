#pragma once

#include "client/auditentry.h"
#include "client/prefixblock.h"
#include "models/timeformatter.h"
#include "usd.h"

#include <QDateTime>
#include <QList>
#include <QString>

#include <optional>

namespace keybrake {

// What the kill switch did, as proof: which keys stopped and when (the server's revocation time
// of each key, from its key.revoked event, else the bulk answer's), and every call the server
// admitted under the prefix between the click and the revocation (from the audit log, so the
// receipt and the log agree; the live stream's count beside it). Text for the dialog and a file,
// CSV for a spreadsheet.
struct RevokeReceipt
{
    struct Key
    {
        QString keyId;
        QString name;
        QString label;
        QDateTime revokedAt; // the server's
    };

    QString profileName;
    QString serverUrl;
    QString prefix;
    QString vendor; // empty: any
    QDateTime clickedAt; // this console's clock
    QDateTime revokedAt; // the bulk answer's
    Usd heldUsd;
    QList<Key> keys;
    // Calls the audit log shows as admitted (allowed or upstream_error) under the prefix from
    // the click to the revocation of their key; oldest first.
    QList<client::AuditEntry> admitted;
    bool auditRead = false;
    QString auditError;
    int streamAdmitted = -1; // the same, as the live stream saw them (-1: no stream)
    QString reason; // the operator's, empty when none was given
    // The block created with the revoke, as last read (its refused counters grow while the
    // agent keeps trying); nullopt when the stop did not block the prefix.
    std::optional<client::PrefixBlock> block;

    // Whether the call got through before its key's revocation (and after the click).
    bool admittedBeforeRevoke(const client::AuditEntry &call) const;
    QDateTime revokedAtOf(const QString &keyId) const;

    QString toText(const TimeFormatter &time) const;
    QByteArray toCsv() const;
};

} // namespace keybrake
