#include "client/eventstream.h"

#include "client/clientlogging.h"
#include "client/keybrakeclient.h"

#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QRandomGenerator>
#include <QSslConfiguration>
#include <QUrlQuery>

namespace keybrake::client {

namespace {

// Only what may travel verbatim in a header line.
bool isHeaderSafe(const QString &value)
{
    for (QChar c : value) {
        if (c.unicode() < 0x20 || c.unicode() > 0x7e)
            return false;
    }
    return true;
}

} // namespace

EventStream::EventStream(KeybrakeClient *client, QObject *parent)
    : QObject(parent)
    , m_client(client)
{
    qRegisterMetaType<EventMessage>();
    m_watchdog.setSingleShot(true);
    m_retryTimer.setSingleShot(true);
    connect(&m_watchdog, &QTimer::timeout, this, &EventStream::onSilence);
    connect(&m_retryTimer, &QTimer::timeout, this, &EventStream::connectNow);
}

EventStream::~EventStream()
{
    dropReply();
}

QString EventStream::stateName(State state)
{
    switch (state) {
    case State::Stopped:
        return QStringLiteral("stopped");
    case State::Connecting:
        return QStringLiteral("connecting");
    case State::Live:
        return QStringLiteral("live");
    case State::Reconnecting:
        return QStringLiteral("reconnecting");
    case State::Failed:
        return QStringLiteral("failed");
    }
    return {};
}

void EventStream::setFilter(const EventFilter &filter)
{
    m_filter = filter;
}

void EventStream::setLastEventId(const QString &id)
{
    m_parser.setLastEventId(id);
}

void EventStream::setSilenceTimeout(int milliseconds)
{
    if (milliseconds > 0)
        m_silenceTimeoutMs = milliseconds;
}

void EventStream::setReconnectDelays(int initialMs, int maximumMs)
{
    m_initialDelayMs = qMax(1, initialMs);
    m_maximumDelayMs = qMax(m_initialDelayMs, maximumMs);
}

void EventStream::start()
{
    if (m_state == State::Connecting || m_state == State::Live || m_state == State::Reconnecting)
        return;
    m_failedAttempts = 0;
    m_lastError.reset();
    connectNow();
}

void EventStream::stop()
{
    m_retryTimer.stop();
    m_watchdog.stop();
    dropReply();
    setState(State::Stopped);
}

void EventStream::setState(State state)
{
    if (m_state == state)
        return;
    m_state = state;
    qCInfo(lcClient).noquote() << "event stream" << stateName(state)
                               << (m_lastError && state != State::Live ? QStringLiteral("(%1)").arg(
                                       ApiError::kindName(m_lastError->kind))
                                                                       : QString());
    Q_EMIT stateChanged(state);
}

void EventStream::dropReply()
{
    if (!m_reply)
        return;
    QNetworkReply *reply = m_reply;
    m_reply = nullptr;
    reply->disconnect(this);
    reply->abort();
    reply->deleteLater();
}

void EventStream::connectNow()
{
    m_retryTimer.stop();
    dropReply();
    const QString action = tr("Could not open the live event stream.");
    QUrlQuery query;
    if (!m_filter.types.isEmpty())
        query.addQueryItem(QStringLiteral("types"), m_filter.types.join(u','));
    if (!m_filter.keyId.isEmpty())
        query.addQueryItem(QStringLiteral("key_id"), m_filter.keyId);
    if (!m_filter.labelPrefix.isEmpty())
        query.addQueryItem(QStringLiteral("label_prefix"), m_filter.labelPrefix);
    const QUrl url = m_client->routeUrl(QStringLiteral("/v1/events"), query);
    if (!url.isValid()) {
        fail(ApiError::notSent(action, m_client->baseUrlProblem()));
        return;
    }
    if (!isHeaderSafe(m_client->m_adminKey)) {
        ApiError error = ApiError::notSent(
            action, tr("The admin key contains spaces or control characters. Paste it again."));
        error.kind = ApiError::Kind::Unauthenticated;
        fail(error);
        return;
    }

    QNetworkRequest request = m_client->prepareRequest(url, true);
    // Meant to stay open: no transfer timeout, the watchdog instead.
    request.setTransferTimeout(0);
    request.setRawHeader("Accept", "text/event-stream");
    request.setRawHeader("Cache-Control", "no-cache");
    const QString resumeFrom = m_parser.lastEventId();
    if (!resumeFrom.isEmpty() && isHeaderSafe(resumeFrom))
        request.setRawHeader("Last-Event-ID", resumeFrom.toLatin1());
    m_parser.restart();
    m_silenced = false;
    m_peerFingerprint.clear();
    m_tlsErrors.clear();
    m_pinMismatch = false;

    m_reply = m_client->m_network->get(request);
    connect(m_reply, &QNetworkReply::readyRead, this, &EventStream::onReadyRead);
    connect(m_reply, &QNetworkReply::finished, this, &EventStream::onFinished);
    connect(m_reply, &QNetworkReply::sslErrors, this, &EventStream::onSslErrors);
    // Direct: runs after the handshake and before the request is written.
    connect(m_reply, &QNetworkReply::encrypted, this, &EventStream::onEncrypted);
    connect(m_reply, &QNetworkReply::metaDataChanged, this,
            [this] { m_watchdog.start(m_silenceTimeoutMs); });
    m_watchdog.start(m_silenceTimeoutMs);
    qCInfo(lcClient).noquote() << "event stream connecting"
                               << (resumeFrom.isEmpty() ? QStringLiteral("(from now)")
                                                        : QStringLiteral("after ") + resumeFrom);
    setState(State::Connecting);
}

void EventStream::onSslErrors(const QList<QSslError> &errors)
{
    // The same rule as every other request of the client (ApiRequest): only the pinned
    // certificate's own errors are forgiven.
    QSslCertificate peer = m_reply->sslConfiguration().peerCertificate();
    if (peer.isNull() && !errors.isEmpty())
        peer = errors.constFirst().certificate();
    m_peerFingerprint = CertificatePin::fingerprint(peer);
    const QList<QSslError> forgiven = m_client->m_pin.forgivable(peer, errors);
    if (!forgiven.isEmpty() && forgiven.size() == errors.size()) {
        m_reply->ignoreSslErrors(forgiven);
        return;
    }
    m_tlsErrors.clear();
    for (const QSslError &error : errors)
        m_tlsErrors << error.errorString();
}

void EventStream::onEncrypted()
{
    // As in ApiRequest::onEncrypted: with a pin, a CA-trusted certificate that is not the pinned
    // one is refused before the admin key is sent.
    const QSslCertificate peer = m_reply->sslConfiguration().peerCertificate();
    if (m_client->m_pin.admits(peer))
        return;
    m_pinMismatch = true;
    m_peerFingerprint = CertificatePin::fingerprint(peer);
    qCWarning(lcClient).noquote() << "event stream: refusing a certificate that is not the pinned "
                                     "one"
                                  << m_peerFingerprint;
    m_reply->abort();
}

void EventStream::onReadyRead()
{
    if (!m_reply)
        return;
    m_watchdog.start(m_silenceTimeoutMs);
    m_lastActivityAt = QDateTime::currentDateTimeUtc();
    const int status = m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status != 200)
        return; // an error body, read when the reply finishes
    const QByteArray contentType =
        m_reply->header(QNetworkRequest::ContentTypeHeader).toByteArray();
    if (!contentType.startsWith("text/event-stream")) {
        const QString requestId = QString::fromLatin1(m_reply->rawHeader("X-Request-Id"));
        dropReply();
        m_watchdog.stop();
        fail(ApiError::parseFailure(tr("Could not open the live event stream."),
                                    tr("the server did not answer with an event stream"), status,
                                    requestId));
        return;
    }

