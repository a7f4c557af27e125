#pragma once

#include "client/auditentry.h"
#include "client/eventmessage.h"
#include "client/eventstream.h"

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

namespace keybrake::client {
class KeybrakeClient;
}

namespace keybrake {

class ConnectionMonitor;

// The signed-in session's one live event stream (GET /v1/events), put to work: every change the
// server pushes makes the models refresh at once through the monitor's refreshDue (so the keys
// table, stat cards and every other page that refreshes on it update within a second, in place),
// and polling stops while the stream is live. While the stream is down the monitor polls and
// says so; when it is back, the models re-read once (events that came during the gap are replayed
// by the server from Last-Event-ID, and lists read after the first ping cannot miss anything).
//
// Refreshes are throttled, not debounced: the first change refreshes at once, changes within the
// next refreshSpacing() are gathered into one refresh at its end, so a runaway agent's hundreds
// of calls a second cost a few list reads a second, and a quiet server's one call shows at once.
//
// The decoded events go on to the console-side listeners (alerts, runway, runaway detection).
class LiveFeed : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LiveFeed)

public:
    static constexpr int DefaultRefreshSpacingMs = 250;

    LiveFeed(client::KeybrakeClient *client, ConnectionMonitor *monitor, QObject *parent = nullptr);
    ~LiveFeed() override;

    void start();
    void stop();

    client::EventStream *stream() const { return m_stream; }
    bool isLive() const;
    // How many events (not pings) arrived, and how many were calls: for tests and the status tip.
    qint64 eventCount() const { return m_events; }
    qint64 lastEventId() const { return m_lastEventId; }

    void setRefreshSpacing(int milliseconds) { m_spacingMs = milliseconds; }
    int refreshSpacing() const { return m_spacingMs; }

Q_SIGNALS:
    // Every event but pings and resets, in id order; calls come decoded as well (`row` is the
    // audit row as the server sent it, with its redacted `params`).
    void eventReceived(const keybrake::client::EventMessage &message);
    void callReceived(const keybrake::client::AuditEntry &call, const QJsonObject &row);
    // The server no longer had the events after where the stream resumed: state derived from
    // events (rates, runway, detectors) must start over; the lists are re-read anyway.
    void resetReceived();
    void liveChanged(bool live);

private:
    void onEvent(const client::EventMessage &message);
    void onStateChanged(client::EventStream::State state);
    void requestRefresh();
    void flushRefresh();

    ConnectionMonitor *m_monitor;
    client::EventStream *m_stream;
    QTimer m_refreshTimer;
    QElapsedTimer m_sinceRefresh;
    int m_spacingMs = DefaultRefreshSpacingMs;
    qint64 m_events = 0;
    qint64 m_lastEventId = -1;
    bool m_wasLive = false;
    bool m_running = false;
};

} // namespace keybrake
