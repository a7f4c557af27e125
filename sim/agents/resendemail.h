#pragma once

#include "agents/proxyrequest.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QString>

namespace keybrake::agents {

// The requests Resend's SDK sends: POST /emails with one email, POST /emails/batch with an array
// of up to 100, JSON, Bearer authentication, and an optional Idempotency-Key.
class ResendEmail
{
public:
    static ProxyRequest send(const QJsonObject &email, const QString &vaultKey,
                             const QString &idempotencyKey);
    static ProxyRequest batch(const QJsonArray &emails, const QString &vaultKey,
                              const QString &idempotencyKey);
};

} // namespace keybrake::agents
