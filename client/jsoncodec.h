#pragma once

#include "client/adminkeyinfo.h"
#include "client/adminref.h"
#include "client/agentreport.h"
#include "client/anomalyreport.h"
#include "client/apierror.h"
#include "client/auditentry.h"
#include "client/auditpage.h"
#include "client/bulkrevokerequest.h"
#include "client/bulkrevokeresult.h"
#include "client/createdadminkey.h"
#include "client/health.h"
#include "client/issuedkey.h"
#include "client/issuekeyrequest.h"
#include "client/keypage.h"
#include "client/keyscope.h"
#include "client/prefixblock.h"
#include "client/result.h"
#include "client/revokeresult.h"
#include "client/rundetail.h"
#include "client/runpage.h"
#include "client/runtimeline.h"
#include "client/todaystats.h"
#include "client/vaultkey.h"
#include "client/velocitydefault.h"
#include "client/vendorcatalog.h"
#include "client/vendordailyreport.h"
#include "client/whoami.h"

#include <QByteArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QList>
#include <QString>

#include <optional>

namespace keybrake::client {

// The one place where the admin API's JSON meets the value types, in both directions.
//
// Decoding is tolerant of unknown fields (a newer server may add some) and strict about types: a
// field that is present with the wrong JSON type, money with more than six decimals, a time that
// is not RFC 3339 with an offset, or a missing identifier makes the whole value fail with a message
// naming the field ("data[3].daily_usd_cap: expected a number"). A missing optional field, or
// null, gives the member's empty value. Money goes through Usd::fromJsonNumber (exact to the
// micro-dollar); times become UTC QDateTime and are written back with milliseconds.
class JsonCodec
{
public:
    // Each returns false and sets *error (when given) on a malformed value; *out is then
    // unspecified.
    static bool fromJson(const QJsonValue &json, KeyScope *out, QString *error = nullptr);
    static bool fromJson(const QJsonValue &json, VaultKey *out, QString *error = nullptr);
    static bool fromJson(const QJsonValue &json, IssuedKey *out, QString *error = nullptr);
    static bool fromJson(const QJsonValue &json, IssueKeyRequest *out, QString *error = nullptr);
    static bool fromJson(const QJsonValue &json, KeyPage *out, QString *error = nullptr);
    static bool fromJson(const QJsonValue &json, RevokeResult *out, QString *error = nullptr);
    static bool fromJson(const QJsonValue &json, BulkRevokeRequest *out, QString *error = nullptr);
    static bool fromJson(const QJsonValue &json, BulkRevokeResult *out, QString *error = nullptr);
    static bool fromJson(const QJsonValue &json, AuditEntry *out, QString *error = nullptr);
    static bool fromJson(const QJsonValue &json, AuditPage *out, QString *error = nullptr);
    static bool fromJson(const QJsonValue &json, TodayStats *out, QString *error = nullptr);
    static bool fromJson(const QJsonValue &json, WhoAmI *out, QString *error = nullptr);
    static bool fromJson(const QJsonValue &json, VendorOperation *out, QString *error = nullptr);
    static bool fromJson(const QJsonValue &json, VendorInfo *out, QString *error = nullptr);
    static bool fromJson(const QJsonValue &json, VendorCatalog *out, QString *error = nullptr);
    static bool fromJson(const QJsonValue &json, AdminKeyInfo *out, QString *error = nullptr);
    // GET /v1/admin-keys: the {"data": [...]} envelope (a bare array is accepted too).
    static bool fromJson(const QJsonValue &json, QList<AdminKeyInfo> *out,
                         QString *error = nullptr);
    static bool fromJson(const QJsonValue &json, CreatedAdminKey *out, QString *error = nullptr);
    static bool fromJson(const QJsonValue &json, Health *out, QString *error = nullptr);
    // Runs and reports (docs/api.md, "Runs and reports").
    static bool fromJson(const QJsonValue &json, RunSummary *out, QString *error = nullptr);
    static bool fromJson(const QJsonValue &json, RunPage *out, QString *error = nullptr);
    static bool fromJson(const QJsonValue &json, RunDetail *out, QString *error = nullptr);
    static bool fromJson(const QJsonValue &json, RunTimeline *out, QString *error = nullptr);
    static bool fromJson(const QJsonValue &json, AgentReport *out, QString *error = nullptr);
    static bool fromJson(const QJsonValue &json, VendorDailyReport *out, QString *error = nullptr);
    static bool fromJson(const QJsonValue &json, AnomalyReport *out, QString *error = nullptr);
    // Prefix blocks and velocity defaults (docs/api.md, "Stopping an agent").
    static bool fromJson(const QJsonValue &json, AdminRef *out, QString *error = nullptr);
    static bool fromJson(const QJsonValue &json, PrefixBlock *out, QString *error = nullptr);
    // GET /v1/blocks: the {"data": [...]} envelope.
    static bool fromJson(const QJsonValue &json, QList<PrefixBlock> *out, QString *error = nullptr);
    static bool fromJson(const QJsonValue &json, CreateBlockRequest *out, QString *error = nullptr);
    static bool fromJson(const QJsonValue &json, VelocityDefault *out, QString *error = nullptr);
    // GET /v1/velocity-defaults: the {"data": [...]} envelope.
    static bool fromJson(const QJsonValue &json, QList<VelocityDefault> *out,
                         QString *error = nullptr);
    static bool fromJson(const QJsonValue &json, DeletedVelocityDefault *out,
                         QString *error = nullptr);

