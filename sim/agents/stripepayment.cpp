#include "agents/stripepayment.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QUrl>

namespace keybrake::agents {

namespace {

// Stripe's SDKs identify themselves like this; hand-written agents send their HTTP library's.
constexpr const char *kStripeNodeAgent = "Stripe/v1 NodeBindings/17.7.0";
constexpr const char *kFetchAgent = "node-fetch (+https://github.com/node-fetch/node-fetch)";

void addField(QByteArray &form, const QString &name, const QString &value)
{
    if (!form.isEmpty())
        form += '&';
    // Brackets stay readable, as Stripe's own encoder leaves them.
    form += QUrl::toPercentEncoding(name, "[]") + '=' + QUrl::toPercentEncoding(value);
}

ProxyRequest stripeRequest(const QString &path, const QString &vaultKey,
                           const QString &idempotencyKey)
{
    ProxyRequest request;
    request.vendor = QStringLiteral("stripe");
    request.path = QStringLiteral("/stripe") + path;
    request.authorization = "Bearer " + vaultKey.toLatin1();
    request.idempotencyKey = idempotencyKey.toLatin1();
    return request;
}

} // namespace

ProxyRequest StripePayment::paymentIntent(const QString &vaultKey, const QString &idempotencyKey,
                                          bool json) const
{
    ProxyRequest request =
        stripeRequest(QStringLiteral("/v1/payment_intents"), vaultKey, idempotencyKey);
    if (json) {
        QJsonObject body {{QStringLiteral("amount"), amountCents},
                          {QStringLiteral("currency"), currency},
                          {QStringLiteral("payment_method"), QStringLiteral("pm_card_visa")},
                          {QStringLiteral("confirm"), true},
                          {QStringLiteral("off_session"), true},
                          {QStringLiteral("description"), description}};
        if (!customer.isEmpty())
            body.insert(QStringLiteral("customer"), customer);
        QJsonObject meta;
        for (const auto &[name, value] : metadata)
            meta.insert(name, value);
        body.insert(QStringLiteral("metadata"), meta);
        request.contentType = "application/json";
        request.body = QJsonDocument(body).toJson(QJsonDocument::Compact);
        request.userAgent = kFetchAgent;
        return request;
    }
    QByteArray form;
    addField(form, QStringLiteral("amount"), QString::number(amountCents));
    addField(form, QStringLiteral("currency"), currency);
    if (!customer.isEmpty())
        addField(form, QStringLiteral("customer"), customer);
    addField(form, QStringLiteral("payment_method"), QStringLiteral("pm_card_visa"));
    addField(form, QStringLiteral("confirm"), QStringLiteral("true"));
    addField(form, QStringLiteral("off_session"), QStringLiteral("true"));
    addField(form, QStringLiteral("description"), description);
    for (const auto &[name, value] : metadata)
        addField(form, QStringLiteral("metadata[%1]").arg(name), value);
    request.contentType = "application/x-www-form-urlencoded";
    request.body = form;
    request.userAgent = kStripeNodeAgent;
    return request;
}

ProxyRequest StripePayment::charge(const QString &vaultKey, const QString &idempotencyKey) const
{
    ProxyRequest request = stripeRequest(QStringLiteral("/v1/charges"), vaultKey, idempotencyKey);
    QByteArray form;
    addField(form, QStringLiteral("amount"), QString::number(amountCents));
    addField(form, QStringLiteral("currency"), currency);
    addField(form, QStringLiteral("source"), QStringLiteral("tok_visa"));
    if (!customer.isEmpty())
        addField(form, QStringLiteral("customer"), customer);
    addField(form, QStringLiteral("description"), description);
    for (const auto &[name, value] : metadata)
        addField(form, QStringLiteral("metadata[%1]").arg(name), value);
    request.contentType = "application/x-www-form-urlencoded";
    request.body = form;
    request.userAgent = kStripeNodeAgent;
    return request;
}

} // namespace keybrake::agents
