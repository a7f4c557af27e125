#include "eventlistener.h"

#include <QDeadlineTimer>
#include <QEventLoop>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkRequest>
#include <QTimer>

namespace keybrake::test {

const QElapsedTimer &EventListener::clock()
{
    static const QElapsedTimer timer = [] {
        QElapsedTimer started;
        started.start();
        return started;
    }();
    return timer;
}

EventListener::EventListener(const QUrl &baseUrl, const QString &adminKey, const QString &query,
                             std::optional<qint64> lastEventId)
    : m_url(baseUrl.toString() + QStringLiteral("/v1/events")
            + (query.isEmpty() ? QString() : QStringLiteral("?") + query))
    , m_adminKey(adminKey)
    , m_resumeFrom(lastEventId)
    , m_network(std::make_unique<QNetworkAccessManager>())
{
    clock();
}

EventListener::~EventListener()
{
    abort();
}

void EventListener::start()
{
    QNetworkRequest request(m_url);
    request.setRawHeader("Accept", "text/event-stream");
    if (!m_adminKey.isEmpty())
        request.setRawHeader("Authorization", "Bearer " + m_adminKey.toUtf8());
    if (m_resumeFrom)
        request.setRawHeader("Last-Event-ID", QByteArray::number(*m_resumeFrom));
    m_reply = m_network->get(request);
    connect(m_reply, &QNetworkReply::metaDataChanged, this, [this] {
        m_status = m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        m_headers = m_reply->rawHeaderPairs();
    });
    connect(m_reply, &QNetworkReply::readyRead, this, &EventListener::onReadyRead);
    connect(m_reply, &QNetworkReply::finished, this, [this] {
        m_status = m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        m_error = m_reply->error();
        if (m_status != 200)
            m_errorBody = m_reply->readAll();
        else
            onReadyRead();
        m_finished = true;
    });
}

void EventListener::abort()
{
    if (!m_reply)
        return;
    m_reply->disconnect(this);
    m_reply->abort();
    m_reply->deleteLater();
    m_reply = nullptr;
}

QByteArray EventListener::header(const QByteArray &name) const
{
    for (const auto &[key, value] : m_headers) {
        if (key.compare(name, Qt::CaseInsensitive) == 0)
            return value;
    }
    return {};
}

bool EventListener::waitUntil(const std::function<bool()> &done, int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    while (!done()) {
        if (deadline.hasExpired())
            return false;
        QEventLoop loop;
        QTimer::singleShot(10, &loop, &QEventLoop::quit);
        loop.exec();
    }
    return true;
}

bool EventListener::waitForLive(int timeoutMs)
{
    return waitUntil([this] { return !eventsOfType(QStringLiteral("ping")).isEmpty(); }, timeoutMs);
}

QList<ReceivedEvent> EventListener::eventsOfType(const QString &type) const
{
    QList<ReceivedEvent> matching;
    for (const ReceivedEvent &event : m_events) {
        if (type.isEmpty() ? event.type != u"ping" : event.type == type)
            matching.append(event);
    }
    return matching;
}

void EventListener::onReadyRead()
{
    if (!m_reply)
        return;
    if (m_status == 0)
        m_status = m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (m_status != 200)
        return;
    m_buffer += m_reply->readAll();
    parse();
}

void EventListener::parse()
{
    for (;;) {
        const qsizetype end = m_buffer.indexOf("\n\n");
        if (end < 0)
            return;
        const QByteArray block = m_buffer.left(end);
        m_buffer.remove(0, end + 2);
        ReceivedEvent event;
        for (const QByteArray &line : block.split('\n')) {
            if (line.startsWith("id: ")) {
                event.id = line.mid(4).toLongLong();
            } else if (line.startsWith("event: ")) {
                event.type = QString::fromUtf8(line.mid(7));
            } else if (line.startsWith("data: ")) {
                if (!event.data.isEmpty())
                    event.data += '\n';
                event.data += line.mid(6);
            }
        }
        if (event.type.isEmpty() && event.data.isEmpty())
            continue; // the retry: line
        event.receivedNs = clock().nsecsElapsed();
        event.json = QJsonDocument::fromJson(event.data).object();
        if (event.id >= 0)
            m_lastEventId = event.id;
        m_events.append(event);
    }
}

} // namespace keybrake::test
