#pragma once

#include "agents/proxyrequest.h"

#include <QList>
#include <QPair>
#include <QString>

namespace keybrake::agents {

// A payment an agent asks Stripe for, and the request its code sends for it: form-encoded with
// bracketed keys as Stripe's SDKs send, or JSON as agents with hand-written fetch calls do (the
// proxy converts JSON to Stripe's form encoding).
struct StripePayment
{
    qint64 amountCents = 0;
    QString currency = QStringLiteral("usd");
    QString customer; // cus_...; empty: none
    QString description;
    QList<QPair<QString, QString>> metadata;

    // POST /v1/payment_intents, confirmed off-session with a saved card.
    ProxyRequest paymentIntent(const QString &vaultKey, const QString &idempotencyKey,
                               bool json) const;
    // POST /v1/charges with a card token (the older API many generated agents still use).
    ProxyRequest charge(const QString &vaultKey, const QString &idempotencyKey) const;
};

} // namespace keybrake::agents
