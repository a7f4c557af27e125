#include "client/jsoncodec.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>

#include <limits>

namespace keybrake::client {

namespace {

// Every decoder reports the first problem with the path to it, "data[3].daily_usd_cap: ...".
bool decode(const QJsonValue &, const QString &, QString *, KeyScope *);
bool decode(const QJsonValue &, const QString &, QString *, VaultKey *);
bool decode(const QJsonValue &, const QString &, QString *, IssuedKey *);
bool decode(const QJsonValue &, const QString &, QString *, IssueKeyRequest *);
bool decode(const QJsonValue &, const QString &, QString *, KeyPage *);
bool decode(const QJsonValue &, const QString &, QString *, RevokeResult *);
bool decode(const QJsonValue &, const QString &, QString *, BulkRevokeRequest *);
bool decode(const QJsonValue &, const QString &, QString *, BulkRevokeResult *);
bool decode(const QJsonValue &, const QString &, QString *, AuditEntry *);
bool decode(const QJsonValue &, const QString &, QString *, AuditPage *);
bool decode(const QJsonValue &, const QString &, QString *, TodayStats *);
bool decode(const QJsonValue &, const QString &, QString *, WhoAmI *);
bool decode(const QJsonValue &, const QString &, QString *, VendorOperation *);
bool decode(const QJsonValue &, const QString &, QString *, VendorInfo *);
bool decode(const QJsonValue &, const QString &, QString *, VendorCatalog *);
bool decode(const QJsonValue &, const QString &, QString *, AdminKeyInfo *);
bool decode(const QJsonValue &, const QString &, QString *, QList<AdminKeyInfo> *);
bool decode(const QJsonValue &, const QString &, QString *, CreatedAdminKey *);
bool decode(const QJsonValue &, const QString &, QString *, Health *);
bool decode(const QJsonValue &, const QString &, QString *, CallTotals *);
bool decode(const QJsonValue &, const QString &, QString *, RunSummary *);
bool decode(const QJsonValue &, const QString &, QString *, RunPage *);
bool decode(const QJsonValue &, const QString &, QString *, RunVendorTotals *);
bool decode(const QJsonValue &, const QString &, QString *, RunDayTotals *);
bool decode(const QJsonValue &, const QString &, QString *, RunKeyTotals *);
bool decode(const QJsonValue &, const QString &, QString *, RunDetail *);
bool decode(const QJsonValue &, const QString &, QString *, TimelineBucket *);
bool decode(const QJsonValue &, const QString &, QString *, TimelineKey *);
bool decode(const QJsonValue &, const QString &, QString *, TimelineDenial *);
bool decode(const QJsonValue &, const QString &, QString *, RunTimeline *);
bool decode(const QJsonValue &, const QString &, QString *, AgentTotals *);
bool decode(const QJsonValue &, const QString &, QString *, AgentReport *);
bool decode(const QJsonValue &, const QString &, QString *, VendorDay *);
bool decode(const QJsonValue &, const QString &, QString *, VendorDailyReport *);
bool decode(const QJsonValue &, const QString &, QString *, Anomaly *);
bool decode(const QJsonValue &, const QString &, QString *, AnomalyThresholds *);
bool decode(const QJsonValue &, const QString &, QString *, AnomalyReport *);
bool decode(const QJsonValue &, const QString &, QString *, AdminRef *);
bool decode(const QJsonValue &, const QString &, QString *, PrefixBlock *);
bool decode(const QJsonValue &, const QString &, QString *, QList<PrefixBlock> *);
bool decode(const QJsonValue &, const QString &, QString *, CreateBlockRequest *);
bool decode(const QJsonValue &, const QString &, QString *, VelocityDefault *);
bool decode(const QJsonValue &, const QString &, QString *, QList<VelocityDefault> *);
bool decode(const QJsonValue &, const QString &, QString *, DeletedVelocityDefault *);

enum class Need {
    Optional, // missing or null gives the empty value
    Required, // missing or null is an error
};

// Reads the members of one JSON object. After the first error every read returns an empty value
// and the error stays the first one.
class Reader
{
public:
    Reader(const QJsonValue &json, QString path, QString *error)
        : m_path(std::move(path))
        , m_error(error)
    {
        if (json.isObject())
            m_object = json.toObject();
        else
            fail({}, QStringLiteral("expected an object"));
    }

    bool ok() const { return m_error->isEmpty(); }

    QString string(QStringView key, Need need = Need::Optional)
    {
        const QJsonValue value = member(key, need);
        if (value.isUndefined())
            return {};
        if (!value.isString())
            return fail(key, QStringLiteral("expected a string")), QString();
        return value.toString();
    }

    // Nullable text written as a string, an object or an array (compact JSON text then).
    QString text(QStringView key)
    {
        const QJsonValue value = member(key, Need::Optional);
        if (value.isUndefined())
            return {};
        if (value.isString())
            return value.toString();
        if (value.isObject())
            return QString::fromUtf8(
                QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact));
        if (value.isArray())
            return QString::fromUtf8(QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact));
        fail(key, QStringLiteral("expected a string or an object"));
        return {};
    }

    bool boolean(QStringView key, Need need = Need::Optional)
    {
        const QJsonValue value = member(key, need);
        if (value.isUndefined())
            return false;
        if (!value.isBool())
            return fail(key, QStringLiteral("expected true or false")), false;
        return value.toBool();
    }

    std::optional<qint64> optionalInteger(QStringView key, Need need = Need::Optional)
    {
        const QJsonValue value = member(key, need);
        if (value.isUndefined())
            return std::nullopt;
        // toInteger() answers its default unless the number is a whole qint64: two different
        // defaults tell "not whole" apart from a real value.
        if (!value.isDouble() || value.toInteger(0) != value.toInteger(1))
            return fail(key, QStringLiteral("expected a whole number")), std::nullopt;
        return value.toInteger();
    }
    qint64 integer(QStringView key, Need need = Need::Optional)
    {
        return optionalInteger(key, need).value_or(0);
    }

    std::optional<double> optionalNumber(QStringView key)
    {
        const QJsonValue value = member(key, Need::Optional);
        if (value.isUndefined())
            return std::nullopt;
        if (!value.isDouble())
            return fail(key, QStringLiteral("expected a number")), std::nullopt;
        return value.toDouble();
    }

    std::optional<Usd> optionalMoney(QStringView key, Need need = Need::Optional)
    {
        const QJsonValue value = member(key, need);
        if (value.isUndefined())
            return std::nullopt;
        if (!value.isDouble())
            return fail(key, QStringLiteral("expected a number")), std::nullopt;
        const std::optional<Usd> usd = Usd::fromJsonNumber(value.toDouble());
        if (!usd)
            fail(key, QStringLiteral("expected a USD amount with at most 6 decimals"));
        return usd;
    }
    Usd money(QStringView key, Need need = Need::Optional)
    {
        return optionalMoney(key, need).value_or(Usd());
    }

    // RFC 3339 with a "Z" or an offset; the result is UTC. A time without an offset would be
    // read as local time, which is never what the server means, so it is refused.
    QDateTime time(QStringView key, Need need = Need::Optional)
    {
        const QJsonValue value = member(key, need);
        if (value.isUndefined())
            return {};
        QDateTime time;
        if (value.isString())
            time = QDateTime::fromString(value.toString(), Qt::ISODateWithMs);
        if (!time.isValid() || time.timeSpec() == Qt::LocalTime)
            return fail(key, QStringLiteral("expected an RFC 3339 time with an offset")),
                   QDateTime();
        return time.toUTC();
    }

    QStringList strings(QStringView key, Need need = Need::Optional)
    {
        const QJsonValue value = member(key, need);
        if (value.isUndefined())
            return {};
        if (!value.isArray())
            return fail(key, QStringLiteral("expected an array of strings")), QStringList();
        QStringList list;
        const QJsonArray array = value.toArray();
        for (qsizetype i = 0; i < array.size(); ++i) {
            if (!array.at(i).isString()) {
                fail(QStringLiteral("%1[%2]").arg(key).arg(i), QStringLiteral("expected a string"));
                return {};
            }
            list << array.at(i).toString();
        }
        return list;
    }

    QMap<QString, QString> stringMap(QStringView key)
    {
        const QJsonValue value = member(key, Need::Optional);
        if (value.isUndefined())
            return {};
        if (!value.isObject())
            return fail(key, QStringLiteral("expected an object of strings")),
                   QMap<QString, QString>();
        QMap<QString, QString> map;
        const QJsonObject object = value.toObject();
        for (auto it = object.begin(); it != object.end(); ++it) {
            if (!it.value().isString()) {
                fail(QString(key.toString() + u'.' + it.key()),
                     QStringLiteral("expected a string"));
                return {};
            }
            map.insert(it.key(), it.value().toString());
        }
        return map;
    }

    template<typename T>
    void object(QStringView key, T *out, Need need = Need::Optional)
    {
        const QJsonValue value = member(key, need);
        if (!value.isUndefined() && ok())
            decode(value, where(key), m_error, out);
    }

    template<typename T>
    QList<T> list(QStringView key, Need need = Need::Optional)
    {
        const QJsonValue value = member(key, need);
        if (value.isUndefined())
            return {};
        if (!value.isArray())
            return fail(key, QStringLiteral("expected an array")), QList<T>();
        const QJsonArray array = value.toArray();
        QList<T> list;
        list.reserve(array.size());
        for (qsizetype i = 0; i < array.size() && ok(); ++i) {
            T item {};
            if (decode(array.at(i), QStringLiteral("%1[%2]").arg(where(key)).arg(i), m_error,
                       &item))
                list.append(std::move(item));
        }
        return ok() ? list : QList<T>();
    }

