#include "client/runsummary.h"

namespace keybrake::client {

QString runStatusName(RunStatus status)
{
    switch (status) {
    case RunStatus::Active:
        return QStringLiteral("active");
    case RunStatus::Ended:
        return QStringLiteral("ended");
    case RunStatus::Unknown:
        break;
    }
    return QStringLiteral("unknown");
}

RunStatus parseRunStatus(const QString &name)
{
    if (name == u"active")
        return RunStatus::Active;
    if (name == u"ended")
        return RunStatus::Ended;
    return RunStatus::Unknown;
}

QString labelPrefixOf(const QString &label)
{
    const qsizetype cut = std::max(label.lastIndexOf(u'/'), label.lastIndexOf(u':'));
    return cut < 0 ? QString() : label.left(cut + 1);
}

} // namespace keybrake::client
