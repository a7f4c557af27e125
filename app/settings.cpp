#include "app/settings.h"

#include <QDir>
#include <QLoggingCategory>
#include <QRegularExpression>
#include <QSettings>
#include <QStandardPaths>

namespace keybrake {

Q_LOGGING_CATEGORY(lcSettings, "keybrake.settings")

namespace {

constexpr int SchemaVersion = 1;

struct KeyInfo
{
    Settings::Key key;
    const char *name;
    QVariant defaultValue;
};

const KeyInfo &info(Settings::Key key)
{
    static const KeyInfo table[] = {
        {Settings::Key::LastProfileId, "profiles/last", QString()},
        {Settings::Key::TimeZoneDisplay, "display/timeZone", QStringLiteral("local")},
        {Settings::Key::Theme, "display/theme", QStringLiteral("system")},
        {Settings::Key::RefreshIntervalSeconds, "network/refreshIntervalSeconds", 5},
        {Settings::Key::MainWindowGeometry, "window/geometry", QByteArray()},
        {Settings::Key::MainWindowState, "window/state", QByteArray()},
        {Settings::Key::VaultKeysHeaderState, "window/vaultKeysHeader", QByteArray()},
    };
    for (const KeyInfo &entry : table) {
        if (entry.key == key)
            return entry;
    }
    Q_UNREACHABLE();
}

} // namespace

Settings::Settings(QObject *parent)
    : Settings(defaultDirectory(), parent)
{
}

Settings::Settings(const QString &directory, QObject *parent)
    : QObject(parent)
    , m_settings(std::make_unique<QSettings>(
          QDir(directory).filePath(QStringLiteral("keybrake-console.ini")), QSettings::IniFormat))
{
    QDir().mkpath(directory);
    migrate();
}

Settings::~Settings()
{
    sync();
}

QString Settings::defaultDirectory()
{
    const QString overridden = qEnvironmentVariable("KEYBRAKE_CONSOLE_SETTINGS_DIR");
    if (!overridden.isEmpty())
        return overridden;
    return QStandardPaths::writableLocation(QStandardPaths::AppConfigLocation);
}

QString Settings::fileName() const
{
    return m_settings->fileName();
}

QVariant Settings::value(Key key) const
{
    const KeyInfo &entry = info(key);
    return m_settings->value(QLatin1String(entry.name), entry.defaultValue);
}

bool Settings::setValue(Key key, const QVariant &value)
{
    if (value.typeId() == QMetaType::QString && looksLikeSecret(value.toString())) {
        qCWarning(lcSettings) << "refused to write a secret-shaped value to" << info(key).name;
        return false;
    }
    if (m_settings->value(QLatin1String(info(key).name)) == value)
        return true;
    m_settings->setValue(QLatin1String(info(key).name), value);
    Q_EMIT valueChanged(key);
    return true;
}

QList<ServerProfile> Settings::profiles() const
{
    QList<ServerProfile> result;
    const int count = m_settings->beginReadArray(QStringLiteral("profiles"));
    for (int i = 0; i < count; ++i) {
        m_settings->setArrayIndex(i);
        ServerProfile profile;
        profile.id = m_settings->value(QStringLiteral("id")).toString();
        profile.name = m_settings->value(QStringLiteral("name")).toString();
        profile.url = QUrl(m_settings->value(QStringLiteral("url")).toString());
        profile.environment =
            parseEnvironment(m_settings->value(QStringLiteral("environment")).toString())
                .value_or(ServerEnvironment::Development);
        profile.pinnedCertificateSha256 =
            m_settings->value(QStringLiteral("pinnedCertificateSha256")).toByteArray();
        profile.allowPlainHttp =
            m_settings->value(QStringLiteral("allowPlainHttp"), false).toBool();
        if (profile.isValid())
            result.append(profile);
    }
    m_settings->endArray();
    return result;
}

void Settings::setProfiles(const QList<ServerProfile> &profiles)
{
    m_settings->remove(QStringLiteral("profiles"));
    m_settings->beginWriteArray(QStringLiteral("profiles"), int(profiles.size()));
    for (int i = 0; i < profiles.size(); ++i) {
        const ServerProfile &profile = profiles.at(i);
        m_settings->setArrayIndex(i);
        m_settings->setValue(QStringLiteral("id"), profile.id);
        m_settings->setValue(QStringLiteral("name"), profile.name);
        m_settings->setValue(QStringLiteral("url"), profile.url.toString(QUrl::RemoveUserInfo));
        m_settings->setValue(QStringLiteral("environment"),
                             environmentSettingsName(profile.environment));
        m_settings->setValue(QStringLiteral("pinnedCertificateSha256"),
                             profile.pinnedCertificateSha256);
        if (profile.allowPlainHttp)
            m_settings->setValue(QStringLiteral("allowPlainHttp"), true);
    }
    m_settings->endArray();
    Q_EMIT profilesChanged();
}

std::optional<ServerProfile> Settings::profileById(const QString &id) const
{
    for (const ServerProfile &profile : profiles()) {
        if (profile.id == id)
            return profile;
    }
    return std::nullopt;
}

std::optional<ServerProfile> Settings::profileByName(const QString &name) const
{
    for (const ServerProfile &profile : profiles()) {
        if (profile.name.compare(name, Qt::CaseInsensitive) == 0)
            return profile;
    }
    return std::nullopt;
}

TimeZoneDisplay Settings::timeZoneDisplay() const
{
    return TimeFormatter::parseSettingsName(value(Key::TimeZoneDisplay).toString());
}

ThemePreference Settings::theme() const
{
    const QString name = value(Key::Theme).toString();
    if (name == QLatin1String("light"))
        return ThemePreference::Light;
    if (name == QLatin1String("dark"))
        return ThemePreference::Dark;
    return ThemePreference::System;
}

int Settings::refreshIntervalSeconds() const
{
    return qBound(1, value(Key::RefreshIntervalSeconds).toInt(), 300);
}

bool Settings::sync()
{
    m_settings->sync();
    switch (m_settings->status()) {
    case QSettings::NoError:
        m_error.clear();
        return true;
    case QSettings::AccessError:
        m_error = tr("The settings file %1 cannot be written.").arg(m_settings->fileName());
        break;
    case QSettings::FormatError:
        m_error = tr("The settings file %1 is damaged.").arg(m_settings->fileName());
        break;
    }
    qCWarning(lcSettings) << m_error;
    return false;
}

bool Settings::looksLikeSecret(const QString &text)
{
    // Admin keys are kb_ + 40 base62 characters, vault keys vault_key_ + 32 or more.
    static const QRegularExpression secret(
        QStringLiteral("(^|[^A-Za-z0-9])(kb_[A-Za-z0-9]{20,}|vault_key_[A-Za-z0-9]{16,})"));
    return secret.match(text).hasMatch();
}

void Settings::migrate()
{
    const int stored = m_settings->value(QStringLiteral("schemaVersion"), 0).toInt();
    if (stored == SchemaVersion)
        return;
    // Version 0 is a fresh file; later versions will move keys here, oldest first.
    m_settings->setValue(QStringLiteral("schemaVersion"), SchemaVersion);
}

} // namespace keybrake
