#include "client/keybrakeclient.h"

#include "client/clientlogging.h"
#include "client/jsoncodec.h"
#include "client/serveraddress.h"

#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>

#include <memory>

namespace keybrake::client {

namespace {

QString segment(const QString &id)
{
    return QString::fromLatin1(QUrl::toPercentEncoding(id));
}

// Header values travel verbatim; a pasted key with a stray space or newline must not split the
// request.
bool isHeaderSafe(const QString &value)
{
    for (QChar c : value) {
        if (c.unicode() < 0x21 || c.unicode() > 0x7e)
            return false;
    }
    return true;
}

} // namespace

KeybrakeClient::KeybrakeClient(QObject *parent)
    : QObject(parent)
    , m_network(new QNetworkAccessManager(this))
{
    bool ok = false;
    const int fromEnvironment = qEnvironmentVariableIntValue("KEYBRAKE_HTTP_TIMEOUT_MS", &ok);
    if (ok && fromEnvironment > 0)
        m_timeoutMs = fromEnvironment;
    // The Authorization header must never follow a redirect to another origin; a redirect is
    // reported instead (ApiError says where it pointed).
    m_network->setRedirectPolicy(QNetworkRequest::ManualRedirectPolicy);
}

KeybrakeClient::~KeybrakeClient()
{
    // Requests first, while the network access manager that owns their replies still exists; they
    // finish without calling back.
    const QList<ApiRequest *> pending = findChildren<ApiRequest *>(Qt::FindDirectChildrenOnly);
    qDeleteAll(pending);
}

void KeybrakeClient::setBaseUrl(const QUrl &url)
{
    m_baseUrl = url;
}

void KeybrakeClient::setAdminKey(const QString &adminKey)
{
    m_adminKey = adminKey.trimmed();
}

void KeybrakeClient::setTransferTimeout(int milliseconds)
{
    if (milliseconds <= 0) {
        qCWarning(lcClient) << "ignoring a transfer timeout of" << milliseconds
                            << "ms: every request keeps a timeout";
        return;
    }
    m_timeoutMs = milliseconds;
}

void KeybrakeClient::setPinnedCertificateSha256(const QByteArray &sha256)
{
    m_pin = CertificatePin(sha256);
    if (!sha256.isEmpty() && m_pin.isEmpty())
        qCWarning(lcClient) << "the pinned certificate digest is not a SHA-256; nothing is pinned";
    // A connection accepted under the previous pin must not be reused under the new one.
    m_network->clearAccessCache();
}

QString KeybrakeClient::baseUrlProblem() const
{
    return ServerAddress::problem(m_baseUrl, m_allowPlainHttp);
}

QUrl KeybrakeClient::routeUrl(const QString &path, const QUrlQuery &query) const
{
    if (!baseUrlProblem().isEmpty())
        return {};
    QUrl url = m_baseUrl.adjusted(QUrl::RemoveUserInfo | QUrl::RemoveQuery | QUrl::RemoveFragment);
    QString prefix = url.path(QUrl::FullyEncoded);
    while (prefix.endsWith(u'/'))
        prefix.chop(1);
    url.setPath(prefix + path, QUrl::TolerantMode);
    // Encoded here rather than by QUrlQuery, which leaves '+' alone: a server decoding the query
    // as a form would read it as a space ("label_prefix=a+b").
    QStringList items;
    const auto pairs = query.queryItems(QUrl::FullyDecoded);
    for (const auto &[name, value] : pairs) {
        items << QString::fromLatin1(QUrl::toPercentEncoding(name) + '='
                                     + QUrl::toPercentEncoding(value));
    }
    if (!items.isEmpty())
        url.setQuery(items.join(u'&'), QUrl::TolerantMode);
    return url;
}

QNetworkRequest KeybrakeClient::prepareRequest(const QUrl &url, bool authenticated,
                                               const QByteArray &accept) const
{
    QNetworkRequest request(url);
    request.setTransferTimeout(m_timeoutMs);
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                         QNetworkRequest::ManualRedirectPolicy);
    request.setRawHeader("Accept", accept);
    request.setHeader(QNetworkRequest::UserAgentHeader,
                      QByteArrayLiteral("keybrake-client/" KEYBRAKE_CLIENT_VERSION));
    if (authenticated && !m_adminKey.isEmpty())
        request.setRawHeader("Authorization", "Bearer " + m_adminKey.toLatin1());
    return request;
}

