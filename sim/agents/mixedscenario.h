#pragma once

#include "agents/scenario.h"

#include <QList>

namespace keybrake::agents {

class RunawayAgent;

// Everything at once, as a small company's agents would run: SQS billing jobs, scheduled
// renewals and digests, SMS and email agents, sharing --rate between them (45 %, 15 %, 25 % and
// 15 % of the runs), and now and then a runaway (first after --runaway-after seconds, then every
// --runaway-every seconds, never two at once). Runs until stopped, --duration or --runs.
class MixedScenario : public Scenario
{
    Q_OBJECT

public:
    MixedScenario(AgentRuntime &runtime, double rate, quint64 seed, QObject *parent = nullptr);

    void start() override;

protected:
    // Arrivals of this scenario are the runaways; the others arrive in their own scenarios.
    void arrive() override;
    double secondsToFirstArrival() override;
    double secondsToNextArrival() override;

private:
    QList<Scenario *> m_children;
    RunawayAgent *m_runaway = nullptr;
};

} // namespace keybrake::agents
