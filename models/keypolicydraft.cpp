#include "models/keypolicydraft.h"

#include "client/vendorcatalog.h"
#include "models/usdtext.h"

#include <QJsonDocument>
#include <QRegularExpression>

namespace keybrake {

namespace {

QString vendorTitle(const QString &vendor)
{
    if (vendor.isEmpty())
        return vendor;
    return vendor.at(0).toUpper() + vendor.mid(1);
}

} // namespace

std::chrono::seconds KeyPolicyDraft::presetDuration(ExpiryPreset preset)
{
    using namespace std::chrono_literals;
    switch (preset) {
    case ExpiryPreset::Minutes15:
        return 15min;
    case ExpiryPreset::Hour1:
        return 1h;
    case ExpiryPreset::Hours24:
        return 24h;
    case ExpiryPreset::Custom:
        break;
    }
    return 0s;
}

QDateTime KeyPolicyDraft::expiresAt(const QDateTime &now) const
{
    if (expiry == ExpiryPreset::Custom)
        return customExpiresAt.toUTC();
    return now.toUTC().addSecs(presetDuration(expiry).count());
}

QString KeyPolicyDraft::checkCustomEndpoint(const QString &entry)
{
    static const QRegularExpression shape(
        QStringLiteral("^(GET|POST|PUT|PATCH|DELETE|HEAD) (/[A-Za-z0-9._~%{}:@/+-]*)$"));
    if (!shape.match(entry.trimmed()).hasMatch())
        return tr("Write an endpoint as METHOD /path, for example \"POST /v1/refunds\"; {id} "
                  "matches one path segment.");
    return {};
}

QList<KeyPolicyDraft::FieldError> KeyPolicyDraft::validate(const client::VendorCatalog &catalog,
                                                           const QDateTime &now) const
{
    QList<FieldError> errors;
    const client::VendorInfo *info = catalog.find(vendor);
    if (!info)
        errors.append({QStringLiteral("vendor"), tr("Choose a vendor the server knows.")});
    if (dailyCap.micros() <= 0) {
        errors.append({QStringLiteral("daily_usd_cap"),
                       tr("Set a daily cap above $0: the most this key may spend per day, "
                          "for example 50.00.")});
    } else if (catalog.maxDailyUsdCap.micros() > 0 && dailyCap > catalog.maxDailyUsdCap) {
        errors.append({QStringLiteral("daily_usd_cap"),
                       tr("The server allows at most %1 per day.")
                           .arg(UsdText::display(catalog.maxDailyUsdCap))});
    }
    if (allowedEndpoints().isEmpty()) {
        errors.append({QStringLiteral("allowed_endpoints"),
                       tr("Allow at least one operation; a key that may call nothing is of no "
                          "use.")});
    }
    for (const QString &entry : customEndpoints) {
        const QString problem = checkCustomEndpoint(entry);
        if (!problem.isEmpty()) {
            errors.append({QStringLiteral("allowed_endpoints"), problem});
            break;
        }
    }
    const QDateTime expires = expiresAt(now);
    const qint64 maxSeconds =
        catalog.maxExpiresInSeconds > 0 ? catalog.maxExpiresInSeconds : 30LL * 24 * 3600;
    if (expiry == ExpiryPreset::Custom) {
        if (!expires.isValid() || expires <= now) {
            errors.append({QStringLiteral("expires_at"), tr("Choose an expiry in the future.")});
        } else if (now.secsTo(expires) > maxSeconds) {
            errors.append(
                {QStringLiteral("expires_at"),
                 tr("A key may live at most %n day(s).", nullptr, int(maxSeconds / 86400))});
        }
    }
    if (maxCallsPerMinute && (*maxCallsPerMinute < 1 || *maxCallsPerMinute > 1'000'000)) {
        errors.append({QStringLiteral("max_calls_per_minute"),
                       tr("Calls a minute: a whole number from 1 to 1,000,000, or empty for no "
                          "limit.")});
    }
    if (maxUsdPerMinute
        && (maxUsdPerMinute->micros() <= 0 || maxUsdPerMinute->micros() > 1'000'000'000'000LL)) {
        errors.append({QStringLiteral("max_usd_per_minute"),
                       tr("Dollars a minute: above $0 and at most $1,000,000, or empty for no "
                          "limit.")});
    }
    if (runLabel.trimmed().isEmpty()) {
        errors.append({QStringLiteral("agent_run_label"),
                       tr("Give the run a label (for example the SQS messageId), so its spend "
                          "can be traced.")});
    } else if (runLabel.size() > 200) {
        errors.append({QStringLiteral("agent_run_label"),
                       tr("The run label is %1 characters long; at most 200 are allowed.")
                           .arg(runLabel.size())});
    }
    return errors;
}

client::IssueKeyRequest KeyPolicyDraft::toRequest() const
{
    client::IssueKeyRequest request;
    request.vendor = vendor;
    request.dailyUsdCap = dailyCap;
    request.allowedEndpoints = allowedEndpoints();
    if (expiry == ExpiryPreset::Custom)
        request.expiresAt = customExpiresAt.toUTC();
    else
        request.expiresIn = presetDuration(expiry);
    request.agentRunLabel = runLabel.trimmed();
    request.name = name.trimmed();
    // Scope lists only make sense for their vendor; the server refuses the others.
    if (vendor == QLatin1String("stripe")) {
        request.scope.stripeCustomers = scope.stripeCustomers;
        request.scope.stripeAccounts = scope.stripeAccounts;
    } else if (vendor == QLatin1String("twilio")) {
        request.scope.twilioFromNumbers = scope.twilioFromNumbers;
    } else if (vendor == QLatin1String("resend")) {
        request.scope.resendFromDomains = scope.resendFromDomains;
    }
    request.maxCallsPerMinute = maxCallsPerMinute;
    request.maxUsdPerMinute = maxUsdPerMinute;
    request.idempotencyKey = idempotencyKey;
    return request;
}

QString KeyPolicyDraft::summary(const TimeFormatter &time, const QString &spendTimezone,
                                const QDateTime &now) const
{
    const QString zone = spendTimezone.isEmpty() ? QStringLiteral("UTC") : spendTimezone;
    QString sentence =
        tr("%1: max %2 per day, resets 00:00 %3")
            .arg(vendorTitle(vendor), dailyCap.micros() > 0 ? UsdText::display(dailyCap) : tr("$—"),
                 zone);
    const QStringList endpoints = allowedEndpoints();
    sentence += endpoints.isEmpty() ? tr("; may call nothing yet")
                                    : tr("; may call %1").arg(endpoints.join(QStringLiteral(", ")));
    QStringList limits;
    const client::IssueKeyRequest request = toRequest();
    if (!request.scope.stripeCustomers.isEmpty())
        limits.append(tr("customers %1").arg(request.scope.stripeCustomers.join(u", ")));
    if (!request.scope.stripeAccounts.isEmpty())
        limits.append(tr("accounts %1").arg(request.scope.stripeAccounts.join(u", ")));
    if (!request.scope.twilioFromNumbers.isEmpty())
        limits.append(tr("from %1").arg(request.scope.twilioFromNumbers.join(u", ")));
    if (!request.scope.resendFromDomains.isEmpty())
        limits.append(tr("from %1").arg(request.scope.resendFromDomains.join(u", ")));
    if (!limits.isEmpty())
        sentence += tr("; only for %1").arg(limits.join(u"; "));
    if (maxCallsPerMinute && maxUsdPerMinute)
        sentence += tr("; at most %n call(s) and %1 a minute", nullptr, int(*maxCallsPerMinute))
                        .arg(UsdText::display(*maxUsdPerMinute));
    else if (maxCallsPerMinute)
        sentence += tr("; at most %n call(s) a minute", nullptr, int(*maxCallsPerMinute));
    else if (maxUsdPerMinute)
        sentence += tr("; at most %1 a minute").arg(UsdText::display(*maxUsdPerMinute));
    const QDateTime expires = expiresAt(now);
    if (expires.isValid()) {
        const bool sameDay = (time.zone() == TimeZoneDisplay::Utc ? expires.toUTC().date()
                                                                  : expires.toLocalTime().date())
            == (time.zone() == TimeZoneDisplay::Utc ? now.toUTC().date()
                                                    : now.toLocalTime().date());
        const QDateTime shown =
            time.zone() == TimeZoneDisplay::Utc ? expires.toUTC() : expires.toLocalTime();
        const QString when = sameDay ? shown.toString(QStringLiteral("HH:mm"))
                                     : shown.toString(QStringLiteral("d MMM HH:mm"));
        sentence += tr("; expires %1 %2 (%3)")
                        .arg(when, time.zoneName(expires), time.relative(expires, now));
    }
    return sentence + QLatin1Char('.');
}

QByteArray KeyPolicyDraft::jsonPreview() const
{
    return QJsonDocument(toRequest().toJson()).toJson(QJsonDocument::Indented);
}

QString KeyPolicyDraft::curlCommand(const QUrl &server) const
{
    QUrl url = server;
    url.setPath(url.path().chopped(url.path().endsWith(QLatin1Char('/')) ? 1 : 0)
                + QStringLiteral("/v1/keys"));
    QString body =
        QString::fromUtf8(QJsonDocument(toRequest().toJson()).toJson(QJsonDocument::Compact));
    body.replace(QLatin1Char('\''), QStringLiteral("'\\''"));
    QString command = QStringLiteral("curl -sS -X POST %1 \\\n"
                                     "  -H \"Authorization: Bearer $KEYBRAKE_API_KEY\" \\\n"
                                     "  -H \"Content-Type: application/json\" \\\n")
                          .arg(url.toString(QUrl::RemoveUserInfo));
    if (!idempotencyKey.isEmpty())
        command += QStringLiteral("  -H \"Idempotency-Key: %1\" \\\n").arg(idempotencyKey);
    command += QStringLiteral("  -d '%1'").arg(body);
    return command;
}

KeyPolicyDraft KeyPolicyDraft::similarTo(const client::VaultKey &key,
                                         const client::VendorCatalog &catalog)
{
    KeyPolicyDraft draft;
    draft.vendor = key.vendor;
    const client::VendorInfo *info = catalog.find(key.vendor);
    for (const QString &endpoint : key.allowedEndpoints) {
        bool known = false;
        if (info) {
            for (const client::VendorOperation &operation : info->operations)
                known = known || operation.name == endpoint;
        }
        (known ? draft.operations : draft.customEndpoints).append(endpoint);
    }
    draft.dailyCap = key.dailyUsdCap;
    const qint64 lifetime = key.createdAt.secsTo(key.expiresAt);
    draft.expiry = ExpiryPreset::Minutes15;
    for (ExpiryPreset preset : {ExpiryPreset::Hour1, ExpiryPreset::Hours24}) {
        if (lifetime >= presetDuration(preset).count())
            draft.expiry = preset;
    }
    draft.runLabel = key.agentRunLabel;
    draft.name = key.name == key.agentRunLabel ? QString() : key.name;
    draft.scope = key.scope;
    draft.maxCallsPerMinute = key.maxCallsPerMinute;
    draft.maxUsdPerMinute = key.maxUsdPerMinute;
    return draft;
}

} // namespace keybrake
