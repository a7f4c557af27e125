#pragma once

#include <QByteArray>
#include <QElapsedTimer>
#include <QJsonObject>
#include <QList>
#include <QNetworkReply>
#include <QObject>
#include <QString>
#include <QUrl>

#include <functional>
#include <memory>
#include <optional>

class QNetworkAccessManager;

namespace keybrake::test {

// One server-sent event as a test sees it.
struct ReceivedEvent
{
    qint64 id = -1; // -1: the event carried no id
    QString type;
    QByteArray data;
    QJsonObject json; // data, when it is a JSON object
    qint64 receivedNs = 0; // QElapsedTimer::nsecsElapsed() of EventListener::clock()
};

// A GET /v1/events client for the server tests, on its own QNetworkAccessManager so any number
// can be open beside the test's other requests. It parses the stream as keybraked writes it
// (LF line ends; the client library's parser handles the general format) and keeps every event,
// pings included, in arrival order.
class EventListener : public QObject
{
    Q_OBJECT

public:
    EventListener(const QUrl &baseUrl, const QString &adminKey, const QString &query = {},
                  std::optional<qint64> lastEventId = std::nullopt);
    ~EventListener() override;

    void start();
    void abort(); // drops the connection like a vanished client

    // Spins the event loop until `done` holds or `timeoutMs` passes; returns `done()`.
    bool waitUntil(const std::function<bool()> &done, int timeoutMs = 30000);
    // Waits for the first ping: the stream is open and any replay is complete.
    bool waitForLive(int timeoutMs = 30000);

    QList<ReceivedEvent> events() const { return m_events; }
    // Events of one type (or, with an empty type, every event that is not a ping).
    QList<ReceivedEvent> eventsOfType(const QString &type = {}) const;
    // The newest id seen, pings included: what an EventSource would send as Last-Event-ID.
    qint64 lastEventId() const { return m_lastEventId; }

    int status() const { return m_status; }
    QByteArray header(const QByteArray &name) const;
    bool isFinished() const { return m_finished; }
    QNetworkReply::NetworkError error() const { return m_error; }
    QByteArray errorBody() const { return m_errorBody; }

    static const QElapsedTimer &clock();

private:
    void onReadyRead();
    void parse();

    QUrl m_url;
    QString m_adminKey;
    std::optional<qint64> m_resumeFrom;
    std::unique_ptr<QNetworkAccessManager> m_network;
    QNetworkReply *m_reply = nullptr;
    QByteArray m_buffer;
    QList<ReceivedEvent> m_events;
    qint64 m_lastEventId = -1;
    int m_status = 0;
    QList<QNetworkReply::RawHeaderPair> m_headers;
    bool m_finished = false;
    QNetworkReply::NetworkError m_error = QNetworkReply::NoError;
    QByteArray m_errorBody;
};

} // namespace keybrake::test
