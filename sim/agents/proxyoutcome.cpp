#include "agents/proxyoutcome.h"

#include <QHash>
#include <QJsonDocument>

namespace keybrake::agents {

QString ProxyOutcome::verdictForRefusal(const QString &code)
{
    static const QHash<QString, QString> kVerdicts = {
        {QStringLiteral("invalid_key"), QStringLiteral("denied_invalid_key")},
        {QStringLiteral("key_revoked"), QStringLiteral("denied_revoked")},
        {QStringLiteral("key_expired"), QStringLiteral("denied_expired")},
        {QStringLiteral("vendor_mismatch"), QStringLiteral("denied_vendor")},
        {QStringLiteral("endpoint_not_allowed"), QStringLiteral("denied_endpoint")},
        {QStringLiteral("invalid_path"), QStringLiteral("denied_endpoint")},
        {QStringLiteral("invalid_request_body"), QStringLiteral("denied_endpoint")},
        {QStringLiteral("scope_violation"), QStringLiteral("denied_scope")},
        {QStringLiteral("idempotency_key_in_use"), QStringLiteral("denied_idempotency")},
        {QStringLiteral("idempotency_key_reused"), QStringLiteral("denied_idempotency")},
        {QStringLiteral("invalid_idempotency_key"), QStringLiteral("denied_idempotency")},
        {QStringLiteral("cost_unknown"), QStringLiteral("denied_cost_unknown")},
        {QStringLiteral("currency_not_supported"), QStringLiteral("denied_cost_unknown")},
        {QStringLiteral("cap_exhausted"), QStringLiteral("denied_cap")},
        {QStringLiteral("prefix_blocked"), QStringLiteral("denied_blocked")},
        {QStringLiteral("rate_exceeded"), QStringLiteral("denied_rate")},
        {QStringLiteral("upstream_timeout"), QStringLiteral("upstream_error")},
        {QStringLiteral("upstream_unavailable"), QStringLiteral("upstream_error")},
        {QStringLiteral("vendor_not_configured"), QStringLiteral("upstream_error")},
        {QStringLiteral("store_unavailable"), QStringLiteral("upstream_error")},
    };
    return kVerdicts.value(code);
}

ProxyOutcome ProxyOutcome::fromAnswer(int httpStatus, const RawHeaders &headers,
                                      const QByteArray &body)
{
    ProxyOutcome outcome;
    outcome.httpStatus = httpStatus;
    for (const auto &[name, value] : headers) {
        const QByteArray lower = name.toLower();
        if (lower == "keybrake-key-id" && value != "none")
            outcome.keyId = QString::fromLatin1(value);
        else if (lower == "keybrake-spent-today-usd")
            outcome.spentToday = Usd::fromDecimal(value.toStdString());
        else if (lower == "idempotent-replayed")
            outcome.replayed = value.trimmed().toLower() == "true";
    }
    const QJsonDocument document = QJsonDocument::fromJson(body);
    if (document.isObject())
        outcome.json = document.object();
    // Only the proxy's refusals have a string `code` at the top level: Twilio's own errors have a
    // numeric one, Stripe's sit inside `error`, Resend's are `name`/`statusCode`.
    const QJsonValue code = outcome.json.value(u"code");
    const QString refusal = code.isString() ? verdictForRefusal(code.toString()) : QString();
    if (outcome.replayed) {
        outcome.verdict = QStringLiteral("replayed");
    } else if (!refusal.isEmpty()) {
        outcome.verdict = refusal;
        outcome.reason = code.toString();
    } else if (httpStatus >= 500) {
        outcome.verdict = QStringLiteral("upstream_error");
        outcome.reason = QStringLiteral("upstream_%1").arg(httpStatus);
    } else {
        // The vendor answered, whatever it said (a declined card is the vendor's verdict, not
        // Keybrake's).
        outcome.verdict = QStringLiteral("allowed");
    }
    return outcome;
}

ProxyOutcome ProxyOutcome::unanswered(const QString &networkError)
{
    ProxyOutcome outcome;
    outcome.verdict = QStringLiteral("unanswered");
    outcome.networkError = networkError;
    return outcome;
}

bool ProxyOutcome::isTransient() const
{
    if (!answered())
        return true;
    if (verdict == u"upstream_error")
        return true;
    if (reason == u"idempotency_key_in_use")
        return true;
    // A vendor's own rate limit (the proxy's cap refusal is a 429 too, but it is final for the
    // day and carries a reason).
    return httpStatus == 429 && reason.isEmpty();
}

} // namespace keybrake::agents
