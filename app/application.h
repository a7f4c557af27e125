#pragma once

#include "app/settings.h"

#include <QApplication>
#include <QUrl>

class QDBusVariant;

namespace keybrake {

// What the command line asked for.
struct LaunchOptions
{
    QString profileName; // --profile NAME
    QUrl serverUrl; // --server URL
    bool demo = false; // --demo
};

// The console's QApplication: identity, Fusion style, and light and dark palettes that follow
// the system's colour scheme (and the user's override in Settings).
class Application : public QApplication
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Application)

public:
    Application(int &argc, char **argv);
    ~Application() override;

    // Sets the names QSettings, QStandardPaths and the keychain service derive from.
    static void setIdentity();
    // --version and --help print and exit before a window system is needed, so a headless smoke
    // run works. Returns true when argv asked for either (and the text was printed).
    static bool handleInformationalArguments(int argc, char **argv);

    // Parses --profile, --server and --demo; on a bad value prints why and returns false.
    bool parseLaunchOptions(LaunchOptions *options, QString *error) const;

    void setThemePreference(ThemePreference preference);
    bool isDarkTheme() const { return m_dark; }

    static QString keychainService();

Q_SIGNALS:
    void themeChanged(bool dark);

private Q_SLOTS:
    // QtDBus signals can only be connected by signature (Qt 6.4), hence a slot, not a lambda.
    void onPortalSettingChanged(const QString &group, const QString &key,
                                const QDBusVariant &value);

private:
    void applyPalette();
    void watchSystemColorScheme();
    void onSystemColorScheme(uint scheme);

    ThemePreference m_preference = ThemePreference::System;
    bool m_systemDark = false;
    bool m_dark = false;
};

} // namespace keybrake
