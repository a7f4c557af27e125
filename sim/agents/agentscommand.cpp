#include "agents/agentscommand.h"

#include "agents/agentoptions.h"
#include "agents/agentruntime.h"
#include "agents/eventbridgescenario.h"
#include "agents/lambdasqsscenario.h"
#include "agents/mixedscenario.h"
#include "agents/resendemailscenario.h"
#include "agents/runawayscenario.h"
#include "agents/twiliosmsscenario.h"
#include "agents/unixsignalwatcher.h"
#include "client/keybrakeclient.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QSaveFile>
#include <QTimer>

#include <csignal>
#include <cstdio>
#include <memory>
#include <unistd.h>

namespace keybrake::agents {

namespace {

void printTo(std::FILE *stream, const QString &text)
{
    const QByteArray bytes = text.toUtf8();
    std::fwrite(bytes.constData(), 1, static_cast<std::size_t>(bytes.size()), stream);
    std::fflush(stream);
}

Scenario *createScenario(AgentRuntime &runtime, QObject *parent)
{
    const AgentOptions &options = runtime.options();
    const double rate = options.effectiveRate();
    // The scenario's name is part of its stream: one seed gives each scenario its own messages,
    // so two scenarios run with the same seed against one server do not share idempotency keys.
    quint64 seed = options.seed ^ 0xcbf29ce484222325ULL; // FNV-1a, stable everywhere
    for (const QChar c : scenarioName(options.scenario))
        seed = (seed ^ c.unicode()) * 0x100000001b3ULL;
    switch (options.scenario) {
    case ScenarioKind::LambdaSqs:
        return new LambdaSqsScenario(runtime, rate, seed, parent);
    case ScenarioKind::EventBridgeSchedule:
        return new EventBridgeScenario(runtime, rate, seed, parent);
    case ScenarioKind::Runaway:
        return new RunawayScenario(runtime, seed, parent);
    case ScenarioKind::TwilioSms:
        return new TwilioSmsScenario(runtime, rate, seed, parent);
    case ScenarioKind::ResendEmail:
        return new ResendEmailScenario(runtime, rate, seed, parent);
    case ScenarioKind::Mixed:
        return new MixedScenario(runtime, rate, seed, parent);
    }
    return nullptr;
}

// The process around a scenario: checks the admin key, starts the scenario, stops it on
// --duration or a signal, waits for the runs under way, and prints the summary.
class AgentsProcess : public QObject
{
public:
    explicit AgentsProcess(const AgentOptions &options)
        : m_runtime(options)
    {
        connect(&m_signals, &UnixSignalWatcher::received, this, [this](int signalNumber) {
            if (!m_runtime.isStopping()) {
                m_runtime.log(QStringLiteral("signal %1: no new runs; waiting for the runs under "
                                             "way (a second signal aborts them)")
                                  .arg(signalNumber));
                m_runtime.requestStop(QStringLiteral("signal"));
                if (!m_scenario)
                    finish(0);
            } else {
                m_runtime.abortAll();
            }
        });
        connect(&m_runtime, &AgentRuntime::stopRequested, this, [this] {
            // Every request has a timeout, so the runs under way end by themselves; this is the
            // bound on a run that keeps issuing new ones.
            const int grace = m_runtime.options().timeoutMs * 2 + 1000;
            QTimer::singleShot(grace, this, [this] {
                if (!m_finished)
                    m_runtime.abortAll();
            });
        });
    }

    void start()
    {
        const AgentOptions &options = m_runtime.options();
        if (options.exitWithParent)
            watchParent();
        m_runtime.summary().begin(scenarioName(options.scenario), options.seed, options.server);
        m_connectDeadline = QDeadlineTimer(m_runtime.options().connectTimeoutMs);
        checkServer();
    }

private:
    // A parent that dies without stopping its children (SIGKILL, a crash) leaves this process to
    // init, which changes getppid(); polling works on every POSIX system, unlike
    // PR_SET_PDEATHSIG, which is Linux-only and tied to the parent's thread.
    void watchParent()
    {
        const pid_t parent = ::getppid();
        auto *timer = new QTimer(this);
        connect(timer, &QTimer::timeout, this, [this, parent, timer] {
            if (::getppid() == parent)
                return;
            timer->stop();
            m_runtime.log(QStringLiteral("the parent process exited: no new runs"));
            m_runtime.requestStop(QStringLiteral("parent exited"));
            if (!m_scenario)
                finish(0);
        });
        timer->start(500);
    }

