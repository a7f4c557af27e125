#pragma once

#include "models/timeformatter.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include <chrono>
#include <random>

namespace keybrake::client {
class ApiRequest;
class KeybrakeClient;
struct ApiError;
} // namespace keybrake::client

namespace keybrake {

// Knows whether the console's view of the server is live, and drives the refresh heartbeat.
//
// While live it asks for a refresh every pollInterval(); the models that refresh report each
// outcome back with reportSuccess()/reportFailure() and hand in-flight requests to track(). A
// transient failure (refused, timeout, 5xx) switches to reconnecting: the monitor probes
// /v1/whoami after an exponential back-off with full jitter, capped, and says when the next try
// is. After several failures in a row the view counts as offline; "data as of" always names the
// last time data arrived. A 401 stops retrying: the key was revoked or replaced.
class ConnectionMonitor : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ConnectionMonitor)

public:
    enum class State {
        Connecting, // nothing has answered yet
        Live, // the last exchange succeeded
        Waiting, // live, but a request has had no answer for longer than slowAfter()
        Reconnecting, // the last exchange failed; the next attempt is scheduled or running
        Offline, // several attempts in a row failed; still retrying, less often
        SignedOut, // the server refused the admin key (401): no retry until a new key
    };
    Q_ENUM(State)

    explicit ConnectionMonitor(client::KeybrakeClient *client, QObject *parent = nullptr);
    ~ConnectionMonitor() override;

    void start();
    void stop();

    State state() const { return m_state; }
    // When data last arrived from the server (UTC); invalid before the first.
    QDateTime dataAsOf() const { return m_dataAsOf; }
    // Whole seconds until the next reconnection attempt; 0 when one is running or none is due.
    int secondsUntilRetry() const;
    // Seconds the oldest tracked request has been waiting for an answer.
    int secondsWaiting() const;
    qint64 millisecondsWaiting() const;
    int consecutiveFailures() const { return m_failures; }
    QString lastErrorMessage() const { return m_lastError; }

    // "● Live", "◌ Reconnecting in 4 s", "○ Offline — data as of 14:03:05": words and a shape,
    // never colour alone.
    QString statusText(const TimeFormatter &formatter) const;
    QString statusToolTip(const TimeFormatter &formatter) const;

    // Write actions (issue, revoke) need a server that answers.
    bool writesAllowed() const;
    QString writesBlockedReason() const;

    // A live event stream (LiveFeed) can take over from polling: while it pushes, the poll timer
    // asks the models for nothing (the stream says when something changed, see notifyChanged())
    // and the status says "● Live"; while a stream that should be there is down, polling does the
    // work and the status says so. Without a stream (NoStream) the monitor polls as before.
    enum class PushState {
        NoStream,
        Pushing,
        StreamDown,
    };
    Q_ENUM(PushState)
    void setPushState(PushState state);
    PushState pushState() const { return m_pushState; }

    void setPollInterval(std::chrono::milliseconds interval);
    std::chrono::milliseconds pollInterval() const { return m_pollInterval; }
    void setBackoff(std::chrono::milliseconds base, std::chrono::milliseconds cap);
    void setSlowAfter(std::chrono::milliseconds threshold) { m_slowAfter = threshold; }
    void setOfflineAfterFailures(int failures) { m_offlineAfter = failures; }

public Q_SLOTS:
    void reportSuccess();
    void reportFailure(const keybrake::client::ApiError &error);
    void track(keybrake::client::ApiRequest *request);
    // Try now instead of waiting for the back-off (the banner's Retry, F5).
    void retryNow();
    // The server pushed a change: the models refresh now (refreshDue), poll timer or not.
    void notifyChanged();

Q_SIGNALS:
    void stateChanged(keybrake::ConnectionMonitor::State state);
    // Emitted every second while a countdown or a wait is shown, so labels can update.
    void statusTextChanged();
    void dataAsOfChanged(const QDateTime &asOf);
    // Time for the models to fetch fresh data.
    void refreshDue();
    // 401: the key no longer works; the UI asks for a new one.
    void signedOut(const QString &message);

private:
    void setState(State state);
    void scheduleRetry();
    void probe();
    void onPollTimer();
    void onSecondTick();

    client::KeybrakeClient *m_client;
    State m_state = State::Connecting;
    QDateTime m_dataAsOf;
    int m_failures = 0;
    int m_offlineAfter = 3;
    QString m_lastError;
    std::chrono::milliseconds m_pollInterval {5000};
    std::chrono::milliseconds m_backoffBase {1000};
    std::chrono::milliseconds m_backoffCap {30000};
    std::chrono::milliseconds m_slowAfter {3000};
    QTimer m_pollTimer;
    QTimer m_retryTimer;
    QTimer m_secondTicker;
    QElapsedTimer m_retryClock;
    qint64 m_retryDelayMs = 0;
    bool m_probing = false;
    int m_reportsSinceTick = 0;
    bool m_running = false;
    PushState m_pushState = PushState::NoStream;
    QList<QPair<QPointer<client::ApiRequest>, qint64>> m_inFlight; // request, start (ms)
    QElapsedTimer m_clock;
    std::minstd_rand m_random;
};

} // namespace keybrake