    const QList<ServerSentEvent> events = m_parser.feed(m_reply->readAll());
    if (m_parser.overflowed()) {
        dropReply();
        m_watchdog.stop();
        ApiError error = ApiError::parseFailure(tr("The live event stream broke off."),
                                                tr("an event was larger than 8 MiB"), status);
        scheduleReconnect(error);
        return;
    }
    const QPointer<EventStream> self(this);
    for (const ServerSentEvent &event : events) {
        if (event.type == u"ping") {
            // The server pings right after the backlog: from here on the stream is live.
            if (m_state == State::Connecting) {
                m_failedAttempts = 0;
                m_lastError.reset();
                setState(State::Live);
            }
        } else {
            QJsonParseError error;
            const QJsonDocument document = QJsonDocument::fromJson(event.data, &error);
            if (!document.isObject()) {
                qCWarning(lcClient).noquote()
                    << "event stream: ignoring a" << event.type << "event whose data is not a "
                    << "JSON object:" << error.errorString();
                continue;
            }
            bool numeric = false;
            const qint64 id = event.lastEventId.toLongLong(&numeric);
            Q_EMIT eventReceived(EventMessage {event.type, numeric ? id : -1, document.object()});
        }
        // A receiver may have stopped, restarted or deleted this stream.
        if (!self || !m_reply)
            return;
    }
}

