#pragma once

#include "client/adminkeyinfo.h"
#include "client/adminrole.h"
#include "client/agentreport.h"
#include "client/anomalyreport.h"
#include "client/apierror.h"
#include "client/apirequest.h"
#include "client/auditcsvexport.h"
#include "client/auditpage.h"
#include "client/auditquery.h"
#include "client/bulkrevokerequest.h"
#include "client/bulkrevokeresult.h"
#include "client/certificatepin.h"
#include "client/createdadminkey.h"
#include "client/health.h"
#include "client/issuedkey.h"
#include "client/issuekeyrequest.h"
#include "client/keypage.h"
#include "client/keyquery.h"
#include "client/prefixblock.h"
#include "client/reportrange.h"
#include "client/result.h"
#include "client/revokeresult.h"
#include "client/rundetail.h"
#include "client/runpage.h"
#include "client/runquery.h"
#include "client/runtimeline.h"
#include "client/timelinequery.h"
#include "client/todaystats.h"
#include "client/vaultkey.h"
#include "client/velocitydefault.h"
#include "client/vendorcatalog.h"
#include "client/vendordailyreport.h"
#include "client/whoami.h"

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QString>
#include <QUrl>
#include <QUrlQuery>

#include <functional>

class QNetworkAccessManager;
class QNetworkRequest;

namespace keybrake::client {

// The typed, asynchronous client of keybraked's admin API (shared/contract/api-v1.md).
//
// One method per route. Each takes a context object and a callback, sends the request and returns
// at once; the callback runs later on this object's thread with the decoded value or an ApiError,
// and is not run at all if the context object was destroyed meanwhile (the request is then
// aborted). A null context means "always call back". Cancelling (ApiRequest::cancel) calls back
// with Kind Cancelled. Nothing here blocks or spins an event loop, and nothing is retried: the
// caller (the console's refresh loop) owns retry and back-off, and a POST is never resent.
// Destroying the client drops its pending calls without calling back; from inside a callback, use
// deleteLater() for that.
//
// Every request has a transfer timeout. TLS verification failures are never ignored, except the
// ones of the single certificate pinned with setPinnedCertificateSha256(); with a pin, no other
// certificate is accepted at all. Plain http:// goes only to this machine unless
// setAllowPlainHttp(true) (see ServerAddress).
//
// The admin key is kept in memory only, sent as "Authorization: Bearer" and never logged or put in
// an error message.
class KeybrakeClient : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(KeybrakeClient)

public:
    template<typename T>
    using Callback = std::function<void(const Result<T> &)>;

    static constexpr int DefaultTransferTimeoutMs = 10'000;

    explicit KeybrakeClient(QObject *parent = nullptr);
    ~KeybrakeClient() override;

    // "https://keybrake.example.com" or "http://127.0.0.1:8080"; a path prefix is kept (routes are
    // appended to it). An address ServerAddress::problem() refuses fails every call, unsent, with
    // that sentence.
    void setBaseUrl(const QUrl &url);
    QUrl baseUrl() const { return m_baseUrl; }
    // Let http:// reach a host other than this machine (off by default): the admin key then
    // crosses the network unencrypted. A profile says so explicitly.
    void setAllowPlainHttp(bool allow) { m_allowPlainHttp = allow; }
    bool allowsPlainHttp() const { return m_allowPlainHttp; }

    // "kb_..."; empty to send no Authorization header. There is deliberately no getter.
    void setAdminKey(const QString &adminKey);
    bool hasAdminKey() const { return !m_adminKey.isEmpty(); }

    // Milliseconds without any byte moving after which a request fails with Kind Timeout. The
    // default is DefaultTransferTimeoutMs, or KEYBRAKE_HTTP_TIMEOUT_MS from the environment when
    // set (for tests); an explicit call here wins over both. Values <= 0 are ignored: every
    // request has a timeout.
    void setTransferTimeout(int milliseconds);
    int transferTimeout() const { return m_timeoutMs; }

    // Trust one certificate, and only that one (see CertificatePin for the accepted forms): it is
    // accepted although it fails verification, and every other certificate is refused, even a
    // CA-trusted one. Empty to trust what the system trusts. Takes effect for the next request:
    // cached connections are dropped so none accepted under an old pin is reused.
    void setPinnedCertificateSha256(const QByteArray &sha256);
    QByteArray pinnedCertificateSha256() const { return m_pin.digest(); }

    // --- Identity and catalog (viewer) ---
    ApiRequest *whoAmI(QObject *context, Callback<WhoAmI> callback);
    ApiRequest *vendors(QObject *context, Callback<VendorCatalog> callback);

    // --- Vault keys ---
    // POST /v1/keys (issuer). Sends request.idempotencyKey as the Idempotency-Key header when set.
    ApiRequest *issueKey(const IssueKeyRequest &request, QObject *context,
                         Callback<IssuedKey> callback);
    // GET /v1/keys (viewer).
    ApiRequest *listKeys(const KeyQuery &query, QObject *context, Callback<KeyPage> callback);
    // GET /v1/keys/{keyId} (viewer).
    ApiRequest *key(const QString &keyId, QObject *context, Callback<VaultKey> callback);
    // DELETE /v1/keys/{keyId} (operator). Idempotent on the server.
    ApiRequest *revokeKey(const QString &keyId, QObject *context, Callback<RevokeResult> callback);
    // The same with the operator's reason (kept on the key as revoke_reason and on the audit row;
    // empty: none). At most 500 characters.
    ApiRequest *revokeKey(const QString &keyId, const QString &reason, QObject *context,
                          Callback<RevokeResult> callback);
    // POST /v1/keys/revoke (operator).
    ApiRequest *revokeKeys(const BulkRevokeRequest &request, QObject *context,
                           Callback<BulkRevokeResult> callback);