ApiRequest *KeybrakeClient::prepareCall(const Call &call, QObject *context,
                                        std::function<void(const ApiRequest::Outcome &)> completion,
                                        QNetworkRequest *networkRequest)
{
    auto *request = new ApiRequest(call.method, call.path, call.failedAction, context,
                                   std::move(completion), this);
    const QUrl url = routeUrl(call.path, call.query);
    if (!url.isValid()) {
        request->failLater(ApiError::notSent(call.failedAction, baseUrlProblem()));
        return request;
    }
    if (call.authenticated && !isHeaderSafe(m_adminKey)) {
        ApiError error = ApiError::notSent(
            call.failedAction,
            tr("The admin key contains spaces or control characters. Paste it again."));
        error.kind = ApiError::Kind::Unauthenticated;
        request->failLater(error);
        return request;
    }
    *networkRequest = prepareRequest(url, call.authenticated, call.accept);
    if (!call.idempotencyKey.isEmpty())
        networkRequest->setRawHeader("Idempotency-Key", call.idempotencyKey);
    return request;
}

ApiRequest *KeybrakeClient::dispatch(const Call &call, QObject *context,
                                     std::function<void(const ApiRequest::Outcome &)> completion)
{
    QNetworkRequest networkRequest;
    ApiRequest *request = prepareCall(call, context, std::move(completion), &networkRequest);
    if (networkRequest.url().isEmpty())
        return request; // failed already, reported on the next turn of the event loop
    QNetworkReply *reply = nullptr;
    if (call.method == "GET") {
        reply = m_network->get(networkRequest);
    } else if (call.method == "DELETE") {
        reply = m_network->deleteResource(networkRequest);
    } else {
        networkRequest.setHeader(QNetworkRequest::ContentTypeHeader,
                                 QByteArrayLiteral("application/json; charset=utf-8"));
        reply = m_network->sendCustomRequest(networkRequest, call.method, call.body);
    }
    request->start(reply, m_pin, m_baseUrl, m_timeoutMs);
    return request;
}

template<typename T>
ApiRequest *KeybrakeClient::send(Call call, QObject *context, Callback<T> callback)
{
    QString action = call.failedAction;
    QByteArray method = call.method;
    QString path = call.path;
    return dispatch(
        call, context,
        [callback = std::move(callback), action = std::move(action), method = std::move(method),
         path = std::move(path)](const ApiRequest::Outcome &outcome) {
            if (outcome.error) {
                if (callback)
                    callback(Result<T>(*outcome.error));
                return;
            }
            const Result<T> result =
                JsonCodec::decode<T>(outcome.body, action, outcome.httpStatus, outcome.requestId);
            if (!result.isOk()) {
                // The parse detail names a field, never a value from the body.
                qCWarning(lcClient).noquote()
                    << method << path << "answer did not decode:"
                    << result.error().details.value(u"parse_error").toString();
            }
            if (callback)
                callback(result);
        });
}

ApiRequest *KeybrakeClient::whoAmI(QObject *context, Callback<WhoAmI> callback)
{
    Call call;
    call.method = "GET";
    call.path = QStringLiteral("/v1/whoami");
    call.failedAction = tr("Could not check the admin key with the server.");
    return send(std::move(call), context, std::move(callback));
}

ApiRequest *KeybrakeClient::vendors(QObject *context, Callback<VendorCatalog> callback)
{
    Call call;
    call.method = "GET";
    call.path = QStringLiteral("/v1/vendors");
    call.failedAction = tr("Could not load the vendor catalog.");
    return send(std::move(call), context, std::move(callback));
}

ApiRequest *KeybrakeClient::issueKey(const IssueKeyRequest &request, QObject *context,
                                     Callback<IssuedKey> callback)
{
    Call call;
    call.method = "POST";
    call.path = QStringLiteral("/v1/keys");
    call.body = QJsonDocument(request.toJson()).toJson(QJsonDocument::Compact);
    call.failedAction = tr("Could not issue the vault key.");
    if (!request.idempotencyKey.isEmpty()) {
        if (!isHeaderSafe(request.idempotencyKey)) {
            ApiError error = ApiError::notSent(
                call.failedAction,
                tr("The idempotency key may only contain printable ASCII without spaces."));
            error.kind = ApiError::Kind::Validation;
            auto *failed = new ApiRequest(
                call.method, call.path, call.failedAction, context,
                [callback](const ApiRequest::Outcome &outcome) {
                    if (callback)
                        callback(Result<IssuedKey>(*outcome.error));
                },
                this);
            failed->failLater(error);
            return failed;
        }
        call.idempotencyKey = request.idempotencyKey.toLatin1();
    }
    return send(std::move(call), context, std::move(callback));
}

