#include "client/auditentry.h"

namespace keybrake::client {

QString auditKindName(AuditKind kind)
{
    switch (kind) {
    case AuditKind::Call:
        return QStringLiteral("call");
    case AuditKind::Admin:
        return QStringLiteral("admin");
    case AuditKind::Unknown:
        break;
    }
    return QStringLiteral("unknown");
}

AuditKind parseAuditKind(const QString &name)
{
    if (name == u"call")
        return AuditKind::Call;
    if (name == u"admin")
        return AuditKind::Admin;
    return AuditKind::Unknown;
}

} // namespace keybrake::client