    // An object whose members all decode as T ("vendors": {"stripe": {...}}).
    template<typename T>
    QMap<QString, T> map(QStringView key)
    {
        const QJsonValue value = member(key, Need::Optional);
        if (value.isUndefined())
            return {};
        if (!value.isObject())
            return fail(key, QStringLiteral("expected an object")), QMap<QString, T>();
        const QJsonObject object = value.toObject();
        QMap<QString, T> map;
        for (auto it = object.begin(); it != object.end() && ok(); ++it) {
            T item {};
            if (decode(it.value(), where(key) + u'.' + it.key(), m_error, &item))
                map.insert(it.key(), std::move(item));
        }
        return ok() ? map : QMap<QString, T>();
    }

    QMap<QString, qint64> integerMap(QStringView key)
    {
        const QJsonValue value = member(key, Need::Optional);
        if (value.isUndefined())
            return {};
        if (!value.isObject())
            return fail(key, QStringLiteral("expected an object of numbers")),
                   QMap<QString, qint64>();
        QMap<QString, qint64> map;
        const QJsonObject object = value.toObject();
        for (auto it = object.begin(); it != object.end(); ++it) {
            if (!it.value().isDouble() || it.value().toInteger(0) != it.value().toInteger(1)) {
                fail(QString(key.toString() + u'.' + it.key()),
                     QStringLiteral("expected a whole number"));
                return {};
            }
            map.insert(it.key(), it.value().toInteger());
        }
        return map;
    }

    void fail(QStringView key, const QString &what)
    {
        if (!m_error->isEmpty())
            return;
        const QString path = where(key);
        *m_error = path.isEmpty() ? what : path + QStringLiteral(": ") + what;
    }

private:
    QString where(QStringView key) const
    {
        if (key.isEmpty())
            return m_path;
        return m_path.isEmpty() ? key.toString() : m_path + u'.' + key;
    }

    // Undefined for a missing or null member (an error when required), the value otherwise.
    QJsonValue member(QStringView key, Need need)
    {
        if (!ok())
            return QJsonValue(QJsonValue::Undefined);
        const QJsonValue value = m_object.value(key);
        if (value.isUndefined() || value.isNull()) {
            if (need == Need::Required)
                fail(key, QStringLiteral("missing"));
            return QJsonValue(QJsonValue::Undefined);
        }
        return value;
    }

    QJsonObject m_object;
    QString m_path;
    QString *m_error;
};

bool decode(const QJsonValue &json, const QString &path, QString *error, KeyScope *out)
{
    Reader r(json, path, error);
    out->stripeCustomers = r.strings(u"stripe_customers");
    out->stripeAccounts = r.strings(u"stripe_accounts");
    out->resendFromDomains = r.strings(u"resend_from_domains");
    out->twilioFromNumbers = r.strings(u"twilio_from_numbers");
    return r.ok();
}

bool decode(const QJsonValue &json, const QString &path, QString *error, VaultKey *out)
{
    Reader r(json, path, error);
    out->keyId = r.string(u"key_id", Need::Required);
    out->name = r.string(u"name");
    out->vendor = r.string(u"vendor", Need::Required);
    out->status = parseKeyStatus(r.string(u"status", Need::Required));
    out->keyHint = r.string(u"key_hint");
    out->dailyUsdCap = r.money(u"daily_usd_cap", Need::Required);
    out->allowedEndpoints = r.strings(u"allowed_endpoints");
    out->scope = {};
    r.object(u"scope", &out->scope);
    out->agentRunLabel = r.string(u"agent_run_label");
    out->metadata = r.stringMap(u"metadata");
    out->createdAt = r.time(u"created_at");
    out->expiresAt = r.time(u"expires_at");
    out->revokedAt = r.time(u"revoked_at");
    out->maxCallsPerMinute = r.optionalInteger(u"max_calls_per_minute");
    out->maxUsdPerMinute = r.optionalMoney(u"max_usd_per_minute");
    out->issuedBy = {};
    r.object(u"issued_by", &out->issuedBy);
    out->revokedBy = {};
    r.object(u"revoked_by", &out->revokedBy);
    out->revokeReason = r.string(u"revoke_reason");
    out->spentTodayUsd = r.money(u"spent_today_usd");
    out->heldUsd = r.money(u"held_usd");
    out->callsToday = r.integer(u"calls_today");
    out->blockedToday = r.integer(u"blocked_today");
    out->lastCallAt = r.time(u"last_call_at");
    out->resetsAt = r.time(u"resets_at");
    return r.ok();
}

bool decode(const QJsonValue &json, const QString &path, QString *error, IssuedKey *out)
{
    if (!decode(json, path, error, &out->key))
        return false;
    Reader r(json, path, error);
    out->vaultKey = r.string(u"vault_key", Need::Required);
    return r.ok();
}

bool decode(const QJsonValue &json, const QString &path, QString *error, IssueKeyRequest *out)
{
    Reader r(json, path, error);
    out->vendor = r.string(u"vendor", Need::Required);
    out->dailyUsdCap = r.money(u"daily_usd_cap", Need::Required);
    out->allowedEndpoints = r.strings(u"allowed_endpoints");
    out->expiresIn = std::chrono::seconds(0);
    if (const QJsonValue expiresIn = json.toObject().value(u"expires_in");
        r.ok() && !expiresIn.isUndefined() && !expiresIn.isNull()) {
        const std::optional<qint64> seconds = JsonCodec::parseDurationSeconds(expiresIn);
        if (seconds)
            out->expiresIn = std::chrono::seconds(*seconds);
        else
            r.fail(u"expires_in", QStringLiteral("expected a duration such as \"15m\" or 900"));
    }
    out->expiresAt = r.time(u"expires_at");
    out->agentRunLabel = r.string(u"agent_run_label");
    out->name = r.string(u"name");
    out->scope = {};
    r.object(u"scope", &out->scope);
    out->metadata = r.stringMap(u"metadata");
    out->maxCallsPerMinute = r.optionalInteger(u"max_calls_per_minute");
    out->maxUsdPerMinute = r.optionalMoney(u"max_usd_per_minute");
    out->idempotencyKey.clear(); // a header, never part of the body
    return r.ok();
}

bool decode(const QJsonValue &json, const QString &path, QString *error, KeyPage *out)
{
    Reader r(json, path, error);
    out->data = r.list<VaultKey>(u"data", Need::Required);
    out->nextCursor = r.string(u"next_cursor");
    return r.ok();
}

bool decode(const QJsonValue &json, const QString &path, QString *error, RevokeResult *out)
{
    Reader r(json, path, error);
    out->keyId = r.string(u"key_id", Need::Required);
    const QString status = r.string(u"status");
    out->status = status.isEmpty() ? KeyStatus::Revoked : parseKeyStatus(status);
    out->revokedAt = r.time(u"revoked_at", Need::Required);
    out->alreadyRevoked = r.boolean(u"already_revoked");
    out->heldUsd = r.money(u"held_usd");
    return r.ok();
}

bool decode(const QJsonValue &json, const QString &path, QString *error, BulkRevokeRequest *out)
{
    Reader r(json, path, error);
    out->keyIds = r.strings(u"key_ids");
    out->labelPrefix = r.string(u"label_prefix");
    out->vendor = r.string(u"vendor");
    out->dryRun = r.boolean(u"dry_run");
    out->reason = r.string(u"reason");
    out->block = r.boolean(u"block");
    out->blockExpiresIn = std::chrono::seconds(0);
    if (const QJsonValue expiresIn = json.toObject().value(u"expires_in");
        r.ok() && !expiresIn.isUndefined() && !expiresIn.isNull()) {
        const std::optional<qint64> seconds = JsonCodec::parseDurationSeconds(expiresIn);
        if (seconds)
            out->blockExpiresIn = std::chrono::seconds(*seconds);
        else
            r.fail(u"expires_in", QStringLiteral("expected a duration such as \"1h\" or 3600"));
    }
    return r.ok();
}

bool decode(const QJsonValue &json, const QString &path, QString *error, BulkRevokeResult *out)
{
    Reader r(json, path, error);
    out->revoked = r.integer(u"revoked", Need::Required);
    out->keyIds = r.strings(u"key_ids");
    out->notFound = r.strings(u"not_found");
    out->dryRun = r.boolean(u"dry_run");
    out->heldUsd = r.money(u"held_usd");
    out->revokedAt = r.time(u"revoked_at");
    out->block.reset();
    if (const QJsonValue block = json.toObject().value(u"block"); r.ok() && block.isObject()) {
        PrefixBlock value;
        if (decode(block, path + QStringLiteral(".block"), error, &value))
            out->block = std::move(value);
    }
    return r.ok();
}

