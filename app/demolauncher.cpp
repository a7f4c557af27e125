#include "app/demolauncher.h"

#include "app/consolelauncher.h"
#include "app/demoprocess.h"
#include "client/keybrakeclient.h"
#include "models/consolesession.h"
#include "models/secretstore.h"
#include "ui/demobanner.h"
#include "ui/demostartwindow.h"
#include "ui/mainwindow.h"

#include <QCoreApplication>
#include <QDir>
#include <QLoggingCategory>
#include <QRandomGenerator>
#include <QStandardPaths>
#include <QTimer>

#include <csignal>
#include <utility>

namespace keybrake {

Q_LOGGING_CATEGORY(lcDemo, "keybrake.demo")

namespace {

// Constant-initialized, so profile() is right even when called from another file's static
// initializer (a test's).
constexpr QLatin1StringView kProfileId("demo");
constexpr QLatin1StringView kConsoleKeyName("Keybrake Console demo");
constexpr QLatin1StringView kAgentsKeyName("keybrake-sim agents (demo)");

// How long each child may take to leave after SIGTERM before it gets SIGKILL.
constexpr int kAgentsStopMs = 1500;
constexpr int kServerStopMs = 5000;
constexpr int kVendorsStopMs = 2000;

#if defined(Q_OS_LINUX)
// keybraked closes its store on SIGTERM (--shutdown-grace-s bounds the wait); the simulators
// hold nothing worth finishing, and the agents would otherwise keep their runs going for
// seconds after the console is gone.
constexpr int kGracefulDeath = SIGTERM;
constexpr int kImmediateDeath = SIGKILL;
#else
constexpr int kGracefulDeath = 0;
constexpr int kImmediateDeath = 0;
#endif

QString randomText(int length, const char *alphabet)
{
    const auto size = static_cast<quint32>(qstrlen(alphabet));
    QString text;
    text.reserve(length);
    for (int i = 0; i < length; ++i)
        text.append(QLatin1Char(alphabet[QRandomGenerator::system()->bounded(size)]));
    return text;
}

constexpr const char *kBase62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
constexpr const char *kHex = "0123456789abcdef";

bool looksLikeAdminKey(const QString &text)
{
    return text.startsWith(QLatin1String("kb_")) && text.size() >= 43;
}

} // namespace

DemoLauncher::DemoLauncher(ConsoleLauncher *console, SecretStore *keychain,
                           SecretStore *sessionStore, const Options &options, QObject *parent)
    : QObject(parent)
    , m_console(console)
    , m_keychain(keychain)
    , m_sessionStore(sessionStore)
    , m_options(options)
{
    m_dataDirectory = options.dataDirectory.isEmpty()
        ? QStandardPaths::writableLocation(QStandardPaths::AppDataLocation)
            + QStringLiteral("/demo")
        : options.dataDirectory;
    connect(m_console, &ConsoleLauncher::opened, this, [this](MainWindow *window) {
        // Whichever window is open when the user closes it, closing it ends the demo.
        connect(window, &MainWindow::closing, this, &DemoLauncher::stop, Qt::UniqueConnection);
        if (m_stage == Stage::Starting && window->session()->profile().id == kProfileId)
            decorate(window);
    });
}

DemoLauncher::DemoLauncher(ConsoleLauncher *console, SecretStore *keychain,
                           SecretStore *sessionStore, QObject *parent)
    : DemoLauncher(console, keychain, sessionStore, Options(), parent)
{
}

DemoLauncher::~DemoLauncher()
{
    // Children still running here (the application left without stop()) are killed and reaped
    // by their QProcess.
    delete m_startWindow;
}

ServerProfile DemoLauncher::profile(const QUrl &serverUrl)
{
    ServerProfile demo;
    demo.id = kProfileId;
    demo.name = tr("Demo");
    demo.url = serverUrl;
    demo.environment = ServerEnvironment::Demo;
    return demo;
}

QStringList DemoLauncher::defaultAgentArguments()
{
    // A runaway soon after the start and then every minute, so a newcomer sees the cap stop one
    // within the first minute.
    return {QStringLiteral("--rate"),
            QStringLiteral("2"),
            QStringLiteral("--runaway-after"),
            QStringLiteral("10"),
            QStringLiteral("--runaway-every"),
            QStringLiteral("60"),
            QStringLiteral("--runaway-seconds"),
            QStringLiteral("25")};
}

QString DemoLauncher::findProgram(const QString &name, const QStringList &directories,
                                  bool searchPath)
{
    const QString beside = QStandardPaths::findExecutable(name, directories);
    if (!beside.isEmpty() || !searchPath)
        return beside;
    return QStandardPaths::findExecutable(name);
}

QList<qint64> DemoLauncher::childProcessIds() const
{
    QList<qint64> ids;
    for (const auto &process : {m_vendors, m_server, m_agents}) {
        if (process && process->isRunning() && process->processId() > 0)
            ids.append(process->processId());
    }
    return ids;
}

void DemoLauncher::start()
{
    if (m_stage == Stage::Starting || m_stage == Stage::Running || m_stage == Stage::Stopping)
        return;
    if (m_stage == Stage::Failed) {
        restart();
        return;
    }
    ++m_attempt;
    m_stage = Stage::Starting;
    m_simUrl.clear();
    m_serverUrl.clear();
    m_adminKey.clear();
    m_adminKeyId.clear();
    if (!m_startWindow) {
        m_startWindow = new DemoStartWindow;
        connect(m_startWindow, &DemoStartWindow::retryRequested, this, &DemoLauncher::restart);
        connect(m_startWindow, &DemoStartWindow::quitRequested, this, &DemoLauncher::stop);
    }
    setProgress(tr("Starting the demo…"));
    m_startWindow->show();
    m_startWindow->raise();

    const QStringList directories = m_options.programDirectories.isEmpty()
        ? QStringList {QCoreApplication::applicationDirPath()}
        : m_options.programDirectories;
    m_keybraked = findProgram(QStringLiteral("keybraked"), directories, m_options.searchPath);
    m_sim = findProgram(QStringLiteral("keybrake-sim"), directories, m_options.searchPath);
    for (const auto &[name, path] : {std::pair {QStringLiteral("keybraked"), m_keybraked},
                                     std::pair {QStringLiteral("keybrake-sim"), m_sim}}) {
        if (path.isEmpty()) {
            fail(tr("The demo could not start"),
                 tr("%1 was not found in %2%3. The demo runs keybraked and keybrake-sim on this "
                    "computer: install them with the console, or build them (cmake --build "
                    "build --target keybraked keybrake-sim), then try again.")
                     .arg(name, QDir::toNativeSeparators(directories.join(QLatin1String(", "))),
                          m_options.searchPath ? tr(" or on PATH") : QString()));
            return;
        }
    }
    if (!QDir().mkpath(m_dataDirectory)) {
        fail(tr("The demo could not start"),
             tr("Its data folder %1 could not be created. Check that it is writable, then try "
                "again.")
                 .arg(QDir::toNativeSeparators(m_dataDirectory)));
        return;
    }

    // Made up for this run: keybraked substitutes them, keybrake-sim accepts exactly them.
    m_vendorCredentials = QProcessEnvironment();
    m_vendorCredentials.insert(QStringLiteral("KEYBRAKE_STRIPE_SECRET_KEY"),
                               QStringLiteral("sk_test_demo_") + randomText(24, kBase62));
    m_vendorCredentials.insert(QStringLiteral("KEYBRAKE_TWILIO_ACCOUNT_SID"),
                               QStringLiteral("AC") + randomText(32, kHex));
    m_vendorCredentials.insert(QStringLiteral("KEYBRAKE_TWILIO_AUTH_TOKEN"), randomText(32, kHex));
    m_vendorCredentials.insert(QStringLiteral("KEYBRAKE_RESEND_API_KEY"),
                               QStringLiteral("re_demo_") + randomText(24, kBase62));
    qCInfo(lcDemo) << "starting the demo in" << m_dataDirectory << "with" << m_keybraked << "and"
                   << m_sim;
    // The vendors need no key: they start while the key is looked up.
    startVendors();
    readStoredKey();
}

void DemoLauncher::stop()
{
    m_restartWhenStopped = false;
    if (m_stage == Stage::Stopped || m_stage == Stage::Idle) {
        m_stage = Stage::Stopped;
        Q_EMIT stopped();
        return;
    }
    if (m_stage == Stage::Stopping)
        return;
    ++m_attempt;
    m_stage = Stage::Stopping;
    setProgress(tr("Stopping the demo…"));
    stopChildren();
    checkStopped();
}

void DemoLauncher::restart()
{
    if (m_stage == Stage::Idle || m_stage == Stage::Stopped) {
        start();
        return;
    }
    ++m_attempt;
    m_restartWhenStopped = true;
    m_stage = Stage::Stopping;
    if (m_banner)
        m_banner->clearFailure();
    if (m_startWindow) {
        m_startWindow->showProgress(tr("Stopping the demo…"));
        m_startWindow->show();
        m_startWindow->raise();
    }
    stopChildren();
    checkStopped();
}

void DemoLauncher::setProgress(const QString &text)
{
    m_progress = text;
    if (m_startWindow && m_stage != Stage::Failed)
        m_startWindow->showProgress(text);
    Q_EMIT progressChanged(text);
}

void DemoLauncher::readStoredKey()
{
    const int attempt = m_attempt;
    const QString account = profile({}).secretAccount();
    m_sessionStore->read(account, this, [this, attempt, account](const SecretStore::Result &kept) {
        if (attempt != m_attempt)
            return;
        if (kept.ok() && looksLikeAdminKey(kept.secret)) {
            m_adminKey = kept.secret;
            m_keySource = KeySource::Session;
            startServer();
            return;
        }
        m_keychain->read(account, this, [this, attempt](const SecretStore::Result &saved) {
            if (attempt != m_attempt)
                return;
            if (saved.ok() && looksLikeAdminKey(saved.secret)) {
                m_adminKey = saved.secret;
                m_keySource = KeySource::Keychain;
            } else {
                // keybraked takes it as its first admin key when its store has none (the first
                // demo, or a deleted store); otherwise sign-in fails and a new key is created.
                m_adminKey = QStringLiteral("kb_") + randomText(43, kBase62);
                m_keySource = KeySource::Generated;
                if (saved.status != SecretStore::Status::NotFound)
                    qCInfo(lcDemo) << "no demo admin key from the keychain:" << saved.message;
            }
            startServer();
        });
    });
}

void DemoLauncher::startVendors()
{
    setProgress(tr("Starting the simulated vendors…"));
    m_vendors = spawn(tr("keybrake-sim vendors"), kImmediateDeath);
    m_vendors->setListeningPrefix("keybrake-sim vendors listening on ");
    connect(m_vendors, &DemoProcess::listening, this, [this](const QUrl &url) {
        m_simUrl = url;
        startServer();
    });
    watchStart(m_vendors);
    QProcessEnvironment environment = childEnvironment();
    environment.insert(m_vendorCredentials);
    m_vendors->start(m_sim,
                     {QStringLiteral("vendors"), QStringLiteral("--listen"),
                      QStringLiteral("127.0.0.1:0"), QStringLiteral("--latency-ms"),
                      QStringLiteral("120"), QStringLiteral("--latency-jitter-ms"),
                      QStringLiteral("80")},
                     environment);
}

void DemoLauncher::startServer()
{
    // Both the vendors' URL and the admin key are needed, and they arrive in either order.
    if (m_server || !m_simUrl.isValid() || m_adminKey.isEmpty() || m_stage != Stage::Starting)
        return;
    setProgress(tr("Starting the demo server…"));
    m_server = spawn(QStringLiteral("keybraked"), kGracefulDeath);
    m_server->setListeningPrefix("keybraked listening on ");
    connect(m_server, &DemoProcess::listening, this, [this](const QUrl &url) {
        m_serverUrl = url;
        qCInfo(lcDemo) << "keybraked is listening on" << url.toString();
        signIn();
    });
    watchStart(m_server);
    QProcessEnvironment environment = childEnvironment();
    environment.insert(m_vendorCredentials);
    environment.insert(QStringLiteral("KEYBRAKE_BOOTSTRAP_ADMIN_KEY"), m_adminKey);
    const QString upstream = m_simUrl.toString();
    m_server->start(m_keybraked,
                    {QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"),
                     QStringLiteral("--store"), storeUrl(), QStringLiteral("--upstream-stripe"),
                     upstream, QStringLiteral("--upstream-twilio"), upstream,
                     QStringLiteral("--upstream-resend"), upstream,
                     QStringLiteral("--shutdown-grace-s"), QStringLiteral("2"),
                     QStringLiteral("--log-level"), QStringLiteral("warn"),
                     QStringLiteral("--master-key-file"), masterKeyPath()},
                    environment);
}

void DemoLauncher::signIn()
{
    setProgress(tr("Signing in…"));
    if (!m_client) {
        m_client = new client::KeybrakeClient(this);
        m_client->setBaseUrl(m_serverUrl);
    }
    m_client->setAdminKey(m_adminKey);
    const int attempt = m_attempt;
    m_client->whoAmI(this, [this, attempt](const client::Result<client::WhoAmI> &who) {
        if (attempt != m_attempt)
            return;
        if (who && who->can(client::AdminRole::Admin)) {
            m_adminKeyId = who->adminKeyId;
            keepAdminKey();
            startAgents();
            return;
        }
        const bool refused = who || who.error().kind == client::ApiError::Kind::Unauthenticated
            || who.error().kind == client::ApiError::Kind::Forbidden;
        if (refused && m_keySource != KeySource::Created) {
            // The key kept from an earlier demo no longer works (its store was replaced, or the
            // key was revoked): make a new one.
            qCInfo(lcDemo) << "the kept demo admin key was refused; creating a new one";
            createAdminKey();
            return;
        }
        fail(tr("The demo could not sign in"),
             who ? tr("Its admin key has the role %1; the demo needs admin.")
                       .arg(ConsoleSession::roleDisplayName(who->role))
                 : who.error().message);
    });
}

void DemoLauncher::createAdminKey()
{
    setProgress(tr("Creating the demo's admin key…"));
    DemoProcess *tool = spawn(QStringLiteral("keybraked admin-keys create"), kImmediateDeath);
    m_keyTool = tool;
    tool->setOneShot(true);
    const int attempt = m_attempt;
    connect(tool, &DemoProcess::finished, this, [this, tool, attempt] {
        tool->deleteLater();
        if (attempt != m_attempt)
            return;
        const QString secret = QString::fromUtf8(tool->standardOutput()).trimmed();
        if (!looksLikeAdminKey(secret)) {
            fail(tr("The demo could not sign in"),
                 tr("keybraked admin-keys create printed no admin key."), tool->lastErrorLines());
            return;
        }
        m_adminKey = secret;
        m_keySource = KeySource::Created;
        signIn();
    });
    tool->start(m_keybraked,
                {QStringLiteral("admin-keys"), QStringLiteral("create"), QStringLiteral("--role"),
                 QStringLiteral("admin"), QStringLiteral("--name"), kConsoleKeyName,
                 QStringLiteral("--store"), storeUrl()},
                childEnvironment());
}

void DemoLauncher::keepAdminKey()
{
    const QString account = profile({}).secretAccount();
    // This session's memory always, so a restart finds it; the keychain for the next demo when
    // the key is new. Without a keychain the next demo makes another key.
    m_sessionStore->write(account, m_adminKey, this, [](const SecretStore::Result &) {});
    if (m_keySource != KeySource::Generated && m_keySource != KeySource::Created)
        return;
    m_keychain->write(account, m_adminKey, this, [](const SecretStore::Result &saved) {
        if (!saved.ok())
            qCInfo(lcDemo) << "the demo admin key is kept for this session only:" << saved.message;
    });
}

void DemoLauncher::startAgents()
{
    setProgress(tr("Starting the simulated agents…"));
    const int attempt = m_attempt;
    // The agents get an issuer key of their own: the console's admin key stays in the console,
    // and the audit log tells the agents' issuance from what the person at the console did.
    m_client->createAdminKey(
        kAgentsKeyName, client::AdminRole::Issuer, this,
        [this, attempt](const client::Result<client::CreatedAdminKey> &created) {
            if (attempt != m_attempt)
                return;
            if (!created) {
                fail(tr("The demo could not start"),
                     tr("The simulated agents' admin key could not be created: %1")
                         .arg(created.error().message));
                return;
            }
            launchAgents(created->apiKey);
            retireOldKeys(created->key.id);
            openConsole();
        });
}

void DemoLauncher::launchAgents(const QString &issuerKey)
{
    m_agents = spawn(tr("keybrake-sim agents"), kImmediateDeath);
    QProcessEnvironment environment = childEnvironment();
    environment.insert(QStringLiteral("KEYBRAKE_API_KEY"), issuerKey);
    QStringList arguments = {QStringLiteral("agents"),
                             QStringLiteral("mixed"),
                             QStringLiteral("--server"),
                             m_serverUrl.toString(),
                             QStringLiteral("--quiet"),
                             QStringLiteral("--exit-with-parent"),
                             QStringLiteral("--summary-json"),
                             QDir(m_dataDirectory).filePath(QStringLiteral("agents-summary.json"))};
    arguments += m_options.agentArguments;
    m_agents->start(m_sim, arguments, environment);
}

void DemoLauncher::retireOldKeys(const QString &agentsKeyId)
{
    // Each demo's agents get a new key; those of earlier demos are revoked so they do not pile
    // up as live credentials. So are the console keys of earlier demos once this one had to make
    // a new one: their secrets are lost (that is why it was made).
    const bool retireConsoleKeys = m_keySource == KeySource::Created;
    const QString consoleKeyId = m_adminKeyId;
    m_client->adminKeys(
        this, [this, agentsKeyId, consoleKeyId, retireConsoleKeys](const auto &keys) {
            if (!keys || !m_client)
                return;
            for (const client::AdminKeyInfo &key : *keys) {
                if (key.isRevoked())
                    continue;
                if ((key.name == kAgentsKeyName && key.id != agentsKeyId)
                    || (retireConsoleKeys && key.name == kConsoleKeyName && key.id != consoleKeyId))
                    m_client->revokeAdminKey(key.id, this, [](const auto &) {});
            }
        });
}

void DemoLauncher::openConsole()
{
    setProgress(tr("Opening the console…"));
    // ConsoleLauncher announces the window with opened(), where decorate() takes over.
    m_console->openProfile(profile(m_serverUrl), m_adminKey);
}

void DemoLauncher::decorate(MainWindow *window)
{
    m_window = window;
    m_banner = new DemoBanner;
    window->addBanner(m_banner);
    connect(m_banner, &DemoBanner::restartRequested, this, &DemoLauncher::restart);
    window->showPage(MainWindow::Page::Overview);
    m_stage = Stage::Running;
    setProgress(tr("The demo is running."));
    // Hidden, not closed: closing it means quitting. The main window is already on screen.
    if (m_startWindow)
        m_startWindow->hide();
    qCInfo(lcDemo) << "the demo is running at" << m_serverUrl.toString();
    Q_EMIT running(window);
}

DemoProcess *DemoLauncher::spawn(const QString &displayName, int deathSignal)
{
    auto *process = new DemoProcess(displayName, this);
    process->setParentDeathSignal(deathSignal);
    connect(process, &DemoProcess::failed, this,
            [this, process](const QString &why) { childFailed(process, why); });
    connect(process, &DemoProcess::finished, this, &DemoLauncher::checkStopped);
    return process;
}

void DemoLauncher::watchStart(DemoProcess *process)
{
    const int attempt = m_attempt;
    QTimer::singleShot(m_options.startTimeoutMs, process, [this, process, attempt] {
        if (attempt != m_attempt || process->listeningUrl().isValid())
            return;
        fail(tr("The demo could not start"),
             tr("%1 did not say it was listening within %2 seconds.")
                 .arg(process->displayName())
                 .arg(m_options.startTimeoutMs / 1000),
             process->lastErrorLines());
    });
}

void DemoLauncher::childFailed(DemoProcess *process, const QString &why)
{
    if (m_stage != Stage::Starting && m_stage != Stage::Running)
        return;
    qCWarning(lcDemo) << why;
    if (m_stage == Stage::Running)
        fail(tr("The demo stopped"), tr("%1 The demo's other processes were stopped too.").arg(why),
             process->lastErrorLines());
    else
        fail(tr("The demo could not start"), why, process->lastErrorLines());
}

void DemoLauncher::fail(const QString &title, const QString &text, const QStringList &details)
{
    ++m_attempt;
    const bool wasRunning = m_stage == Stage::Running;
    m_stage = Stage::Failed;
    stopChildren();
    if (wasRunning && m_banner) {
        m_banner->showFailure(tr("%1: %2").arg(title, text), details);
    } else if (m_startWindow) {
        m_startWindow->showFailure(title, text, details);
        m_startWindow->show();
        m_startWindow->raise();
    }
    Q_EMIT failed(text);
}

void DemoLauncher::stopChildren()
{
    // Later, not now: this often runs inside one of the client's callbacks.
    if (m_client)
        m_client->deleteLater();
    m_client = nullptr;
    if (m_agents)
        m_agents->stop(kAgentsStopMs);
    if (m_server)
        m_server->stop(kServerStopMs);
    if (m_vendors)
        m_vendors->stop(kVendorsStopMs);
    if (m_keyTool)
        m_keyTool->stop(kVendorsStopMs);
}

void DemoLauncher::checkStopped()
{
    if (m_stage != Stage::Stopping)
        return;
    for (const auto &process : {m_vendors, m_server, m_agents, m_keyTool}) {
        if (process && process->isRunning())
            return;
    }
    for (QPointer<DemoProcess> *process : {&m_vendors, &m_server, &m_agents, &m_keyTool}) {
        if (*process)
            (*process)->deleteLater();
        *process = nullptr;
    }
    m_stage = Stage::Stopped;
    qCInfo(lcDemo) << "the demo stopped";
    if (m_restartWhenStopped) {
        m_restartWhenStopped = false;
        start();
        return;
    }
    Q_EMIT stopped();
}

QProcessEnvironment DemoLauncher::childEnvironment() const
{
    // Nothing of the user's own Keybrake set-up (a config file, a store, a listen address, a
    // key) may leak into the demo's processes: they get exactly what the demo gives them.
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    for (const QString &name : environment.keys()) {
        if (name.startsWith(QLatin1String("KEYBRAKE_")))
            environment.remove(name);
    }
    return environment;
}

// Beside the demo's folder, not in it: keybraked refuses a master key inside the store's
// directory (a copy of the state would carry the key that decrypts it).
QString DemoLauncher::masterKeyPath() const
{
    return QDir(m_dataDirectory).absolutePath() + QStringLiteral("-master.key");
}

QString DemoLauncher::storeUrl() const
{
    return QStringLiteral("sqlite:")
        + QDir(m_dataDirectory).filePath(QStringLiteral("keybrake.db"));
}

} // namespace keybrake
