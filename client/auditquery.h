#pragma once

#include <QDateTime>
#include <QString>
#include <QUrlQuery>

namespace keybrake::client {

// Filters and paging of GET /v1/audit (newest first). Empty members are not sent.
struct AuditQuery
{
    enum class Kind {
        Call, // proxied requests only (the server's default)
        Admin, // admin mutations only
        All,
    };

    Kind kind = Kind::Call;
    QString keyId;
    QString actor; // admin key id: admin rows it wrote
    QString label; // exact agent_run_label
    QString labelPrefix;
    QString vendor;
    QString verdict; // "allowed", "denied_cap", ...
    QDateTime since; // inclusive, UTC; invalid: not sent
    QDateTime until;
    int limit = 0; // 0: the server's default
    QString cursor; // AuditPage::nextCursor of the previous page

    QUrlQuery toUrlQuery() const;

    friend bool operator==(const AuditQuery &, const AuditQuery &) = default;
};

} // namespace keybrake::client
