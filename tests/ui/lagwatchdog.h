#pragma once

#include <QElapsedTimer>
#include <QList>
#include <QObject>
#include <QTimer>

// Measures how late the event loop runs a short repeating timer: the lag a user would feel as a
// frozen window.
//
// The machine is shared (two cores, other builds and benchmarks running), so a late tick can
// also mean that other processes held the CPU. Linux counts, per thread, the time it spent
// runnable but waiting for a CPU (/proc/thread-self/schedstat, second field); that time is
// subtracted, so the lag left is the console's own: busy or blocked. The raw wall-clock figure is
// kept too. pause() excludes stretches where the test itself blocks (starting or stopping a
// server process), which are not the console's doing.
class LagWatchdog : public QObject
{
    Q_OBJECT

public:
    explicit LagWatchdog(int intervalMs = 5, QObject *parent = nullptr);

    void start();
    void pause();
    void resume();
    void reset();

    // Lag attributable to this process (wall-clock lag minus run-queue wait).
    qint64 worstLagMs() const { return m_worst; }
    qint64 percentileLagMs(double percentile) const;
    // Lag as the wall clock saw it, machine contention included.
    qint64 worstWallLagMs() const { return m_worstWall; }
    qint64 samples() const { return m_samples; }

private:
    void onTick();
    static qint64 runQueueWaitNs();

    int m_interval;
    QTimer m_timer;
    QElapsedTimer m_clock;
    qint64 m_lastNs = -1;
    qint64 m_lastWaitNs = 0;
    qint64 m_worst = 0;
    qint64 m_worstWall = 0;
    qint64 m_samples = 0;
    QList<qint64> m_lags;
};
