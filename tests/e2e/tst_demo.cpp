// `keybrake-console --demo`, offscreen, with the real keybraked and keybrake-sim: it starts, signs
// in on the Demo profile and shows live keys within 10 s; it leaves no child process behind when
// its window is closed, or when the console is killed; it keeps its admin key in the secret store
// (never in the settings) and makes a new one when the kept key is refused; and it says what
// failed when a program is missing or a child dies.
#include "app/consolelauncher.h"
#include "app/demolauncher.h"
#include "app/memorysecretstore.h"
#include "app/settings.h"
#include "client/keybrakeclient.h"
#include "models/consolesession.h"
#include "models/serverprofile.h"
#include "models/vaultkeytablemodel.h"
#include "resources/keybrakeresources.h"
#include "ui/demobanner.h"
#include "ui/demostartwindow.h"
#include "ui/environmentband.h"
#include "ui/mainwindow.h"
#include "ui/messagebanner.h"
#include "ui/vaultkeyspage.h"

#include <QDir>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <memory>

using namespace keybrake;

namespace {

// Gone, or a zombie (it has exited; only its exit status waits for whoever adopted it).
bool processEnded(qint64 pid)
{
    if (::kill(static_cast<pid_t>(pid), 0) != 0)
        return true;
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return true;
    const QByteArray line = stat.readAll();
    return line.mid(line.lastIndexOf(')') + 2, 1) == "Z";
}

bool allEnded(const QList<qint64> &pids)
{
    for (qint64 pid : pids) {
        if (!processEnded(pid))
            return false;
    }
    return true;
}

// The live children of `parent`, by their command lines, from /proc.
QMap<qint64, QString> childrenOf(qint64 parent)
{
    QMap<qint64, QString> children;
    const QStringList entries = QDir(QStringLiteral("/proc")).entryList(QDir::Dirs);
    for (const QString &entry : entries) {
        bool numeric = false;
        const qint64 pid = entry.toLongLong(&numeric);
        if (!numeric)
            continue;
        QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
        if (!stat.open(QIODevice::ReadOnly))
            continue;
        const QByteArray line = stat.readAll();
        // "pid (comm) state ppid ...": comm may hold spaces, so read after its last ')'.
        const QList<QByteArray> fields = line.mid(line.lastIndexOf(')') + 2).split(' ');
        if (fields.size() < 2 || fields.at(0) == "Z" || fields.at(1).toLongLong() != parent)
            continue;
        QFile cmdline(QStringLiteral("/proc/%1/cmdline").arg(pid));
        if (!cmdline.open(QIODevice::ReadOnly))
            continue;
        QByteArray arguments = cmdline.readAll();
        arguments.replace('\0', ' ');
        children.insert(pid, QString::fromLocal8Bit(arguments).trimmed());
    }
    return children;
}

// The three long-lived children of a demo, when all of them run.
QList<qint64> demoChildren(qint64 parent)
{
    qint64 server = 0, vendors = 0, agents = 0;
    const auto children = childrenOf(parent);
    for (auto it = children.cbegin(); it != children.cend(); ++it) {
        const QString &command = it.value();
        if (command.contains(QLatin1String("keybraked --listen")))
            server = it.key();
        else if (command.contains(QLatin1String("keybrake-sim vendors")))
            vendors = it.key();
        else if (command.contains(QLatin1String("keybrake-sim agents mixed")))
            agents = it.key();
    }
    if (server == 0 || vendors == 0 || agents == 0)
        return {};
    return {vendors, server, agents};
}

bool filesUnderContain(const QString &directory, const QByteArray &needle)
{
    QDirIterator it(directory, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        QFile file(it.next());
        if (file.open(QIODevice::ReadOnly) && file.readAll().contains(needle))
            return true;
    }
    return false;
}

QString programDirectory()
{
    return QFileInfo(qEnvironmentVariable("KEYBRAKED")).absolutePath();
}

QString demoAccount()
{
    return DemoLauncher::profile({}).secretAccount();
}

// One console with a demo, as main() wires them, on stores and folders of the test's own.
struct Console
{
    Console(const QString &settingsDir, SecretStore *keychain, DemoLauncher::Options options)
        : settings(settingsDir)
        , launcher(&settings, keychain, &session)
        , demo(&launcher, keychain, &session, options)
    {
    }
    Settings settings;
    MemorySecretStore session;
    ConsoleLauncher launcher;
    DemoLauncher demo;
};

DemoLauncher::Options optionsFor(const QString &dataDirectory)
{
    DemoLauncher::Options options;
    options.dataDirectory = dataDirectory;
    options.programDirectories = {programDirectory()};
    options.searchPath = false;
    return options;
}

int keyRows(const Console &console)
{
    MainWindow *window = console.launcher.mainWindow();
    return window ? window->vaultKeysPage()->model()->rowCount() : 0;
}

QString keptSecret(SecretStore &store)
{
    QString secret;
    bool answered = false;
    store.read(demoAccount(), nullptr, [&](const SecretStore::Result &result) {
        secret = result.secret;
        answered = true;
    });
    (void)QTest::qWaitFor([&answered] { return answered; }, 5000);
    return secret;
}

} // namespace

