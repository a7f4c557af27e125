#include "agents/proxyclient.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>

namespace keybrake::agents {

ProxyClient::ProxyClient(const QUrl &server, int poolSize, int timeoutMs, QObject *parent)
    : QObject(parent)
    , m_server(server)
    , m_timeoutMs(timeoutMs)
{
    for (int i = 0; i < std::max(1, poolSize); ++i) {
        auto *manager = new QNetworkAccessManager(this);
        manager->setRedirectPolicy(QNetworkRequest::ManualRedirectPolicy);
        manager->setCookieJar(nullptr);
        m_pool.push_back(manager);
    }
}

ProxyClient::~ProxyClient()
{
    // Replies are children of their managers; disconnect first so no callback runs while this
    // object is half destroyed.
    for (QNetworkReply *reply : std::as_const(m_replies)) {
        reply->disconnect(this);
        reply->abort();
    }
}

void ProxyClient::send(const ProxyRequest &request, QObject *context, Callback callback)
{
    const QUrl url(m_server.toString(QUrl::StripTrailingSlash) + request.path, QUrl::StrictMode);
    QNetworkRequest http(url);
    http.setTransferTimeout(m_timeoutMs);
    http.setAttribute(QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::AlwaysNetwork);
    http.setAttribute(QNetworkRequest::CacheSaveControlAttribute, false);
    if (!request.contentType.isEmpty())
        http.setRawHeader("Content-Type", request.contentType);
    if (!request.authorization.isEmpty())
        http.setRawHeader("Authorization", request.authorization);
    if (!request.idempotencyKey.isEmpty())
        http.setRawHeader("Idempotency-Key", request.idempotencyKey);
    if (!request.userAgent.isEmpty())
        http.setRawHeader("User-Agent", request.userAgent);
    http.setRawHeader("Accept", "application/json");

    QNetworkAccessManager *manager = m_pool[m_next++ % m_pool.size()];
    QNetworkReply *reply = manager->sendCustomRequest(http, request.method, request.body);
    m_replies.insert(reply);
    const QPointer<QObject> guard(context);
    const bool hasContext = context != nullptr;
    connect(reply, &QNetworkReply::finished, this,
            [this, reply, guard, hasContext, callback = std::move(callback)] {
                m_replies.remove(reply);
                reply->deleteLater();
                const int status =
                    reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
                const ProxyOutcome outcome = status > 0
                    ? ProxyOutcome::fromAnswer(status, reply->rawHeaderPairs(), reply->readAll())
                    : ProxyOutcome::unanswered(reply->errorString());
                if (hasContext && !guard)
                    return;
                callback(outcome);
            });
}

void ProxyClient::abortAll()
{
    const auto replies = m_replies;
    for (QNetworkReply *reply : replies)
        reply->abort();
}

} // namespace keybrake::agents
