#include "client/apirequest.h"

#include "client/clientlogging.h"

#include <QNetworkReply>
#include <QSslConfiguration>

namespace keybrake::client {

namespace {

// The most of a streamed body Qt holds unread (see start()).
constexpr qint64 StreamBufferBytes = 128 * 1024;

} // namespace

ApiRequest::ApiRequest(QByteArray method, QString path, QString failedAction, QObject *context,
                       Completion completion, QObject *parent)
    : QObject(parent)
    , m_method(std::move(method))
    , m_path(std::move(path))
    , m_failedAction(std::move(failedAction))
    , m_context(context)
    , m_hasContext(context != nullptr)
    , m_completion(std::move(completion))
{
    m_latency.start();
    // Nobody is left to read the answer: stop the transfer. The callback is skipped because
    // m_context is null by the time complete() runs.
    if (context) {
        connect(context, &QObject::destroyed, this, [this] {
            m_contextDied = true;
            cancel();
        });
    }
}

ApiRequest::~ApiRequest()
{
    // Destroyed before finishing (the client went away): drop the reply without a callback.
    if (m_reply) {
        m_reply->disconnect(this);
        m_reply->abort();
        m_reply->deleteLater();
    }
}

void ApiRequest::setStreaming(HeaderHandler onHeaders, ChunkHandler onChunk)
{
    m_onHeaders = std::move(onHeaders);
    m_onChunk = std::move(onChunk);
}

void ApiRequest::start(QNetworkReply *reply, const CertificatePin &pin, const QUrl &server,
                       int timeoutMs)
{
    m_reply = reply;
    m_pin = pin;
    m_server = server;
    m_timeoutMs = timeoutMs;
    connect(reply, &QNetworkReply::sslErrors, this, &ApiRequest::onSslErrors);
    // Direct: runs after the handshake and before the request (and its admin key) is written.
    connect(reply, &QNetworkReply::encrypted, this, &ApiRequest::onEncrypted);
    connect(reply, &QNetworkReply::finished, this, &ApiRequest::onReplyFinished);
    if (m_onChunk) {
        // Back-pressure: Qt stops reading the socket while this much is unread, so each chunk
        // stays small enough to handle without freezing the window (unlimited, a fast loopback
        // export arrived in chunks of megabytes, each a 100 ms stall to write).
        reply->setReadBufferSize(StreamBufferBytes);
        connect(reply, &QNetworkReply::readyRead, this, &ApiRequest::onReadyRead);
    }
}

bool ApiRequest::callbackAllowed() const
{
    return !m_contextDied && (!m_hasContext || m_context);
}

void ApiRequest::onReadyRead()
{
    QNetworkReply *reply = m_reply;
    if (!reply || m_finished || m_cancelled)
        return;
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    // An error answer stays in the reply, whole, for ApiError::fromReply.
    if (status < 200 || status >= 300)
        return;
    if (!callbackAllowed()) {
        cancel();
        return;
    }
    if (!m_headersDelivered) {
        m_headersDelivered = true;
        if (m_onHeaders)
            m_onHeaders(reply->rawHeaderPairs());
    }
    const QByteArray chunk = reply->readAll();
    if (chunk.isEmpty())
        return;
    m_streamedBytes += chunk.size();
    if (!m_onChunk(chunk))
        cancel();
}

void ApiRequest::failLater(ApiError error)
{
    QMetaObject::invokeMethod(
        this,
        [this, error = std::move(error)] {
            Outcome outcome;
            outcome.error = error;
            complete(outcome);
        },
        Qt::QueuedConnection);
}

void ApiRequest::cancel()
{
    if (m_finished)
        return;
    m_cancelled = true;
    if (m_reply)
        m_reply->abort(); // emits finished(), which completes this request as Cancelled
    if (!m_finished) {
        ApiError::ReplyOutcome cancelled;
        cancelled.cancelled = true;
        Outcome outcome;
        outcome.error = ApiError::fromReply(cancelled, m_failedAction, m_server, m_timeoutMs);
        complete(outcome);
    }
}

void ApiRequest::onSslErrors(const QList<QSslError> &errors)
{
    QSslCertificate peer = m_reply->sslConfiguration().peerCertificate();
    if (peer.isNull() && !errors.isEmpty())
        peer = errors.constFirst().certificate();
    m_peerFingerprint = CertificatePin::fingerprint(peer);

    const QList<QSslError> forgiven = m_pin.forgivable(peer, errors);
    if (!forgiven.isEmpty() && forgiven.size() == errors.size()) {
        qCInfo(lcClient).noquote()
            << m_method << m_path << "accepting the pinned certificate" << m_peerFingerprint;
        m_reply->ignoreSslErrors(forgiven);
        return;
    }
    m_tlsErrors.clear();
    for (const QSslError &error : errors)
        m_tlsErrors << error.errorString();
    // Not ignored: Qt aborts the handshake and the reply finishes with SslHandshakeFailedError.
}

void ApiRequest::onEncrypted()
{
    // A certificate that verified (a CA vouches for it) is still refused under a pin unless it is
    // the pinned one: a pin is the user's statement of which server this is. Connections are not
    // reused across pin changes (KeybrakeClient drops them), so this check on each new connection
    // covers every request.
    const QSslCertificate peer = m_reply->sslConfiguration().peerCertificate();
    if (m_pin.admits(peer))
        return;
    m_pinMismatch = true;
    m_peerFingerprint = CertificatePin::fingerprint(peer);
    qCWarning(lcClient).noquote() << m_method << m_path
                                  << "refusing a certificate that is not the pinned one"
                                  << m_peerFingerprint;
    m_reply->abort(); // finishes the reply; onReplyFinished reports the mismatch
}

void ApiRequest::onReplyFinished()
{
    QNetworkReply *reply = m_reply;
    if (!reply || m_finished)
        return;
    ApiError::ReplyOutcome facts;
    facts.networkError = reply->error();
    facts.networkErrorString = reply->errorString();
    facts.httpStatus = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    // A streamed body gets its last bytes before the outcome is decided: a truncated stream still
    // fails below, with what arrived already handed on.
    if (m_onChunk && !m_cancelled && reply->isOpen() && reply->error() == QNetworkReply::NoError)
        onReadyRead();
    if (reply->isOpen()) // not after abort()
        facts.body = reply->readAll();
    facts.requestId = QString::fromLatin1(reply->rawHeader("X-Request-Id"));
    facts.contentType = QString::fromLatin1(reply->rawHeader("Content-Type")).section(u';', 0, 0);
    facts.cancelled = m_cancelled;
    facts.certificateSha256 = m_peerFingerprint;
    facts.tlsErrors = m_tlsErrors;
    facts.pinMismatch = m_pinMismatch;
    const QUrl location = reply->attribute(QNetworkRequest::RedirectionTargetAttribute).toUrl();
    if (location.isValid())
        facts.redirectTarget = reply->url().resolved(location);

    Outcome outcome;
    outcome.httpStatus = facts.httpStatus;
    outcome.requestId = facts.requestId;
    outcome.streamedBytes = m_streamedBytes;
    if (!facts.cancelled && facts.networkError == QNetworkReply::NoError && facts.httpStatus >= 200
        && facts.httpStatus < 300)
        outcome.body = std::move(facts.body);
    else
        outcome.error = ApiError::fromReply(facts, m_failedAction, m_server, m_timeoutMs);

    m_reply = nullptr;
    reply->disconnect(this);
    reply->deleteLater();
    complete(outcome);
}

void ApiRequest::complete(const Outcome &outcome)
{
    if (m_finished)
        return;
    m_finished = true;
    const qint64 latencyMs = m_latency.elapsed();
    const QString requestId = outcome.requestId.isEmpty() ? QStringLiteral("-") : outcome.requestId;
    if (outcome.error) {
        const ApiError &error = *outcome.error;
        const QString status = error.httpStatus ? QStringLiteral("HTTP %1").arg(error.httpStatus)
                                                : QStringLiteral("no HTTP answer");
        qCInfo(lcClient).noquote().nospace()
            << m_method << ' ' << m_path << " failed: " << ApiError::kindName(error.kind) << ", "
            << status << (error.code.isEmpty() ? QString() : QStringLiteral(", code ") + error.code)
            << ", " << latencyMs << " ms, request id " << requestId;
    } else {
        qCInfo(lcClient).noquote().nospace()
            << m_method << ' ' << m_path << ' ' << outcome.httpStatus << ", " << latencyMs
            << " ms, request id " << requestId;
    }

    // Moved out first: the callback may drop the last reference to things it captured.
    const Completion completion = std::move(m_completion);
    m_completion = nullptr;
    m_onChunk = nullptr;
    m_onHeaders = nullptr;
    if (completion && callbackAllowed())
        completion(outcome);
    Q_EMIT finished();
    deleteLater();
}

} // namespace keybrake::client
