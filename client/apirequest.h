#pragma once

#include "client/apierror.h"
#include "client/certificatepin.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <QSslError>
#include <QString>

#include <functional>
#include <optional>

class QNetworkReply;

namespace keybrake::client {

// One admin API call in flight. KeybrakeClient creates it; the caller may keep the pointer (in a
// QPointer: the object deletes itself) to cancel the call, e.g. when the user closes a dialog.
//
// It emits finished() exactly once, after the route's callback ran (or was skipped because its
// context object died), and then deletes itself with deleteLater().
class ApiRequest : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ApiRequest)

public:
    ~ApiRequest() override;

    QByteArray method() const { return m_method; }
    QString path() const { return m_path; } // route path without the query
    bool isFinished() const { return m_finished; }

public Q_SLOTS:
    // Aborts the transfer; the callback receives ApiError::Kind::Cancelled (if its context is
    // alive). A POST that already reached the server may still have taken effect there. No-op once
    // finished.
    void cancel();

Q_SIGNALS:
    void finished();

private:
    friend class KeybrakeClient;

    // What the route's completion handler gets: the error, or the 2xx status and body.
    struct Outcome
    {
        std::optional<ApiError> error;
        int httpStatus = 0;
        QByteArray body; // empty when streamed
        QString requestId;
        qint64 streamedBytes = 0;
    };
    using Completion = std::function<void(const Outcome &)>;

    ApiRequest(QByteArray method, QString path, QString failedAction, QObject *context,
               Completion completion, QObject *parent);
    // Hands a 2xx body to `onChunk` as it arrives instead of keeping it (`onHeaders` first, once,
    // with the response headers). `onChunk` returns false to stop: the request then finishes as
    // Cancelled. Set before start().
    using ChunkHandler = std::function<bool(const QByteArray &)>;
    using HeaderHandler = std::function<void(const QList<QPair<QByteArray, QByteArray>> &)>;
    void setStreaming(HeaderHandler onHeaders, ChunkHandler onChunk);
    // Takes ownership of the reply and watches it.
    void start(QNetworkReply *reply, const CertificatePin &pin, const QUrl &server, int timeoutMs);
    // Finishes on the next event-loop turn without a network exchange (e.g. no base URL).
    void failLater(ApiError error);

    void onSslErrors(const QList<QSslError> &errors);
    void onEncrypted();
    void onReplyFinished();
    void onReadyRead();
    bool callbackAllowed() const;
    void complete(const Outcome &outcome);

    QByteArray m_method;
    QString m_path;
    QString m_failedAction;
    QPointer<QObject> m_context;
    bool m_hasContext = false;
    bool m_contextDied = false;
    Completion m_completion;
    QPointer<QNetworkReply> m_reply;
    CertificatePin m_pin;
    QUrl m_server;
    int m_timeoutMs = 0;
    QElapsedTimer m_latency;
    bool m_cancelled = false;
    bool m_finished = false;
    HeaderHandler m_onHeaders;
    ChunkHandler m_onChunk;
    bool m_headersDelivered = false;
    qint64 m_streamedBytes = 0;
    QString m_peerFingerprint;
    QStringList m_tlsErrors;
    bool m_pinMismatch = false; // the handshake showed a certificate other than the pinned one
};

} // namespace keybrake::client
