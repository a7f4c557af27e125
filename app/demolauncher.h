#pragma once

#include "app/demoprocess.h"
#include "client/keybrakeclient.h"
#include "models/serverprofile.h"
#include "ui/demobanner.h"
#include "ui/demostartwindow.h"
#include "ui/mainwindow.h"

#include <QList>
#include <QObject>
#include <QPointer>
#include <QProcessEnvironment>
#include <QStringList>
#include <QUrl>

namespace keybrake {

class ConsoleLauncher;
class SecretStore;

// `keybrake-console --demo`: a living demo on this computer, in one command.
//
// It starts `keybrake-sim vendors`, then `keybraked` (SQLite in the user's data directory, so the
// demo keeps its history between runs) with the simulator as its upstreams, each on a free
// loopback port and with vendor credentials made up for this run; signs in with the demo's admin
// key (from this session's memory or the keychain under the Demo profile, or a new one); gives
// `keybrake-sim agents mixed` an issuer key of its own; and opens the main window on the "Demo"
// profile with a banner that says the traffic is simulated. Every step is asynchronous: a start
// window shows each one, and what failed with the failing program's last messages.
//
// The children stop when the demo stops (the last window closed), and are signalled by the
// kernel when the console dies without stopping them (see DemoProcess; Linux only). Elsewhere
// `keybrake-sim agents --exit-with-parent` still stops the agents; keybraked and the vendor
// simulator would need the same (a kqueue NOTE_EXIT watch on macOS, a job object with
// JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE on Windows).
class DemoLauncher : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DemoLauncher)

public:
    enum class Stage {
        Idle,
        Starting,
        Running,
        Failed,
        Stopping,
        Stopped,
    };
    Q_ENUM(Stage)

    struct Options
    {
        // The demo's SQLite store and agents' summary; empty: AppDataLocation/demo.
        QString dataDirectory;
        // Searched for keybraked and keybrake-sim before PATH; empty: the console's directory.
        QStringList programDirectories;
        bool searchPath = true;
        // How long a server may take to say it is listening.
        int startTimeoutMs = 20000;
        // `keybrake-sim agents mixed` options after the ones the demo needs (rate, runaways).
        QStringList agentArguments = defaultAgentArguments();
    };

    DemoLauncher(ConsoleLauncher *console, SecretStore *keychain, SecretStore *sessionStore,
                 const Options &options, QObject *parent = nullptr);
    DemoLauncher(ConsoleLauncher *console, SecretStore *keychain, SecretStore *sessionStore,
                 QObject *parent = nullptr);
    ~DemoLauncher() override;

    // Shows the start window and starts the demo.
    void start();
    // Stops the children (SIGTERM, then SIGKILL for one that lingers); stopped() follows.
    void stop();
    // Stops what runs and starts again (Try Again, Restart the Demo).
    void restart();

    Stage stage() const { return m_stage; }
    QString progressText() const { return m_progress; }
    QUrl serverUrl() const { return m_serverUrl; }
    QString dataDirectory() const { return m_dataDirectory; }
    // keybrake-sim vendors, keybraked and keybrake-sim agents, those that run now.
    QList<qint64> childProcessIds() const;
    DemoStartWindow *startWindow() const { return m_startWindow; }
    DemoBanner *banner() const { return m_banner; }

    // The profile a demo session runs under; its id is fixed, so its keychain entry is found
    // again by the next demo.
    static ServerProfile profile(const QUrl &serverUrl);
    static QStringList defaultAgentArguments();
    // `name` in the first of `directories` that has it, else on PATH when `searchPath`.
    static QString findProgram(const QString &name, const QStringList &directories,
                               bool searchPath);

Q_SIGNALS:
    void progressChanged(const QString &text);
    void running(keybrake::MainWindow *window);
    void failed(const QString &message);
    void stopped();

private:
    enum class KeySource {
        Session,
        Keychain,
        Generated,
        Created,
    };

    void setProgress(const QString &text);
    void readStoredKey();
    void startVendors();
    void startServer();
    void signIn();
    void createAdminKey();
    void keepAdminKey();
    void startAgents();
    void launchAgents(const QString &issuerKey);
    void retireOldKeys(const QString &agentsKeyId);
    void openConsole();
    void decorate(MainWindow *window);
    DemoProcess *spawn(const QString &displayName, int deathSignal);
    void watchStart(DemoProcess *process);
    void fail(const QString &title, const QString &text, const QStringList &details = {});
    void childFailed(DemoProcess *process, const QString &why);
    void stopChildren();
    void checkStopped();
    QProcessEnvironment childEnvironment() const;
    QString masterKeyPath() const;
    QString storeUrl() const;

    ConsoleLauncher *m_console;
    SecretStore *m_keychain;
    SecretStore *m_sessionStore;
    Options m_options;
    Stage m_stage = Stage::Idle;
    // Incremented by every start and stop, so answers of an abandoned attempt are ignored.
    int m_attempt = 0;
    bool m_restartWhenStopped = false;
    QString m_progress;
    QString m_dataDirectory;
    QString m_keybraked;
    QString m_sim;
    QString m_adminKey;
    QString m_adminKeyId;
    KeySource m_keySource = KeySource::Generated;
    QProcessEnvironment m_vendorCredentials;
    QUrl m_simUrl;
    QUrl m_serverUrl;
    QPointer<DemoProcess> m_vendors;
    QPointer<DemoProcess> m_server;
    QPointer<DemoProcess> m_agents;
    QPointer<DemoProcess> m_keyTool;
    QPointer<client::KeybrakeClient> m_client;
    QPointer<DemoStartWindow> m_startWindow;
    QPointer<DemoBanner> m_banner;
    QPointer<MainWindow> m_window;
};

} // namespace keybrake