    // --- Audit and statistics (viewer) ---
    ApiRequest *audit(const AuditQuery &query, QObject *context, Callback<AuditPage> callback);
    ApiRequest *todayStats(QObject *context, Callback<TodayStats> callback);
    // GET /v1/audit.csv: the rows of `query` (its limit and cursor are not sent), all of them,
    // streamed. `onHeaders` gets what the response headers say before the first chunk; every
    // chunk of the body goes to `onChunk` as it arrives and is not kept (return false to stop,
    // which finishes the call as Cancelled). `callback` comes last, with the byte count; a body
    // that ended without its final chunk (the server failed mid-way) is an error, never a short
    // success.
    ApiRequest *auditCsv(const AuditQuery &query, QObject *context,
                         std::function<void(const AuditCsvExport &)> onHeaders,
                         std::function<bool(const QByteArray &)> onChunk,
                         Callback<AuditCsvExport> callback);

    // --- Runs and reports (viewer) ---
    ApiRequest *listRuns(const RunQuery &query, QObject *context, Callback<RunPage> callback);
    // GET /v1/runs/{label}; since/until limit the totals (invalid: not sent).
    ApiRequest *run(const QString &label, const QDateTime &since, const QDateTime &until,
                    QObject *context, Callback<RunDetail> callback);
    ApiRequest *runTimeline(const QString &label, const TimelineQuery &query, QObject *context,
                            Callback<RunTimeline> callback);
    ApiRequest *agentReport(const ReportRange &range, QObject *context,
                            Callback<AgentReport> callback);
    // `days` 1-366; 0 for the server's default (30).
    ApiRequest *vendorDailyReport(int days, QObject *context, Callback<VendorDailyReport> callback);
    ApiRequest *anomalies(QObject *context, Callback<AnomalyReport> callback);

    // --- Admin keys (admin) ---
    ApiRequest *adminKeys(QObject *context, Callback<QList<AdminKeyInfo>> callback);
    ApiRequest *createAdminKey(const QString &name, AdminRole role, QObject *context,
                               Callback<CreatedAdminKey> callback);
    ApiRequest *revokeAdminKey(const QString &id, QObject *context,
                               Callback<AdminKeyInfo> callback);

    // --- Prefix blocks (GET: viewer; create and lift: operator) ---
    // GET /v1/blocks: the active blocks, or with includeEnded every block (lifted and expired
    // too), newest first.
    ApiRequest *blocks(bool includeEnded, QObject *context, Callback<QList<PrefixBlock>> callback);
    // POST /v1/blocks. A reason is required by the server.
    ApiRequest *createBlock(const CreateBlockRequest &request, QObject *context,
                            Callback<PrefixBlock> callback);
    // DELETE /v1/blocks/{id}: lifts it (idempotent: a lifted block comes back as it is).
    ApiRequest *liftBlock(const QString &blockId, const QString &reason, QObject *context,
                          Callback<PrefixBlock> callback);
    // --- Velocity defaults (GET: viewer; set and delete: admin) ---
    ApiRequest *velocityDefaults(QObject *context, Callback<QList<VelocityDefault>> callback);
    // PUT /v1/velocity-defaults: creates or replaces the default of value.labelPrefix.
    ApiRequest *setVelocityDefault(const VelocityDefault &value, QObject *context,
                                   Callback<VelocityDefault> callback);
    // DELETE /v1/velocity-defaults?label_prefix=...; 404 not_found when there is none.
    ApiRequest *deleteVelocityDefault(const QString &labelPrefix, QObject *context,
                                      Callback<DeletedVelocityDefault> callback);
    // --- Health (no authentication) ---
    ApiRequest *health(QObject *context, Callback<Health> callback);

private:
    // The live event stream (GET /v1/events) is its own class built on this client: same network
    // access manager, base URL, admin key and pin; no transfer timeout but a watchdog.
    friend class EventStream;

    struct Call
    {
        QByteArray method;
        QString path; // route path, segments already percent-encoded
        QUrlQuery query;
        QByteArray body; // JSON, for POST
        QByteArray idempotencyKey;
        bool authenticated = true;
        QString failedAction; // translated "Could not ..." sentence
        QByteArray accept = "application/json";
    };

    template<typename T>
    ApiRequest *send(Call call, QObject *context, Callback<T> callback);
    ApiRequest *dispatch(const Call &call, QObject *context,
                         std::function<void(const ApiRequest::Outcome &)> completion);
    // The URL of a route under the base URL, or an invalid URL when there is no usable base URL
    // (baseUrlProblem() says why).
    QUrl routeUrl(const QString &path, const QUrlQuery &query) const;
    QString baseUrlProblem() const;
    // Headers every request carries: Accept, User-Agent, Authorization (when asked), and the
    // transfer timeout and redirect policy.
    QNetworkRequest prepareRequest(const QUrl &url, bool authenticated,
                                   const QByteArray &accept = "application/json") const;
    // Prepares the request of `call` without sending it; null after failing it.
    ApiRequest *prepareCall(const Call &call, QObject *context,
                            std::function<void(const ApiRequest::Outcome &)> completion,
                            QNetworkRequest *networkRequest);

    QNetworkAccessManager *m_network = nullptr;
    QUrl m_baseUrl;
    QString m_adminKey;
    int m_timeoutMs = DefaultTransferTimeoutMs;
    CertificatePin m_pin;
    bool m_allowPlainHttp = false;
};

} // namespace keybrake::client
