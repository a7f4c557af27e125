#include "admin/adminkeyroutes.h"

#include "admin/keyroutes.h"
#include "admin/wirejson.h"
#include "http/jsonresponse.h"
#include "json.h"
#include "store/storeawait.h"

#include <boost/json/array.hpp>

#include <map>

namespace keybrake {

namespace json = boost::json;
using boost::asio::awaitable;

AdminKey makeAdminKey(const std::string &secret, std::string name, Role role, TimePoint now,
                      std::string createdBy)
{
    AdminKey key;
    key.id = newAdminKeyId();
    key.name = std::move(name);
    key.role = role;
    key.secretHash = sha256Hex(secret);
    key.keyHint = secretHint(secret);
    key.createdAt = now;
    key.createdBy = std::move(createdBy);
    return key;
}

bool looksLikeAdminKeySecret(std::string_view text)
{
    if (text.size() < 43 || text.size() > 200 || text.substr(0, 3) != "kb_")
        return false;
    for (char c : text.substr(3)) {
        const bool base62 =
            (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (!base62)
            return false;
    }
    return true;
}

AuditEntry adminKeyAudit(const AdminKey &key, std::string action, std::string actor,
                         std::string requestId, TimePoint now)
{
    AuditEntry audit;
    audit.kind = "admin";
    audit.ts = now;
    audit.requestId = std::move(requestId);
    audit.action = std::move(action);
    audit.actor = std::move(actor);
    json::object detail;
    detail["admin_key_id"] = key.id;
    detail["name"] = key.name;
    detail["role"] = roleName(key.role);
    audit.detail = toJsonText(detail);
    return audit;
}

awaitable<http::Response> AdminKeyRoutes::list(const AdminCall &call)
{
    if (auto error = checkQueryNames(call, {}))
        co_return fieldError(*error);
    Store &store = m_context.store;
    auto keys = co_await awaitStore<std::vector<AdminKey>>(
        [&](auto done) { store.listAdminKeys(std::move(done)); });
    if (!keys)
        co_return storeUnavailable();
    const SpendWindow today = m_context.calendar.windowAt(m_context.clock.now());
    auto issued = co_await awaitStore<std::map<std::string, std::int64_t>>(
        [&](auto done) { store.keysIssuedSince(today.start, std::move(done)); });
    if (!issued)
        co_return storeUnavailable();
    std::map<std::string, std::string> names;
    for (const auto &key : keys.value())
        names.emplace(key.id, key.name);
    json::array data;
    for (const auto &key : keys.value()) {
        json::object entry = adminKeyJson(key);
        const auto count = issued->find(key.id);
        // In the server's spend window, like every other "today".
        entry["keys_issued_today"] = count == issued->end() ? std::int64_t(0) : count->second;
        const auto creator = names.find(key.createdBy);
        entry["created_by_name"] =
            creator == names.end() ? json::value(key.createdBy) : json::value(creator->second);
        data.push_back(std::move(entry));
    }
    json::object body;
    body["data"] = std::move(data);
    co_return http::jsonResponse(200, body);
}

awaitable<http::Response> AdminKeyRoutes::create(const AdminCall &call)
{
    auto parsed = parseJsonBody(call.request);
    if (auto *error = std::get_if<http::Response>(&parsed))
        co_return std::move(*error);
    auto object = requireObject(std::get<json::value>(parsed), {"name", "role"});
    if (auto *error = std::get_if<FieldError>(&object))
        co_return fieldError(*error);
    const json::object &body = *std::get<const json::object *>(object);
    const json::value *name = body.if_contains("name");
    if (!name || !name->is_string() || name->get_string().empty()
        || name->get_string().size() > 200)
        co_return fieldError({"name", "name must be a non-empty string of at most 200 characters"});
    const json::value *roleValue = body.if_contains("role");
    const auto role =
        roleValue && roleValue->is_string() ? parseRole(roleValue->get_string()) : std::nullopt;
    if (!role)
        co_return fieldError({"role", "role must be viewer, issuer, operator or admin"});

    const TimePoint now = m_context.clock.now();
    const std::string secret = newAdminKeySecret();
    AdminKey key =
        makeAdminKey(secret, std::string(name->get_string()), *role, now, call.caller.id);
    AuditEntry audit = adminKeyAudit(key, "admin_key.created", call.caller.id, call.requestId, now);
    Store &store = m_context.store;
    auto result = co_await awaitStore<Done>(
        [&](auto done) { store.createAdminKey(key, std::move(audit), std::move(done)); });
    if (!result)
        co_return storeUnavailable();
    json::object answer = adminKeyJson(key);
    answer["api_key"] = secret;
    co_return http::jsonResponse(201, answer);
}

awaitable<http::Response> AdminKeyRoutes::revoke(const AdminCall &call, std::string id)
{
    if (id.size() != 27 || id.rfind("ak_", 0) != 0)
        co_return http::adminError(404, "not_found", "No admin key has this id.");
    const TimePoint now = m_context.clock.now();
    AdminKey placeholder;
    placeholder.id = id;
    AuditEntry audit =
        adminKeyAudit(placeholder, "admin_key.revoked", call.caller.id, call.requestId, now);
    Store &store = m_context.store;
    auto result = co_await awaitStore<AdminKey>(
        [&](auto done) { store.revokeAdminKey(id, now, std::move(audit), std::move(done)); });
    if (!result) {
        if (result.error() == StoreError::NotFound)
            co_return http::adminError(404, "not_found", "No admin key has the id " + id + ".");
        if (result.error() == StoreError::Conflict)
            co_return http::adminError(409, "last_admin_key",
                                       "This is the last active admin key; create another admin "
                                       "key before revoking it.");
        co_return storeUnavailable();
    }
    co_return http::jsonResponse(200, adminKeyJson(result.value()));
}

} // namespace keybrake
