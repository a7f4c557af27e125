#include "agents/resendemail.h"

#include <QJsonDocument>

namespace keybrake::agents {

namespace {

ProxyRequest resendRequest(const QString &path, const QByteArray &body, const QString &vaultKey,
                           const QString &idempotencyKey)
{
    ProxyRequest request;
    request.vendor = QStringLiteral("resend");
    request.path = QStringLiteral("/resend") + path;
    request.contentType = "application/json";
    request.body = body;
    request.authorization = "Bearer " + vaultKey.toLatin1();
    request.idempotencyKey = idempotencyKey.toLatin1();
    request.userAgent = "resend-node:4.1.2";
    return request;
}

} // namespace

ProxyRequest ResendEmail::send(const QJsonObject &email, const QString &vaultKey,
                               const QString &idempotencyKey)
{
    return resendRequest(QStringLiteral("/emails"),
                         QJsonDocument(email).toJson(QJsonDocument::Compact), vaultKey,
                         idempotencyKey);
}

ProxyRequest ResendEmail::batch(const QJsonArray &emails, const QString &vaultKey,
                                const QString &idempotencyKey)
{
    return resendRequest(QStringLiteral("/emails/batch"),
                         QJsonDocument(emails).toJson(QJsonDocument::Compact), vaultKey,
                         idempotencyKey);
}

} // namespace keybrake::agents
