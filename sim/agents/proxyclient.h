#pragma once

#include "agents/proxyoutcome.h"
#include "agents/proxyrequest.h"

#include <QObject>
#include <QPointer>
#include <QSet>
#include <QUrl>

#include <functional>
#include <vector>

class QNetworkAccessManager;
class QNetworkReply;

namespace keybrake::agents {

// Sends agents' vendor calls to the proxy over plain HTTP/1.1. Qt 6.4's network access manager
// opens at most 6 connections per host (QHttp1Configuration, to raise it, arrives in 6.5), so
// calls are spread over a small pool of managers, round robin. Every call has a transfer timeout;
// redirects are never followed and nothing is cached or retried here.
class ProxyClient : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ProxyClient)

public:
    using Callback = std::function<void(const ProxyOutcome &)>;

    ProxyClient(const QUrl &server, int poolSize, int timeoutMs, QObject *parent = nullptr);
    ~ProxyClient() override;

    // The callback runs once, on this object's thread, unless `context` died meanwhile.
    void send(const ProxyRequest &request, QObject *context, Callback callback);
    int inFlight() const { return static_cast<int>(m_replies.size()); }
    // Aborts every call in flight; their callbacks get an unanswered outcome.
    void abortAll();

private:
    QUrl m_server;
    int m_timeoutMs;
    std::vector<QNetworkAccessManager *> m_pool;
    std::size_t m_next = 0;
    QSet<QNetworkReply *> m_replies;
};

} // namespace keybrake::agents
