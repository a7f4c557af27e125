#include "admin/blockroutes.h"

#include "admin/issuekeyrequest.h"
#include "admin/keyroutes.h"
#include "admin/wirejson.h"
#include "crypto.h"
#include "http/jsonresponse.h"
#include "store/storeawait.h"

#include <boost/json/array.hpp>

namespace keybrake {

namespace json = boost::json;
using boost::asio::awaitable;

namespace {

constexpr std::size_t kMaxReason = 500;
constexpr std::size_t kMaxPrefix = 200;

AuditEntry adminRow(const AdminCall &call, TimePoint now)
{
    AuditEntry audit;
    audit.kind = "admin";
    audit.ts = now;
    audit.requestId = call.requestId;
    audit.actor = call.caller.id;
    return audit;
}

} // namespace

std::variant<std::string, http::Response> readReason(const AdminCall &call)
{
    std::string reason;
    if (auto it = call.query.find("reason"); it != call.query.end())
        reason = it->second;
    if (!call.request.body().empty()) {
        auto parsed = parseJsonBody(call.request);
        if (auto *error = std::get_if<http::Response>(&parsed))
            return std::move(*error);
        auto object = requireObject(std::get<json::value>(parsed), {"reason"});
        if (auto *error = std::get_if<FieldError>(&object))
            return fieldError(*error);
        if (const json::value *value =
                (*std::get<const json::object *>(object)).if_contains("reason");
            value && !value->is_null()) {
            if (!value->is_string())
                return fieldError({"reason", "reason must be a string"});
            reason = std::string(value->get_string());
        }
    }
    if (reason.size() > kMaxReason)
        return fieldError({"reason", "reason must be at most 500 characters"});
    return reason;
}

std::variant<PrefixBlock, FieldError> readBlock(const json::object &body,
                                                const std::string &labelPrefix,
                                                std::optional<Vendor> vendor, const AdminCall &call,
                                                TimePoint now, std::chrono::seconds maxLifetime)
{
    if (labelPrefix.empty() || labelPrefix.size() > kMaxPrefix)
        return FieldError {"label_prefix",
                           "label_prefix must be a non-empty string of at most 200 characters"};
    PrefixBlock block;
    block.id = newBlockId();
    block.labelPrefix = labelPrefix;
    block.vendor = vendor;
    const json::value *reason = body.if_contains("reason");
    if (!reason || !reason->is_string() || reason->get_string().empty()
        || reason->get_string().size() > kMaxReason)
        return FieldError {"reason",
                           "a block needs a reason: a non-empty string of at most 500 characters"};
    block.reason = std::string(reason->get_string());
    if (const json::value *expiresIn = body.if_contains("expires_in");
        expiresIn && !expiresIn->is_null()) {
        auto duration = readDuration(*expiresIn, "expires_in", maxLifetime);
        if (auto *error = std::get_if<FieldError>(&duration))
            return *error;
        block.endsAt = now + std::get<std::chrono::seconds>(duration);
    }
    block.createdAt = now;
    block.createdBy = call.caller.id;
    return block;
}

http::Response prefixBlockedError(const PrefixBlock &block)
{
    return http::adminError(403, "prefix_blocked",
                            "Keys under \"" + block.labelPrefix + "\" are blocked (" + block.id
                                + "): " + block.reason,
                            {{"block_id", block.id},
                             {"label_prefix", block.labelPrefix},
                             {"reason", block.reason},
                             {"ends_at", timeJson(block.endsAt)}});
}

awaitable<http::Response> BlockRoutes::create(const AdminCall &call)
{
    auto parsed = parseJsonBody(call.request);
    if (auto *error = std::get_if<http::Response>(&parsed))
        co_return std::move(*error);
    auto object = requireObject(std::get<json::value>(parsed),
                                {"label_prefix", "vendor", "reason", "expires_in"});
    if (auto *error = std::get_if<FieldError>(&object))
        co_return fieldError(*error);
    const json::object &body = *std::get<const json::object *>(object);
    const json::value *prefix = body.if_contains("label_prefix");
    if (!prefix || !prefix->is_string())
        co_return fieldError({"label_prefix",
                              "label_prefix must be a non-empty string of at "
                              "most 200 characters"});
    std::optional<Vendor> vendor;
    if (const json::value *value = body.if_contains("vendor"); value && !value->is_null()) {
        vendor = value->is_string() ? parseVendor(value->get_string()) : std::nullopt;
        if (!vendor)
            co_return fieldError({"vendor", "vendor must be stripe, twilio or resend"});
    }
    const TimePoint now = m_context.clock.now();
    auto block = readBlock(body, std::string(prefix->get_string()), vendor, call, now,
                           m_context.config.maxKeyLifetime);
    if (auto *error = std::get_if<FieldError>(&block))
        co_return fieldError(*error);
    Store &store = m_context.store;
    AuditEntry audit = adminRow(call, now);
    auto created = co_await awaitStore<PrefixBlock>([&](auto done) {
        store.createBlock(std::move(std::get<PrefixBlock>(block)), std::move(audit),
                          std::move(done));
    });
    if (!created)
        co_return storeUnavailable();
    co_return http::jsonResponse(201, blockJson(created.value(), now));
}

awaitable<http::Response> BlockRoutes::list(const AdminCall &call)
{
    if (auto error = checkQueryNames(call, {"status"}))
        co_return fieldError(*error);
    bool all = false;
    if (auto it = call.query.find("status"); it != call.query.end()) {
        if (it->second != "active" && it->second != "all")
            co_return fieldError({"status", "status must be active or all"});
        all = it->second == "all";
    }
    const TimePoint now = m_context.clock.now();
    Store &store = m_context.store;
    auto blocks = co_await awaitStore<std::vector<PrefixBlock>>(
        [&](auto done) { store.listBlocks(all, now, std::move(done)); });
    if (!blocks)
        co_return storeUnavailable();
    json::array data;
    for (const auto &block : blocks.value())
        data.push_back(blockJson(block, now));
    json::object body;
    body["data"] = std::move(data);
    co_return http::jsonResponse(200, body);
}

awaitable<http::Response> BlockRoutes::lift(const AdminCall &call, std::string id)
{
    if (auto error = checkQueryNames(call, {"reason"}))
        co_return fieldError(*error);
    auto reason = readReason(call);
    if (auto *error = std::get_if<http::Response>(&reason))
        co_return std::move(*error);
    if (id.size() != 28 || id.rfind("blk_", 0) != 0)
        co_return http::adminError(404, "not_found", "No block has this id.");
    const TimePoint now = m_context.clock.now();
    AuditEntry audit = adminRow(call, now);
    audit.reason = std::get<std::string>(reason);
    Store &store = m_context.store;
    auto lifted = co_await awaitStore<PrefixBlock>(
        [&](auto done) { store.liftBlock(id, now, std::move(audit), std::move(done)); });
    if (!lifted) {
        if (lifted.error() == StoreError::NotFound)
            co_return http::adminError(404, "not_found", "No block has the id " + id + ".");
        co_return storeUnavailable();
    }
    co_return http::jsonResponse(200, blockJson(lifted.value(), now));
}

awaitable<http::Response> BlockRoutes::listDefaults(const AdminCall &call)
{
    if (auto error = checkQueryNames(call, {}))
        co_return fieldError(*error);
    Store &store = m_context.store;
    auto values = co_await awaitStore<std::vector<VelocityDefault>>(
        [&](auto done) { store.listVelocityDefaults(std::move(done)); });
    if (!values)
        co_return storeUnavailable();
    json::array data;
    for (const auto &value : values.value())
        data.push_back(velocityDefaultJson(value));
    json::object body;
    body["data"] = std::move(data);
    co_return http::jsonResponse(200, body);
}

awaitable<http::Response> BlockRoutes::putDefault(const AdminCall &call)
{
    if (auto error = checkQueryNames(call, {}))
        co_return fieldError(*error);
    auto parsed = parseJsonBody(call.request);
    if (auto *error = std::get_if<http::Response>(&parsed))
        co_return std::move(*error);
    auto object = requireObject(std::get<json::value>(parsed),
                                {"label_prefix", "max_calls_per_minute", "max_usd_per_minute"});
    if (auto *error = std::get_if<FieldError>(&object))
        co_return fieldError(*error);
    const json::object &body = *std::get<const json::object *>(object);
    const json::value *prefix = body.if_contains("label_prefix");
    if (!prefix || !prefix->is_string() || prefix->get_string().size() > kMaxPrefix)
        co_return fieldError({"label_prefix",
                              "label_prefix must be a string of at most 200 "
                              "characters (\"\" for every label)"});
    VelocityDefault value;
    value.labelPrefix = std::string(prefix->get_string());
    if (auto error = readVelocityLimits(body, value.maxCallsPerMinute, value.maxUsdPerMinute))
        co_return fieldError(*error);
    if (!value.maxCallsPerMinute && !value.maxUsdPerMinute)
        co_return fieldError({"max_calls_per_minute",
                              "give max_calls_per_minute, max_usd_per_minute or both (DELETE "
                              "removes a default)"});
    const TimePoint now = m_context.clock.now();
    value.updatedAt = now;
    value.updatedBy = call.caller.id;
    Store &store = m_context.store;
    AuditEntry audit = adminRow(call, now);
    auto stored = co_await awaitStore<VelocityDefault>([&](auto done) {
        store.putVelocityDefault(std::move(value), std::move(audit), std::move(done));
    });
    if (!stored)
        co_return storeUnavailable();
    co_return http::jsonResponse(200, velocityDefaultJson(stored.value()));
}

awaitable<http::Response> BlockRoutes::deleteDefault(const AdminCall &call)
{
    if (auto error = checkQueryNames(call, {"label_prefix"}))
        co_return fieldError(*error);
    const auto it = call.query.find("label_prefix");
    if (it == call.query.end() || it->second.size() > kMaxPrefix)
        co_return fieldError({"label_prefix", "label_prefix (in the query) names the default"});
    const std::string prefix = it->second;
    const TimePoint now = m_context.clock.now();
    Store &store = m_context.store;
    AuditEntry audit = adminRow(call, now);
    auto removed = co_await awaitStore<Done>(
        [&](auto done) { store.deleteVelocityDefault(prefix, std::move(audit), std::move(done)); });
    if (!removed) {
        if (removed.error() == StoreError::NotFound)
            co_return http::adminError(404, "not_found",
                                       "No velocity default has the prefix \"" + prefix + "\".");
        co_return storeUnavailable();
    }
    json::object body;
    body["label_prefix"] = prefix;
    body["deleted"] = true;
    co_return http::jsonResponse(200, body);
}

} // namespace keybrake