    static QJsonObject toJson(const KeyScope &value);
    static QJsonObject toJson(const VaultKey &value);
    static QJsonObject toJson(const IssuedKey &value);
    static QJsonObject toJson(const IssueKeyRequest &value);
    static QJsonObject toJson(const KeyPage &value);
    static QJsonObject toJson(const RevokeResult &value);
    static QJsonObject toJson(const BulkRevokeRequest &value);
    static QJsonObject toJson(const BulkRevokeResult &value);
    static QJsonObject toJson(const AuditEntry &value);
    static QJsonObject toJson(const AuditPage &value);
    static QJsonObject toJson(const TodayStats &value);
    static QJsonObject toJson(const WhoAmI &value);
    static QJsonObject toJson(const VendorOperation &value);
    static QJsonObject toJson(const VendorInfo &value);
    static QJsonObject toJson(const VendorCatalog &value);
    static QJsonObject toJson(const AdminKeyInfo &value);
    static QJsonObject toJson(const QList<AdminKeyInfo> &value);
    static QJsonObject toJson(const CreatedAdminKey &value);
    static QJsonObject toJson(const Health &value);
    static QJsonObject toJson(const CallTotals &value);
    static QJsonObject toJson(const RunSummary &value);
    static QJsonObject toJson(const RunPage &value);
    static QJsonObject toJson(const RunDetail &value);
    static QJsonObject toJson(const TimelineBucket &value);
    static QJsonObject toJson(const TimelineKey &value);
    static QJsonObject toJson(const TimelineDenial &value);
    static QJsonObject toJson(const RunTimeline &value);
    static QJsonObject toJson(const AgentReport &value);
    static QJsonObject toJson(const VendorDailyReport &value);
    static QJsonObject toJson(const Anomaly &value);
    static QJsonObject toJson(const AnomalyReport &value);
    static QJsonObject toJson(const AdminRef &value);
    static QJsonObject toJson(const PrefixBlock &value);
    static QJsonObject toJson(const QList<PrefixBlock> &value);
    static QJsonObject toJson(const CreateBlockRequest &value);
    static QJsonObject toJson(const VelocityDefault &value);
    static QJsonObject toJson(const QList<VelocityDefault> &value);
    static QJsonObject toJson(const DeletedVelocityDefault &value);

    // Money and times as the contract writes them: a JSON number with at most six decimals, and
    // "2026-11-28T14:03:05.123Z" (null for an invalid QDateTime).
    static QJsonValue moneyToJson(Usd value);
    static QJsonValue timeToJson(const QDateTime &value);
    // "15m", "2h", "1d", "90s", "900" or a JSON integer, as expires_in accepts it; nullopt when
    // malformed or not positive.
    static std::optional<qint64> parseDurationSeconds(const QJsonValue &json);

    // A whole response body: not JSON, or JSON of the wrong shape, gives kind Parse.
    template<typename T>
    static Result<T> decode(const QByteArray &body, const QString &failedAction = {},
                            int httpStatus = 0, const QString &requestId = {})
    {
        QString error;
        const QJsonValue json = parseDocument(body, &error);
        T value {};
        if (error.isEmpty() && fromJson(json, &value, &error))
            return value;
        return ApiError::parseFailure(failedAction, error, httpStatus, requestId);
    }

private:
    // The top-level value of a JSON text; an empty *error means success.
    static QJsonValue parseDocument(const QByteArray &body, QString *error);
};

} // namespace keybrake::client
