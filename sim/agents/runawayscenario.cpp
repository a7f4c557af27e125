#include "agents/runawayscenario.h"

#include "agents/agentruntime.h"
#include "agents/runawayagent.h"

namespace keybrake::agents {

namespace {

const QString kScenario = QStringLiteral("runaway");

} // namespace

RunawayScenario::RunawayScenario(AgentRuntime &runtime, quint64 seed, QObject *parent)
    : Scenario(runtime, kScenario, 0, seed, parent)
{
}

void RunawayScenario::arrive()
{
    if (m_agent || !runtime().claimRun(kScenario))
        return;
    m_agent = new RunawayAgent(runtime(), kScenario, random().fork(), this);
    beginWork();
    connect(m_agent, &RunawayAgent::finished, this, [this] {
        m_agent->deleteLater();
        m_agent = nullptr;
        endWork();
    });
    m_agent->start();
}

} // namespace keybrake::agents
