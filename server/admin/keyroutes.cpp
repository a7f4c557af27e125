#include "admin/keyroutes.h"

#include "admin/blockroutes.h"
#include "admin/wirejson.h"
#include "http/jsonresponse.h"
#include "json.h"
#include "store/storeawait.h"

#include <boost/json/array.hpp>
#include <boost/json/value_from.hpp>

#include <algorithm>
#include <optional>
#include <string_view>

namespace keybrake {

namespace json = boost::json;
namespace bhttp = boost::beast::http;
using boost::asio::awaitable;

namespace {

constexpr std::size_t kMaxBulkKeyIds = 1000;

std::string sealAssociation(const std::string &keyId)
{
    return "vault_key_issue:" + keyId;
}

// "0.8" -> 800000: a plain decimal from 0 to 10 with at most 6 decimals, read exactly (no
// floating point, so 0.8 means 80 % of the cap to the micro-dollar).
std::optional<std::int64_t> parseUtilisationPpm(std::string_view text)
{
    if (text.empty() || text.size() > 20)
        return std::nullopt;
    std::int64_t whole = 0;
    std::int64_t fraction = 0;
    int decimals = -1; // -1: no point seen
    for (const char c : text) {
        if (c == '.' && decimals < 0) {
            decimals = 0;
            continue;
        }
        if (c < '0' || c > '9')
            return std::nullopt;
        if (decimals < 0) {
            whole = whole * 10 + (c - '0');
            if (whole > 10)
                return std::nullopt;
        } else {
            if (++decimals > 6)
                return std::nullopt;
            fraction = fraction * 10 + (c - '0');
        }
    }
    if (decimals == 0 || text.front() == '.')
        return std::nullopt; // "1." or ".5"
    for (int d = std::max(decimals, 0); d < 6; ++d)
        fraction *= 10;
    const std::int64_t ppm = whole * 1'000'000 + fraction;
    return ppm <= 10'000'000 ? std::optional(ppm) : std::nullopt;
}

// Products of micro-dollars and parts per million exceed 64 bits for large caps.
__extension__ typedef __int128 Wide;

// Spent + held today against the daily cap, as the status and the anomaly report count it.
std::int64_t usedMicros(const KeyView &view)
{
    return (view.today.settled + view.today.held).micros();
}

bool utilisationAtLeast(const KeyView &view, std::int64_t ppm)
{
    const std::int64_t cap = view.key.dailyCap.micros();
    if (cap <= 0)
        return ppm == 0;
    return static_cast<Wide>(usedMicros(view)) * 1'000'000 >= static_cast<Wide>(ppm) * cap;
}

// Highest first; ties keep the store's newest-first order.
void rankKeys(std::vector<KeyView> &keys, const std::string &sort)
{
    if (sort == "spend") {
        std::stable_sort(keys.begin(), keys.end(), [](const KeyView &a, const KeyView &b) {
            return a.today.settled > b.today.settled;
        });
    } else if (sort == "utilisation") {
        std::stable_sort(keys.begin(), keys.end(), [](const KeyView &a, const KeyView &b) {
            // a.used / a.cap > b.used / b.cap, exactly.
            const Wide left = static_cast<Wide>(usedMicros(a)) * b.key.dailyCap.micros();
            const Wide right = static_cast<Wide>(usedMicros(b)) * a.key.dailyCap.micros();
            return left > right;
        });
    }
}

} // namespace

std::optional<std::size_t> parseRankCursor(std::string_view text)
{
    if (text.size() < 2 || text.size() > 12 || text.front() != 'r')
        return std::nullopt;
    std::size_t position = 0;
    for (const char c : text.substr(1)) {
        if (c < '0' || c > '9')
            return std::nullopt;
        position = position * 10 + static_cast<std::size_t>(c - '0');
    }
    return position;
}

bool looksLikeVaultKeyId(std::string_view text)
{
    if (text.size() != 27 || text.substr(0, 3) != "vk_")
        return false;
    for (char c : text.substr(3)) {
        if (!((c >= 'a' && c <= 'z') || (c >= '2' && c <= '7')))
            return false;
    }
    return true;
}

bool validIdempotencyKey(std::string_view text)
{
    if (text.empty() || text.size() > 255)
        return false;
    for (unsigned char c : text) {
        if (c < 0x21 || c > 0x7e)
            return false;
    }
    return true;
}

http::Response storeUnavailable()
{
    return http::adminError(503, "store_unavailable",
                            "The key store is unavailable; nothing was changed. Retry shortly.");
}

awaitable<http::Response> KeyRoutes::issue(const AdminCall &call)
{
    auto parsed = parseJsonBody(call.request);
    if (auto *error = std::get_if<http::Response>(&parsed))
        co_return std::move(*error);
    const TimePoint now = m_context.clock.now();
    auto policy =
        parseIssueKeyRequest(std::get<json::value>(parsed),
                             {m_context.config.maxDailyCap, m_context.config.maxKeyLifetime}, now);
    if (auto *error = std::get_if<FieldError>(&policy))
        co_return fieldError(*error);

    IssueKeyRequest request;
    request.key = std::move(std::get<VaultKey>(policy));
    VaultKey &key = request.key;
    const std::string secret = newVaultKeySecret();
    key.id = newVaultKeyId();
    if (key.name.empty())
        key.name = key.id;
    key.secretHash = sha256Hex(secret);
    key.keyHint = secretHint(secret);
    key.createdAt = now;
    key.createdBy = call.caller.id;

    const auto header = call.request.find("Idempotency-Key");
    if (header != call.request.end()) {
        const std::string_view value = header->value();
        if (!validIdempotencyKey(value))
            co_return http::adminError(
                400, "invalid_idempotency_key",
                "Idempotency-Key must be 1 to 255 visible ASCII characters.");
        request.idempotency = IdempotencyClaim {"issue:" + call.caller.id, std::string(value),
                                                sha256Hex(call.request.body())};
        request.sealedSecret = seal(m_context.masterKey, secret, sealAssociation(key.id));
    }

    json::object detail;
    detail["daily_usd_cap"] = usdJson(key.dailyCap);
    detail["allowed_endpoints"] = json::value_from(key.allowedEndpoints);
    detail["expires_at"] = timeJson(key.expiresAt);
    if (key.maxCallsPerMinute)
        detail["max_calls_per_minute"] = *key.maxCallsPerMinute;
    if (key.maxUsdPerMinute)
        detail["max_usd_per_minute"] = usdJson(*key.maxUsdPerMinute);
    request.audit.kind = "admin";
    request.audit.ts = now;
    request.audit.requestId = call.requestId;
    request.audit.action = "key.issued";
    request.audit.actor = call.caller.id;
    request.audit.keyId = key.id;
    request.audit.keyName = key.name;
    request.audit.agentRunLabel = key.agentRunLabel;
    request.audit.vendor = vendorName(key.vendor);
    request.audit.detail = toJsonText(detail);

    Store &store = m_context.store;
    auto result = co_await awaitStore<IssueKeyResult>(
        [&](auto done) { store.issueKey(std::move(request), std::move(done)); });
    if (!result)
        co_return storeUnavailable();

    const SpendWindow window = m_context.calendar.windowAt(now);
    switch (result->outcome) {
    case IssueKeyResult::Outcome::Created: {
        json::object body = keyJson({result->key, {}}, window, now);
        body["vault_key"] = secret;
        co_return http::jsonResponse(201, body);
    }
    case IssueKeyResult::Outcome::Replayed: {
        const auto original =
            unseal(m_context.masterKey, result->sealedSecret, sealAssociation(result->key.id));
        if (!original)
            co_return http::adminError(
                409, "idempotency_replay_unavailable",
                "This Idempotency-Key already issued key " + result->key.id
                    + ", but its secret can no longer be recovered (the server's master "
                      "key changed). Revoke that key and issue a new one with a new "
                      "Idempotency-Key.",
                {{"key_id", result->key.id}});
        auto view = co_await awaitStore<std::optional<KeyView>>(
            [&](auto done) { store.getKey(result->key.id, window, now, std::move(done)); });
        KeyView current = view && view.value() ? *view.value() : KeyView {result->key, {}};
        json::object body = keyJson(current, window, now);
        body["vault_key"] = *original;
        http::Response response = http::jsonResponse(201, body);
        response.set("Idempotent-Replayed", "true");
        co_return response;
    }
    case IssueKeyResult::Outcome::IdempotencyMismatch:
        co_return http::adminError(422, "idempotency_key_reused",
                                   "This Idempotency-Key was already used with a different request "
                                   "body. Use a new key for a different key policy.");
    case IssueKeyResult::Outcome::IdempotencyInFlight:
        co_return http::adminError(409, "idempotency_key_in_use",
                                   "A request with this Idempotency-Key is still being processed.");
    case IssueKeyResult::Outcome::PrefixBlocked:
        co_return prefixBlockedError(*result->block);
    case IssueKeyResult::Outcome::IssuerRevoked: {
        auto response =
            http::adminError(401, "unauthenticated",
                             "This admin key was revoked; it can no longer issue vault keys.", {});
        response.set(bhttp::field::www_authenticate, "Bearer realm=\"keybrake-admin\"");
        co_return response;
    }
    }
    co_return storeUnavailable();
}

awaitable<http::Response> KeyRoutes::list(const AdminCall &call)
{
    if (auto error = checkQueryNames(call,
                                     {"status", "vendor", "label_prefix", "q", "limit", "cursor",
                                      "sort", "min_utilisation"}))
        co_return fieldError(*error);
    // sort and min_utilisation (issue 13): the console's Overview and the keys table ask the
    // server, not the rows they happen to have loaded.
    std::string sort = "newest";
    if (auto it = call.query.find("sort"); it != call.query.end()) {
        if (it->second != "newest" && it->second != "spend" && it->second != "utilisation")
            co_return fieldError({"sort", "sort must be newest, spend or utilisation"});
        sort = it->second;
    }
    std::optional<std::int64_t> minPpm; // parts per million of the cap
    if (auto it = call.query.find("min_utilisation"); it != call.query.end()) {
        minPpm = parseUtilisationPpm(it->second);
        if (!minPpm)
            co_return fieldError({"min_utilisation",
                                  "min_utilisation must be a decimal from 0 to 10 (0.8 = 80 % "
                                  "of the daily cap, spent + held)"});
    }
    const bool ranked = sort != "newest" || minPpm;
    KeyFilter filter;
    if (auto it = call.query.find("status"); it != call.query.end()) {
        filter.status = parseKeyStatus(it->second);
        if (!filter.status)
            co_return fieldError({"status", "status must be active, capped, revoked or expired"});
    }
    if (auto it = call.query.find("vendor"); it != call.query.end()) {
        filter.vendor = parseVendor(it->second);
        if (!filter.vendor)
            co_return fieldError({"vendor", "vendor must be stripe, twilio or resend"});
    }
    if (auto it = call.query.find("label_prefix"); it != call.query.end()) {
        if (it->second.size() > 200)
            co_return fieldError({"label_prefix", "label_prefix must be at most 200 characters"});
        filter.labelPrefix = it->second;
    }
    if (auto it = call.query.find("q"); it != call.query.end()) {
        if (it->second.size() > 200)
            co_return fieldError({"q", "q must be at most 200 characters"});
        filter.query = it->second;
    }
    std::size_t offset = 0; // ranked listings page by position
    if (auto it = call.query.find("cursor"); it != call.query.end()) {
        if (it->second.size() > 200)
            co_return fieldError({"cursor", "cursor is not one this server returned"});
        if (ranked) {
            const auto parsed = parseRankCursor(it->second);
            if (!parsed)
                co_return fieldError({"cursor", "cursor is not one this server returned"});
            offset = *parsed;
        } else {
            filter.cursor = it->second;
        }
    }
    auto limit = readLimit(call, 100, 1000);
    if (auto *error = std::get_if<FieldError>(&limit))
        co_return fieldError(*error);
    filter.limit = std::get<int>(limit);

    const TimePoint now = m_context.clock.now();
    const SpendWindow window = m_context.calendar.windowAt(now);
    Store &store = m_context.store;
    if (ranked) {
        // Every key the other filters match (newest first), then the utilisation floor and the
        // order; keys number in the thousands, and one query gives one consistent ranking.
        const int pageSize = filter.limit;
        std::vector<KeyView> all;
        KeyFilter each = filter;
        each.limit = 1000;
        do {
            auto page = co_await awaitStore<Page<KeyView>>(
                [&](auto done) { store.listKeys(each, window, now, std::move(done)); });
            if (!page)
                co_return storeUnavailable();
            for (auto &view : page->data) {
                if (!minPpm || utilisationAtLeast(view, *minPpm))
                    all.push_back(std::move(view));
            }
            each.cursor = page->nextCursor;
        } while (!each.cursor.empty());
        rankKeys(all, sort);
        json::array data;
        const std::size_t end = std::min(all.size(), offset + static_cast<std::size_t>(pageSize));
        for (std::size_t i = std::min(offset, all.size()); i < end; ++i)
            data.push_back(keyJson(all[i], window, now));
        co_return http::jsonResponse(
            200, pageJson(std::move(data), end < all.size() ? "r" + std::to_string(end) : ""));
    }
    auto page = co_await awaitStore<Page<KeyView>>(
        [&](auto done) { store.listKeys(std::move(filter), window, now, std::move(done)); });
    if (!page) {
        if (page.error() == StoreError::NotFound)
            co_return fieldError({"cursor", "cursor is not one this server returned"});
        co_return storeUnavailable();
    }
    json::array data;
    data.reserve(page->data.size());
    for (const auto &view : page->data)
        data.push_back(keyJson(view, window, now));
    co_return http::jsonResponse(200, pageJson(std::move(data), page->nextCursor));
}

awaitable<http::Response> KeyRoutes::get(const AdminCall &call, std::string keyId)
{
    (void)call;
    if (!looksLikeVaultKeyId(keyId))
        co_return http::adminError(404, "not_found", "No vault key has this id.");
    const TimePoint now = m_context.clock.now();
    const SpendWindow window = m_context.calendar.windowAt(now);
    Store &store = m_context.store;
    auto view = co_await awaitStore<std::optional<KeyView>>(
        [&](auto done) { store.getKey(keyId, window, now, std::move(done)); });
    if (!view)
        co_return storeUnavailable();
    if (!view.value())
        co_return http::adminError(404, "not_found", "No vault key has the id " + keyId + ".");
    co_return http::jsonResponse(200, keyJson(*view.value(), window, now));
}

awaitable<http::Response> KeyRoutes::revoke(const AdminCall &call, std::string keyId)
{
    if (auto error = checkQueryNames(call, {"reason"}))
        co_return fieldError(*error);
    auto reason = readReason(call);
    if (auto *error = std::get_if<http::Response>(&reason))
        co_return std::move(*error);
    if (!looksLikeVaultKeyId(keyId))
        co_return http::adminError(404, "not_found", "No vault key has this id.");
    const TimePoint now = m_context.clock.now();
    AuditEntry audit;
    audit.kind = "admin";
    audit.ts = now;
    audit.requestId = call.requestId;
    audit.action = "key.revoked";
    audit.actor = call.caller.id;
    audit.reason = std::get<std::string>(reason);
    audit.keyId = keyId;
    Store &store = m_context.store;
    const SpendWindow window = m_context.calendar.windowAt(now);
    auto result = co_await awaitStore<RevokeResult>(
        [&](auto done) { store.revokeKey(keyId, now, window, std::move(audit), std::move(done)); });
    if (!result) {
        if (result.error() == StoreError::NotFound)
            co_return http::adminError(404, "not_found", "No vault key has the id " + keyId + ".");
        co_return storeUnavailable();
    }
    json::object body;
    body["key_id"] = keyId;
    body["status"] = "revoked";
    body["revoked_at"] = timeJson(result->revokedAt);
    body["already_revoked"] = result->alreadyRevoked;
    body["held_usd"] = usdJson(result->heldAtRevoke);
    co_return http::jsonResponse(200, body);
}

awaitable<http::Response> KeyRoutes::bulkRevoke(const AdminCall &call)
{
    auto parsed = parseJsonBody(call.request);
    if (auto *error = std::get_if<http::Response>(&parsed))
        co_return std::move(*error);
    auto object = requireObject(
        std::get<json::value>(parsed),
        {"key_ids", "label_prefix", "vendor", "dry_run", "reason", "block", "expires_in"});
    if (auto *error = std::get_if<FieldError>(&object))
        co_return fieldError(*error);
    const json::object &body = *std::get<const json::object *>(object);
    const TimePoint now = m_context.clock.now();
    BulkRevokeRequest request;
    request.now = now;
    request.window = m_context.calendar.windowAt(now);
    const json::value *keyIds = body.if_contains("key_ids");
    const json::value *prefix = body.if_contains("label_prefix");
    if ((keyIds != nullptr) == (prefix != nullptr))
        co_return fieldError({"key_ids", "give either key_ids or label_prefix"});
    if (keyIds) {
        if (!keyIds->is_array() || keyIds->get_array().empty()
            || keyIds->get_array().size() > kMaxBulkKeyIds)
            co_return fieldError({"key_ids", "key_ids must be an array of 1 to 1000 key ids"});
        for (const auto &id : keyIds->get_array()) {
            if (!id.is_string())
                co_return fieldError({"key_ids", "key_ids must hold strings"});
            request.keyIds.emplace_back(id.get_string());
        }
        if (body.contains("vendor"))
            co_return fieldError({"vendor", "vendor narrows label_prefix only"});
    } else {
        if (!prefix->is_string() || prefix->get_string().empty()
            || prefix->get_string().size() > 200)
            co_return fieldError({"label_prefix",
                                  "label_prefix must be a non-empty string of at "
                                  "most 200 characters"});
        request.labelPrefix = std::string(prefix->get_string());
        if (const json::value *vendor = body.if_contains("vendor"); vendor && !vendor->is_null()) {
            request.vendor = vendor->is_string() ? parseVendor(vendor->get_string()) : std::nullopt;
            if (!request.vendor)
                co_return fieldError({"vendor", "vendor must be stripe, twilio or resend"});
        }
    }
    if (const json::value *dryRun = body.if_contains("dry_run"); dryRun && !dryRun->is_null()) {
        if (!dryRun->is_bool())
            co_return fieldError({"dry_run", "dry_run must be true or false"});
        request.dryRun = dryRun->get_bool();
    }
    if (const json::value *reason = body.if_contains("reason"); reason && !reason->is_null()) {
        if (!reason->is_string() || reason->get_string().size() > 500)
            co_return fieldError({"reason", "reason must be a string of at most 500 characters"});
        request.audit.reason = std::string(reason->get_string());
    }
    bool block = false;
    if (const json::value *value = body.if_contains("block"); value && !value->is_null()) {
        if (!value->is_bool())
            co_return fieldError({"block", "block must be true or false"});
        block = value->get_bool();
    }
    if (block) {
        if (!request.labelPrefix)
            co_return fieldError({"block", "block needs label_prefix (it blocks the prefix)"});
        auto created = readBlock(body, *request.labelPrefix, request.vendor, call, now,
                                 m_context.config.maxKeyLifetime);
        if (auto *error = std::get_if<FieldError>(&created))
            co_return fieldError(*error);
        request.block = std::move(std::get<PrefixBlock>(created));
    } else if (body.contains("expires_in")) {
        co_return fieldError({"expires_in",
                              "expires_in is the block's life: give it with "
                              "\"block\": true"});
    }
    request.audit.kind = "admin";
    request.audit.ts = now;
    request.audit.requestId = call.requestId;
    request.audit.action = "key.revoked";
    request.audit.actor = call.caller.id;
    json::object detail;
    if (request.labelPrefix)
        detail["label_prefix"] = *request.labelPrefix;
    detail["bulk"] = true;
    request.audit.detail = toJsonText(detail);
    const bool dryRun = request.dryRun;

    Store &store = m_context.store;
    auto result = co_await awaitStore<BulkRevokeResult>(
        [&](auto done) { store.revokeKeys(std::move(request), std::move(done)); });
    if (!result)
        co_return storeUnavailable();
    json::object answer;
    answer["revoked"] = static_cast<std::int64_t>(result->keyIds.size());
    answer["key_ids"] = json::value_from(result->keyIds);
    answer["not_found"] = json::value_from(result->notFound);
    answer["dry_run"] = dryRun;
    answer["held_usd"] = usdJson(result->held);
    answer["revoked_at"] = dryRun ? json::value(nullptr) : timeJson(result->revokedAt);
    answer["block"] =
        result->block ? json::value(blockJson(*result->block, now)) : json::value(nullptr);
    co_return http::jsonResponse(200, answer);
}

} // namespace keybrake
