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
    // The contract's report 2 rule (revised 2026-12-05): up to the last '/'; a label without '/'
    // up to its first ':' (never a ':' inside a timestamp after the last '/').
    qsizetype cut = label.lastIndexOf(u'/');
    if (cut < 0)
        cut = label.indexOf(u':');
    return cut < 0 ? QString() : label.left(cut + 1);
}

} // namespace keybrake::client
