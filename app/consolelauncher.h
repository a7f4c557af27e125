#pragma once

#include "app/application.h"
#include "models/serverprofile.h"

#include <QObject>
#include <QPointer>

#include <optional>

namespace keybrake {

class ConsoleSession;
class MainWindow;
class SecretStore;
class Settings;

// Decides which server to open and with which key, and wires a session to a main window.
//
// The profile comes from --server, --profile, or the last one used; the key from
// KEYBRAKE_API_KEY, this session's memory, or the keychain, in that order. When there is no key,
// or the keychain fails, or the server refuses the key, the sign-in dialog asks for one (and may
// keep it for this session only). Switching profiles builds a new session and window and drops
// the old ones, so nothing of one server leaks into the other.
class ConsoleLauncher : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ConsoleLauncher)

public:
    ConsoleLauncher(Settings *settings, SecretStore *keychain, SecretStore *sessionStore,
                    QObject *parent = nullptr);
    ~ConsoleLauncher() override;

    void start(const LaunchOptions &options);
    // Opens `profile` with `adminKey`, or looks the key up when it is empty.
    void openProfile(const ServerProfile &profile, const QString &adminKey = {});

    MainWindow *mainWindow() const;
    ConsoleSession *session() const;

Q_SIGNALS:
    // A main window is up (tests wait for it).
    void opened(keybrake::MainWindow *window);
    // The user cancelled the first sign-in: nothing to show.
    void abandoned();

private:
    void askForKey(const std::optional<ServerProfile> &profile, const QString &reason,
                   const QUrl &suggestedUrl = {}, const QString &suggestedName = {});
    void resolveKey(const ServerProfile &profile);
    void showSession(const ServerProfile &profile, const QString &adminKey);
    void rememberProfile(const ServerProfile &profile);
    void manageProfiles();
    void addThemeMenu(MainWindow *window);
    void saveWindowState();

    Settings *m_settings;
    SecretStore *m_keychain;
    SecretStore *m_sessionStore;
    QPointer<ConsoleSession> m_session;
    QPointer<MainWindow> m_window;
};

} // namespace keybrake
