#include "app/consolelauncher.h"

#include "app/application.h"
#include "app/settings.h"
#include "models/connectionmonitor.h"
#include "models/consolesession.h"
#include "models/secretstore.h"
#include "ui/mainwindow.h"
#include "ui/profilemanagerdialog.h"
#include "ui/signindialog.h"
#include "ui/vaultkeyspage.h"

#include <QActionGroup>
#include <QLoggingCategory>
#include <QMenu>

#include <chrono>

namespace keybrake {

Q_LOGGING_CATEGORY(lcLauncher, "keybrake.launcher")

ConsoleLauncher::ConsoleLauncher(Settings *settings, SecretStore *keychain,
                                 SecretStore *sessionStore, QObject *parent)
    : QObject(parent)
    , m_settings(settings)
    , m_keychain(keychain)
    , m_sessionStore(sessionStore)
{
}

ConsoleLauncher::~ConsoleLauncher()
{
    saveWindowState();
    delete m_window;
}

MainWindow *ConsoleLauncher::mainWindow() const
{
    return m_window;
}

ConsoleSession *ConsoleLauncher::session() const
{
    return m_session;
}

void ConsoleLauncher::start(const LaunchOptions &options)
{
    const QList<ServerProfile> profiles = m_settings->profiles();
    if (options.serverUrl.isValid()) {
        for (const ServerProfile &profile : profiles) {
            if (profile.url.adjusted(QUrl::StripTrailingSlash)
                == options.serverUrl.adjusted(QUrl::StripTrailingSlash)) {
                openProfile(profile);
                return;
            }
        }
        const QString name = options.serverUrl.host();
        if (!qEnvironmentVariableIsEmpty("KEYBRAKE_API_KEY")) {
            // A server given on the command line with the key in the environment: a session that
            // is not saved as a profile.
            openProfile(
                ServerProfile::create(name, options.serverUrl, ServerEnvironment::Development));
            return;
        }
        askForKey(std::nullopt, tr("Enter the admin key for %1.").arg(options.serverUrl.toString()),
                  options.serverUrl, name);
        return;
    }
    if (!options.profileName.isEmpty()) {
        if (const auto profile = m_settings->profileByName(options.profileName)) {
            openProfile(*profile);
            return;
        }
        askForKey(
            std::nullopt,
            tr("There is no saved profile named “%1”. Create it here.").arg(options.profileName),
            {}, options.profileName);
        return;
    }
    if (const auto last = m_settings->profileById(m_settings->lastProfileId())) {
        openProfile(*last);
        return;
    }
    if (!profiles.isEmpty()) {
        openProfile(profiles.first());
        return;
    }
    askForKey(std::nullopt, {});
}

void ConsoleLauncher::openProfile(const ServerProfile &profile, const QString &adminKey)
{
    if (!adminKey.isEmpty()) {
        showSession(profile, adminKey);
        return;
    }
    const QString fromEnvironment = qEnvironmentVariable("KEYBRAKE_API_KEY").trimmed();
    if (!fromEnvironment.isEmpty()) {
        showSession(profile, fromEnvironment);
        return;
    }
    resolveKey(profile);
}

void ConsoleLauncher::resolveKey(const ServerProfile &profile)
{
    m_sessionStore->read(profile.secretAccount(), this,
                         [this, profile](const SecretStore::Result &session) {
                             if (session.ok()) {
                                 showSession(profile, session.secret);
                                 return;
                             }
                             m_keychain->read(profile.secretAccount(), this,
                                              [this, profile](const SecretStore::Result &saved) {
                                                  if (saved.ok()) {
                                                      showSession(profile, saved.secret);
                                                      return;
                                                  }
                                                  askForKey(profile, SecretStore::explain(saved));
                                              });
                         });
}

void ConsoleLauncher::askForKey(const std::optional<ServerProfile> &profile, const QString &reason,
                                const QUrl &suggestedUrl, const QString &suggestedName)
{
    auto *dialog = new SignInDialog(m_keychain, m_sessionStore, profile, reason, m_window);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    if (!profile)
        dialog->prefill(suggestedUrl, suggestedName);
    connect(dialog, &QDialog::finished, this, [this, dialog](int result) {
        if (result != QDialog::Accepted) {
            if (!m_window)
                Q_EMIT abandoned();
            return;
        }
        const ServerProfile chosen = dialog->profile();
        rememberProfile(chosen);
        if (dialog->keyStorage() == SignInDialog::KeyStorage::Unchanged)
            openProfile(chosen);
        else
            showSession(chosen, dialog->adminKey());
    });
    dialog->open();
}

void ConsoleLauncher::rememberProfile(const ServerProfile &profile)
{
    QList<ServerProfile> profiles = m_settings->profiles();
    bool replaced = false;
    for (ServerProfile &existing : profiles) {
        if (existing.id == profile.id) {
            existing = profile;
            replaced = true;
        }
    }
    if (!replaced)
        profiles.append(profile);
    m_settings->setProfiles(profiles);
    m_settings->sync();
}

void ConsoleLauncher::showSession(const ServerProfile &profile, const QString &adminKey)
{
    saveWindowState();
    // Later, not now: this often runs inside a signal of the old window or of a dialog it owns
    // (the profile switcher, the profile manager).
    if (m_window) {
        m_window->hide();
        m_window->deleteLater();
    }
    if (m_session)
        m_session->deleteLater();

    auto *session = new ConsoleSession(profile, adminKey, this);
    session->setTimeZoneDisplay(m_settings->timeZoneDisplay());
    session->monitor()->setPollInterval(std::chrono::seconds(m_settings->refreshIntervalSeconds()));
    m_session = session;
    auto *window = new MainWindow(session);
    window->setAttribute(Qt::WA_DeleteOnClose, false);
    m_window = window;
    window->setProfiles(m_settings->profiles(), profile.id);
    window->restoreGeometry(m_settings->value(Settings::Key::MainWindowGeometry).toByteArray());
    window->restoreState(m_settings->value(Settings::Key::MainWindowState).toByteArray());
    window->vaultKeysPage()->restoreHeaderState(
        m_settings->value(Settings::Key::VaultKeysHeaderState).toByteArray());
    addThemeMenu(window);
    if (m_settings->profileById(profile.id)) {
        m_settings->setValue(Settings::Key::LastProfileId, profile.id);
        m_settings->sync();
    }

    connect(window, &MainWindow::profileSwitchRequested, this, [this](const QString &id) {
        if (const auto next = m_settings->profileById(id))
            openProfile(*next);
    });
    connect(window, &MainWindow::manageProfilesRequested, this, &ConsoleLauncher::manageProfiles);
    connect(window, &MainWindow::timeZoneDisplayChanged, this, [this](TimeZoneDisplay zone) {
        m_settings->setValue(Settings::Key::TimeZoneDisplay, TimeFormatter::settingsName(zone));
        m_settings->sync();
    });
    connect(window, &MainWindow::closing, this, &ConsoleLauncher::saveWindowState);
    connect(session->monitor(), &ConnectionMonitor::signedOut, this,
            [this, profile](const QString &message) {
                // The key stopped working (revoked or replaced): ask for a new one, keeping the
                // window (and its "as of" data) visible behind the dialog.
                askForKey(profile, tr("The server refused the admin key: %1").arg(message));
            });
    session->start();
    window->show();
    qCInfo(lcLauncher) << "opened profile" << profile.name << profile.url.toString();
    Q_EMIT opened(window);
}

void ConsoleLauncher::addThemeMenu(MainWindow *window)
{
    // View ▸ Theme: System / Light / Dark, applied at once and remembered (display/theme). Dark
    // mode used to exist only through the desktop's theme.
    QMenu *view = window->findChild<QMenu *>(QStringLiteral("viewMenu"));
    if (!view)
        return;
    view->addSeparator();
    QMenu *theme = view->addMenu(tr("&Theme"));
    theme->setObjectName(QStringLiteral("themeMenu"));
    auto *group = new QActionGroup(theme);
    const ThemePreference current = m_settings->theme();
    const struct
    {
        ThemePreference preference;
        QString text;
        QString name;
    } choices[] = {
        {ThemePreference::System, tr("&System"), QStringLiteral("system")},
        {ThemePreference::Light, tr("&Light"), QStringLiteral("light")},
        {ThemePreference::Dark, tr("&Dark"), QStringLiteral("dark")},
    };
    for (const auto &choice : choices) {
        QAction *action = theme->addAction(choice.text);
        action->setObjectName(QStringLiteral("theme_%1_Action").arg(choice.name));
        action->setCheckable(true);
        action->setChecked(choice.preference == current);
        group->addAction(action);
        connect(action, &QAction::triggered, this,
                [this, preference = choice.preference, name = choice.name] {
                    if (auto *app = qobject_cast<Application *>(QCoreApplication::instance()))
                        app->setThemePreference(preference);
                    m_settings->setValue(Settings::Key::Theme, name);
                    m_settings->sync();
                });
    }
}

void ConsoleLauncher::manageProfiles()
{
    auto *dialog = new ProfileManagerDialog(m_settings->profiles(),
                                            m_session ? m_session->profile().id : QString(),
                                            m_keychain, m_sessionStore, m_window);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &ProfileManagerDialog::profilesEdited, this,
            [this](const QList<ServerProfile> &profiles) {
                m_settings->setProfiles(profiles);
                m_settings->sync();
                if (m_window && m_session)
                    m_window->setProfiles(profiles, m_session->profile().id);
            });
    connect(dialog, &ProfileManagerDialog::openRequested, this,
            [this](const ServerProfile &profile, const QString &adminKey) {
                openProfile(profile, adminKey);
            });
    dialog->open();
}

void ConsoleLauncher::saveWindowState()
{
    if (!m_window)
        return;
    m_settings->setValue(Settings::Key::MainWindowGeometry, m_window->saveGeometry());
    m_settings->setValue(Settings::Key::MainWindowState, m_window->saveState());
    m_settings->setValue(Settings::Key::VaultKeysHeaderState,
                         m_window->vaultKeysPage()->saveHeaderState());
    m_settings->sync();
}

} // namespace keybrake
