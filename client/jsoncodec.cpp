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
bool JsonCodec::fromJson(const QJsonValue &json, Health *out, QString *error)
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
    };
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

} // namespace keybrake::client
