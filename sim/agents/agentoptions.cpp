#include "agents/agentoptions.h"

#include <QHash>

#include <array>
#include <cmath>
#include <functional>
#include <utility>

namespace keybrake::agents {

namespace {

constexpr std::array<std::pair<ScenarioKind, const char *>, 6> kScenarios = {{
    {ScenarioKind::LambdaSqs, "lambda-sqs"},
    {ScenarioKind::EventBridgeSchedule, "eventbridge-schedule"},
    {ScenarioKind::Runaway, "runaway"},
    {ScenarioKind::TwilioSms, "twilio-sms"},
    {ScenarioKind::ResendEmail, "resend-email"},
    {ScenarioKind::Mixed, "mixed"},
}};

std::optional<double> parseNumber(const QString &text)
{
    bool ok = false;
    const double value = text.toDouble(&ok);
    if (!ok || !std::isfinite(value))
        return std::nullopt;
    return value;
}

// "5", "5/s", "0.5/s", "300/m", "3600/h": per second.
std::optional<double> parseRate(const QString &text)
{
    double perSeconds = 1;
    QString number = text;
    if (const auto slash = text.indexOf(u'/'); slash >= 0) {
        const QString unit = text.mid(slash + 1);
        if (unit == u"s")
            perSeconds = 1;
        else if (unit == u"m" || unit == u"min")
            perSeconds = 60;
        else if (unit == u"h")
            perSeconds = 3600;
        else
            return std::nullopt;
        number = text.left(slash);
    }
    const auto value = parseNumber(number);
    if (!value || *value <= 0)
        return std::nullopt;
    return *value / perSeconds;
}

} // namespace

QString scenarioName(ScenarioKind kind)
{
    for (const auto &[candidate, name] : kScenarios) {
        if (candidate == kind)
            return QString::fromLatin1(name);
    }
    return {};
}

std::optional<ScenarioKind> parseScenarioName(const QString &name)
{
    for (const auto &[kind, candidate] : kScenarios) {
        if (name == QLatin1String(candidate))
            return kind;
    }
    return std::nullopt;
}

double AgentOptions::defaultRate() const
{
    switch (scenario) {
    case ScenarioKind::LambdaSqs:
        return 10; // messages a second: one full batch a second
    case ScenarioKind::Runaway:
        return runawayRate;
    case ScenarioKind::EventBridgeSchedule:
    case ScenarioKind::TwilioSms:
    case ScenarioKind::ResendEmail:
        return 2;
    case ScenarioKind::Mixed:
        return 4;
    }
    return 1;
}

AgentArguments parseAgentArguments(const QStringList &args, const QProcessEnvironment &environment)
{
    AgentArguments result;
    AgentOptions &o = result.options;
    o.adminKey = environment.value(QStringLiteral("KEYBRAKE_API_KEY"));
    bool scenarioGiven = false;
    bool rateGiven = false;

    const auto fail = [&](const QString &message) {
        result.error = message;
        return result;
    };

    // Each flag with a value: a setter that returns false when the value is not acceptable.
    using Setter = std::function<bool(const QString &)>;
    const auto number = [](double &target, double minimum, double maximum) -> Setter {
        return [&target, minimum, maximum](const QString &text) {
            const auto value = parseNumber(text);
            if (!value || *value < minimum || *value > maximum)
                return false;
            target = *value;
            return true;
        };
    };
    const auto integer = [](auto &target, qint64 minimum, qint64 maximum) -> Setter {
        return [&target, minimum, maximum](const QString &text) {
            bool ok = false;
            const qint64 value = text.toLongLong(&ok);
            if (!ok || value < minimum || value > maximum)
                return false;
            target = static_cast<std::remove_reference_t<decltype(target)>>(value);
            return true;
        };
    };
    const auto seconds = [&number](double &target) { return number(target, 0, 7 * 86400.0); };
    const QHash<QString, Setter> valued = {
        {QStringLiteral("--server"),
         [&o](const QString &text) {
             o.server = QUrl(text, QUrl::StrictMode);
             return o.server.isValid()
                 && (o.server.scheme() == u"http" || o.server.scheme() == u"https")
                 && !o.server.host().isEmpty();
         }},
        {QStringLiteral("--admin-key"),
         [&o](const QString &text) {
             o.adminKey = text;
             return !text.isEmpty();
         }},
        {QStringLiteral("--duration"), seconds(o.durationSeconds)},
        {QStringLiteral("--runs"), integer(o.runs, 1, 100'000'000)},
        {QStringLiteral("--rate"),
         [&o, &rateGiven](const QString &text) {
             const auto rate = parseRate(text);
             if (!rate || *rate > 10'000)
                 return false;
             o.rate = *rate;
             rateGiven = true;
             return true;
         }},
        {QStringLiteral("--seed"),
         [&o](const QString &text) {
             bool ok = false;
             o.seed = text.toULongLong(&ok);
             o.seedGiven = ok;
             return ok;
         }},
        {QStringLiteral("--summary-json"),
         [&o](const QString &text) {
             o.summaryJsonPath = text;
             return !text.isEmpty();
         }},
        {QStringLiteral("--timeout-ms"), integer(o.timeoutMs, 100, 600'000)},
        {QStringLiteral("--connect-timeout-ms"), integer(o.connectTimeoutMs, 0, 600'000)},
        {QStringLiteral("--network-pool"), integer(o.networkPool, 1, 64)},
        {QStringLiteral("--function"),
         [&o](const QString &text) {
             o.sqsFunction = text;
             return !text.isEmpty() && !text.contains(u'/') && text.size() <= 64;
         }},
        {QStringLiteral("--batch-size"), integer(o.batchSize, 1, 10'000)},
        {QStringLiteral("--budget-usd"),
         [&o](const QString &text) {
             const auto budget = Usd::fromDecimal(text.toStdString());
             if (!budget || *budget <= Usd())
                 return false;
             o.budget = *budget;
             return true;
         }},
        {QStringLiteral("--redelivery-share"), number(o.redeliveryShare, 0, 1)},
        {QStringLiteral("--concurrency"), integer(o.concurrency, 1, 1000)},
        {QStringLiteral("--failure-share"), number(o.failureShare, 0, 1)},
        {QStringLiteral("--max-retries"), integer(o.maxRetries, 0, 185)},
        {QStringLiteral("--retry-base"), number(o.retryBaseSeconds, 0.01, 3600)},
        {QStringLiteral("--runaway-seconds"), number(o.runawaySeconds, 0.1, 7 * 86400.0)},
        {QStringLiteral("--runaway-rate"),
         [&o](const QString &text) {
             const auto rate = parseRate(text);
             if (!rate || *rate > 1000)
                 return false;
             o.runawayRate = *rate;
             return true;
         }},
        {QStringLiteral("--runaway-vendor"),
         [&o](const QString &text) {
             o.runawayVendor = text;
             return text == u"stripe" || text == u"twilio";
         }},
        {QStringLiteral("--runaway-after"), seconds(o.runawayAfterSeconds)},
        {QStringLiteral("--runaway-every"), seconds(o.runawayEverySeconds)},
    };

    for (qsizetype i = 0; i < args.size(); ++i) {
        QString word = args[i];
        if (word == u"--help" || word == u"-h") {
            result.help = true;
            return result;
        }
        if (word == u"--quiet" || word == u"-q") {
            o.quiet = true;
            continue;
        }
        if (word == u"--runaway-reissue") {
            o.runawayReissue = true;
            continue;
        }
        if (word == u"--exit-with-parent") {
            o.exitWithParent = true;
            continue;
        }
        if (!word.startsWith(u"--")) {
            if (scenarioGiven)
                return fail(QStringLiteral("unexpected argument \"%1\"").arg(word));
            const auto kind = parseScenarioName(word);
            if (!kind)
                return fail(QStringLiteral("unknown scenario \"%1\"").arg(word));
            o.scenario = *kind;
            scenarioGiven = true;
            continue;
        }
        QString value;
        bool hasValue = false;
        if (const auto equals = word.indexOf(u'='); equals > 0) {
            value = word.mid(equals + 1);
            word.truncate(equals);
            hasValue = true;
        }
        const auto setter = valued.constFind(word);
        if (setter == valued.cend())
            return fail(QStringLiteral("unknown option %1").arg(word));
        if (!hasValue) {
            if (i + 1 >= args.size())
                return fail(QStringLiteral("%1 needs a value").arg(word));
            value = args[++i];
        }
        if (!(*setter)(value)) {
            // The admin key is a secret: never repeat it, even when it is malformed.
            const QString shown = word == u"--admin-key" ? QStringLiteral("…") : value;
            return fail(QStringLiteral("invalid value for %1: \"%2\"").arg(word, shown));
        }
    }
    if (!scenarioGiven)
        return fail(QStringLiteral("name a scenario"));
    if (o.adminKey.isEmpty())
        return fail(QStringLiteral("no admin key: set KEYBRAKE_API_KEY (or pass --admin-key) to "
                                   "an admin key with the issuer role"));
    if (o.scenario == ScenarioKind::Runaway && rateGiven)
        o.runawayRate = o.rate;
    return result;
}

QString agentUsage()
{
    return QStringLiteral(
        R"(Usage: keybrake-sim agents SCENARIO [options]

Drives keybraked the way agent deployments do: each agent run gets its own vault key from the
admin API and calls Stripe, Twilio or Resend through the proxy with it. Runs until --duration,
--runs or SIGINT/SIGTERM, then prints a summary (runs, keys, calls by verdict, spend, denials,
replays) that agrees with the server's audit log and /v1/stats/today.

Scenarios:
  lambda-sqs            batches of SQS messages to a Lambda function: one vault key per message
                        (Idempotency-Key and label from the messageId), one Stripe
                        payment_intents.create per message (Idempotency-Key = messageId), some
                        messages delivered twice, cap exhaustion reported in batchItemFailures
  eventbridge-schedule  scheduled invocations (label scheduler/<function>/<scheduled time>,
                        Idempotency-Key = event id) that EventBridge retries with back-off
  runaway               one agent in a retry loop: charges until its cap stops it, then keeps
                        trying and gets 429s
  twilio-sms            SMS agents sending several messages a run (GSM-7, multi-segment, UCS-2)
                        with Basic auth (AccountSid and the vault key as password)
  resend-email          single sends and /emails/batch with realistic sizes and recipients
  mixed                 all of them at --rate, with an occasional runaway

Options:
  --server URL          keybraked base URL (default http://127.0.0.1:8080)
  --admin-key KEY       admin key with the issuer role; prefer KEYBRAKE_API_KEY in the
                        environment (flags show in the process list)
  --duration S          stop starting runs after S seconds (default: until stopped)
  --runs N              start N agent runs (SQS messages, scheduled events, SMS or email runs)
  --rate R[/s|/m]       runs started per second (defaults: lambda-sqs 10, eventbridge-schedule,
                        twilio-sms and resend-email 2, mixed 4; runaway: its calls per second)
  --seed N              repeat the same traffic (default: drawn and printed)
  --quiet               no progress lines (the summary is still printed at exit)
  --summary-json FILE   also write the summary as JSON
  --exit-with-parent    stop as on SIGTERM when the parent process goes away (for a console
                        that runs the simulator as its child)
  --timeout-ms MS       timeout of every request (default 10000)
  --connect-timeout-ms MS  wait this long for the server at start (default 15000)
  --network-pool N      connection pools for proxied calls, 6 connections each (default 4)

lambda-sqs:
  --function NAME       Lambda function name in labels (default billing-agent)
  --batch-size N        messages per batch (default 10)
  --budget-usd USD      daily cap of each message's vault key (default 150)
  --redelivery-share P  share of messages SQS delivers twice (default 0.1)
  --concurrency N       batches in flight at once (default 8)

eventbridge-schedule:
  --failure-share P     invocations that fail after their vendor call, as a Lambda timeout
                        would, and are retried (default 0.1)
  --max-retries N       retries before an event is dropped to the dead-letter queue (default 3)
  --retry-base S        first retry back-off in seconds, doubling, with jitter (default 1)

runaway (and the runaways of mixed):
  --runaway-seconds S   how long the loop runs (default 30)
  --runaway-rate R      calls per second of the loop (default 10; --rate in `runaway`)
  --runaway-vendor V    stripe (charges; the cap is reached exactly) or twilio (SMS)
  --runaway-after S     mixed: first runaway after S seconds (default 15)
  --runaway-every S     mixed: another one every S seconds (default 120; 0: only one)
  --runaway-reissue     the agent's issuer keeps minting keys: whenever its key is revoked,
                        expired or capped it asks for a fresh one under the same label prefix
                        (lambda/collections-agent/ or lambda/sms-followup/), and asks again at
                        the loop's pace while issuance is refused (a prefix block)

Exit status: 0 when the scenario ran (whatever the verdicts), 1 when the server could not be
used (unreachable, admin key refused or without the issuer role), 2 for invalid arguments.
)");
}

} // namespace keybrake::agents
