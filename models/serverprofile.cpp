#include "models/serverprofile.h"

#include <QCoreApplication>
#include <QUuid>

namespace keybrake {

QString environmentDisplayName(ServerEnvironment environment)
{
    switch (environment) {
    case ServerEnvironment::Development:
        return QCoreApplication::translate("ServerProfile", "Development");
    case ServerEnvironment::Staging:
        return QCoreApplication::translate("ServerProfile", "Staging");
    case ServerEnvironment::Production:
        return QCoreApplication::translate("ServerProfile", "Production");
    case ServerEnvironment::Demo:
        return QCoreApplication::translate("ServerProfile", "Demo");
    }
    return {};
}

QString environmentSettingsName(ServerEnvironment environment)
{
    switch (environment) {
    case ServerEnvironment::Development:
        return QStringLiteral("development");
    case ServerEnvironment::Staging:
        return QStringLiteral("staging");
    case ServerEnvironment::Production:
        return QStringLiteral("production");
    case ServerEnvironment::Demo:
        return QStringLiteral("demo");
    }
    return {};
}

std::optional<ServerEnvironment> parseEnvironment(const QString &name)
{
    for (ServerEnvironment environment : allEnvironments()) {
        if (name.compare(environmentSettingsName(environment), Qt::CaseInsensitive) == 0)
            return environment;
    }
    return std::nullopt;
}

QList<ServerEnvironment> allEnvironments()
{
    return {ServerEnvironment::Development, ServerEnvironment::Staging,
            ServerEnvironment::Production, ServerEnvironment::Demo};
}

ServerProfile ServerProfile::create(const QString &name, const QUrl &url,
                                    ServerEnvironment environment)
{
    ServerProfile profile;
    profile.id = QUuid::createUuid().toString(QUuid::WithoutBraces);
    profile.name = name;
    profile.url = url;
    profile.environment = environment;
    return profile;
}

QString ServerProfile::secretAccount() const
{
    return QStringLiteral("profile/") + id + QStringLiteral("/admin-key");
}

QString ServerProfile::displayTitle() const
{
    return QStringLiteral("%1 · %2").arg(name, url.toDisplayString(QUrl::RemoveUserInfo));
}

QString formatFingerprint(const QByteArray &sha256Hex)
{
    const QByteArray upper = sha256Hex.toUpper();
    QStringList groups;
    for (qsizetype i = 0; i + 1 < upper.size(); i += 2)
        groups.append(QString::fromLatin1(upper.mid(i, 2)));
    return groups.join(QLatin1Char(':'));
}

} // namespace keybrake
