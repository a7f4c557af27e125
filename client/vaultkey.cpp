#include "client/vaultkey.h"

namespace keybrake::client {

QString keyStatusName(KeyStatus status)
{
    switch (status) {
    case KeyStatus::Active:
        return QStringLiteral("active");
    case KeyStatus::Capped:
        return QStringLiteral("capped");
    case KeyStatus::Revoked:
        return QStringLiteral("revoked");
    case KeyStatus::Expired:
        return QStringLiteral("expired");
    case KeyStatus::Unknown:
        break;
    }
    return QStringLiteral("unknown");
}

KeyStatus parseKeyStatus(const QString &name)
{
    for (KeyStatus status :
         {KeyStatus::Active, KeyStatus::Capped, KeyStatus::Revoked, KeyStatus::Expired}) {
        if (name == keyStatusName(status))
            return status;
    }
    return KeyStatus::Unknown;
}

} // namespace keybrake::client
