#pragma once

#include "agents/trafficrandom.h"

#include <QObject>
#include <QString>
#include <QTimer>

namespace keybrake::agents {

class AgentRuntime;

// One kind of agent traffic. Runs arrive as a Poisson process at the scenario's rate (or on the
// schedule a subclass chooses); each arrival claims a run from the runtime's budget and starts
// it. The scenario finishes once nothing of its own is under way and either a stop was asked or
// the run budget is spent with no redeliveries or retries left.
//
// Content (ids, amounts, texts, which message is redelivered) comes from one random stream and
// arrival times from another, so the same seed gives the same traffic whatever the timing.
class Scenario : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Scenario)

public:
    Scenario(AgentRuntime &runtime, const QString &name, double rate, quint64 seed,
             QObject *parent = nullptr);
    ~Scenario() override;

    QString name() const { return m_name; }
    double rate() const { return m_rate; }
    virtual void start();
    bool isFinished() const { return m_finished; }

Q_SIGNALS:
    void finished();

protected:
    // One arrival: claim a run and start it, or serve pending work (redeliveries) once the budget
    // is spent.
    virtual void arrive() = 0;
    // Work the scenario still owes besides runs in flight (messages to redeliver).
    virtual bool hasPendingWork() const { return false; }
    // A stop was asked: drop pending work that has not started.
    virtual void dropPendingWork() { }
    // Seconds until the next arrival; Poisson by default. The first one is at once unless a
    // subclass says otherwise, so even a short run of the simulator shows traffic.
    virtual double secondsToNextArrival();
    virtual double secondsToFirstArrival() { return 0; }

    // Brackets each asynchronous piece of work (a run, a retry waiting for its back-off).
    void beginWork() { ++m_work; }
    void endWork();
    void checkFinished();

    AgentRuntime &runtime() { return m_runtime; }
    TrafficRandom &random() { return m_random; }
    TrafficRandom &timing() { return m_timing; }

private:
    void scheduleArrival();
    void onArrival();
    bool arrivalsWanted() const;

    AgentRuntime &m_runtime;
    QString m_name;
    double m_rate;
    TrafficRandom m_random;
    TrafficRandom m_timing;
    QTimer m_arrivals;
    int m_work = 0;
    bool m_started = false;
    bool m_finished = false;
};

} // namespace keybrake::agents