bool decode(const QJsonValue &json, const QString &path, QString *error, AuditEntry *out)
{
    Reader r(json, path, error);
    out->id = r.string(u"id", Need::Required);
    out->ts = r.time(u"ts", Need::Required);
    const QString kind = r.string(u"kind");
    out->kind = kind.isEmpty() ? AuditKind::Call : parseAuditKind(kind);
    out->requestId = r.string(u"request_id");
    out->keyId = r.string(u"key_id");
    out->keyName = r.string(u"key_name");
    out->agentRunLabel = r.string(u"agent_run_label");
    out->vendor = r.string(u"vendor");
    out->method = r.string(u"method");
    out->path = r.string(u"path");
    out->operation = r.string(u"operation");
    out->verdict = r.string(u"verdict");
    out->reason = r.string(u"reason");
    out->httpStatus = static_cast<int>(r.integer(u"http_status"));
    const std::optional<qint64> upstream = r.optionalInteger(u"upstream_status");
    out->upstreamStatus = upstream ? std::optional<int>(static_cast<int>(*upstream)) : std::nullopt;
    out->costUsd = r.money(u"cost_usd");
    out->costSource = r.string(u"cost_source");
    out->currency = r.string(u"currency");
    out->originalAmount = r.optionalInteger(u"original_amount");
    out->capUsageAfterUsd = r.optionalMoney(u"cap_usage_after_usd");
    out->customerScopeId = r.string(u"customer_scope_id");
    out->vendorObjectId = r.string(u"vendor_object_id");
    out->vendorRequestId = r.string(u"vendor_request_id");
    out->idempotencyKey = r.string(u"idempotency_key");
    out->latencyMs = r.optionalNumber(u"latency_ms");
    out->upstreamLatencyMs = r.optionalNumber(u"upstream_latency_ms");
    out->action = r.string(u"action");
    out->actor = r.string(u"actor");
    out->actorName = r.string(u"actor_name");
    out->detail = r.text(u"detail");
    return r.ok();
}

bool decode(const QJsonValue &json, const QString &path, QString *error, AuditPage *out)
{
    Reader r(json, path, error);
    out->data = r.list<AuditEntry>(u"data", Need::Required);
    out->nextCursor = r.string(u"next_cursor");
    return r.ok();
}

bool decode(const QJsonValue &json, const QString &path, QString *error, TodayStats *out)
{
    Reader r(json, path, error);
    out->activeKeys = r.integer(u"active_keys", Need::Required);
    out->spendTodayUsd = r.money(u"spend_today_usd", Need::Required);
    out->heldUsd = r.money(u"held_usd");
    out->callsToday = r.integer(u"calls_today");
    out->blockedToday = r.integer(u"blocked_today");
    out->windowStart = r.time(u"window_start");
    out->resetsAt = r.time(u"resets_at");
    out->spendTimezone = r.string(u"spend_timezone");
    out->asOf = r.time(u"as_of");
    return r.ok();
}

// Roles are the contract's fixed hierarchy: an unknown one is an error, never a guess.
AdminRole readRole(Reader &r, Need need)
{
    const QString name = r.string(u"role", need);
    if (name.isEmpty())
        return AdminRole::Viewer;
    const std::optional<AdminRole> role = parseAdminRole(name);
    if (!role)
        r.fail(u"role", QStringLiteral("unknown role \"%1\"").arg(name));
    return role.value_or(AdminRole::Viewer);
}

bool decode(const QJsonValue &json, const QString &path, QString *error, WhoAmI *out)
{
    Reader r(json, path, error);
    out->adminKeyId = r.string(u"admin_key_id", Need::Required);
    out->name = r.string(u"name");
    out->role = readRole(r, Need::Required);
    out->serverVersion = r.string(u"server_version");
    out->spendTimezone = r.string(u"spend_timezone");
    out->maxDailyUsdCap = r.money(u"max_daily_usd_cap");
    return r.ok();
}

bool decode(const QJsonValue &json, const QString &path, QString *error, VendorOperation *out)
{
    Reader r(json, path, error);
    out->name = r.string(u"name", Need::Required);
    out->method = r.string(u"method");
    out->path = r.string(u"path");
    out->moneyMoving = r.boolean(u"money_moving");
    out->costRule = r.string(u"cost_rule");
    return r.ok();
}

bool decode(const QJsonValue &json, const QString &path, QString *error, VendorInfo *out)
{
    Reader r(json, path, error);
    out->vendor = r.string(u"vendor", Need::Required);
    out->credentialConfigured = r.boolean(u"credential_configured");
    out->operations = r.list<VendorOperation>(u"operations");
    return r.ok();
}

bool decode(const QJsonValue &json, const QString &path, QString *error, VendorCatalog *out)
{
    Reader r(json, path, error);
    out->vendors = r.list<VendorInfo>(u"data", Need::Required);
    out->maxDailyUsdCap = r.money(u"max_daily_usd_cap");
    out->maxExpiresInSeconds = r.integer(u"max_expires_in_s");
    return r.ok();
}

bool decode(const QJsonValue &json, const QString &path, QString *error, AdminKeyInfo *out)
{
    Reader r(json, path, error);
    out->id = r.string(u"id", Need::Required);
    out->name = r.string(u"name");
    out->role = readRole(r, Need::Optional);
    out->keyHint = r.string(u"key_hint");
    out->createdAt = r.time(u"created_at");
    out->revokedAt = r.time(u"revoked_at");
    out->createdBy = r.string(u"created_by");
    out->createdByName = r.string(u"created_by_name");
    out->lastUsedAt = r.time(u"last_used_at");
    out->keysIssuedToday = r.integer(u"keys_issued_today");
    return r.ok();
}

bool decode(const QJsonValue &json, const QString &path, QString *error, AdminRef *out)
{
    Reader r(json, path, error);
    out->adminKeyId = r.string(u"admin_key_id", Need::Required);
    out->name = r.string(u"name");
    return r.ok();
}

bool decode(const QJsonValue &json, const QString &path, QString *error, PrefixBlock *out)
{
    Reader r(json, path, error);
    out->id = r.string(u"id", Need::Required);
    out->labelPrefix = r.string(u"label_prefix", Need::Required);
    out->vendor = r.string(u"vendor");
    out->reason = r.string(u"reason");
    out->status = r.string(u"status");
    out->createdAt = r.time(u"created_at");
    out->endsAt = r.time(u"ends_at");
    out->liftedAt = r.time(u"lifted_at");
    out->createdBy = {};
    r.object(u"created_by", &out->createdBy);
    out->liftedBy = {};
    r.object(u"lifted_by", &out->liftedBy);
    out->liftReason = r.string(u"lift_reason");
    out->refusedCalls = r.integer(u"refused_calls");
    out->refusedIssuances = r.integer(u"refused_issuances");
    return r.ok();
}

bool decode(const QJsonValue &json, const QString &path, QString *error, QList<PrefixBlock> *out)
{
    Reader r(json, path, error);
    *out = r.list<PrefixBlock>(u"data", Need::Required);
    return r.ok();
}

bool decode(const QJsonValue &json, const QString &path, QString *error, CreateBlockRequest *out)
{
    Reader r(json, path, error);
    out->labelPrefix = r.string(u"label_prefix", Need::Required);
    out->vendor = r.string(u"vendor");
    out->reason = r.string(u"reason");
    out->expiresIn = std::chrono::seconds(0);
    if (const QJsonValue expiresIn = json.toObject().value(u"expires_in");
        r.ok() && !expiresIn.isUndefined() && !expiresIn.isNull()) {
        const std::optional<qint64> seconds = JsonCodec::parseDurationSeconds(expiresIn);
        if (seconds)
            out->expiresIn = std::chrono::seconds(*seconds);
        else
            r.fail(u"expires_in", QStringLiteral("expected a duration such as \"1h\" or 3600"));
    }
    return r.ok();
}

bool decode(const QJsonValue &json, const QString &path, QString *error, VelocityDefault *out)
{
    Reader r(json, path, error);
    out->labelPrefix = r.string(u"label_prefix", Need::Required);
    out->maxCallsPerMinute = r.optionalInteger(u"max_calls_per_minute");
    out->maxUsdPerMinute = r.optionalMoney(u"max_usd_per_minute");
    out->updatedAt = r.time(u"updated_at");
    out->updatedBy = {};
    r.object(u"updated_by", &out->updatedBy);
    return r.ok();
}

bool decode(const QJsonValue &json, const QString &path, QString *error,
            QList<VelocityDefault> *out)
{
    Reader r(json, path, error);
    *out = r.list<VelocityDefault>(u"data", Need::Required);
    return r.ok();
}

bool decode(const QJsonValue &json, const QString &path, QString *error,
            DeletedVelocityDefault *out)
{
    Reader r(json, path, error);
    out->labelPrefix = r.string(u"label_prefix", Need::Required);
    return r.ok();
}

bool decode(const QJsonValue &json, const QString &path, QString *error, QList<AdminKeyInfo> *out)
{
    if (json.isArray()) {
        QJsonObject envelope;
        envelope.insert(u"data", json);
        return decode(envelope, path, error, out);
    }
    Reader r(json, path, error);
    *out = r.list<AdminKeyInfo>(u"data", Need::Required);
    return r.ok();
}

bool decode(const QJsonValue &json, const QString &path, QString *error, CreatedAdminKey *out)
{
    if (!decode(json, path, error, &out->key))
        return false;
    Reader r(json, path, error);
    out->apiKey = r.string(u"api_key", Need::Required);
    return r.ok();
}

bool decode(const QJsonValue &json, const QString &path, QString *error, Health *out)
{
    Reader r(json, path, error);
    out->status = r.string(u"status", Need::Required);
    out->store = r.string(u"store");
    return r.ok();
}

// The totals object's members, read from the object that carries them.
void readTotals(Reader &r, CallTotals *out)
{
    out->spendUsd = r.money(u"spend_usd");
    out->heldUsd = r.money(u"held_usd");
    out->calls = r.integer(u"calls");
    out->blocked = r.integer(u"blocked");
    out->firstCallAt = r.time(u"first_call_at");
    out->lastCallAt = r.time(u"last_call_at");
}

