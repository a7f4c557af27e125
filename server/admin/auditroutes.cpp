#include "admin/auditroutes.h"

#include "admin/keyroutes.h"
#include "admin/wirejson.h"
#include "http/jsonresponse.h"
#include "store/storeawait.h"

#include <boost/json/array.hpp>

#include <set>

namespace keybrake {

namespace json = boost::json;
using boost::asio::awaitable;

std::variant<AuditFilter, FieldError> readAuditFilter(const AdminCall &call, bool paging)
{
    std::set<std::string> names {"kind",    "key_id", "label", "label_prefix", "vendor",
                                 "verdict", "since",  "until", "actor"};
    if (paging)
        names.insert({"limit", "cursor"});
    if (auto error = checkQueryNames(call, names))
        return *error;
    AuditFilter filter;
    auto text = [&](const char *name, std::size_t max,
                    std::string &out) -> std::optional<FieldError> {
        auto it = call.query.find(name);
        if (it == call.query.end())
            return std::nullopt;
        if (it->second.size() > max)
            return FieldError {name,
                               std::string(name) + " must be at most " + std::to_string(max)
                                   + " characters"};
        out = it->second;
        return std::nullopt;
    };
    for (auto error : {text("kind", 8, filter.kind), text("key_id", 64, filter.keyId),
                       text("actor", 64, filter.actor), text("label", 200, filter.label),
                       text("label_prefix", 200, filter.labelPrefix),
                       text("vendor", 16, filter.vendor), text("cursor", 200, filter.cursor)}) {
        if (error)
            return *error;
    }
    if (filter.kind.empty())
        filter.kind = "call";
    if (filter.kind != "call" && filter.kind != "admin" && filter.kind != "all")
        return FieldError {"kind", "kind must be call, admin or all"};
    if (!filter.vendor.empty() && !parseVendor(filter.vendor))
        return FieldError {"vendor", "vendor must be stripe, twilio or resend"};
    if (auto it = call.query.find("verdict"); it != call.query.end()) {
        filter.verdict = parseVerdict(it->second);
        if (!filter.verdict)
            return FieldError {"verdict",
                               "verdict must be one of allowed, replayed, "
                               "denied_invalid_key, denied_revoked, denied_expired, "
                               "denied_vendor, denied_endpoint, denied_scope, "
                               "denied_cost_unknown, denied_cap, denied_idempotency, "
                               "denied_blocked, denied_rate, upstream_error"};
    }
    for (const char *name : {"since", "until"}) {
        auto it = call.query.find(name);
        if (it == call.query.end())
            continue;
        auto when = parseRfc3339(it->second);
        if (!when)
            return FieldError {name,
                               std::string(name)
                                   + " must be an RFC 3339 time such as "
                                     "2026-11-28T14:03:05.123Z"};
        (std::string_view(name) == "since" ? filter.since : filter.until) = when;
    }
    if (paging) {
        auto limit = readLimit(call, 100, 1000);
        if (auto *error = std::get_if<FieldError>(&limit))
            return *error;
        filter.limit = std::get<int>(limit);
    }
    return filter;
}

awaitable<http::Response> AuditRoutes::list(const AdminCall &call)
{
    auto read = readAuditFilter(call, true);
    if (auto *error = std::get_if<FieldError>(&read))
        co_return fieldError(*error);
    AuditFilter filter = std::move(std::get<AuditFilter>(read));

    Store &store = m_context.store;
    auto page = co_await awaitStore<Page<AuditEntry>>(
        [&](auto done) { store.listAudit(std::move(filter), std::move(done)); });
    if (!page) {
        if (page.error() == StoreError::NotFound)
            co_return fieldError({"cursor", "cursor is not one this server returned"});
        co_return storeUnavailable();
    }
    json::array data;
    data.reserve(page->data.size());
    for (const auto &entry : page->data)
        data.push_back(auditJson(entry));
    co_return http::jsonResponse(200, pageJson(std::move(data), page->nextCursor));
}

awaitable<http::Response> AuditRoutes::statsToday(const AdminCall &call)
{
    if (auto error = checkQueryNames(call, {}))
        co_return fieldError(*error);
    const TimePoint now = m_context.clock.now();
    const SpendWindow window = m_context.calendar.windowAt(now);
    Store &store = m_context.store;
    auto stats = co_await awaitStore<TodayStats>(
        [&](auto done) { store.todayStats(window, now, std::move(done)); });
    if (!stats)
        co_return storeUnavailable();
    json::object body;
    body["active_keys"] = stats->activeKeys;
    body["spend_today_usd"] = usdJson(stats->spent);
    body["held_usd"] = usdJson(stats->held);
    body["calls_today"] = stats->calls;
    body["blocked_today"] = stats->blocked;
    body["resets_at"] = timeJson(window.end);
    body["window_start"] = timeJson(window.start);
    body["spend_timezone"] = m_context.calendar.zoneName();
    body["as_of"] = timeJson(now);
    co_return http::jsonResponse(200, body);
}

} // namespace keybrake