class TestDemo : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    MemorySecretStore m_keychain;

private Q_SLOTS:
    void initTestCase()
    {
        initResources();
        QVERIFY(m_dir.isValid());
        QVERIFY(QFileInfo(qEnvironmentVariable("KEYBRAKED")).isExecutable());
        QVERIFY(QFileInfo(qEnvironmentVariable("KEYBRAKE_CONSOLE")).isExecutable());
    }

    void startsAndShowsLiveKeysThenStopsItsChildrenWhenClosed()
    {
        QElapsedTimer clock;
        clock.start();
        Console console(m_dir.filePath(QStringLiteral("settings")), &m_keychain,
                        optionsFor(m_dir.filePath(QStringLiteral("demo"))));
        QSignalSpy stopped(&console.demo, &DemoLauncher::stopped);
        console.demo.start();
        QVERIFY(console.demo.startWindow()->isVisible());

        // Live keys from the simulated agents, within 10 s of the start.
        QTRY_VERIFY_WITH_TIMEOUT(keyRows(console) > 0, 10000 - int(clock.elapsed()));
        QCOMPARE(console.demo.stage(), DemoLauncher::Stage::Running);
        qInfo("first live key after %lld ms", static_cast<long long>(clock.elapsed()));

        MainWindow *window = console.launcher.mainWindow();
        QVERIFY(window->isVisible());
        QVERIFY(!console.demo.startWindow()->isVisible());
        QCOMPARE(window->session()->profile().environment, ServerEnvironment::Demo);
        QCOMPARE(window->session()->profile().name, QStringLiteral("Demo"));
        QCOMPARE(window->environmentBand()->environmentText(), QStringLiteral("DEMO"));
        QCOMPARE(window->currentPage(), MainWindow::Page::Overview);
        DemoBanner *banner = window->findChild<DemoBanner *>();
        QVERIFY(banner && banner->isVisible());
        QVERIFY(banner->text().contains(QLatin1String("Simulated agents")));
        QVERIFY(banner->text().contains(QLatin1String("revoke a key")));
        QVERIFY(!banner->failureBanner()->isVisible());
        QTRY_VERIFY_WITH_TIMEOUT(window->session()->whoAmI().has_value(), 5000);
        QCOMPARE(window->session()->whoAmI()->role, client::AdminRole::Admin);

        // Its history lives in its data folder; its admin key only in the secret store.
        QVERIFY(QFileInfo::exists(m_dir.filePath(QStringLiteral("demo/keybrake.db"))));
        const QString key = keptSecret(m_keychain);
        QVERIFY(key.startsWith(QLatin1String("kb_")));
        QVERIFY(!filesUnderContain(m_dir.filePath(QStringLiteral("settings")), key.toUtf8()));
        QVERIFY(!filesUnderContain(m_dir.filePath(QStringLiteral("demo")), key.toUtf8()));
        QVERIFY(console.settings.profiles().isEmpty());

        const QList<qint64> children = console.demo.childProcessIds();
        QCOMPARE(children.size(), 3);
        QCOMPARE(demoChildren(QCoreApplication::applicationPid()).size(), 3);

        // Closing the window stops the demo and every child with it.
        window->close();
        QTRY_COMPARE_WITH_TIMEOUT(stopped.size(), 1, 8000);
        QCOMPARE(console.demo.stage(), DemoLauncher::Stage::Stopped);
        QTRY_VERIFY_WITH_TIMEOUT(allEnded(children), 3000);
        QVERIFY(childrenOf(QCoreApplication::applicationPid()).isEmpty());
    }

    void reusesItsKeyAndReplacesOneThatIsRefused()
    {
        const QString kept = keptSecret(m_keychain);
        QVERIFY(!kept.isEmpty());
        {
            // The next demo on the same store signs in with the kept key.
            Console console(m_dir.filePath(QStringLiteral("settings")), &m_keychain,
                            optionsFor(m_dir.filePath(QStringLiteral("demo"))));
            QSignalSpy running(&console.demo, &DemoLauncher::running);
            console.demo.start();
            QTRY_COMPARE_WITH_TIMEOUT(running.size(), 1, 15000);
            QCOMPARE(keptSecret(m_keychain), kept);
            QCOMPARE(keptSecret(console.session), kept);
            // The demo's history is still there.
            QTRY_VERIFY_WITH_TIMEOUT(keyRows(console) > 0, 5000);
            QSignalSpy stopped(&console.demo, &DemoLauncher::stopped);
            console.demo.stop();
            QTRY_COMPARE_WITH_TIMEOUT(stopped.size(), 1, 8000);
        }
        // Twice, a kept key the server no longer knows: a new one is made and kept instead, and
        // the console keys made before it are revoked, as are the agents' keys of earlier demos.
        QString previous = kept;
        for (int round = 0; round < 2; ++round) {
            const QString unknown = QStringLiteral("kb_") + QString(43, QLatin1Char('x'));
            m_keychain.write(demoAccount(), unknown, nullptr, {});
            Console console(m_dir.filePath(QStringLiteral("settings")), &m_keychain,
                            optionsFor(m_dir.filePath(QStringLiteral("demo"))));
            QSignalSpy running(&console.demo, &DemoLauncher::running);
            console.demo.start();
            QTRY_COMPARE_WITH_TIMEOUT(running.size(), 1, 15000);
            ConsoleSession *session = console.launcher.mainWindow()->session();
            QTRY_VERIFY_WITH_TIMEOUT(session->whoAmI().has_value(), 5000);
            QCOMPARE(session->whoAmI()->role, client::AdminRole::Admin);
            const QString replaced = keptSecret(m_keychain);
            QVERIFY(replaced.startsWith(QLatin1String("kb_")));
            QVERIFY(replaced != unknown);
            QVERIFY(replaced != previous);
            previous = replaced;
            if (round == 1) {
                client::KeybrakeClient admin;
                admin.setBaseUrl(console.demo.serverUrl());
                admin.setAdminKey(replaced);
                QStringList active;
                const auto activeKeys = [&] {
                    bool answered = false;
                    admin.adminKeys(&admin, [&](const auto &keys) {
                        answered = true;
                        active.clear();
                        if (!keys)
                            return;
                        for (const client::AdminKeyInfo &key : *keys) {
                            if (!key.isRevoked())
                                active.append(key.name);
                        }
                        active.sort();
                    });
                    (void)QTest::qWaitFor([&answered] { return answered; }, 5000);
                    return active;
                };
                // The first demo's key (the bootstrap one, with the server's own name) stays:
                // only keys the demo made itself are retired.
                QTRY_COMPARE_WITH_TIMEOUT(
                    activeKeys().filter(QLatin1String("demo")),
                    QStringList({QStringLiteral("Keybrake Console demo"),
                                 QStringLiteral("keybrake-sim agents (demo)")}),
                    5000);
            }
            QSignalSpy stopped(&console.demo, &DemoLauncher::stopped);
            console.demo.stop();
            QTRY_COMPARE_WITH_TIMEOUT(stopped.size(), 1, 8000);
        }
    }

    void saysWhichProgramIsMissing()
    {
        QTemporaryDir empty;
        DemoLauncher::Options options = optionsFor(m_dir.filePath(QStringLiteral("demo")));
        options.programDirectories = {empty.path()};
        MemorySecretStore keychain;
        Console console(m_dir.filePath(QStringLiteral("settings")), &keychain, options);
        QSignalSpy failed(&console.demo, &DemoLauncher::failed);
        console.demo.start();
        QTRY_COMPARE(failed.size(), 1);
        QCOMPARE(console.demo.stage(), DemoLauncher::Stage::Failed);
        DemoStartWindow *window = console.demo.startWindow();
        QVERIFY(window->isVisible());
        QVERIFY(window->isShowingFailure());
        QCOMPARE(window->title(), QStringLiteral("The demo could not start"));
        QVERIFY2(window->text().contains(QLatin1String("keybraked was not found")),
                 qPrintable(window->text()));
        QVERIFY(console.demo.childProcessIds().isEmpty());
        QVERIFY(!console.launcher.mainWindow());
    }

    void showsTheLastMessagesOfAServerThatCannotStart()
    {
        // A store keybraked cannot open: a folder where its SQLite file should be.
        const QString data = m_dir.filePath(QStringLiteral("broken"));
        QVERIFY(QDir().mkpath(data + QStringLiteral("/keybrake.db")));
        MemorySecretStore keychain;
        Console console(m_dir.filePath(QStringLiteral("settings")), &keychain, optionsFor(data));
        QSignalSpy failed(&console.demo, &DemoLauncher::failed);
        console.demo.start();
        QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 1, 15000);
        DemoStartWindow *window = console.demo.startWindow();
        QVERIFY(window->isShowingFailure());
        QVERIFY2(window->text().contains(QLatin1String("keybraked stopped unexpectedly")),
                 qPrintable(window->text()));
        QVERIFY2(window->details().contains(QLatin1String("keybraked:")),
                 qPrintable(window->details()));
        // The vendor simulator it had started is stopped too.
        QTRY_VERIFY_WITH_TIMEOUT(childrenOf(QCoreApplication::applicationPid()).isEmpty(), 3000);
        QVERIFY(!console.launcher.mainWindow());
    }

    void saysWhenAChildDiesAndRestarts()
    {
        Console console(m_dir.filePath(QStringLiteral("settings")), &m_keychain,
                        optionsFor(m_dir.filePath(QStringLiteral("demo"))));
        QSignalSpy running(&console.demo, &DemoLauncher::running);
        console.demo.start();
        QTRY_COMPARE_WITH_TIMEOUT(running.size(), 1, 15000);
        const QList<qint64> children = console.demo.childProcessIds();
        QCOMPARE(children.size(), 3);

        // The server dies under the console: the banner says so, the rest is stopped.
        QCOMPARE(::kill(static_cast<pid_t>(children.at(1)), SIGKILL), 0);
        DemoBanner *banner = console.demo.banner();
        QTRY_VERIFY_WITH_TIMEOUT(banner->failureBanner()->isVisible(), 5000);
        QVERIFY2(banner->failureBanner()->text().contains(
                     QLatin1String("keybraked stopped unexpectedly")),
                 qPrintable(banner->failureBanner()->text()));
        QCOMPARE(console.demo.stage(), DemoLauncher::Stage::Failed);
        QTRY_VERIFY_WITH_TIMEOUT(allEnded(children), 3000);

        // Restart the Demo: a new server, signed in again, in a new window.
        Q_EMIT banner->failureBanner()->actionTriggered();
        QTRY_COMPARE_WITH_TIMEOUT(running.size(), 2, 15000);
        QVERIFY(console.demo.childProcessIds().size() == 3);
        QTRY_VERIFY_WITH_TIMEOUT(keyRows(console) > 0, 10000);
        QSignalSpy stopped(&console.demo, &DemoLauncher::stopped);
        const QList<qint64> restarted = console.demo.childProcessIds();
        console.launcher.mainWindow()->close();
        QTRY_COMPARE_WITH_TIMEOUT(stopped.size(), 1, 8000);
        QTRY_VERIFY_WITH_TIMEOUT(allEnded(restarted), 3000);
    }

    void refusesAServerOrProfileBesideTheDemo()
    {
        for (const QStringList &arguments :
             {QStringList {QStringLiteral("--demo"), QStringLiteral("--server"),
                           QStringLiteral("http://127.0.0.1:8080")},
              QStringList {QStringLiteral("--profile"), QStringLiteral("Staging"),
                           QStringLiteral("--demo")}}) {
            QProcess console;
            console.start(qEnvironmentVariable("KEYBRAKE_CONSOLE"), arguments);
            QVERIFY(console.waitForFinished(10000));
            QCOMPARE(console.exitCode(), 2);
            QVERIFY2(console.readAllStandardError().contains(
                         "--demo starts its own server: leave out --profile and --server."),
                     qPrintable(arguments.join(QLatin1Char(' '))));
        }
    }

    void leavesNoChildWhenTheConsoleIsKilled()
    {
        // The real binary, as `keybrake-console --demo` runs, with its own home and no keychain
        // (so its key is kept for the session only).
        const QString home = m_dir.filePath(QStringLiteral("home"));
        QVERIFY(QDir().mkpath(home));
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        environment.insert(QStringLiteral("HOME"), home);
        environment.insert(QStringLiteral("XDG_DATA_HOME"), home + QStringLiteral("/data"));
        environment.insert(QStringLiteral("XDG_CONFIG_HOME"), home + QStringLiteral("/config"));
        environment.insert(QStringLiteral("KEYBRAKE_CONSOLE_SETTINGS_DIR"),
                           home + QStringLiteral("/settings"));
        environment.insert(QStringLiteral("DBUS_SESSION_BUS_ADDRESS"),
                           QStringLiteral("unix:path=/nonexistent/keybrake-test-bus"));
        environment.remove(QStringLiteral("KEYBRAKE_API_KEY"));
        QProcess console;
        console.setProcessEnvironment(environment);
        console.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        console.start(qEnvironmentVariable("KEYBRAKE_CONSOLE"), {QStringLiteral("--demo")});
        QVERIFY(console.waitForStarted());

        QList<qint64> children;
        QTRY_VERIFY_WITH_TIMEOUT(!(children = demoChildren(console.processId())).isEmpty(), 20000);
        QVERIFY(QFileInfo::exists(
            home + QStringLiteral("/data/Keybrake/keybrake-console/demo/keybrake.db")));

        QCOMPARE(::kill(static_cast<pid_t>(console.processId()), SIGKILL), 0);
        QTRY_COMPARE_WITH_TIMEOUT(console.state(), QProcess::NotRunning, 5000);
        QTRY_VERIFY_WITH_TIMEOUT(allEnded(children), 5000);
        QVERIFY(!filesUnderContain(home + QStringLiteral("/settings"), "kb_"));
    }
};

QTEST_MAIN(TestDemo)
#include "tst_demo.moc"