bool decode(const QJsonValue &json, const QString &path, QString *error, CallTotals *out)
{
    Reader r(json, path, error);
    readTotals(r, out);
    return r.ok();
}

bool decode(const QJsonValue &json, const QString &path, QString *error, RunSummary *out)
{
    Reader r(json, path, error);
    out->label = r.string(u"label", Need::Required);
    out->labelPrefix = r.string(u"label_prefix");
    out->vendors = r.strings(u"vendors");
    out->keys = r.integer(u"keys");
    out->activeKeys = r.integer(u"active_keys");
    out->revokedKeys = r.integer(u"revoked_keys");
    out->cappedKeys = r.integer(u"capped_keys");
    out->totalCapUsd = r.money(u"total_cap_usd");
    out->status = parseRunStatus(r.string(u"status", Need::Required));
    readTotals(r, &out->totals);
    return r.ok();
}

bool decode(const QJsonValue &json, const QString &path, QString *error, RunPage *out)
{
    Reader r(json, path, error);
    out->data = r.list<RunSummary>(u"data", Need::Required);
    out->nextCursor = r.string(u"next_cursor");
    out->since = r.time(u"since");
    out->until = r.time(u"until");
    out->spendTimezone = r.string(u"spend_timezone");
    return r.ok();
}

bool decode(const QJsonValue &json, const QString &path, QString *error, RunVendorTotals *out)
{
    Reader r(json, path, error);
    out->vendor = r.string(u"vendor", Need::Required);
    readTotals(r, &out->totals);
    return r.ok();
}

bool decode(const QJsonValue &json, const QString &path, QString *error, RunDayTotals *out)
{
    Reader r(json, path, error);
    out->day = r.string(u"day", Need::Required);
    out->windowStart = r.time(u"window_start");
    out->windowEnd = r.time(u"window_end");
    readTotals(r, &out->totals);
    return r.ok();
}

bool decode(const QJsonValue &json, const QString &path, QString *error, RunKeyTotals *out)
{
    Reader r(json, path, error);
    out->keyId = r.string(u"key_id", Need::Required);
    out->name = r.string(u"name");
    out->vendor = r.string(u"vendor");
    out->dailyUsdCap = r.money(u"daily_usd_cap", Need::Required);
    out->status = parseKeyStatus(r.string(u"status"));
    out->createdAt = r.time(u"created_at");
    out->expiresAt = r.time(u"expires_at");
    out->revokedAt = r.time(u"revoked_at");
    readTotals(r, &out->totals);
    out->spentTodayUsd = r.money(u"spent_today_usd");
    out->heldTodayUsd = r.money(u"held_today_usd");
    out->callsToday = r.integer(u"calls_today");
    out->blockedToday = r.integer(u"blocked_today");
    return r.ok();
}

bool decode(const QJsonValue &json, const QString &path, QString *error, RunDetail *out)
{
    Reader r(json, path, error);
    out->label = r.string(u"label", Need::Required);
    out->labelPrefix = r.string(u"label_prefix");
    out->status = parseRunStatus(r.string(u"status"));
    out->since = r.time(u"since");
    out->until = r.time(u"until");
    out->spendTimezone = r.string(u"spend_timezone");
    out->resetsAt = r.time(u"resets_at");
    out->totals = {};
    r.object(u"totals", &out->totals, Need::Required);
    out->vendors = r.list<RunVendorTotals>(u"vendors");
    out->days = r.list<RunDayTotals>(u"days");
    out->keys = r.list<RunKeyTotals>(u"keys");
    out->denialsByReason = r.integerMap(u"denials_by_reason");
    return r.ok();
}

bool decode(const QJsonValue &json, const QString &path, QString *error, TimelineBucket *out)
{
    Reader r(json, path, error);
    out->start = r.time(u"start", Need::Required);
    out->calls = r.integer(u"calls");
    out->allowed = r.integer(u"allowed");
    out->denied = r.integer(u"denied");
    out->spendUsd = r.money(u"spend_usd");
    out->cumulativeSpendUsd = r.money(u"cumulative_spend_usd", Need::Required);
    return r.ok();
}

bool decode(const QJsonValue &json, const QString &path, QString *error, TimelineKey *out)
{
    Reader r(json, path, error);
    out->keyId = r.string(u"key_id", Need::Required);
    out->name = r.string(u"name");
    out->vendor = r.string(u"vendor");
    out->dailyUsdCap = r.money(u"daily_usd_cap", Need::Required);
    return r.ok();
}

bool decode(const QJsonValue &json, const QString &path, QString *error, TimelineDenial *out)
{
    Reader r(json, path, error);
    out->id = r.string(u"id");
    out->ts = r.time(u"ts", Need::Required);
    out->keyId = r.string(u"key_id");
    out->verdict = r.string(u"verdict");
    out->reason = r.string(u"reason");
    return r.ok();
}

bool decode(const QJsonValue &json, const QString &path, QString *error, RunTimeline *out)
{
    Reader r(json, path, error);
    out->label = r.string(u"label", Need::Required);
    out->bucket = r.string(u"bucket");
    out->bucketSeconds = r.integer(u"bucket_seconds", Need::Required);
    out->since = r.time(u"since");
    out->until = r.time(u"until");
    out->spendTimezone = r.string(u"spend_timezone");
    out->firstCallAt = r.time(u"first_call_at");
    out->lastCallAt = r.time(u"last_call_at");
    out->spendBeforeUsd = r.money(u"spend_before_usd");
    out->buckets = r.list<TimelineBucket>(u"buckets", Need::Required);
    out->keys = r.list<TimelineKey>(u"keys");
    out->denials = r.list<TimelineDenial>(u"denials");
    out->denialsTruncated = r.boolean(u"denials_truncated");
    if (r.ok() && out->bucketSeconds <= 0)
        r.fail(u"bucket_seconds", QStringLiteral("expected a positive number"));
    return r.ok();
}

bool decode(const QJsonValue &json, const QString &path, QString *error, AgentTotals *out)
{
    Reader r(json, path, error);
    out->labelPrefix = r.string(u"label_prefix");
    out->runs = r.integer(u"runs");
    out->keys = r.integer(u"keys");
    readTotals(r, &out->totals);
    return r.ok();
}

bool decode(const QJsonValue &json, const QString &path, QString *error, AgentReport *out)
{
    Reader r(json, path, error);
    out->data = r.list<AgentTotals>(u"data", Need::Required);
    out->totals = {};
    r.object(u"totals", &out->totals);
    out->since = r.time(u"since");
    out->until = r.time(u"until");
    const std::optional<qint64> days = r.optionalInteger(u"days");
    out->days = days ? std::optional<int>(int(*days)) : std::nullopt;
    out->spendTimezone = r.string(u"spend_timezone");
    return r.ok();
}

bool decode(const QJsonValue &json, const QString &path, QString *error, VendorDay *out)
{
    Reader r(json, path, error);
    out->day = r.string(u"day", Need::Required);
    out->windowStart = r.time(u"window_start");
    out->windowEnd = r.time(u"window_end");
    readTotals(r, &out->totals);
    out->vendors = r.map<CallTotals>(u"vendors");
    return r.ok();
}

bool decode(const QJsonValue &json, const QString &path, QString *error, VendorDailyReport *out)
{
    Reader r(json, path, error);
    out->data = r.list<VendorDay>(u"data", Need::Required);
    out->totals = {};
    out->vendorTotals.clear();
    if (const QJsonValue totals = json.toObject().value(u"totals"); totals.isObject()) {
        r.object(u"totals", &out->totals);
        Reader t(totals, QStringLiteral("totals"), error);
        out->vendorTotals = t.map<CallTotals>(u"vendors");
    }
    out->days = int(r.integer(u"days"));
    out->vendors = r.strings(u"vendors");
    out->since = r.time(u"since");
    out->until = r.time(u"until");
    out->spendTimezone = r.string(u"spend_timezone");
    return r.ok();
}

bool decode(const QJsonValue &json, const QString &path, QString *error, Anomaly *out)
{
    Reader r(json, path, error);
    out->kind = r.string(u"kind", Need::Required);
    out->reason = r.string(u"reason");
    out->label = r.string(u"label");
    out->labelPrefix = r.string(u"label_prefix");
    out->period = r.string(u"period");
    out->keyId = r.string(u"key_id");
    out->keyName = r.string(u"key_name");
    out->vendor = r.string(u"vendor");
    out->metric = r.string(u"metric");
    out->valueUsd = r.optionalMoney(u"value_usd");
    out->peerMedianUsd = r.optionalMoney(u"peer_median_usd");
    out->value = r.optionalInteger(u"value");
    out->peerMedian = r.optionalInteger(u"peer_median");
    out->peers = r.optionalInteger(u"peers");
    out->ratio = r.optionalNumber(u"ratio");
    out->spentTodayUsd = r.optionalMoney(u"spent_today_usd");
    out->heldUsd = r.optionalMoney(u"held_usd");
    out->dailyUsdCap = r.optionalMoney(u"daily_usd_cap");
    out->utilisation = r.optionalNumber(u"utilisation");
    out->denialReason = r.string(u"denial_reason");
    out->count = r.optionalInteger(u"count");
    out->total = r.optionalInteger(u"total");
    out->firstAt = r.time(u"first_at");
    out->lastAt = r.time(u"last_at");
    return r.ok();
}