ApiRequest *KeybrakeClient::listKeys(const KeyQuery &query, QObject *context,
                                     Callback<KeyPage> callback)
{
    Call call;
    call.method = "GET";
    call.path = QStringLiteral("/v1/keys");
    call.query = query.toUrlQuery();
    call.failedAction = tr("Could not load the vault keys.");
    return send(std::move(call), context, std::move(callback));
}

ApiRequest *KeybrakeClient::key(const QString &keyId, QObject *context, Callback<VaultKey> callback)
{
    Call call;
    call.method = "GET";
    call.path = QStringLiteral("/v1/keys/") + segment(keyId);
    call.failedAction = tr("Could not load the vault key %1.").arg(keyId);
    return send(std::move(call), context, std::move(callback));
}

ApiRequest *KeybrakeClient::revokeKey(const QString &keyId, QObject *context,
                                      Callback<RevokeResult> callback)
{
    Call call;
    call.method = "DELETE";
    call.path = QStringLiteral("/v1/keys/") + segment(keyId);
    call.failedAction = tr("Could not revoke the vault key %1.").arg(keyId);
    return send(std::move(call), context, std::move(callback));
}

ApiRequest *KeybrakeClient::revokeKey(const QString &keyId, const QString &reason, QObject *context,
                                      Callback<RevokeResult> callback)
{
    Call call;
    call.method = "DELETE";
    call.path = QStringLiteral("/v1/keys/") + segment(keyId);
    if (!reason.isEmpty())
        call.query.addQueryItem(QStringLiteral("reason"), reason);
    call.failedAction = tr("Could not revoke the vault key %1.").arg(keyId);
    return send(std::move(call), context, std::move(callback));
}

ApiRequest *KeybrakeClient::revokeKeys(const BulkRevokeRequest &request, QObject *context,
                                       Callback<BulkRevokeResult> callback)
{
    Call call;
    call.method = "POST";
    call.path = QStringLiteral("/v1/keys/revoke");
    call.body = QJsonDocument(request.toJson()).toJson(QJsonDocument::Compact);
    call.failedAction = request.dryRun ? tr("Could not preview which vault keys would be revoked.")
                                       : tr("Could not revoke the vault keys.");
    return send(std::move(call), context, std::move(callback));
}

ApiRequest *KeybrakeClient::audit(const AuditQuery &query, QObject *context,
                                  Callback<AuditPage> callback)
{
    Call call;
    call.method = "GET";
    call.path = QStringLiteral("/v1/audit");
    call.query = query.toUrlQuery();
    call.failedAction = tr("Could not load the audit log.");
    return send(std::move(call), context, std::move(callback));
}

ApiRequest *KeybrakeClient::todayStats(QObject *context, Callback<TodayStats> callback)
{
    Call call;
    call.method = "GET";
    call.path = QStringLiteral("/v1/stats/today");
    call.failedAction = tr("Could not load today's figures.");
    return send(std::move(call), context, std::move(callback));
}

