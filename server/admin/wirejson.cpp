#include "admin/wirejson.h"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>

namespace keybrake {

namespace json = boost::json;

namespace {

json::array stringArray(const std::vector<std::string> &values)
{
    json::array array;
    array.reserve(values.size());
    for (const auto &value : values)
        array.emplace_back(value);
    return array;
}

json::value optionalString(const std::string &text)
{
    return text.empty() ? json::value(nullptr) : json::value(text);
}

} // namespace

json::value usdJson(Usd amount)
{
    return amount.toJsonNumber();
}

json::value timeJson(std::optional<TimePoint> when)
{
    return when ? json::value(formatRfc3339(*when)) : json::value(nullptr);
}

json::object scopeJson(const Scope &scope)
{
    json::object object;
    if (!scope.stripeCustomers.empty())
        object["stripe_customers"] = stringArray(scope.stripeCustomers);
    if (!scope.stripeAccounts.empty())
        object["stripe_accounts"] = stringArray(scope.stripeAccounts);
    if (!scope.resendFromDomains.empty())
        object["resend_from_domains"] = stringArray(scope.resendFromDomains);
    if (!scope.twilioFromNumbers.empty())
        object["twilio_from_numbers"] = stringArray(scope.twilioFromNumbers);
    return object;
}

json::object keyJson(const KeyView &view, const SpendWindow &window, TimePoint now)
{
    const VaultKey &key = view.key;
    json::object metadata;
    for (const auto &[name, value] : key.metadata)
        metadata[name] = value;
    json::object object;
    object["key_id"] = key.id;
    object["name"] = key.name;
    object["vendor"] = vendorName(key.vendor);
    object["status"] = keyStatusName(keyStatus(view, now));
    object["key_hint"] = key.keyHint;
    object["daily_usd_cap"] = usdJson(key.dailyCap);
    object["allowed_endpoints"] = stringArray(key.allowedEndpoints);
    object["scope"] = scopeJson(key.scope);
    object["agent_run_label"] = key.agentRunLabel;
    object["metadata"] = std::move(metadata);
    object["created_at"] = timeJson(key.createdAt);
    object["expires_at"] = timeJson(key.expiresAt);
    object["revoked_at"] = timeJson(key.revokedAt);
    object["max_calls_per_minute"] =
        key.maxCallsPerMinute ? json::value(*key.maxCallsPerMinute) : json::value(nullptr);
    object["max_usd_per_minute"] =
        key.maxUsdPerMinute ? usdJson(*key.maxUsdPerMinute) : json::value(nullptr);
    object["issued_by"] = adminRefJson(key.createdBy, key.createdByName);
    object["revoked_by"] = key.revokedAt && !key.revokedBy.empty()
        ? adminRefJson(key.revokedBy, key.revokedByName)
        : json::value(nullptr);
    object["revoke_reason"] =
        key.revokedAt ? optionalString(key.revokeReason) : json::value(nullptr);
    object["spent_today_usd"] = usdJson(view.today.settled);
    object["held_usd"] = usdJson(view.today.held);
    object["calls_today"] = view.today.calls;
    object["blocked_today"] = view.today.blocked;
    object["last_call_at"] = timeJson(view.today.lastCallAt);
    object["resets_at"] = timeJson(window.end);
    return object;
}

json::object auditJson(const AuditEntry &entry)
{
    json::object object;
    object["id"] = entry.id;
    object["ts"] = timeJson(entry.ts);
    object["kind"] = entry.kind;
    object["request_id"] = optionalString(entry.requestId);
    object["key_id"] = optionalString(entry.keyId);
    object["key_name"] = optionalString(entry.keyName);
    object["agent_run_label"] = optionalString(entry.agentRunLabel);
    if (entry.kind == "admin") {
        object["action"] = entry.action;
        object["actor"] = entry.actor;
        object["actor_name"] = optionalString(entry.actorName);
        object["reason"] = optionalString(entry.reason);
        json::error_code error;
        json::value detail =
            entry.detail.empty() ? json::value(json::object()) : json::parse(entry.detail, error);
        object["detail"] = error ? json::value(json::object()) : std::move(detail);
        return object;
    }
    object["vendor"] = entry.vendor;
    object["method"] = entry.method;
    object["path"] = entry.path;
    object["operation"] = optionalString(entry.operation);
    object["verdict"] = verdictName(entry.verdict);
    object["reason"] = optionalString(entry.reason);
    object["http_status"] = entry.httpStatus;
    object["upstream_status"] =
        entry.upstreamStatus ? json::value(*entry.upstreamStatus) : json::value(nullptr);
    object["cost_usd"] = usdJson(entry.cost);
    object["cost_source"] = costSourceName(entry.costSource);
    object["currency"] = optionalString(entry.currency);
    object["original_amount"] =
        entry.originalAmount ? json::value(*entry.originalAmount) : json::value(nullptr);
    object["cap_usage_after_usd"] =
        entry.capUsageAfter ? usdJson(*entry.capUsageAfter) : json::value(nullptr);
    object["customer_scope_id"] = optionalString(entry.customerScopeId);
    object["vendor_object_id"] = optionalString(entry.vendorObjectId);
    object["vendor_request_id"] = optionalString(entry.vendorRequestId);
    object["idempotency_key"] = optionalString(entry.idempotencyKey);
    object["latency_ms"] = entry.latencyMs ? json::value(*entry.latencyMs) : json::value(nullptr);
    object["upstream_latency_ms"] =
        entry.upstreamLatencyMs ? json::value(*entry.upstreamLatencyMs) : json::value(nullptr);
    if (!entry.detail.empty()) {
        json::error_code error;
        json::value params = json::parse(entry.detail, error);
        if (!error)
            object["params"] = std::move(params);
    }
    return object;
}

json::object adminKeyJson(const AdminKey &key)
{
    json::object object;
    object["id"] = key.id;
    object["name"] = key.name;
    object["role"] = roleName(key.role);
    object["key_hint"] = key.keyHint;
    object["created_at"] = timeJson(key.createdAt);
    object["revoked_at"] = timeJson(key.revokedAt);
    object["created_by"] = key.createdBy;
    object["last_used_at"] = timeJson(key.lastUsedAt);
    return object;
}

json::value adminRefJson(const std::string &id, const std::string &name)
{
    if (id.empty())
        return nullptr;
    json::object object;
    object["admin_key_id"] = id;
    // "bootstrap" and "cli" are no admin key's id: they name themselves.
    object["name"] = name.empty() ? id : name;
    return object;
}

json::object blockJson(const PrefixBlock &block, TimePoint now)
{
    json::object object;
    object["id"] = block.id;
    object["label_prefix"] = block.labelPrefix;
    object["vendor"] = block.vendor ? json::value(vendorName(*block.vendor)) : json::value(nullptr);
    object["reason"] = block.reason;
    object["status"] = block.liftedAt ? "lifted" : block.activeAt(now) ? "active" : "expired";
    object["created_at"] = timeJson(block.createdAt);
    object["ends_at"] = timeJson(block.endsAt);
    object["lifted_at"] = timeJson(block.liftedAt);
    object["created_by"] = adminRefJson(block.createdBy, block.createdByName);
    object["lifted_by"] = adminRefJson(block.liftedBy, block.liftedByName);
    object["lift_reason"] =
        block.liftedAt ? optionalString(block.liftReason) : json::value(nullptr);
    object["refused_calls"] = block.refusedCalls;
    object["refused_issuances"] = block.refusedIssuances;
    return object;
}

json::object velocityDefaultJson(const VelocityDefault &value)
{
    json::object object;
    object["label_prefix"] = value.labelPrefix;
    object["max_calls_per_minute"] =
        value.maxCallsPerMinute ? json::value(*value.maxCallsPerMinute) : json::value(nullptr);
    object["max_usd_per_minute"] =
        value.maxUsdPerMinute ? usdJson(*value.maxUsdPerMinute) : json::value(nullptr);
    object["updated_at"] = timeJson(value.updatedAt);
    object["updated_by"] = adminRefJson(value.updatedBy, value.updatedByName);
    return object;
}

json::object pageJson(json::array data, const std::string &nextCursor)
{
    json::object body;
    body["data"] = std::move(data);
    body["next_cursor"] = nextCursor.empty() ? json::value(nullptr) : json::value(nextCursor);
    return body;
}

} // namespace keybrake