bool decode(const QJsonValue &json, const QString &path, QString *error, AnomalyThresholds *out)
{
    Reader r(json, path, error);
    out->peerRatio = r.optionalNumber(u"peer_ratio").value_or(0.0);
    out->minPeers = r.integer(u"min_peers");
    out->recentWindowMinutes = r.integer(u"recent_window_minutes");
    out->recentSpendFloorUsd = r.money(u"recent_spend_floor_usd");
    out->recentCallsFloor = r.integer(u"recent_calls_floor");
    out->todaySpendFloorUsd = r.money(u"today_spend_floor_usd");
    out->todayCallsFloor = r.integer(u"today_calls_floor");
    out->capUtilisation = r.optionalNumber(u"cap_utilisation").value_or(0.0);
    out->burstDenials = r.integer(u"burst_denials");
    out->burstWindowMinutes = r.integer(u"burst_window_minutes");
    out->burstLookbackMinutes = r.integer(u"burst_lookback_minutes");
    return r.ok();
}

bool decode(const QJsonValue &json, const QString &path, QString *error, AnomalyReport *out)
{
    Reader r(json, path, error);
    out->data = r.list<Anomaly>(u"data", Need::Required);
    out->thresholds = {};
    r.object(u"thresholds", &out->thresholds);
    out->asOf = r.time(u"as_of");
    out->since = r.time(u"since");
    out->until = r.time(u"until");
    out->windowStart = r.time(u"window_start");
    out->resetsAt = r.time(u"resets_at");
    out->spendTimezone = r.string(u"spend_timezone");
    return r.ok();
}

template<typename T>
bool decodeTop(const QJsonValue &json, T *out, QString *error)
{
    QString problem;
    const bool ok = decode(json, QString(), &problem, out) && problem.isEmpty();
    if (error)
        *error = problem;
    return ok;
}

QJsonArray toArray(const QStringList &list)
{
    return QJsonArray::fromStringList(list);
}

QJsonObject toObject(const QMap<QString, QString> &map)
{
    QJsonObject object;
    for (auto it = map.begin(); it != map.end(); ++it)
        object.insert(it.key(), it.value());
    return object;
}

QJsonValue nullIfEmpty(const QString &text)
{
    return text.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(text);
}

template<typename T>
QJsonValue optionalToJson(const std::optional<T> &value)
{
    if (!value)
        return QJsonValue(QJsonValue::Null);
    if constexpr (std::is_same_v<T, Usd>)
        return JsonCodec::moneyToJson(*value);
    else
        return QJsonValue(*value);
}

QJsonValue refToJson(const AdminRef &value)
{
    if (!value.isValid())
        return QJsonValue(QJsonValue::Null);
    return QJsonObject {{QStringLiteral("admin_key_id"), value.adminKeyId},
                        {QStringLiteral("name"), value.name}};
}

template<typename T>
QJsonArray listToJson(const QList<T> &list)
{
    QJsonArray array;
    for (const T &item : list)
        array.append(JsonCodec::toJson(item));
    return array;
}

} // namespace

// --- Decoding ---

bool JsonCodec::fromJson(const QJsonValue &json, KeyScope *out, QString *error)
{
    return decodeTop(json, out, error);
}
bool JsonCodec::fromJson(const QJsonValue &json, VaultKey *out, QString *error)
{
    return decodeTop(json, out, error);
}
bool JsonCodec::fromJson(const QJsonValue &json, IssuedKey *out, QString *error)
{
    return decodeTop(json, out, error);
}
bool JsonCodec::fromJson(const QJsonValue &json, IssueKeyRequest *out, QString *error)
{
    return decodeTop(json, out, error);
}
bool JsonCodec::fromJson(const QJsonValue &json, KeyPage *out, QString *error)
{
    return decodeTop(json, out, error);
}
bool JsonCodec::fromJson(const QJsonValue &json, RevokeResult *out, QString *error)
{
    return decodeTop(json, out, error);
}
bool JsonCodec::fromJson(const QJsonValue &json, BulkRevokeRequest *out, QString *error)
{
    return decodeTop(json, out, error);
}
bool JsonCodec::fromJson(const QJsonValue &json, BulkRevokeResult *out, QString *error)
{
    return decodeTop(json, out, error);
}
bool JsonCodec::fromJson(const QJsonValue &json, AuditEntry *out, QString *error)
{
    return decodeTop(json, out, error);
}
bool JsonCodec::fromJson(const QJsonValue &json, AuditPage *out, QString *error)
{
    return decodeTop(json, out, error);
}
bool JsonCodec::fromJson(const QJsonValue &json, TodayStats *out, QString *error)
{
    return decodeTop(json, out, error);
}
bool JsonCodec::fromJson(const QJsonValue &json, WhoAmI *out, QString *error)
{
    return decodeTop(json, out, error);
}
bool JsonCodec::fromJson(const QJsonValue &json, VendorOperation *out, QString *error)
{
    return decodeTop(json, out, error);
}
bool JsonCodec::fromJson(const QJsonValue &json, VendorInfo *out, QString *error)
{
    return decodeTop(json, out, error);
}
bool JsonCodec::fromJson(const QJsonValue &json, VendorCatalog *out, QString *error)
{
    return decodeTop(json, out, error);
}
bool JsonCodec::fromJson(const QJsonValue &json, AdminKeyInfo *out, QString *error)
{
    return decodeTop(json, out, error);
}
bool JsonCodec::fromJson(const QJsonValue &json, QList<AdminKeyInfo> *out, QString *error)
{
    return decodeTop(json, out, error);
}
bool JsonCodec::fromJson(const QJsonValue &json, CreatedAdminKey *out, QString *error)
{
    return decodeTop(json, out, error);
}
bool JsonCodec::fromJson(const QJsonValue &json, AdminRef *out, QString *error)
{
    return decodeTop(json, out, error);
}
bool JsonCodec::fromJson(const QJsonValue &json, PrefixBlock *out, QString *error)
{
    return decodeTop(json, out, error);
}
bool JsonCodec::fromJson(const QJsonValue &json, QList<PrefixBlock> *out, QString *error)
{
    return decodeTop(json, out, error);
}
bool JsonCodec::fromJson(const QJsonValue &json, CreateBlockRequest *out, QString *error)
{
    return decodeTop(json, out, error);
}
bool JsonCodec::fromJson(const QJsonValue &json, VelocityDefault *out, QString *error)
{
    return decodeTop(json, out, error);
}
bool JsonCodec::fromJson(const QJsonValue &json, QList<VelocityDefault> *out, QString *error)
{
    return decodeTop(json, out, error);
}
bool JsonCodec::fromJson(const QJsonValue &json, DeletedVelocityDefault *out, QString *error)
{
    return decodeTop(json, out, error);
}
bool JsonCodec::fromJson(const QJsonValue &json, Health *out, QString *error)
{
    return decodeTop(json, out, error);
}

bool JsonCodec::fromJson(const QJsonValue &json, RunSummary *out, QString *error)
{
    return decodeTop(json, out, error);
}
bool JsonCodec::fromJson(const QJsonValue &json, RunPage *out, QString *error)
{
    return decodeTop(json, out, error);
}
bool JsonCodec::fromJson(const QJsonValue &json, RunDetail *out, QString *error)
{
    return decodeTop(json, out, error);
}
bool JsonCodec::fromJson(const QJsonValue &json, RunTimeline *out, QString *error)
{
    return decodeTop(json, out, error);
}
bool JsonCodec::fromJson(const QJsonValue &json, AgentReport *out, QString *error)
{
    return decodeTop(json, out, error);
}
bool JsonCodec::fromJson(const QJsonValue &json, VendorDailyReport *out, QString *error)
{
    return decodeTop(json, out, error);
}
bool JsonCodec::fromJson(const QJsonValue &json, AnomalyReport *out, QString *error)
{
    return decodeTop(json, out, error);
}

QJsonValue JsonCodec::parseDocument(const QByteArray &body, QString *error)
{
    if (body.trimmed().isEmpty()) {
        *error = QStringLiteral("empty body");
        return {};
    }
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(body, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        *error = QStringLiteral("not JSON: %1 at offset %2")
                     .arg(parseError.errorString())
                     .arg(parseError.offset);
        return {};
    }
    if (document.isArray())
        return document.array();
    return document.object();
}

std::optional<qint64> JsonCodec::parseDurationSeconds(const QJsonValue &json)
{
    if (json.isDouble()) {
        if (json.toInteger(0) != json.toInteger(1) || json.toInteger() <= 0)
            return std::nullopt;
        return json.toInteger();
    }
    if (!json.isString())
        return std::nullopt;
    QString text = json.toString().trimmed();
    qint64 unit = 1;
    if (!text.isEmpty()) {
        switch (text.back().toLatin1()) {
        case 's':
            unit = 1;
            break;
        case 'm':
            unit = 60;
            break;
        case 'h':
            unit = 3600;
            break;
        case 'd':
            unit = 86400;
            break;
        default:
            unit = 0;
            break;
        }
        if (unit != 0)
            text.chop(1);
        else
            unit = 1;
    }
    bool ok = false;
    const qint64 count = text.toLongLong(&ok);
    // Digits only: toLongLong alone would accept "+5" and " 5".
    if (!ok || count <= 0 || text.front() == u'+'
        || count > std::numeric_limits<qint64>::max() / unit)
        return std::nullopt;
    return count * unit;
}