ApiRequest *KeybrakeClient::auditCsv(const AuditQuery &query, QObject *context,
                                     std::function<void(const AuditCsvExport &)> onHeaders,
                                     std::function<bool(const QByteArray &)> onChunk,
                                     Callback<AuditCsvExport> callback)
{
    AuditQuery filter = query;
    filter.limit = 0;
    filter.cursor.clear();
    Call call;
    call.method = "GET";
    call.path = QStringLiteral("/v1/audit.csv");
    call.query = filter.toUrlQuery();
    call.accept = "text/csv";
    call.failedAction = tr("Could not export the audit log.");

    // What the headers said, kept for the final callback.
    auto info = std::make_shared<AuditCsvExport>();
    QNetworkRequest networkRequest;
    ApiRequest *request = prepareCall(
        call, context,
        [info, callback = std::move(callback)](const ApiRequest::Outcome &outcome) {
            if (!callback)
                return;
            if (outcome.error) {
                callback(Result<AuditCsvExport>(*outcome.error));
                return;
            }
            info->bytes = outcome.streamedBytes;
            callback(Result<AuditCsvExport>(*info));
        },
        &networkRequest);
    if (networkRequest.url().isEmpty())
        return request;
    request->setStreaming(
        [info,
         onHeaders = std::move(onHeaders)](const QList<QPair<QByteArray, QByteArray>> &headers) {
            for (const auto &[name, value] : headers) {
                const QByteArray lower = name.toLower();
                if (lower == "keybrake-filter") {
                    info->filter = QString::fromUtf8(value);
                } else if (lower == "keybrake-spend-timezone") {
                    info->spendTimezone = QString::fromUtf8(value);
                } else if (lower == "content-disposition") {
                    // attachment; filename="keybrake-audit-20261128T140305Z.csv"
                    const qsizetype at = value.indexOf("filename=\"");
                    if (at >= 0) {
                        const qsizetype from = at + 10;
                        const qsizetype to = value.indexOf('"', from);
                        if (to > from)
                            info->fileName = QString::fromUtf8(value.mid(from, to - from));
                    }
                }
            }
            if (onHeaders)
                onHeaders(*info);
        },
        std::move(onChunk));
    request->start(m_network->get(networkRequest), m_pin, m_baseUrl, m_timeoutMs);
    return request;
}

ApiRequest *KeybrakeClient::listRuns(const RunQuery &query, QObject *context,
                                     Callback<RunPage> callback)
{
    Call call;
    call.method = "GET";
    call.path = QStringLiteral("/v1/runs");
    call.query = query.toUrlQuery();
    call.failedAction = tr("Could not load the runs.");
    return send(std::move(call), context, std::move(callback));
}

ApiRequest *KeybrakeClient::run(const QString &label, const QDateTime &since,
                                const QDateTime &until, QObject *context,
                                Callback<RunDetail> callback)
{
    Call call;
    call.method = "GET";
    // The label is one path segment: every '/' and ':' in it is percent-encoded.
    call.path = QStringLiteral("/v1/runs/") + segment(label);
    call.query = ReportRange::between(since, until).toUrlQuery();
    call.failedAction = tr("Could not load the run %1.").arg(label);
    return send(std::move(call), context, std::move(callback));
}

ApiRequest *KeybrakeClient::runTimeline(const QString &label, const TimelineQuery &query,
                                        QObject *context, Callback<RunTimeline> callback)
{
    Call call;
    call.method = "GET";
    call.path = QStringLiteral("/v1/runs/") + segment(label) + QStringLiteral("/timeline");
    call.query = query.toUrlQuery();
    call.failedAction = tr("Could not load the spend timeline of the run %1.").arg(label);
    return send(std::move(call), context, std::move(callback));
}

ApiRequest *KeybrakeClient::agentReport(const ReportRange &range, QObject *context,
                                        Callback<AgentReport> callback)
{
    Call call;
    call.method = "GET";
    call.path = QStringLiteral("/v1/reports/agents");
    call.query = range.toUrlQuery();
    call.failedAction = tr("Could not load the report of spend per agent.");
    return send(std::move(call), context, std::move(callback));
}

ApiRequest *KeybrakeClient::vendorDailyReport(int days, QObject *context,
                                              Callback<VendorDailyReport> callback)
{
    Call call;
    call.method = "GET";
    call.path = QStringLiteral("/v1/reports/vendors/daily");
    if (days > 0)
        call.query = ReportRange::lastDays(days).toUrlQuery();
    call.failedAction = tr("Could not load the daily spend per vendor.");
    return send(std::move(call), context, std::move(callback));
}

ApiRequest *KeybrakeClient::anomalies(QObject *context, Callback<AnomalyReport> callback)
{
    Call call;
    call.method = "GET";
    call.path = QStringLiteral("/v1/reports/anomalies");
    call.failedAction = tr("Could not load the anomaly report.");
    return send(std::move(call), context, std::move(callback));
}

ApiRequest *KeybrakeClient::adminKeys(QObject *context, Callback<QList<AdminKeyInfo>> callback)
{
    Call call;
    call.method = "GET";
    call.path = QStringLiteral("/v1/admin-keys");
    call.failedAction = tr("Could not load the admin keys.");
    return send(std::move(call), context, std::move(callback));
}

