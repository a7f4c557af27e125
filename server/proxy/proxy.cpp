#include "proxy/proxy.h"

#include "admin/keyroutes.h"
#include "admin/wirejson.h"
#include "proxy/requestheaders.h"
#include "requestlog.h"
#include "store/storeawait.h"
#include "vendors/refusalbody.h"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value_from.hpp>

#include <algorithm>
#include <cctype>

namespace keybrake {

namespace json = boost::json;
namespace bhttp = boost::beast::http;
using boost::asio::awaitable;

struct Proxy::Call
{
    Vendor vendor;
    std::string requestId;
    std::chrono::steady_clock::time_point started;
    TimePoint now;
    SpendWindow window;
    const http::Request &request;
    AuditEntry audit;
    std::string keyId;
    std::string source; // the client's address
};

namespace {

std::string lower(std::string_view text)
{
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

double millisSince(std::chrono::steady_clock::time_point start)
{
    const auto elapsed = std::chrono::steady_clock::now() - start;
    // One decimal is plenty for a latency and keeps the audit rows short.
    return std::round(std::chrono::duration<double, std::milli>(elapsed).count() * 10.0) / 10.0;
}

bool dropResponseHeader(std::string_view name)
{
    static const std::array<std::string_view, 11> kDropped = {
        "connection",        "keep-alive", "proxy-authenticate", "te",         "trailer",
        "transfer-encoding", "upgrade",    "content-length",     "set-cookie", "x-request-id",
        "content-encoding"};
    return std::find(kDropped.begin(), kDropped.end(), lower(name)) != kDropped.end();
}

// The headers a replay needs: its content type and the vendor's own ids.
std::vector<std::pair<std::string, std::string>>
headersWorthStoring(const bhttp::response<bhttp::string_body> &response)
{
    std::vector<std::pair<std::string, std::string>> kept;
    for (const auto &field : response) {
        const std::string name = lower(field.name_string());
        if (name == "content-type" || name == "request-id" || name == "twilio-request-id"
            || name == "stripe-version" || name == "x-request-id")
            kept.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    return kept;
}

std::string methodString(const http::Request &request)
{
    return std::string(request.method_string());
}

// The Keybrake-* headers every proxied answer carries. Without a key (or when its spend could not
// be read) the amounts are 0 and the key id "none" rather than an empty value, which several HTTP
// stacks (Qt's among them) drop.
void setSpendHeaders(http::Response &response, std::string_view keyId,
                     const std::optional<std::pair<Usd, KeySpend>> &spend)
{
    response.set("Keybrake-Key-Id", keyId.empty() ? std::string_view("none") : keyId);
    const Usd settled = spend ? spend->second.settled : Usd {};
    const Usd remaining =
        spend ? std::max(Usd {}, spend->first - settled - spend->second.held) : Usd {};
    response.set("Keybrake-Spent-Today-Usd", settled.toDecimal());
    response.set("Keybrake-Cap-Remaining-Usd", remaining.toDecimal());
}

// The block's details on a prefix_blocked refusal (contract: id, prefix, reason, ends_at).
void addBlockDetails(json::object &details, const PrefixBlock &block)
{
    details["block_id"] = block.id;
    details["label_prefix"] = block.labelPrefix;
    details["reason"] = block.reason;
    details["ends_at"] = timeJson(block.endsAt);
    details["retryable"] = false;
}

std::string blockMessage(const PrefixBlock &block)
{
    return "Calls under the label prefix \"" + block.labelPrefix
        + "\" are blocked: " + block.reason;
}

} // namespace

std::string vaultKeySecretFrom(const http::Request &request)
{
    const auto header = request.find(bhttp::field::authorization);
    // Two Authorization headers are ambiguous (which one would a vendor, or a log, believe?):
    // such a request carries no valid key.
    if (header == request.end() || request.count(bhttp::field::authorization) != 1)
        return {};
    std::string_view value = header->value();
    const auto space = value.find(' ');
    if (space == std::string_view::npos)
        return {};
    const std::string scheme = lower(value.substr(0, space));
    std::string_view credential = value.substr(space + 1);
    while (!credential.empty() && credential.front() == ' ')
        credential.remove_prefix(1);
    std::string secret;
    if (scheme == "bearer") {
        secret = std::string(credential);
    } else if (scheme == "basic") {
        const auto decoded = base64Decode(credential);
        if (!decoded)
            return {};
        const auto colon = decoded->find(':');
        if (colon == std::string::npos)
            return {};
        secret = decoded->substr(colon + 1);
    }
    // vault_key_ + base62; anything else is not a vault key (an admin key never is).
    if (secret.rfind("vault_key_", 0) != 0 || secret.size() < 42 || secret.size() > 200)
        return {};
    for (char c : std::string_view(secret).substr(10)) {
        if (!std::isalnum(static_cast<unsigned char>(c)))
            return {};
    }
    return secret;
}

Proxy::Proxy(ServerContext &context, std::array<std::unique_ptr<UpstreamClient>, 3> upstreams)
    : m_context(context)
    , m_upstreams(std::move(upstreams))
{
}

bool Proxy::credentialConfigured(Vendor vendor) const
{
    const Config &config = m_context.config;
    switch (vendor) {
    case Vendor::Stripe:
        return !config.stripeSecretKey.empty();
    case Vendor::Twilio:
        return !config.twilioAccountSid.empty() && !config.twilioAuthToken.empty();
    case Vendor::Resend:
        return !config.resendApiKey.empty();
    }
    return false;
}

std::vector<std::pair<std::string, std::string>> Proxy::credentialHeaders(Vendor vendor) const
{
    const Config &config = m_context.config;
    switch (vendor) {
    case Vendor::Stripe:
        return {{"Authorization", "Bearer " + config.stripeSecretKey}};
    case Vendor::Twilio:
        return {{"Authorization",
                 "Basic " + base64Encode(config.twilioAccountSid + ":" + config.twilioAuthToken)}};
    case Vendor::Resend:
        return {{"Authorization", "Bearer " + config.resendApiKey}};
    }
    return {};
}

awaitable<http::Response> Proxy::handle(http::Request request, Vendor vendor,
                                        std::string vendorTarget, std::string requestId,
                                        std::string source)
{
    Call call {vendor,
               std::move(requestId),
               std::chrono::steady_clock::now(),
               m_context.clock.now(),
               {},
               request,
               {},
               {}};
    call.window = m_context.calendar.windowAt(call.now);
    call.source = std::move(source);
    const auto question = vendorTarget.find('?');
    const std::string rawPath = vendorTarget.substr(0, question);
    call.audit.ts = call.now;
    call.audit.requestId = call.requestId;
    call.audit.vendor = vendorName(vendor);
    call.audit.method = methodString(request);
    call.audit.path = rawPath.substr(0, 512);
    if (const auto header = request.find("Idempotency-Key"); header != request.end())
        call.audit.idempotencyKey = std::string(header->value().substr(0, 255));

    const std::string secret = vaultKeySecretFrom(request);
    if (secret.empty())
        co_return co_await refuse(call, 401, Verdict::DeniedInvalidKey, "invalid_key",
                                  "No valid vault key: send Authorization: Bearer vault_key_... "
                                  "(or the vault key as the Basic auth password)");
    Store &store = m_context.store;
    auto found = co_await awaitStore<std::optional<VaultKey>>(
        [&](auto done) { store.findVaultKeyByHash(sha256Hex(secret), std::move(done)); });
    if (!found) {
        auto response = refusalResponse(call, 503, "store_unavailable",
                                        "The spend ledger is unavailable, so no call can be "
                                        "admitted; retry shortly",
                                        {}, std::nullopt);
        finish(call, response, Verdict::UpstreamError);
        co_return response;
    }
    if (!found.value())
        co_return co_await refuse(call, 401, Verdict::DeniedInvalidKey, "invalid_key",
                                  "This vault key does not exist");
    const VaultKey key = std::move(*found.value());
    call.keyId = key.id;
    call.audit.keyId = key.id;
    call.audit.keyName = key.name;
    call.audit.agentRunLabel = key.agentRunLabel;

    // GCC 12 cannot keep an initializer list alive across co_await (it fails with "array used
    // as initializer"), so refusal details are built into a named object first.
    json::object details;
    if (key.revokedAt) {
        details["revoked_at"] = timeJson(key.revokedAt);
        co_return co_await refuse(call, 401, Verdict::DeniedRevoked, "key_revoked",
                                  "This vault key was revoked", std::move(details));
    }
    if (call.now >= key.expiresAt) {
        details["expired_at"] = timeJson(key.expiresAt);
        co_return co_await refuse(call, 401, Verdict::DeniedExpired, "key_expired",
                                  "This vault key has expired", std::move(details));
    }
    // Here in the check order; the admission checks again in its own transaction.
    auto block = co_await awaitStore<std::optional<PrefixBlock>>([&](auto done) {
        store.findActiveBlock(key.agentRunLabel, key.vendor, call.now, std::move(done));
    });
    if (!block) {
        auto response = refusalResponse(call, 503, "store_unavailable",
                                        "The spend ledger is unavailable, so no call can be "
                                        "admitted; retry shortly",
                                        {}, std::nullopt);
        finish(call, response, Verdict::UpstreamError);
        co_return response;
    }
    if (block.value()) {
        addBlockDetails(details, *block.value());
        co_return co_await refuse(call, 403, Verdict::DeniedBlocked, "prefix_blocked",
                                  blockMessage(*block.value()), std::move(details));
    }
    if (key.vendor != vendor) {
        details["key_vendor"] = vendorName(key.vendor);
        details["attempted_vendor"] = vendorName(vendor);
        co_return co_await refuse(call, 403, Verdict::DeniedVendor, "vendor_mismatch",
                                  "This vault key was issued for "
                                      + std::string(vendorName(key.vendor)) + ", not "
                                      + std::string(vendorName(vendor)),
                                  std::move(details));
    }

    if (auto refusal = examineRequestHeaders(request))
        co_return co_await refuse(call, refusal->status,
                                  refusal->code == "cost_unknown" ? Verdict::DeniedCostUnknown
                                      : refusal->code == "invalid_idempotency_key"
                                      ? Verdict::DeniedIdempotency
                                      : Verdict::DeniedEndpoint,
                                  refusal->code, refusal->message);

    VendorRequest vendorRequest;
    vendorRequest.vendor = vendor;
    vendorRequest.method = methodString(request);
    vendorRequest.path = rawPath;
    vendorRequest.query = question == std::string::npos ? "" : vendorTarget.substr(question + 1);
    vendorRequest.contentType = std::string(request[bhttp::field::content_type]);
    vendorRequest.body = request.body();
    vendorRequest.stripeAccount = std::string(request["Stripe-Account"]);
    vendorRequest.stripeAccountHeaders = request.count("Stripe-Account");
    vendorRequest.stripeContext = std::string(request["Stripe-Context"]);
    vendorRequest.stripeContextHeaders = request.count("Stripe-Context");
    auto preparedOrError =
        prepareCall(vendorRequest, m_context.pricing, m_context.config.twilioAccountSid);
    if (auto *error = std::get_if<PrepareError>(&preparedOrError)) {
        Verdict verdict = Verdict::DeniedEndpoint;
        if (error->code == "cost_unknown")
            verdict = Verdict::DeniedCostUnknown;
        else if (error->code == "scope_violation")
            verdict = Verdict::DeniedScope;
        if (!error->field.empty())
            details["field"] = error->field;
        auto response = co_await refuse(call, static_cast<unsigned>(error->status), verdict,
                                        error->code, error->message, std::move(details));
        if (error->status == 405)
            response.set(bhttp::field::allow, vendorMethodsList(vendor));
        co_return response;
    }
    const PreparedCall &prepared = std::get<PreparedCall>(preparedOrError);
    call.audit.path = prepared.path;
    call.audit.operation = prepared.operationName;
    call.audit.customerScopeId = prepared.customerScopeId;
    call.audit.detail = prepared.redactedParams;

    if (!isAllowed(key.allowedEndpoints, vendor, prepared.method, prepared.path,
                   prepared.operation)) {
        const std::string message = "Operation \"" + prepared.operationName
            + "\" is not permitted by this vault key's policy";
        details["allowed_endpoints"] = json::value_from(key.allowedEndpoints);
        details["attempted"] = prepared.operationName;
        co_return co_await refuse(call, 403, Verdict::DeniedEndpoint, "endpoint_not_allowed",
                                  message, std::move(details));
    }
    if (auto field = scopeViolation(key.scope, prepared)) {
        details["field"] = *field;
        co_return co_await refuse(call, 403, Verdict::DeniedScope, "scope_violation",
                                  "The call's " + *field + " is outside this vault key's scope",
                                  std::move(details));
    }
    if (!credentialConfigured(vendor))
        co_return co_await refuse(call, 503, Verdict::UpstreamError, "vendor_not_configured",
                                  "This server has no " + std::string(vendorName(vendor))
                                      + " credential configured");
    co_return co_await admitAndForward(call, key, prepared);
}

awaitable<http::Response> Proxy::admitAndForward(Call &call, const VaultKey &key,
                                                 const PreparedCall &prepared)
{
    AdmissionRequest admission;
    admission.keyId = key.id;
    admission.now = call.now;
    admission.window = call.window;
    admission.estimate = prepared.estimate;
    admission.vendorDeduplicates = prepared.vendorDeduplicates;
    if (const auto header = call.request.find("Idempotency-Key"); header != call.request.end()) {
        if (!validIdempotencyKey(header->value()))
            co_return co_await refuse(call, 400, Verdict::DeniedIdempotency,
                                      "invalid_idempotency_key",
                                      "Idempotency-Key must be 1 to 255 visible ASCII characters");
        // Scoped to the vendor account, as at Stripe: a redelivery that got a fresh vault key
        // but reuses its messageId is a replay, not a second charge.
        admission.idempotency =
            IdempotencyClaim {std::string(vendorName(call.vendor)), std::string(header->value()),
                              prepared.fingerprint};
    }
    call.audit.currency = prepared.estimate.currency;
    call.audit.originalAmount = prepared.estimate.originalAmount;
    admission.audit = call.audit;
    const auto admissionStarted = std::chrono::steady_clock::now();
    Store &store = m_context.store;
    auto result = co_await awaitStore<AdmissionResult>(
        [&](auto done) { store.admit(std::move(admission), std::move(done)); });
    m_context.metrics.admissionLatency.observe(millisSince(admissionStarted));
    if (!result) {
        auto response = refusalResponse(call, 503, "store_unavailable",
                                        "The spend ledger is unavailable, so no call can be "
                                        "admitted; retry shortly",
                                        {}, std::nullopt);
        finish(call, response, Verdict::UpstreamError);
        co_return response;
    }
    const AdmissionResult &admitted = result.value();
    const auto spend = std::make_optional(std::make_pair(admitted.cap, admitted.spend));
    using Outcome = AdmissionResult::Outcome;
    json::object details;
    http::Response response;
    Verdict verdict = Verdict::DeniedCap;
    switch (admitted.outcome) {
    case Outcome::Admitted:
        co_return co_await forward(call, key, prepared, admitted);
    case Outcome::Replayed: {
        response = http::Response {static_cast<bhttp::status>(admitted.replay.status), 11};
        for (const auto &[name, value] : admitted.replay.headers)
            response.set(name, value);
        response.body() = admitted.replay.body;
        response.set("Idempotent-Replayed", "true");
        setSpendHeaders(response, key.id, spend);
        finish(call, response, Verdict::Replayed);
        co_return response;
    }
    case Outcome::InFlight:
        verdict = Verdict::DeniedIdempotency;
        response = refusalResponse(call, 409, "idempotency_key_in_use",
                                   "A request with this Idempotency-Key is still in flight; retry "
                                   "after it completes",
                                   details, spend);
        break;
    case Outcome::IdempotencyMismatch:
        verdict = Verdict::DeniedIdempotency;
        response = refusalResponse(call, 422, "idempotency_key_reused",
                                   "This Idempotency-Key was already used for a different request",
                                   details, spend);
        break;
    case Outcome::UnknownKey:
        verdict = Verdict::DeniedInvalidKey;
        response = refusalResponse(call, 401, "invalid_key", "This vault key does not exist",
                                   details, std::nullopt);
        break;
    case Outcome::Revoked:
        verdict = Verdict::DeniedRevoked;
        details["revoked_at"] = timeJson(admitted.revokedAt);
        response =
            refusalResponse(call, 401, "key_revoked", "This vault key was revoked", details, spend);
        break;
    case Outcome::Expired:
        verdict = Verdict::DeniedExpired;
        details["expired_at"] = timeJson(admitted.expiredAt);
        response =
            refusalResponse(call, 401, "key_expired", "This vault key has expired", details, spend);
        break;
    case Outcome::CostUnknown:
        verdict = Verdict::DeniedCostUnknown;
        details["operation"] = prepared.operationName;
        response = refusalResponse(call, 422, "cost_unknown",
                                   "The cost of \"" + prepared.operationName
                                       + "\" cannot be estimated from this request, so it "
                                         "cannot be reserved against the cap",
                                   details, spend);
        break;
    case Outcome::CurrencyUnsupported:
        verdict = Verdict::DeniedCurrency;
        details["currency"] = prepared.estimate.currency;
        response = refusalResponse(call, 422, "currency_not_supported",
                                   "No exchange rate is configured for currency \""
                                       + prepared.estimate.currency + "\"",
                                   details, spend);
        break;
    case Outcome::PrefixBlocked:
        verdict = Verdict::DeniedBlocked;
        addBlockDetails(details, *admitted.block);
        response = refusalResponse(call, 403, "prefix_blocked", blockMessage(*admitted.block),
                                   details, spend);
        break;
    case Outcome::RateExceeded: {
        verdict = Verdict::DeniedRate;
        const auto &rate = admitted.rate;
        details["limit"] = rate.limit;
        details["max_calls_per_minute"] =
            rate.maxCallsPerMinute ? json::value(*rate.maxCallsPerMinute) : json::value(nullptr);
        details["max_usd_per_minute"] =
            rate.maxUsdPerMinute ? usdJson(*rate.maxUsdPerMinute) : json::value(nullptr);
        details["calls_last_minute"] = rate.callsInWindow;
        details["usd_last_minute"] = usdJson(rate.usdInWindow);
        details["attempted_usd"] = usdJson(prepared.estimate.amount);
        details["retry_after_s"] = static_cast<std::int64_t>(rate.retryAfter.count());
        details["retryable"] = true;
        const std::string message = rate.limit == "calls_per_minute" ? "Velocity limit of "
                + std::to_string(rate.maxCallsPerMinute.value_or(0)) + " calls per minute reached"
                                                                     : "Velocity limit of "
                + rate.maxUsdPerMinute.value_or(Usd()).toDisplay() + " per minute reached";
        response = refusalResponse(call, 429, "rate_exceeded", message, details, spend);
        response.set(bhttp::field::retry_after, std::to_string(rate.retryAfter.count()));
        break;
    }
    case Outcome::CapExhausted: {
        verdict = Verdict::DeniedCap;
        details["daily_usd_cap"] = usdJson(admitted.cap);
        details["spent_today_usd"] = usdJson(admitted.spend.settled);
        details["held_usd"] = usdJson(admitted.spend.held);
        details["attempted_usd"] = usdJson(prepared.estimate.amount);
        details["resets_at"] = timeJson(call.window.end);
        details["retryable"] = false;
        response =
            refusalResponse(call, 429, "cap_exhausted",
                            "Daily spend cap of " + admitted.cap.toDisplay().substr(0) + " reached",
                            details, spend);
        const auto untilReset =
            std::chrono::duration_cast<std::chrono::seconds>(call.window.end - call.now);
        response.set(bhttp::field::retry_after,
                     std::to_string(std::max<long long>(1, untilReset.count())));
        break;
    }
    }
    finish(call, response, verdict);
    co_return response;
}

awaitable<http::Response> Proxy::forward(Call &call, const VaultKey &key,
                                         const PreparedCall &prepared,
                                         const AdmissionResult &admission)
{
    UpstreamRequest upstream;
    // The method as checked (upper case, one of the vendor's), not the parser's guess.
    upstream.method = bhttp::string_to_verb(prepared.method);
    upstream.target = prepared.upstreamPath;
    upstream.body = prepared.body;
    for (const auto &field : call.request) {
        if (!dropRequestHeader(field.name_string()))
            upstream.headers.emplace_back(std::string(field.name_string()),
                                          std::string(field.value()));
    }
    for (auto &header : credentialHeaders(call.vendor))
        upstream.headers.push_back(std::move(header));
    if (!prepared.contentType.empty())
        upstream.headers.emplace_back("Content-Type", prepared.contentType);
    upstream.headers.emplace_back("Accept-Encoding", "identity");

    UpstreamResult result =
        co_await m_upstreams[static_cast<std::size_t>(call.vendor)]->send(std::move(upstream));
    m_context.metrics.upstreamLatency.observe(result.latencyMs);
    call.audit.upstreamLatencyMs = std::round(result.latencyMs * 10.0) / 10.0;

    Settlement settlement;
    settlement.holdId = admission.holdId;
    if (!call.audit.idempotencyKey.empty())
        settlement.idempotency = IdempotencyClaim {std::string(vendorName(call.vendor)),
                                                   call.audit.idempotencyKey, prepared.fingerprint};
    Verdict verdict = Verdict::Allowed;
    http::Response response;
    std::optional<std::string> failureCode;
    if (result.failure != UpstreamFailure::None) {
        verdict = Verdict::UpstreamError;
        const bool nothingSent = result.failure == UpstreamFailure::ConnectFailed
            || result.failure == UpstreamFailure::TlsFailed;
        // Nothing reached the vendor: release. Otherwise the vendor may have acted: keep the hold
        // as unknown until reconciled, and leave the Idempotency-Key open so a retry with the
        // same key resumes this hold instead of reserving again.
        settlement.kind = nothingSent ? Settlement::Kind::Release : Settlement::Kind::KeepUnknown;
        settlement.amount = Usd {};
        settlement.source = CostSource::None;
        failureCode = result.failure == UpstreamFailure::TimedOutAfterSend ? "upstream_timeout"
                                                                           : "upstream_unavailable";
        call.audit.reason = *failureCode;
        logWarn("upstream call failed",
                {{"request_id", call.requestId},
                 {"key_id", key.id},
                 {"vendor", vendorName(call.vendor)},
                 {"failure", toString(result.failure)},
                 {"detail", result.detail}});
    } else {
        const auto &answer = result.response;
        const int status = static_cast<int>(answer.result_int());
        call.audit.upstreamStatus = status;
        VendorResponseHeaders headers;
        const std::string requestIdHeader =
            std::string(answer[call.vendor == Vendor::Stripe       ? "Request-Id"
                                   : call.vendor == Vendor::Twilio ? "Twilio-Request-Id"
                                                                   : "X-Request-Id"]);
        headers.requestId = requestIdHeader;
        // After a resumed hold the vendor's replay is the first answer this proxy gets for the
        // attempt that timed out: that attempt moved the money, so it is counted now, not at 0.
        headers.idempotentReplayed =
            !admission.resumedHold && lower(answer["Idempotent-Replayed"]) == "true";
        const ResponseCost cost =
            parseResponseCost(prepared, status, headers, answer.body(), m_context.pricing);
        call.audit.vendorObjectId = cost.vendorObjectId;
        call.audit.vendorRequestId = cost.vendorRequestId;
        if (status >= 200 && status < 300) {
            settlement.kind = Settlement::Kind::Charge;
            settlement.amount = cost.amount;
            settlement.source = cost.source;
            if (!cost.currency.empty())
                call.audit.currency = cost.currency;
            if (cost.originalAmount)
                call.audit.originalAmount = cost.originalAmount;
            if (cost.anomaly)
                logWarn("vendor cost not trusted; settled at the estimate",
                        {{"request_id", call.requestId},
                         {"key_id", key.id},
                         {"reason", cost.anomalyReason}});
        } else if (status >= 500) {
            verdict = Verdict::UpstreamError;
            call.audit.reason = "upstream_" + std::to_string(status);
            settlement.kind = Settlement::Kind::KeepUnknown;
        } else {
            // 4xx and 429: the vendor did not act on the call.
            settlement.kind = Settlement::Kind::Release;
        }
        // A vendor's own 429 or 409 says "not processed, try again": no answer is stored, so a
        // retry with the same Idempotency-Key goes to the vendor again. Every other answer is
        // replayed to duplicates, as Stripe does (its 500s included).
        if (status != 429 && status != 409)
            settlement.response =
                StoredResponse {status, headersWorthStoring(answer), answer.body()};

        response = http::Response {answer.result(), 11};
        for (const auto &field : answer) {
            if (!dropResponseHeader(field.name_string()))
                response.set(field.name_string(), field.value());
        }
        response.body() = answer.body();
    }
    call.audit.verdict = verdict;
    call.audit.cost = settlement.kind == Settlement::Kind::Charge ? settlement.amount : Usd {};
    call.audit.costSource =
        settlement.kind == Settlement::Kind::Charge ? settlement.source : CostSource::None;
    if (failureCode) {
        const unsigned status = result.failure == UpstreamFailure::TimedOutAfterSend ? 504 : 502;
        call.audit.httpStatus = static_cast<int>(status);
    } else {
        call.audit.httpStatus = static_cast<int>(response.result_int());
    }
    call.audit.latencyMs = millisSince(call.started);
    settlement.audit = call.audit;

    Store &store = m_context.store;
    auto settled = co_await awaitStore<SettlementResult>(
        [&](auto done) { store.settle(std::move(settlement), std::move(done)); });
    std::optional<std::pair<Usd, KeySpend>> spend;
    if (settled)
        spend = std::make_pair(settled->cap, settled->spend);
    else
        logError("settlement could not be written; the hold stays open",
                 {{"request_id", call.requestId}, {"key_id", key.id}});

    if (failureCode) {
        const unsigned status = result.failure == UpstreamFailure::TimedOutAfterSend ? 504 : 502;
        const std::string message = status == 504
            ? "The vendor did not answer in time; the call may have been processed, so its "
              "hold stays reserved until reconciled"
            : "The vendor could not be reached";
        response = refusalResponse(call, status, *failureCode, message, {}, spend);
    } else {
        setSpendHeaders(response, key.id, spend);
    }
    finish(call, response, verdict);
    co_return response;
}

awaitable<http::Response> Proxy::refuse(Call &call, unsigned status, Verdict verdict,
                                        std::string_view code, std::string_view message,
                                        json::object details)
{
    call.audit.verdict = verdict;
    call.audit.reason = code;
    call.audit.httpStatus = static_cast<int>(status);
    call.audit.latencyMs = millisSince(call.started);
    Store &store = m_context.store;
    if (verdict == Verdict::DeniedInvalidKey && call.keyId.empty()) {
        // Anyone can send these: one row per source, reason and minute, the rest counted.
        json::object source;
        source["source"] = call.source;
        call.audit.detail = json::serialize(source);
        if (!m_invalidKeyAudit.note(call.source, call.audit, call.now)) {
            auto response = refusalResponse(call, status, code, message, details, std::nullopt);
            finish(call, response, verdict);
            co_return response;
        }
    }
    AuditEntry entry = call.audit;
    const SpendWindow window = call.window;
    auto written = co_await awaitStore<std::string>(
        [&](auto done) { store.recordRefusal(std::move(entry), window, std::move(done)); });
    if (!written) {
        // Not even the refusal could be recorded: say so instead of pretending.
        auto response =
            refusalResponse(call, 503, "store_unavailable",
                            "The spend ledger is unavailable; retry shortly", {}, std::nullopt);
        finish(call, response, verdict);
        co_return response;
    }
    std::optional<std::pair<Usd, KeySpend>> spend;
    if (!call.keyId.empty()) {
        auto view = co_await awaitStore<std::optional<KeyView>>(
            [&](auto done) { store.getKey(call.keyId, call.window, call.now, std::move(done)); });
        if (view && view.value())
            spend = std::make_pair(view.value()->key.dailyCap, view.value()->today);
    }
    auto response = refusalResponse(call, status, code, message, details, spend);
    finish(call, response, verdict);
    co_return response;
}

http::Response Proxy::refusalResponse(Call &call, unsigned status, std::string_view code,
                                      std::string_view message, const json::object &details,
                                      std::optional<std::pair<Usd, KeySpend>> spend)
{
    http::Response response {static_cast<bhttp::status>(status), 11};
    response.set(bhttp::field::content_type, "application/json; charset=utf-8");
    response.body() = refusalBody(call.vendor, static_cast<int>(status), code, message, details);
    setSpendHeaders(response, call.keyId, spend);
    if (status == 401)
        response.set(bhttp::field::www_authenticate, "Bearer realm=\"keybrake\"");
    return response;
}

void Proxy::flushInvalidKeyAudit(bool everything)
{
    const TimePoint now = m_context.clock.now();
    for (const auto &summary : m_invalidKeyAudit.takeFinished(now, everything)) {
        m_context.store.recordRefusal(InvalidKeyAudit::summaryRow(summary, now),
                                      m_context.calendar.windowAt(now),
                                      [](StoreResult<std::string>) {});
    }
}

void Proxy::finish(Call &call, http::Response &response, Verdict verdict)
{
    const double latency = millisSince(call.started);
    m_context.metrics.countProxied(call.vendor, verdict);
    m_context.metrics.proxyLatency.observe(latency);
    logInfo("proxy",
            {{"request_id", call.requestId},
             {"key_id", call.keyId},
             {"vendor", vendorName(call.vendor)},
             {"method", call.audit.method},
             {"operation", call.audit.operation},
             {"verdict", verdictName(verdict)},
             {"reason", call.audit.reason},
             {"status", static_cast<std::int64_t>(response.result_int())},
             {"latency_ms", latency}});
}

} // namespace keybrake
