#include "lagwatchdog.h"

#include <algorithm>
#include <cstdio>

LagWatchdog::LagWatchdog(int intervalMs, QObject *parent)
    : QObject(parent)
    , m_interval(intervalMs)
{
    m_timer.setTimerType(Qt::PreciseTimer);
    m_timer.setInterval(intervalMs);
    connect(&m_timer, &QTimer::timeout, this, &LagWatchdog::onTick);
}

void LagWatchdog::start()
{
    m_clock.start();
    m_lastNs = -1;
    m_timer.start();
}

void LagWatchdog::pause()
{
    m_timer.stop();
    m_lastNs = -1;
}

void LagWatchdog::resume()
{
    m_lastNs = -1;
    m_timer.start();
}

void LagWatchdog::reset()
{
    m_worst = 0;
    m_worstWall = 0;
    m_samples = 0;
    m_lags.clear();
    m_lastNs = -1;
}

qint64 LagWatchdog::percentileLagMs(double percentile) const
{
    if (m_lags.isEmpty())
        return 0;
    QList<qint64> sorted = m_lags;
    std::sort(sorted.begin(), sorted.end());
    return sorted.at(qsizetype(double(sorted.size() - 1) * percentile));
}

qint64 LagWatchdog::runQueueWaitNs()
{
    // "cpu_time_ns run_queue_wait_ns timeslices"; 0 where the kernel does not provide it, which
    // makes the measure the plain wall-clock lag.
    std::FILE *file = std::fopen("/proc/thread-self/schedstat", "r");
    if (!file)
        return 0;
    unsigned long long cpu = 0;
    unsigned long long wait = 0;
    const int read = std::fscanf(file, "%llu %llu", &cpu, &wait);
    std::fclose(file);
    return read == 2 ? qint64(wait) : 0;
}

void LagWatchdog::onTick()
{
    const qint64 nowNs = m_clock.nsecsElapsed();
    const qint64 waitNs = runQueueWaitNs();
    if (m_lastNs >= 0) {
        const qint64 wallLagNs =
            std::max<qint64>(0, nowNs - m_lastNs - qint64(m_interval) * 1000000);
        const qint64 ownLagNs = std::max<qint64>(0, wallLagNs - (waitNs - m_lastWaitNs));
        m_worstWall = std::max(m_worstWall, wallLagNs / 1000000);
        m_worst = std::max(m_worst, ownLagNs / 1000000);
        m_lags.append(ownLagNs / 1000000);
        ++m_samples;
    }
    m_lastNs = nowNs;
    m_lastWaitNs = waitNs;
}