ApiRequest *KeybrakeClient::createAdminKey(const QString &name, AdminRole role, QObject *context,
                                           Callback<CreatedAdminKey> callback)
{
    Call call;
    call.method = "POST";
    call.path = QStringLiteral("/v1/admin-keys");
    call.body = QJsonDocument(QJsonObject {{QStringLiteral("name"), name},
                                           {QStringLiteral("role"), adminRoleName(role)}})
                    .toJson(QJsonDocument::Compact);
    call.failedAction = tr("Could not create the admin key.");
    return send(std::move(call), context, std::move(callback));
}

ApiRequest *KeybrakeClient::revokeAdminKey(const QString &id, QObject *context,
                                           Callback<AdminKeyInfo> callback)
{
    Call call;
    call.method = "DELETE";
    call.path = QStringLiteral("/v1/admin-keys/") + segment(id);
    call.failedAction = tr("Could not revoke the admin key %1.").arg(id);
    return send(std::move(call), context, std::move(callback));
}

ApiRequest *KeybrakeClient::blocks(bool includeEnded, QObject *context,
                                   Callback<QList<PrefixBlock>> callback)
{
    Call call;
    call.method = "GET";
    call.path = QStringLiteral("/v1/blocks");
    if (includeEnded)
        call.query.addQueryItem(QStringLiteral("status"), QStringLiteral("all"));
    call.failedAction = tr("Could not load the prefix blocks.");
    return send(std::move(call), context, std::move(callback));
}

ApiRequest *KeybrakeClient::createBlock(const CreateBlockRequest &request, QObject *context,
                                        Callback<PrefixBlock> callback)
{
    Call call;
    call.method = "POST";
    call.path = QStringLiteral("/v1/blocks");
    call.body = QJsonDocument(request.toJson()).toJson(QJsonDocument::Compact);
    call.failedAction = tr("Could not block the prefix %1.").arg(request.labelPrefix);
    return send(std::move(call), context, std::move(callback));
}

ApiRequest *KeybrakeClient::liftBlock(const QString &blockId, const QString &reason,
                                      QObject *context, Callback<PrefixBlock> callback)
{
    Call call;
    call.method = "DELETE";
    call.path = QStringLiteral("/v1/blocks/") + segment(blockId);
    if (!reason.isEmpty())
        call.query.addQueryItem(QStringLiteral("reason"), reason);
    call.failedAction = tr("Could not lift the block %1.").arg(blockId);
    return send(std::move(call), context, std::move(callback));
}

ApiRequest *KeybrakeClient::velocityDefaults(QObject *context,
                                             Callback<QList<VelocityDefault>> callback)
{
    Call call;
    call.method = "GET";
    call.path = QStringLiteral("/v1/velocity-defaults");
    call.failedAction = tr("Could not load the velocity defaults.");
    return send(std::move(call), context, std::move(callback));
}

ApiRequest *KeybrakeClient::setVelocityDefault(const VelocityDefault &value, QObject *context,
                                               Callback<VelocityDefault> callback)
{
    Call call;
    call.method = "PUT";
    call.path = QStringLiteral("/v1/velocity-defaults");
    QJsonObject body {{QStringLiteral("label_prefix"), value.labelPrefix}};
    if (value.maxCallsPerMinute)
        body.insert(u"max_calls_per_minute", *value.maxCallsPerMinute);
    if (value.maxUsdPerMinute)
        body.insert(u"max_usd_per_minute", JsonCodec::moneyToJson(*value.maxUsdPerMinute));
    call.body = QJsonDocument(body).toJson(QJsonDocument::Compact);
    call.failedAction = tr("Could not set the velocity default for %1.").arg(value.labelPrefix);
    return send(std::move(call), context, std::move(callback));
}

ApiRequest *KeybrakeClient::deleteVelocityDefault(const QString &labelPrefix, QObject *context,
                                                  Callback<DeletedVelocityDefault> callback)
{
    Call call;
    call.method = "DELETE";
    call.path = QStringLiteral("/v1/velocity-defaults");
    call.query.addQueryItem(QStringLiteral("label_prefix"), labelPrefix);
    call.failedAction = tr("Could not delete the velocity default for %1.").arg(labelPrefix);
    return send(std::move(call), context, std::move(callback));
}

ApiRequest *KeybrakeClient::health(QObject *context, Callback<Health> callback)
{
    Call call;
    call.method = "GET";
    call.path = QStringLiteral("/healthz");
    call.authenticated = false;
    call.failedAction = tr("Could not check the server's health.");
    return send(std::move(call), context, std::move(callback));
}

} // namespace keybrake::client
