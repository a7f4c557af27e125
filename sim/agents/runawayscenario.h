#pragma once

#include "agents/scenario.h"

namespace keybrake::agents {

class RunawayAgent;

// `--runs` runaway agents (one by default), one after another: see RunawayAgent.
class RunawayScenario : public Scenario
{
    Q_OBJECT

public:
    RunawayScenario(AgentRuntime &runtime, quint64 seed, QObject *parent = nullptr);

protected:
    void arrive() override;
    // Polls for the end of the current agent; the loop's own pace is --runaway-rate.
    double secondsToNextArrival() override { return 0.25; }

private:
    RunawayAgent *m_agent = nullptr;
};

} // namespace keybrake::agents
