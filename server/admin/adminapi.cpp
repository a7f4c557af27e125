#include "admin/adminapi.h"

#include "admin/wirejson.h"
#include "http/jsonresponse.h"
#include "store/storeawait.h"
#include "vendors/vendorcatalog.h"

#include <boost/json/array.hpp>
#include <boost/url/parse.hpp>

namespace keybrake {

namespace json = boost::json;
namespace bhttp = boost::beast::http;
using boost::asio::awaitable;

namespace {

struct Route
{
    bhttp::verb method;
    std::string_view pattern; // "{id}" matches one segment
    Role role;
};

// Every admin route with the role it needs. /vault/keys... are aliases of /v1/keys...
constexpr Route kRoutes[] = {
    {bhttp::verb::get, "/v1/whoami", Role::Viewer},
    {bhttp::verb::get, "/v1/vendors", Role::Viewer},
    {bhttp::verb::post, "/v1/keys", Role::Issuer},
    {bhttp::verb::get, "/v1/keys", Role::Viewer},
    {bhttp::verb::post, "/v1/keys/revoke", Role::Operator},
    {bhttp::verb::get, "/v1/keys/{id}", Role::Viewer},
    {bhttp::verb::delete_, "/v1/keys/{id}", Role::Operator},
    {bhttp::verb::get, "/v1/audit", Role::Viewer},
    {bhttp::verb::get, "/v1/audit.csv", Role::Viewer},
    {bhttp::verb::get, "/v1/stats/today", Role::Viewer},
    {bhttp::verb::get, "/v1/runs", Role::Viewer},
    {bhttp::verb::get, "/v1/runs/{id}", Role::Viewer},
    {bhttp::verb::get, "/v1/runs/{id}/timeline", Role::Viewer},
    {bhttp::verb::get, "/v1/reports/agents", Role::Viewer},
    {bhttp::verb::get, "/v1/reports/vendors/daily", Role::Viewer},
    {bhttp::verb::get, "/v1/reports/anomalies", Role::Viewer},
    {bhttp::verb::get, "/v1/events", Role::Viewer},
    {bhttp::verb::get, "/v1/admin-keys", Role::Admin},
    {bhttp::verb::post, "/v1/admin-keys", Role::Admin},
    {bhttp::verb::delete_, "/v1/admin-keys/{id}", Role::Admin},
    {bhttp::verb::post, "/v1/blocks", Role::Operator},
    {bhttp::verb::get, "/v1/blocks", Role::Viewer},
    {bhttp::verb::delete_, "/v1/blocks/{id}", Role::Operator},
    {bhttp::verb::get, "/v1/velocity-defaults", Role::Viewer},
    {bhttp::verb::put, "/v1/velocity-defaults", Role::Admin},
    {bhttp::verb::delete_, "/v1/velocity-defaults", Role::Admin},
    {bhttp::verb::post, "/v1/test/clock", Role::Admin},
};

// Matches `path` against `pattern`; the {id} segment goes to `id`.
bool matches(std::string_view pattern, std::string_view path, std::string &id)
{
    while (!pattern.empty() && !path.empty()) {
        const auto patternEnd = pattern.find('/', 1);
        const auto pathEnd = path.find('/', 1);
        const std::string_view patternSegment = pattern.substr(0, patternEnd);
        const std::string_view pathSegment = path.substr(0, pathEnd);
        if (patternSegment == "/{id}") {
            if (pathSegment.size() < 2)
                return false;
            id = std::string(pathSegment.substr(1));
        } else if (patternSegment != pathSegment) {
            return false;
        }
        pattern =
            patternEnd == std::string_view::npos ? std::string_view {} : pattern.substr(patternEnd);
        path = pathEnd == std::string_view::npos ? std::string_view {} : path.substr(pathEnd);
    }
    return pattern.empty() && path.empty();
}

std::string canonicalPath(std::string path)
{
    if (path.rfind("/vault/keys", 0) == 0)
        path = "/v1/keys" + path.substr(11);
    while (path.size() > 1 && path.back() == '/')
        path.pop_back();
    return path;
}

std::optional<std::string> bearerToken(const http::Request &request)
{
    const auto header = request.find(bhttp::field::authorization);
    if (header == request.end())
        return std::nullopt;
    const std::string_view value = header->value();
    if (value.size() < 8)
        return std::nullopt;
    std::string scheme(value.substr(0, 7));
    for (char &c : scheme)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (scheme != "bearer ")
        return std::nullopt;
    std::string_view token = value.substr(7);
    while (!token.empty() && token.front() == ' ')
        token.remove_prefix(1);
    return std::string(token);
}

http::Response unauthenticated()
{
    return http::adminError(401, "unauthenticated",
                            "This route needs an admin API key: send Authorization: Bearer kb_...",
                            {});
}

} // namespace

AdminApi::AdminApi(ServerContext &context)
    : m_context(context)
    , m_keys(context)
    , m_audit(context)
    , m_auditExport(context)
    , m_runs(context)
    , m_reports(context)
    , m_adminKeys(context)
    , m_blocks(context)
    , m_events(context)
{
}

awaitable<http::Response> AdminApi::handle(const http::Request &request, std::string path,
                                           std::string requestId,
                                           std::shared_ptr<http::ResponseStream> stream)
{
    const auto token = bearerToken(request);
    if (!token || token->rfind("kb_", 0) != 0 || token->size() > 200) {
        auto response = unauthenticated();
        response.set(bhttp::field::www_authenticate, "Bearer realm=\"keybrake-admin\"");
        co_return response;
    }
    Store &store = m_context.store;
    auto found = co_await awaitStore<std::optional<AdminKey>>(
        [&](auto done) { store.findAdminKeyByHash(sha256Hex(*token), std::move(done)); });
    if (!found)
        co_return storeUnavailable();
    if (!found.value() || found.value()->revokedAt) {
        auto response = unauthenticated();
        response.set(bhttp::field::www_authenticate, "Bearer realm=\"keybrake-admin\"");
        co_return response;
    }

    // Last use, at most once a minute per key: the write is not waited for, and a failure only
    // leaves the time a little older.
    const TimePoint now = m_context.clock.now();
    if (const auto &used = found.value()->lastUsedAt;
        !used || now - *used >= std::chrono::minutes(1))
        store.touchAdminKey(found.value()->id, now, {});

    AdminCall call {request, *found.value(),       canonicalPath(std::move(path)),
                    {},      std::move(requestId), std::move(stream)};
    auto parsed = boost::urls::parse_origin_form(request.target());
    if (parsed) {
        for (const auto &param : parsed->params())
            call.query[param.key] = param.value;
    }
    co_return co_await dispatch(call);
}

awaitable<http::Response> AdminApi::dispatch(AdminCall &call)
{
    std::string id;
    bool pathKnown = false;
    std::string allowed;
    for (const Route &route : kRoutes) {
        if (!matches(route.pattern, call.path, id))
            continue;
        if (route.pattern == "/v1/test/clock" && !m_context.testClock)
            continue;
        pathKnown = true;
        if (route.method != call.request.method()) {
            allowed += allowed.empty() ? "" : ", ";
            allowed += std::string(bhttp::to_string(route.method));
            continue;
        }
        if (call.caller.role < route.role) {
            co_return http::adminError(403, "forbidden",
                                       "Your admin key's role ("
                                           + std::string(roleName(call.caller.role))
                                           + ") cannot do this; it needs the "
                                           + std::string(roleName(route.role)) + " role.",
                                       {{"required_role", roleName(route.role)}});
        }
        const std::string_view pattern = route.pattern;
        const auto method = route.method;
        if (pattern == "/v1/whoami")
            co_return whoami(call);
        if (pattern == "/v1/vendors")
            co_return vendors(call);
        // No co_await inside ?: here: GCC 12 miscompiles it (both operands' temporaries are
        // destroyed), so each branch is its own statement.
        if (pattern == "/v1/keys" && method == bhttp::verb::post)
            co_return co_await m_keys.issue(call);
        if (pattern == "/v1/keys")
            co_return co_await m_keys.list(call);
        if (pattern == "/v1/keys/revoke")
            co_return co_await m_keys.bulkRevoke(call);
        if (pattern == "/v1/keys/{id}" && method == bhttp::verb::get)
            co_return co_await m_keys.get(call, id);
        if (pattern == "/v1/keys/{id}")
            co_return co_await m_keys.revoke(call, id);
        if (pattern == "/v1/audit")
            co_return co_await m_audit.list(call);
        if (pattern == "/v1/stats/today")
            co_return co_await m_audit.statsToday(call);
        if (pattern == "/v1/audit.csv")
            co_return co_await m_auditExport.csv(call);
        if (pattern == "/v1/runs")
            co_return co_await m_runs.list(call);
        if (pattern == "/v1/runs/{id}")
            co_return co_await m_runs.get(call, id);
        if (pattern == "/v1/runs/{id}/timeline")
            co_return co_await m_runs.timeline(call, id);
        if (pattern == "/v1/reports/agents")
            co_return co_await m_reports.agents(call);
        if (pattern == "/v1/reports/vendors/daily")
            co_return co_await m_reports.vendorsDaily(call);
        if (pattern == "/v1/reports/anomalies")
            co_return co_await m_reports.anomalies(call);
        if (pattern == "/v1/admin-keys" && method == bhttp::verb::get)
            co_return co_await m_adminKeys.list(call);
        if (pattern == "/v1/admin-keys")
            co_return co_await m_adminKeys.create(call);
        if (pattern == "/v1/admin-keys/{id}")
            co_return co_await m_adminKeys.revoke(call, id);
        if (pattern == "/v1/events")
            co_return co_await m_events.stream(call);
        if (pattern == "/v1/blocks" && method == bhttp::verb::post)
            co_return co_await m_blocks.create(call);
        if (pattern == "/v1/blocks")
            co_return co_await m_blocks.list(call);
        if (pattern == "/v1/blocks/{id}")
            co_return co_await m_blocks.lift(call, id);
        if (pattern == "/v1/velocity-defaults" && method == bhttp::verb::get)
            co_return co_await m_blocks.listDefaults(call);
        if (pattern == "/v1/velocity-defaults" && method == bhttp::verb::put)
            co_return co_await m_blocks.putDefault(call);
        if (pattern == "/v1/velocity-defaults")
            co_return co_await m_blocks.deleteDefault(call);
        if (pattern == "/v1/test/clock")
            co_return co_await testClock(call);
    }
    if (pathKnown) {
        auto response =
            http::adminError(405, "method_not_allowed", "This route accepts " + allowed + " only.");
        response.set(bhttp::field::allow, allowed);
        co_return response;
    }
    co_return http::adminError(404, "not_found", "There is no admin route " + call.path + ".");
}

http::Response AdminApi::whoami(const AdminCall &call) const
{
    if (auto error = checkQueryNames(call, {}))
        return fieldError(*error);
    json::object body;
    body["admin_key_id"] = call.caller.id;
    body["name"] = call.caller.name;
    body["role"] = roleName(call.caller.role);
    body["server_version"] = m_context.version;
    body["spend_timezone"] = m_context.calendar.zoneName();
    body["max_daily_usd_cap"] = usdJson(m_context.config.maxDailyCap);
    return http::jsonResponse(200, body);
}

http::Response AdminApi::vendors(const AdminCall &call) const
{
    if (auto error = checkQueryNames(call, {}))
        return fieldError(*error);
    const Config &config = m_context.config;
    json::array data;
    for (Vendor vendor : {Vendor::Stripe, Vendor::Twilio, Vendor::Resend}) {
        json::array operations;
        for (const Operation &operation : operationsOf(vendor)) {
            json::object entry;
            entry["name"] = operation.name;
            entry["method"] = operation.method;
            entry["path"] = operation.pathPattern;
            entry["money_moving"] = operation.moneyMoving;
            entry["cost_rule"] = operation.costRule;
            operations.push_back(std::move(entry));
        }
        bool configured = false;
        switch (vendor) {
        case Vendor::Stripe:
            configured = !config.stripeSecretKey.empty();
            break;
        case Vendor::Twilio:
            configured = !config.twilioAccountSid.empty() && !config.twilioAuthToken.empty();
            break;
        case Vendor::Resend:
            configured = !config.resendApiKey.empty();
            break;
        }
        json::object entry;
        entry["vendor"] = vendorName(vendor);
        entry["credential_configured"] = configured;
        entry["operations"] = std::move(operations);
        data.push_back(std::move(entry));
    }
    json::object body;
    body["data"] = std::move(data);
    body["max_daily_usd_cap"] = usdJson(config.maxDailyCap);
    body["max_expires_in_s"] = static_cast<std::int64_t>(config.maxKeyLifetime.count());
    body["spend_timezone"] = m_context.calendar.zoneName();
    return http::jsonResponse(200, body);
}

awaitable<http::Response> AdminApi::testClock(const AdminCall &call)
{
    auto parsed = parseJsonBody(call.request);
    if (auto *error = std::get_if<http::Response>(&parsed))
        co_return std::move(*error);
    const json::value &value = std::get<json::value>(parsed);
    if (!value.is_object())
        co_return fieldError({"body", "the request body must be a JSON object"});
    if (const json::value *set = value.get_object().if_contains("set")) {
        const auto when = set->is_string() ? parseRfc3339(set->get_string()) : std::nullopt;
        if (!when)
            co_return fieldError({"set", "set must be an RFC 3339 time"});
        m_context.testClock->set(*when);
    }
    if (const json::value *advance = value.get_object().if_contains("advance")) {
        const auto by = advance->is_string() ? parseDuration(advance->get_string()) : std::nullopt;
        if (!by)
            co_return fieldError(
                {"advance", "advance must be a duration such as \"90s\" or \"1d\""});
        m_context.testClock->advance(*by);
    }
    // Expiry follows the clock at once, so by this answer every key.expired it caused is
    // committed (the once-a-second sweep would get there too, but a test could not wait for it).
    const TimePoint now = m_context.testClock->now();
    Store &store = m_context.store;
    co_await awaitStore<std::int64_t>(
        [&store, now](auto done) { store.expireKeys(now, std::move(done)); });
    json::object body;
    body["now"] = timeJson(now);
    co_return http::jsonResponse(200, body);
}

} // namespace keybrake
