#pragma once

// Qt 6.4's moc cannot parse <compare>, which usd.h includes, unless a Qt header came first (CMake
// 3.25 hands moc C++17 predefines); moc reads this header through the Q_OBJECT classes' headers.
// clang-format off
#include <QtGlobal>
// clang-format on
#include "usd.h"

#include <QProcessEnvironment>
#include <QString>
#include <QStringList>
#include <QUrl>

#include <optional>

namespace keybrake::agents {

enum class ScenarioKind {
    LambdaSqs,
    EventBridgeSchedule,
    Runaway,
    TwilioSms,
    ResendEmail,
    Mixed,
};

// "lambda-sqs", "eventbridge-schedule", "runaway", "twilio-sms", "resend-email", "mixed".
QString scenarioName(ScenarioKind kind);
std::optional<ScenarioKind> parseScenarioName(const QString &name);

// The configuration of `keybrake-sim agents SCENARIO`. Defaults model a small production
// deployment at demo speed; every number can be changed from the command line.
struct AgentOptions
{
    ScenarioKind scenario = ScenarioKind::Mixed;
    QUrl server {QStringLiteral("http://127.0.0.1:8080")};
    // An admin key with at least the issuer role (what a Lambda function holds). Kept in memory
    // and sent only as the Authorization header of admin calls; never printed.
    QString adminKey;

    double durationSeconds = 0; // 0: until --runs are done or a signal
    qint64 runs = 0; // agent runs to start; 0: no limit
    double rate = 0; // runs started per second; 0: the scenario's default (defaultRate())
    quint64 seed = 0;
    bool seedGiven = false; // otherwise a seed is drawn and printed, so a run can be repeated
    bool quiet = false; // no progress lines; the summary is still printed at exit
    // Stop (as on SIGTERM) when the process that started this one goes away, even if it was
    // killed and could not stop its children: for a console that starts the simulator.
    bool exitWithParent = false;
    QString summaryJsonPath;
    int timeoutMs = 10'000; // every admin and proxied request
    int connectTimeoutMs = 15'000; // how long to wait for the server at start
    int networkPool = 4; // network access managers for proxied calls (6 connections each)

    // lambda-sqs
    QString sqsFunction = QStringLiteral("billing-agent");
    int batchSize = 10;
    Usd budget = Usd::fromDollars(150); // per message
    double redeliveryShare = 0.1;
    int concurrency = 8; // batches in flight (Lambda's concurrent executions for the queue)

    // eventbridge-schedule
    double failureShare = 0.1; // invocations that fail after their vendor call
    int maxRetries = 3;
    double retryBaseSeconds = 1.0; // first back-off; doubles on each retry, with jitter

    // runaway (and the runaways of mixed)
    double runawaySeconds = 30;
    double runawayRate = 10; // calls per second of the retry loop
    QString runawayVendor = QStringLiteral("stripe"); // or "twilio"
    double runawayAfterSeconds = 15; // mixed: the first runaway
    double runawayEverySeconds = 120; // mixed: then one every so often (0: only one)
    // The agent's issuer mints a fresh key under the same prefix whenever its key is refused
    // for good (revoked, expired, capped), as the demo's runaway did after "Stop runs".
    bool runawayReissue = false;

    // Runs per second when --rate is not given.
    double defaultRate() const;
    double effectiveRate() const { return rate > 0 ? rate : defaultRate(); }
};

struct AgentArguments
{
    AgentOptions options;
    bool help = false;
    QString error; // non-empty when the arguments are invalid
};

// `args` are the words after "agents"; `environment` supplies KEYBRAKE_API_KEY.
AgentArguments parseAgentArguments(const QStringList &args, const QProcessEnvironment &environment);
QString agentUsage();

} // namespace keybrake::agents
