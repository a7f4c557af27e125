#include "agents/mixedscenario.h"

#include "agents/agentruntime.h"
#include "agents/eventbridgescenario.h"
#include "agents/lambdasqsscenario.h"
#include "agents/resendemailscenario.h"
#include "agents/runawayagent.h"
#include "agents/twiliosmsscenario.h"

namespace keybrake::agents {

MixedScenario::MixedScenario(AgentRuntime &runtime, double rate, quint64 seed, QObject *parent)
    : Scenario(runtime, QStringLiteral("mixed"), rate, seed, parent)
{
    // Each part draws from its own stream, so adding traffic to one leaves the others' the same.
    m_children = {
        new LambdaSqsScenario(runtime, rate * 0.45, random().next(), this),
        new EventBridgeScenario(runtime, rate * 0.15, random().next(), this),
        new TwilioSmsScenario(runtime, rate * 0.25, random().next(), this),
        new ResendEmailScenario(runtime, rate * 0.15, random().next(), this),
    };
}

void MixedScenario::start()
{
    for (Scenario *child : std::as_const(m_children)) {
        beginWork();
        connect(child, &Scenario::finished, this, [this] { endWork(); });
    }
    for (Scenario *child : std::as_const(m_children))
        child->start();
    Scenario::start();
}

double MixedScenario::secondsToFirstArrival()
{
    return std::max(0.001, runtime().options().runawayAfterSeconds);
}

double MixedScenario::secondsToNextArrival()
{
    const double every = runtime().options().runawayEverySeconds;
    return every > 0 ? every : 86400.0;
}

void MixedScenario::arrive()
{
    if (m_runaway || !runtime().claimRun(QStringLiteral("runaway")))
        return;
    m_runaway = new RunawayAgent(runtime(), QStringLiteral("runaway"), random().fork(), this);
    beginWork();
    connect(m_runaway, &RunawayAgent::finished, this, [this] {
        m_runaway->deleteLater();
        m_runaway = nullptr;
        endWork();
    });
    m_runaway->start();
}

} // namespace keybrake::agents
