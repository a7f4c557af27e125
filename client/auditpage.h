#pragma once

#include "client/auditentry.h"

#include <QList>
#include <QString>

namespace keybrake::client {

// One page of GET /v1/audit.
struct AuditPage
{
    QList<AuditEntry> data;
    QString nextCursor; // empty on the last page

    bool hasMore() const { return !nextCursor.isEmpty(); }
    friend bool operator==(const AuditPage &, const AuditPage &) = default;
};

} // namespace keybrake::client