// --- Encoding ---

QJsonValue JsonCodec::moneyToJson(Usd value)
{
    return QJsonValue(value.toJsonNumber());
}

QJsonValue JsonCodec::timeToJson(const QDateTime &value)
{
    if (!value.isValid())
        return QJsonValue(QJsonValue::Null);
    return QJsonValue(value.toUTC().toString(Qt::ISODateWithMs));
}

QJsonObject JsonCodec::toJson(const KeyScope &value)
{
    QJsonObject json;
    if (!value.stripeCustomers.isEmpty())
        json.insert(u"stripe_customers", toArray(value.stripeCustomers));
    if (!value.stripeAccounts.isEmpty())
        json.insert(u"stripe_accounts", toArray(value.stripeAccounts));
    if (!value.resendFromDomains.isEmpty())
        json.insert(u"resend_from_domains", toArray(value.resendFromDomains));
    if (!value.twilioFromNumbers.isEmpty())
        json.insert(u"twilio_from_numbers", toArray(value.twilioFromNumbers));
    return json;
}

QJsonObject JsonCodec::toJson(const VaultKey &value)
{
    return QJsonObject {
        {QStringLiteral("key_id"), value.keyId},
        {QStringLiteral("name"), value.name},
        {QStringLiteral("vendor"), value.vendor},
        {QStringLiteral("status"), keyStatusName(value.status)},
        {QStringLiteral("key_hint"), value.keyHint},
        {QStringLiteral("daily_usd_cap"), moneyToJson(value.dailyUsdCap)},
        {QStringLiteral("allowed_endpoints"), toArray(value.allowedEndpoints)},
        {QStringLiteral("scope"), toJson(value.scope)},
        {QStringLiteral("agent_run_label"), value.agentRunLabel},
        {QStringLiteral("metadata"), toObject(value.metadata)},
        {QStringLiteral("created_at"), timeToJson(value.createdAt)},
        {QStringLiteral("expires_at"), timeToJson(value.expiresAt)},
        {QStringLiteral("revoked_at"), timeToJson(value.revokedAt)},
        {QStringLiteral("max_calls_per_minute"), optionalToJson(value.maxCallsPerMinute)},
        {QStringLiteral("max_usd_per_minute"), optionalToJson(value.maxUsdPerMinute)},
        {QStringLiteral("issued_by"), refToJson(value.issuedBy)},
        {QStringLiteral("revoked_by"), refToJson(value.revokedBy)},
        {QStringLiteral("revoke_reason"), nullIfEmpty(value.revokeReason)},
        {QStringLiteral("spent_today_usd"), moneyToJson(value.spentTodayUsd)},
        {QStringLiteral("held_usd"), moneyToJson(value.heldUsd)},
        {QStringLiteral("calls_today"), value.callsToday},
        {QStringLiteral("blocked_today"), value.blockedToday},
        {QStringLiteral("last_call_at"), timeToJson(value.lastCallAt)},
        {QStringLiteral("resets_at"), timeToJson(value.resetsAt)},
    };
}

QJsonObject JsonCodec::toJson(const IssuedKey &value)
{
    QJsonObject json = toJson(value.key);
    json.insert(u"vault_key", value.vaultKey);
    return json;
}

QJsonObject JsonCodec::toJson(const IssueKeyRequest &value)
{
    QJsonObject json {
        {QStringLiteral("vendor"), value.vendor},
        {QStringLiteral("daily_usd_cap"), moneyToJson(value.dailyUsdCap)},
        {QStringLiteral("allowed_endpoints"), toArray(value.allowedEndpoints)},
    };
    if (value.expiresIn.count() > 0)
        json.insert(u"expires_in", static_cast<qint64>(value.expiresIn.count()));
    if (value.expiresAt.isValid())
        json.insert(u"expires_at", timeToJson(value.expiresAt));
    if (!value.agentRunLabel.isEmpty())
        json.insert(u"agent_run_label", value.agentRunLabel);
    if (!value.name.isEmpty())
        json.insert(u"name", value.name);
    if (!value.scope.isEmpty())
        json.insert(u"scope", toJson(value.scope));
    if (!value.metadata.isEmpty())
        json.insert(u"metadata", toObject(value.metadata));
    if (value.maxCallsPerMinute)
        json.insert(u"max_calls_per_minute", *value.maxCallsPerMinute);
    if (value.maxUsdPerMinute)
        json.insert(u"max_usd_per_minute", moneyToJson(*value.maxUsdPerMinute));
    return json;
}

QJsonObject JsonCodec::toJson(const KeyPage &value)
{
    return QJsonObject {{QStringLiteral("data"), listToJson(value.data)},
                        {QStringLiteral("next_cursor"), nullIfEmpty(value.nextCursor)}};
}

QJsonObject JsonCodec::toJson(const RevokeResult &value)
{
    return QJsonObject {
        {QStringLiteral("key_id"), value.keyId},
        {QStringLiteral("status"), keyStatusName(value.status)},
        {QStringLiteral("revoked_at"), timeToJson(value.revokedAt)},
        {QStringLiteral("already_revoked"), value.alreadyRevoked},
        {QStringLiteral("held_usd"), moneyToJson(value.heldUsd)},
    };
}

QJsonObject JsonCodec::toJson(const BulkRevokeRequest &value)
{
    QJsonObject json;
    if (!value.keyIds.isEmpty())
        json.insert(u"key_ids", toArray(value.keyIds));
    if (!value.labelPrefix.isEmpty())
        json.insert(u"label_prefix", value.labelPrefix);
    if (!value.vendor.isEmpty())
        json.insert(u"vendor", value.vendor);
    if (value.dryRun)
        json.insert(u"dry_run", true);
    if (!value.reason.isEmpty())
        json.insert(u"reason", value.reason);
    if (value.block)
        json.insert(u"block", true);
    if (value.block && value.blockExpiresIn.count() > 0)
        json.insert(u"expires_in", static_cast<qint64>(value.blockExpiresIn.count()));
    return json;
}

QJsonObject JsonCodec::toJson(const BulkRevokeResult &value)
{
    return QJsonObject {
        {QStringLiteral("revoked"), value.revoked},
        {QStringLiteral("key_ids"), toArray(value.keyIds)},
        {QStringLiteral("not_found"), toArray(value.notFound)},
        {QStringLiteral("dry_run"), value.dryRun},
        {QStringLiteral("held_usd"), moneyToJson(value.heldUsd)},
        {QStringLiteral("revoked_at"), timeToJson(value.revokedAt)},
        {QStringLiteral("block"),
         value.block ? QJsonValue(toJson(*value.block)) : QJsonValue(QJsonValue::Null)},
    };
}

QJsonObject JsonCodec::toJson(const AuditEntry &value)
{
    QJsonObject json {
        {QStringLiteral("id"), value.id},
        {QStringLiteral("ts"), timeToJson(value.ts)},
        {QStringLiteral("kind"), auditKindName(value.kind)},
        {QStringLiteral("request_id"), value.requestId},
        {QStringLiteral("key_id"), value.keyId},
        {QStringLiteral("key_name"), value.keyName},
        {QStringLiteral("agent_run_label"), value.agentRunLabel},
        {QStringLiteral("vendor"), value.vendor},
        {QStringLiteral("method"), value.method},
        {QStringLiteral("path"), value.path},
        {QStringLiteral("operation"), value.operation},
        {QStringLiteral("verdict"), value.verdict},
        {QStringLiteral("reason"), nullIfEmpty(value.reason)},
        {QStringLiteral("http_status"), value.httpStatus},
        {QStringLiteral("upstream_status"), optionalToJson(value.upstreamStatus)},
        {QStringLiteral("cost_usd"), moneyToJson(value.costUsd)},
        {QStringLiteral("cost_source"), value.costSource},
        {QStringLiteral("currency"), value.currency},
        {QStringLiteral("original_amount"), optionalToJson(value.originalAmount)},
        {QStringLiteral("cap_usage_after_usd"), optionalToJson(value.capUsageAfterUsd)},
        {QStringLiteral("customer_scope_id"), value.customerScopeId},
        {QStringLiteral("vendor_object_id"), value.vendorObjectId},
        {QStringLiteral("vendor_request_id"), value.vendorRequestId},
        {QStringLiteral("idempotency_key"), value.idempotencyKey},
        {QStringLiteral("latency_ms"), optionalToJson(value.latencyMs)},
        {QStringLiteral("upstream_latency_ms"), optionalToJson(value.upstreamLatencyMs)},
    };
    if (value.kind == AuditKind::Admin) {
        json.insert(u"action", value.action);
        json.insert(u"actor", value.actor);
        json.insert(u"actor_name", nullIfEmpty(value.actorName));
        json.insert(u"detail", value.detail);
    }
    return json;
}

QJsonObject JsonCodec::toJson(const AuditPage &value)
{
    return QJsonObject {{QStringLiteral("data"), listToJson(value.data)},
                        {QStringLiteral("next_cursor"), nullIfEmpty(value.nextCursor)}};
}

QJsonObject JsonCodec::toJson(const TodayStats &value)
{
    return QJsonObject {
        {QStringLiteral("active_keys"), value.activeKeys},
        {QStringLiteral("spend_today_usd"), moneyToJson(value.spendTodayUsd)},
        {QStringLiteral("held_usd"), moneyToJson(value.heldUsd)},
        {QStringLiteral("calls_today"), value.callsToday},
        {QStringLiteral("blocked_today"), value.blockedToday},
        {QStringLiteral("window_start"), timeToJson(value.windowStart)},
        {QStringLiteral("resets_at"), timeToJson(value.resetsAt)},
        {QStringLiteral("spend_timezone"), value.spendTimezone},
        {QStringLiteral("as_of"), timeToJson(value.asOf)},
    };
}

