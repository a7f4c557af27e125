#include "agents/twiliosmsscenario.h"

#include "agents/agentruntime.h"

#include <chrono>

namespace keybrake::agents {

namespace {

const QString kScenario = QStringLiteral("twilio-sms");
const QString kFunction = QStringLiteral("sms-notifier");

} // namespace

TwilioSmsScenario::TwilioSmsScenario(AgentRuntime &runtime, double rate, quint64 seed,
                                     QObject *parent)
    : Scenario(runtime, kScenario, rate, seed, parent)
    , m_composer(random())
{
    // The agent's own account id: the proxy replaces it with the configured one.
    m_accountSid = QStringLiteral("AC") + random().hex(32);
}

void TwilioSmsScenario::arrive()
{
    if (!runtime().claimRun(kScenario))
        return;
    auto run = std::make_shared<Run>();
    run->id = random().uuid();
    run->label = QStringLiteral("lambda/%1/%2").arg(kFunction, run->id);
    run->from = m_composer.phoneNumber();
    const int count = static_cast<int>(random().between(2, 8));
    for (int i = 0; i < count; ++i)
        run->messages.append(
            TwilioMessage {m_composer.phoneNumber(), run->from, m_composer.message()});

    client::IssueKeyRequest policy;
    policy.vendor = QStringLiteral("twilio");
    policy.dailyUsdCap = Usd::fromCents(25);
    policy.allowedEndpoints = {QStringLiteral("messages.create")};
    policy.expiresIn = std::chrono::minutes(15);
    policy.agentRunLabel = run->label;
    policy.scope.twilioFromNumbers = {run->from};
    policy.metadata = {{QStringLiteral("source"), QStringLiteral("keybrake-sim")}};
    policy.idempotencyKey = run->id;

    beginWork();
    runtime().issueKey(kScenario, policy, this,
                       [this, run](const client::Result<client::IssuedKey> &issued) {
                           if (!issued) {
                               finish(run,
                                      QStringLiteral("no vault key (%1)")
                                          .arg(client::ApiError::kindName(issued.error().kind)));
                               return;
                           }
                           run->vaultKey = issued->vaultKey;
                           send(run);
                       });
}

void TwilioSmsScenario::send(const std::shared_ptr<Run> &run)
{
    if (run->next >= run->messages.size()) {
        finish(run, {});
        return;
    }
    const TwilioMessage &message = run->messages[run->next++];
    runtime().call(kScenario, message.request(m_accountSid, run->vaultKey), this,
                   [this, run](const ProxyOutcome &outcome) {
                       if (outcome.succeeded()) {
                           runtime().summary().count(kScenario, QStringLiteral("messages_sent"));
                           ++run->sent;
                           send(run);
                           return;
                       }
                       // The agent gives up on its first refusal; the rest of its messages are
                       // not sent.
                       if (outcome.verdict == u"denied_cap")
                           runtime().summary().count(kScenario,
                                                     QStringLiteral("runs_out_of_budget"));
                       finish(run, outcome.reason.isEmpty() ? outcome.verdict : outcome.reason);
                   });
}

void TwilioSmsScenario::finish(const std::shared_ptr<Run> &run, const QString &stoppedBy)
{
    runtime().log(
        QStringLiteral("twilio-sms %1: %2 of %3 messages%4")
            .arg(run->label)
            .arg(run->sent)
            .arg(run->messages.size())
            .arg(stoppedBy.isEmpty() ? QString() : QStringLiteral(", stopped: ") + stoppedBy));
    endWork();
}

} // namespace keybrake::agents