void EventStream::onSilence()
{
    if (!m_reply)
        return;
    m_silenced = true;
    m_reply->abort(); // finishes the reply, and onFinished reconnects
}

void EventStream::onFinished()
{
    QNetworkReply *reply = m_reply;
    if (!reply)
        return;
    m_watchdog.stop();
    ApiError::ReplyOutcome facts;
    facts.networkError = reply->error();
    facts.networkErrorString = reply->errorString();
    facts.httpStatus = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (facts.httpStatus != 200 && reply->isOpen())
        facts.body = reply->readAll();
    facts.requestId = QString::fromLatin1(reply->rawHeader("X-Request-Id"));
    facts.contentType = QString::fromLatin1(reply->rawHeader("Content-Type")).section(u';', 0, 0);
    facts.certificateSha256 = m_peerFingerprint;
    facts.tlsErrors = m_tlsErrors;
    facts.pinMismatch = m_pinMismatch;
    const QUrl location = reply->attribute(QNetworkRequest::RedirectionTargetAttribute).toUrl();
    if (location.isValid())
        facts.redirectTarget = reply->url().resolved(location);
    m_reply = nullptr;
    reply->disconnect(this);
    reply->deleteLater();

    const QString where = m_client->baseUrl().host();
    if (m_silenced) {
        ApiError error;
        error.kind = ApiError::Kind::Timeout;
        error.message = tr("Lost the live event stream. Nothing arrived from %1 for %n second(s), "
                           "not even its ping. Reconnecting; if this goes on, check the network.",
                           nullptr, (m_silenceTimeoutMs + 999) / 1000)
                            .arg(where);
        scheduleReconnect(error);
        return;
    }
    if (facts.httpStatus == 200) {
        // The server ended the stream (shutting down, or this client fell too far behind) or the
        // connection broke: either way, resume where it stopped.
        ApiError error;
        error.kind = ApiError::Kind::Network;
        error.httpStatus = 200;
        error.requestId = facts.requestId;
        error.message =
            tr("The live event stream ended: %1 closed it (it may be restarting). Reconnecting.")
                .arg(where);
        if (facts.networkError != QNetworkReply::NoError)
            error.details.insert(u"network_error", facts.networkErrorString);
        scheduleReconnect(error);
        return;
    }
    const ApiError error = ApiError::fromReply(facts, tr("Could not open the live event stream."),
                                               m_client->baseUrl(), m_silenceTimeoutMs);
    if (error.isTransient())
        scheduleReconnect(error);
    else
        fail(error);
}

void EventStream::fail(const ApiError &error)
{
    m_retryTimer.stop();
    m_lastError = error;
    m_nextAttemptAt = {};
    setState(State::Failed);
}

void EventStream::scheduleReconnect(const ApiError &error)
{
    m_lastError = error;
    // Exponential, capped, and drawn from the upper half so that many consoles that lost the same
    // server do not all come back in the same instant.
    const int exponent = qMin(m_failedAttempts, 20);
    const qint64 ceiling = qMin<qint64>(m_maximumDelayMs, qint64(m_initialDelayMs) << exponent);
    const int delay =
        int(ceiling / 2 + QRandomGenerator::global()->bounded(qMax<qint64>(1, ceiling / 2 + 1)));
    ++m_failedAttempts;
    m_nextAttemptAt = QDateTime::currentDateTimeUtc().addMSecs(delay);
    m_retryTimer.start(delay);
    setState(State::Reconnecting);
}

} // namespace keybrake::client