QJsonObject JsonCodec::toJson(const WhoAmI &value)
{
    return QJsonObject {
        {QStringLiteral("admin_key_id"), value.adminKeyId},
        {QStringLiteral("name"), value.name},
        {QStringLiteral("role"), adminRoleName(value.role)},
        {QStringLiteral("server_version"), value.serverVersion},
        {QStringLiteral("spend_timezone"), value.spendTimezone},
        {QStringLiteral("max_daily_usd_cap"), moneyToJson(value.maxDailyUsdCap)},
    };
}

QJsonObject JsonCodec::toJson(const VendorOperation &value)
{
    return QJsonObject {
        {QStringLiteral("name"), value.name},
        {QStringLiteral("method"), value.method},
        {QStringLiteral("path"), value.path},
        {QStringLiteral("money_moving"), value.moneyMoving},
        {QStringLiteral("cost_rule"), value.costRule},
    };
}

QJsonObject JsonCodec::toJson(const VendorInfo &value)
{
    return QJsonObject {
        {QStringLiteral("vendor"), value.vendor},
        {QStringLiteral("credential_configured"), value.credentialConfigured},
        {QStringLiteral("operations"), listToJson(value.operations)},
    };
}

QJsonObject JsonCodec::toJson(const VendorCatalog &value)
{
    return QJsonObject {
        {QStringLiteral("data"), listToJson(value.vendors)},
        {QStringLiteral("max_daily_usd_cap"), moneyToJson(value.maxDailyUsdCap)},
        {QStringLiteral("max_expires_in_s"), value.maxExpiresInSeconds},
    };
}

QJsonObject JsonCodec::toJson(const AdminKeyInfo &value)
{
    return QJsonObject {
        {QStringLiteral("id"), value.id},
        {QStringLiteral("name"), value.name},
        {QStringLiteral("role"), adminRoleName(value.role)},
        {QStringLiteral("key_hint"), value.keyHint},
        {QStringLiteral("created_at"), timeToJson(value.createdAt)},
        {QStringLiteral("revoked_at"), timeToJson(value.revokedAt)},
        {QStringLiteral("created_by"), value.createdBy},
        {QStringLiteral("created_by_name"), value.createdByName},
        {QStringLiteral("last_used_at"), timeToJson(value.lastUsedAt)},
        {QStringLiteral("keys_issued_today"), value.keysIssuedToday},
    };
}

QJsonObject JsonCodec::toJson(const AdminRef &value)
{
    return QJsonObject {{QStringLiteral("admin_key_id"), value.adminKeyId},
                        {QStringLiteral("name"), value.name}};
}

QJsonObject JsonCodec::toJson(const PrefixBlock &value)
{
    return QJsonObject {
        {QStringLiteral("id"), value.id},
        {QStringLiteral("label_prefix"), value.labelPrefix},
        {QStringLiteral("vendor"), nullIfEmpty(value.vendor)},
        {QStringLiteral("reason"), value.reason},
        {QStringLiteral("status"), value.status},
        {QStringLiteral("created_at"), timeToJson(value.createdAt)},
        {QStringLiteral("ends_at"), timeToJson(value.endsAt)},
        {QStringLiteral("lifted_at"), timeToJson(value.liftedAt)},
        {QStringLiteral("created_by"), refToJson(value.createdBy)},
        {QStringLiteral("lifted_by"), refToJson(value.liftedBy)},
        {QStringLiteral("lift_reason"), nullIfEmpty(value.liftReason)},
        {QStringLiteral("refused_calls"), value.refusedCalls},
        {QStringLiteral("refused_issuances"), value.refusedIssuances},
    };
}

QJsonObject JsonCodec::toJson(const QList<PrefixBlock> &value)
{
    return QJsonObject {{QStringLiteral("data"), listToJson(value)}};
}

QJsonObject JsonCodec::toJson(const CreateBlockRequest &value)
{
    QJsonObject json {{QStringLiteral("label_prefix"), value.labelPrefix},
                      {QStringLiteral("reason"), value.reason}};
    if (!value.vendor.isEmpty())
        json.insert(u"vendor", value.vendor);
    if (value.expiresIn.count() > 0)
        json.insert(u"expires_in", static_cast<qint64>(value.expiresIn.count()));
    return json;
}

QJsonObject JsonCodec::toJson(const VelocityDefault &value)
{
    QJsonObject json {{QStringLiteral("label_prefix"), value.labelPrefix}};
    if (value.maxCallsPerMinute)
        json.insert(u"max_calls_per_minute", *value.maxCallsPerMinute);
    if (value.maxUsdPerMinute)
        json.insert(u"max_usd_per_minute", moneyToJson(*value.maxUsdPerMinute));
    if (value.updatedAt.isValid())
        json.insert(u"updated_at", timeToJson(value.updatedAt));
    if (value.updatedBy.isValid())
        json.insert(u"updated_by", refToJson(value.updatedBy));
    return json;
}

QJsonObject JsonCodec::toJson(const QList<VelocityDefault> &value)
{
    return QJsonObject {{QStringLiteral("data"), listToJson(value)}};
}

QJsonObject JsonCodec::toJson(const DeletedVelocityDefault &value)
{
    return QJsonObject {{QStringLiteral("label_prefix"), value.labelPrefix},
                        {QStringLiteral("deleted"), true}};
}

QJsonObject JsonCodec::toJson(const QList<AdminKeyInfo> &value)
{
    return QJsonObject {{QStringLiteral("data"), listToJson(value)}};
}

QJsonObject JsonCodec::toJson(const CreatedAdminKey &value)
{
    QJsonObject json = toJson(value.key);
    json.insert(u"api_key", value.apiKey);
    return json;
}

QJsonObject JsonCodec::toJson(const Health &value)
{
    return QJsonObject {{QStringLiteral("status"), value.status},
                        {QStringLiteral("store"), value.store}};
}

QJsonObject JsonCodec::toJson(const CallTotals &value)
{
    return QJsonObject {
        {QStringLiteral("spend_usd"), moneyToJson(value.spendUsd)},
        {QStringLiteral("held_usd"), moneyToJson(value.heldUsd)},
        {QStringLiteral("calls"), value.calls},
        {QStringLiteral("blocked"), value.blocked},
        {QStringLiteral("first_call_at"), timeToJson(value.firstCallAt)},
        {QStringLiteral("last_call_at"), timeToJson(value.lastCallAt)},
    };
}

namespace {

// The totals object's members merged into `json`, as the server writes them beside a row's own.
QJsonObject withTotals(QJsonObject json, const CallTotals &totals)
{
    const QJsonObject members = JsonCodec::toJson(totals);
    for (auto it = members.begin(); it != members.end(); ++it)
        json.insert(it.key(), it.value());
    return json;
}

QJsonObject totalsMap(const QMap<QString, CallTotals> &map)
{
    QJsonObject json;
    for (auto it = map.begin(); it != map.end(); ++it)
        json.insert(it.key(), JsonCodec::toJson(it.value()));
    return json;
}

} // namespace

QJsonObject JsonCodec::toJson(const RunSummary &value)
{
    return withTotals(
        QJsonObject {
            {QStringLiteral("label"), value.label},
            {QStringLiteral("label_prefix"), value.labelPrefix},
            {QStringLiteral("vendors"), toArray(value.vendors)},
            {QStringLiteral("keys"), value.keys},
            {QStringLiteral("active_keys"), value.activeKeys},
            {QStringLiteral("revoked_keys"), value.revokedKeys},
            {QStringLiteral("capped_keys"), value.cappedKeys},
            {QStringLiteral("total_cap_usd"), moneyToJson(value.totalCapUsd)},
            {QStringLiteral("status"), runStatusName(value.status)},
        },
        value.totals);
}

QJsonObject JsonCodec::toJson(const RunPage &value)
{
    return QJsonObject {
        {QStringLiteral("data"), listToJson(value.data)},
        {QStringLiteral("next_cursor"), nullIfEmpty(value.nextCursor)},
        {QStringLiteral("since"), timeToJson(value.since)},
        {QStringLiteral("until"), timeToJson(value.until)},
        {QStringLiteral("spend_timezone"), value.spendTimezone},
    };
}

