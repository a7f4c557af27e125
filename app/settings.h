#pragma once

#include "models/serverprofile.h"
#include "models/timeformatter.h"

#include <QObject>
#include <QVariant>

#include <memory>
#include <optional>

class QSettings;

namespace keybrake {

enum class ThemePreference {
    System,
    Light,
    Dark,
};

// The console's preferences and saved server profiles, with typed keys. It never holds a
// secret: admin keys live in a SecretStore, and setValue() refuses anything shaped like one.
// KEYBRAKE_CONSOLE_SETTINGS_DIR moves the file, so tests get a private directory to scan.
class Settings : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Settings)

public:
    enum class Key {
        LastProfileId,
        TimeZoneDisplay,
        Theme,
        RefreshIntervalSeconds,
        MainWindowGeometry,
        MainWindowState,
        VaultKeysHeaderState,
    };

    // The directory from KEYBRAKE_CONSOLE_SETTINGS_DIR, else the platform's config location.
    explicit Settings(QObject *parent = nullptr);
    explicit Settings(const QString &directory, QObject *parent = nullptr);
    ~Settings() override;

    static QString defaultDirectory();
    QString fileName() const;

    QVariant value(Key key) const;
    // Returns false (and writes nothing) when the value looks like an API or vault key.
    bool setValue(Key key, const QVariant &value);

    QList<ServerProfile> profiles() const;
    void setProfiles(const QList<ServerProfile> &profiles);
    std::optional<ServerProfile> profileById(const QString &id) const;
    std::optional<ServerProfile> profileByName(const QString &name) const;

    QString lastProfileId() const { return value(Key::LastProfileId).toString(); }
    TimeZoneDisplay timeZoneDisplay() const;
    ThemePreference theme() const;
    int refreshIntervalSeconds() const;

    // Flushes to disk; false with a reason in errorString() when the file cannot be written.
    bool sync();
    QString errorString() const { return m_error; }

    static bool looksLikeSecret(const QString &text);

Q_SIGNALS:
    void valueChanged(keybrake::Settings::Key key);
    void profilesChanged();

private:
    void migrate();

    std::unique_ptr<QSettings> m_settings;
    QString m_error;
};

} // namespace keybrake
