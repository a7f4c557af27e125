#pragma once

#include "client/apierror.h"
#include "client/eventmessage.h"
#include "client/sseparser.h"

#include <QDateTime>
#include <QObject>
#include <QPointer>
#include <QSslError>
#include <QTimer>

#include <optional>

class QNetworkReply;

namespace keybrake::client {

class KeybrakeClient;

// The live event stream, GET /v1/events, for the console: connects with the client's base URL,
// admin key and certificate pin, parses server-sent events as they arrive, and keeps itself
// connected.
//
// States: Connecting (request sent, or replaying what was missed), Live (the server's first ping
// arrived: everything up to now has been delivered), Reconnecting (waiting nextAttemptAt() after a
// failure; lastError() says why), Failed (a failure that retrying cannot fix: the admin key was
// refused, the role is too low, the filter is invalid, the certificate is not trusted; call
// start() again after fixing it), Stopped.
//
// Reconnection: exponential back-off from 1 s to 30 s with jitter (each delay drawn from its upper
// half), reset once a connection goes live, and always with Last-Event-ID, so the server replays
// what was missed and nothing twice. The stream has no transfer timeout (it is meant to stay open);
// a watchdog reconnects instead when nothing, not even the 15-second ping, arrived for 45 s.
class EventStream : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EventStream)

public:
    enum class State {
        Stopped,
        Connecting,
        Live,
        Reconnecting,
        Failed,
    };
    Q_ENUM(State)

    static constexpr int DefaultSilenceTimeoutMs = 45'000;
    static constexpr int DefaultInitialDelayMs = 1'000;
    static constexpr int DefaultMaximumDelayMs = 30'000;

    // `client` provides the connection settings and must outlive this stream.
    explicit EventStream(KeybrakeClient *client, QObject *parent = nullptr);
    ~EventStream() override;

    // Both take effect on the next connection. The last event ID is where the stream resumes
    // (empty: from now on); it advances with every event and ping.
    void setFilter(const EventFilter &filter);
    EventFilter filter() const { return m_filter; }
    void setLastEventId(const QString &id);
    QString lastEventId() const { return m_parser.lastEventId(); }

    void setSilenceTimeout(int milliseconds);
    int silenceTimeout() const { return m_silenceTimeoutMs; }
    void setReconnectDelays(int initialMs, int maximumMs);

    void start();
    void stop();

    State state() const { return m_state; }
    // Reconnecting: when the next attempt starts (for "reconnecting in N s").
    QDateTime nextAttemptAt() const { return m_nextAttemptAt; }
    // Why the stream is Reconnecting or Failed.
    std::optional<ApiError> lastError() const { return m_lastError; }
    // When the last byte arrived (event or ping): the data is as of then while not Live.
    QDateTime lastActivityAt() const { return m_lastActivityAt; }

    // "live", "reconnecting", ... (for logs and tests; not translated).
    static QString stateName(State state);

Q_SIGNALS:
    // Every event but pings, in stream order.
    void eventReceived(const keybrake::client::EventMessage &message);
    void stateChanged(keybrake::client::EventStream::State state);

private:
    void connectNow();
    void onReadyRead();
    void onFinished();
    void onSslErrors(const QList<QSslError> &errors);
    void onEncrypted();
    void onSilence();
    void dropReply();
    void fail(const ApiError &error);
    void scheduleReconnect(const ApiError &error);
    void setState(State state);

    KeybrakeClient *m_client;
    EventFilter m_filter;
    SseParser m_parser;
    QPointer<QNetworkReply> m_reply;
    QTimer m_watchdog;
    QTimer m_retryTimer;
    State m_state = State::Stopped;
    std::optional<ApiError> m_lastError;
    QDateTime m_nextAttemptAt;
    QDateTime m_lastActivityAt;
    int m_silenceTimeoutMs = DefaultSilenceTimeoutMs;
    int m_initialDelayMs = DefaultInitialDelayMs;
    int m_maximumDelayMs = DefaultMaximumDelayMs;
    int m_failedAttempts = 0; // since the stream was last live
    bool m_silenced = false; // the watchdog aborted the reply
    QString m_peerFingerprint;
    QStringList m_tlsErrors;
    bool m_pinMismatch = false; // the handshake showed a certificate other than the pinned one
};

} // namespace keybrake::client