QJsonObject JsonCodec::toJson(const RunDetail &value)
{
    QJsonArray vendors;
    for (const RunVendorTotals &vendor : value.vendors)
        vendors.append(
            withTotals(QJsonObject {{QStringLiteral("vendor"), vendor.vendor}}, vendor.totals));
    QJsonArray days;
    for (const RunDayTotals &day : value.days)
        days.append(withTotals(
            QJsonObject {
                {QStringLiteral("day"), day.day},
                {QStringLiteral("window_start"), timeToJson(day.windowStart)},
                {QStringLiteral("window_end"), timeToJson(day.windowEnd)},
            },
            day.totals));
    QJsonArray keys;
    for (const RunKeyTotals &key : value.keys)
        keys.append(withTotals(
            QJsonObject {
                {QStringLiteral("key_id"), key.keyId},
                {QStringLiteral("name"), key.name},
                {QStringLiteral("vendor"), key.vendor},
                {QStringLiteral("daily_usd_cap"), moneyToJson(key.dailyUsdCap)},
                {QStringLiteral("status"), keyStatusName(key.status)},
                {QStringLiteral("created_at"), timeToJson(key.createdAt)},
                {QStringLiteral("expires_at"), timeToJson(key.expiresAt)},
                {QStringLiteral("revoked_at"), timeToJson(key.revokedAt)},
                {QStringLiteral("spent_today_usd"), moneyToJson(key.spentTodayUsd)},
                {QStringLiteral("held_today_usd"), moneyToJson(key.heldTodayUsd)},
                {QStringLiteral("calls_today"), key.callsToday},
                {QStringLiteral("blocked_today"), key.blockedToday},
            },
            key.totals));
    QJsonObject reasons;
    for (auto it = value.denialsByReason.begin(); it != value.denialsByReason.end(); ++it)
        reasons.insert(it.key(), it.value());
    return QJsonObject {
        {QStringLiteral("label"), value.label},
        {QStringLiteral("label_prefix"), value.labelPrefix},
        {QStringLiteral("status"), runStatusName(value.status)},
        {QStringLiteral("since"), timeToJson(value.since)},
        {QStringLiteral("until"), timeToJson(value.until)},
        {QStringLiteral("spend_timezone"), value.spendTimezone},
        {QStringLiteral("resets_at"), timeToJson(value.resetsAt)},
        {QStringLiteral("totals"), toJson(value.totals)},
        {QStringLiteral("first_call_at"), timeToJson(value.totals.firstCallAt)},
        {QStringLiteral("last_call_at"), timeToJson(value.totals.lastCallAt)},
        {QStringLiteral("blocked"), value.totals.blocked},
        {QStringLiteral("vendors"), vendors},
        {QStringLiteral("days"), days},
        {QStringLiteral("keys"), keys},
        {QStringLiteral("denials_by_reason"), reasons},
    };
}

QJsonObject JsonCodec::toJson(const TimelineBucket &value)
{
    return QJsonObject {
        {QStringLiteral("start"), timeToJson(value.start)},
        {QStringLiteral("calls"), value.calls},
        {QStringLiteral("allowed"), value.allowed},
        {QStringLiteral("denied"), value.denied},
        {QStringLiteral("spend_usd"), moneyToJson(value.spendUsd)},
        {QStringLiteral("cumulative_spend_usd"), moneyToJson(value.cumulativeSpendUsd)},
    };
}

QJsonObject JsonCodec::toJson(const TimelineKey &value)
{
    return QJsonObject {
        {QStringLiteral("key_id"), value.keyId},
        {QStringLiteral("name"), value.name},
        {QStringLiteral("vendor"), value.vendor},
        {QStringLiteral("daily_usd_cap"), moneyToJson(value.dailyUsdCap)},
    };
}

QJsonObject JsonCodec::toJson(const TimelineDenial &value)
{
    return QJsonObject {
        {QStringLiteral("id"), value.id},         {QStringLiteral("ts"), timeToJson(value.ts)},
        {QStringLiteral("key_id"), value.keyId},  {QStringLiteral("verdict"), value.verdict},
        {QStringLiteral("reason"), value.reason},
    };
}

QJsonObject JsonCodec::toJson(const RunTimeline &value)
{
    return QJsonObject {
        {QStringLiteral("label"), value.label},
        {QStringLiteral("bucket"), value.bucket},
        {QStringLiteral("bucket_seconds"), value.bucketSeconds},
        {QStringLiteral("since"), timeToJson(value.since)},
        {QStringLiteral("until"), timeToJson(value.until)},
        {QStringLiteral("spend_timezone"), value.spendTimezone},
        {QStringLiteral("first_call_at"), timeToJson(value.firstCallAt)},
        {QStringLiteral("last_call_at"), timeToJson(value.lastCallAt)},
        {QStringLiteral("spend_before_usd"), moneyToJson(value.spendBeforeUsd)},
        {QStringLiteral("buckets"), listToJson(value.buckets)},
        {QStringLiteral("keys"), listToJson(value.keys)},
        {QStringLiteral("denials"), listToJson(value.denials)},
        {QStringLiteral("denials_truncated"), value.denialsTruncated},
    };
}

QJsonObject JsonCodec::toJson(const AgentReport &value)
{
    QJsonArray data;
    for (const AgentTotals &row : value.data)
        data.append(withTotals(
            QJsonObject {
                {QStringLiteral("label_prefix"), row.labelPrefix},
                {QStringLiteral("runs"), row.runs},
                {QStringLiteral("keys"), row.keys},
            },
            row.totals));
    return QJsonObject {
        {QStringLiteral("data"), data},
        {QStringLiteral("totals"),
         withTotals(QJsonObject {{QStringLiteral("runs"), value.totals.runs},
                                 {QStringLiteral("keys"), value.totals.keys}},
                    value.totals.totals)},
        {QStringLiteral("since"), timeToJson(value.since)},
        {QStringLiteral("until"), timeToJson(value.until)},
        {QStringLiteral("days"), optionalToJson(value.days)},
        {QStringLiteral("spend_timezone"), value.spendTimezone},
    };
}

QJsonObject JsonCodec::toJson(const VendorDailyReport &value)
{
    QJsonArray data;
    for (const VendorDay &day : value.data)
        data.append(withTotals(
            QJsonObject {
                {QStringLiteral("day"), day.day},
                {QStringLiteral("window_start"), timeToJson(day.windowStart)},
                {QStringLiteral("window_end"), timeToJson(day.windowEnd)},
                {QStringLiteral("vendors"), totalsMap(day.vendors)},
            },
            day.totals));
    return QJsonObject {
        {QStringLiteral("data"), data},
        {QStringLiteral("totals"),
         withTotals(QJsonObject {{QStringLiteral("vendors"), totalsMap(value.vendorTotals)}},
                    value.totals)},
        {QStringLiteral("days"), value.days},
        {QStringLiteral("vendors"), toArray(value.vendors)},
        {QStringLiteral("since"), timeToJson(value.since)},
        {QStringLiteral("until"), timeToJson(value.until)},
        {QStringLiteral("spend_timezone"), value.spendTimezone},
    };
}

QJsonObject JsonCodec::toJson(const Anomaly &value)
{
    QJsonObject json {
        {QStringLiteral("kind"), value.kind},
        {QStringLiteral("reason"), value.reason},
        {QStringLiteral("label"), value.label},
        {QStringLiteral("label_prefix"), value.labelPrefix},
        {QStringLiteral("period"), value.period},
    };
    // Only the members of the row's kind, as the server writes them.
    const auto put = [&json](const char *name, const QJsonValue &member) {
        if (!member.isNull())
            json.insert(QLatin1String(name), member);
    };
    const auto text = [](const QString &s) { return s.isEmpty() ? QJsonValue() : QJsonValue(s); };
    put("key_id", text(value.keyId));
    put("key_name", text(value.keyName));
    put("vendor", text(value.vendor));
    put("metric", text(value.metric));
    put("value_usd", optionalToJson(value.valueUsd));
    put("peer_median_usd", optionalToJson(value.peerMedianUsd));
    put("value", optionalToJson(value.value));
    put("peer_median", optionalToJson(value.peerMedian));
    put("peers", optionalToJson(value.peers));
    if (value.peers)
        json.insert(u"ratio", optionalToJson(value.ratio));
    put("spent_today_usd", optionalToJson(value.spentTodayUsd));
    put("held_usd", optionalToJson(value.heldUsd));
    put("daily_usd_cap", optionalToJson(value.dailyUsdCap));
    put("utilisation", optionalToJson(value.utilisation));
    put("denial_reason", text(value.denialReason));
    put("count", optionalToJson(value.count));
    put("total", optionalToJson(value.total));
    put("first_at", timeToJson(value.firstAt));
    put("last_at", timeToJson(value.lastAt));
    return json;
}

QJsonObject JsonCodec::toJson(const AnomalyReport &value)
{
    const AnomalyThresholds &t = value.thresholds;
    return QJsonObject {
        {QStringLiteral("data"), listToJson(value.data)},
        {QStringLiteral("thresholds"),
         QJsonObject {
             {QStringLiteral("peer_ratio"), t.peerRatio},
             {QStringLiteral("min_peers"), t.minPeers},
             {QStringLiteral("recent_window_minutes"), t.recentWindowMinutes},
             {QStringLiteral("recent_spend_floor_usd"), moneyToJson(t.recentSpendFloorUsd)},
             {QStringLiteral("recent_calls_floor"), t.recentCallsFloor},
             {QStringLiteral("today_spend_floor_usd"), moneyToJson(t.todaySpendFloorUsd)},
             {QStringLiteral("today_calls_floor"), t.todayCallsFloor},
             {QStringLiteral("cap_utilisation"), t.capUtilisation},
             {QStringLiteral("burst_denials"), t.burstDenials},
             {QStringLiteral("burst_window_minutes"), t.burstWindowMinutes},
             {QStringLiteral("burst_lookback_minutes"), t.burstLookbackMinutes},
         }},
        {QStringLiteral("as_of"), timeToJson(value.asOf)},
        {QStringLiteral("since"), timeToJson(value.since)},
        {QStringLiteral("until"), timeToJson(value.until)},
        {QStringLiteral("window_start"), timeToJson(value.windowStart)},
        {QStringLiteral("resets_at"), timeToJson(value.resetsAt)},
        {QStringLiteral("spend_timezone"), value.spendTimezone},
    };
}

} // namespace keybrake::client