    void checkServer()
    {
        m_runtime.admin().whoAmI(this, [this](const client::Result<client::WhoAmI> &who) {
            if (m_runtime.isStopping()) {
                finish(0);
                return;
            }
            if (!who) {
                const auto kind = who.error().kind;
                const bool waitable = kind == client::ApiError::Kind::Network
                    || kind == client::ApiError::Kind::Timeout;
                if (waitable && !m_connectDeadline.hasExpired()) {
                    QTimer::singleShot(250, this, [this] { checkServer(); });
                    return;
                }
                printTo(stderr,
                        QStringLiteral("keybrake-sim agents: %1\n").arg(who.error().message));
                finish(1);
                return;
            }
            if (!who->can(client::AdminRole::Issuer)) {
                printTo(stderr,
                        QStringLiteral("keybrake-sim agents: the admin key %1 has the role "
                                       "\"%2\"; issuing vault keys needs \"issuer\" or higher.\n")
                            .arg(who->adminKeyId, client::adminRoleName(who->role)));
                finish(1);
                return;
            }
            const AgentOptions &options = m_runtime.options();
            m_runtime.log(QStringLiteral("keybrake-sim agents %1 against %2 (keybraked %3), "
                                         "admin key %4 (%5), seed %6, %7 runs/s")
                              .arg(scenarioName(options.scenario),
                                   options.server.toString(QUrl::RemoveUserInfo),
                                   who->serverVersion, who->adminKeyId,
                                   client::adminRoleName(who->role))
                              .arg(options.seed)
                              .arg(options.effectiveRate()));
            runScenario();
        });
    }

    void runScenario()
    {
        m_scenario = createScenario(m_runtime, this);
        connect(m_scenario, &Scenario::finished, this, [this] { finish(0); });
        if (m_runtime.options().durationSeconds > 0) {
            QTimer::singleShot(static_cast<int>(m_runtime.options().durationSeconds * 1000), this,
                               [this] { m_runtime.requestStop(QStringLiteral("duration")); });
        }
        m_scenario->start();
    }

    void finish(int status)
    {
        if (m_finished)
            return;
        m_finished = true;
        AgentSummary &summary = m_runtime.summary();
        summary.finish(m_runtime.isStopping() ? m_runtime.stopReason() : QStringLiteral("runs"));
        if (status == 0) {
            printTo(stdout, summary.toText());
            const QString path = m_runtime.options().summaryJsonPath;
            if (!path.isEmpty()) {
                QSaveFile file(path);
                if (!file.open(QIODevice::WriteOnly)
                    || file.write(QJsonDocument(summary.toJson()).toJson()) < 0 || !file.commit()) {
                    printTo(stderr,
                            QStringLiteral("keybrake-sim agents: could not write %1: %2\n")
                                .arg(path, file.errorString()));
                    status = 1;
                }
            }
        }
        QCoreApplication::exit(status);
    }

    AgentRuntime m_runtime;
    UnixSignalWatcher m_signals;
    Scenario *m_scenario = nullptr;
    QDeadlineTimer m_connectDeadline;
    bool m_finished = false;
};

} // namespace

int runAgentsCommand(int argc, char **argv)
{
    QStringList args;
    for (int i = 2; i < argc; ++i)
        args << QString::fromLocal8Bit(argv[i]);
    AgentArguments parsed = parseAgentArguments(args, QProcessEnvironment::systemEnvironment());
    if (parsed.help) {
        printTo(stdout, agentUsage());
        return 0;
    }
    if (!parsed.error.isEmpty()) {
        printTo(stderr,
                QStringLiteral("keybrake-sim agents: %1 (see keybrake-sim agents --help)\n")
                    .arg(parsed.error));
        return 2;
    }
    AgentOptions &options = parsed.options;
    if (!options.seedGiven)
        options.seed = QRandomGenerator::system()->generate64() >> 16;
    if (options.scenario == ScenarioKind::Runaway && options.runs == 0)
        options.runs = 1;

    QCoreApplication application(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("keybrake-sim"));
    // A closed pipe on standard output (the console quitting first) must not kill the process
    // before it has stopped its agents.
    std::signal(SIGPIPE, SIG_IGN);

    auto process = std::make_unique<AgentsProcess>(options);
    process->start();
    const int status = QCoreApplication::exec();
    process.reset();
    return status;
}

} // namespace keybrake::agents
