#include "agents/scenario.h"

#include "agents/agentruntime.h"

#include <algorithm>
#include <cmath>

namespace keybrake::agents {

Scenario::Scenario(AgentRuntime &runtime, const QString &name, double rate, quint64 seed,
                   QObject *parent)
    : QObject(parent)
    , m_runtime(runtime)
    , m_name(name)
    , m_rate(rate)
    , m_random(seed)
    , m_timing(seed ^ 0x5eed71a1e5ULL)
{
    m_arrivals.setSingleShot(true);
    m_arrivals.setTimerType(Qt::PreciseTimer);
    connect(&m_arrivals, &QTimer::timeout, this, &Scenario::onArrival);
    connect(&m_runtime, &AgentRuntime::stopRequested, this, [this] {
        m_arrivals.stop();
        dropPendingWork();
        checkFinished();
    });
}

Scenario::~Scenario() = default;

void Scenario::start()
{
    m_started = true;
    const double first = secondsToFirstArrival();
    if (first <= 0) {
        onArrival();
    } else {
        m_arrivals.start(static_cast<int>(std::lround(std::min(first, 86400.0) * 1000.0)));
        checkFinished();
    }
}

double Scenario::secondsToNextArrival()
{
    return m_rate > 0 ? m_timing.exponential(1.0 / m_rate) : 3600.0;
}

void Scenario::endWork()
{
    --m_work;
    // Finished work may have left some behind (messages to redeliver) after arrivals had stopped
    // for want of runs.
    if (m_started && !m_finished && !m_arrivals.isActive() && arrivalsWanted())
        scheduleArrival();
    checkFinished();
}

bool Scenario::arrivalsWanted() const
{
    return !m_runtime.isStopping() && (!m_runtime.runsExhausted() || hasPendingWork());
}

void Scenario::onArrival()
{
    if (m_finished)
        return;
    if (arrivalsWanted())
        arrive();
    if (arrivalsWanted())
        scheduleArrival();
    checkFinished();
}

void Scenario::scheduleArrival()
{
    const double seconds = std::clamp(secondsToNextArrival(), 0.0, 86400.0);
    m_arrivals.start(static_cast<int>(std::lround(seconds * 1000.0)));
}

void Scenario::checkFinished()
{
    if (m_finished || !m_started || m_work > 0)
        return;
    if (!m_runtime.isStopping() && !(m_runtime.runsExhausted() && !hasPendingWork()))
        return;
    m_finished = true;
    m_arrivals.stop();
    Q_EMIT finished();
}

} // namespace keybrake::agents
