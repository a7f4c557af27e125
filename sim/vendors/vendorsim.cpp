#include "vendors/vendorsim.h"

#include "json.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/object.hpp>

#include <charconv>
#include <chrono>
#include <cstdio>

namespace keybrake::sim {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
namespace json = boost::json;

namespace {

// The request log keeps the start of each body: enough to check what a proxy forwarded.
constexpr std::size_t kLoggedBodyLimit = 16 * 1024;
// "hang" never answers; the client's timeout ends the exchange, the process's exit the rest.
constexpr auto kHangFor = std::chrono::hours(24);

std::vector<std::string_view> segmentsOf(std::string_view path)
{
    std::vector<std::string_view> segments;
    while (!path.empty()) {
        const auto slash = path.find('/');
        const std::string_view segment = path.substr(0, slash);
        if (!segment.empty())
            segments.push_back(segment);
        if (slash == std::string_view::npos)
            break;
        path.remove_prefix(slash + 1);
    }
    return segments;
}

bool isUnder(std::string_view path, std::string_view prefix)
{
    return path == prefix || (path.starts_with(prefix) && path[prefix.size()] == '/');
}

std::string simError(std::string_view message)
{
    return toJsonText(
        json::object {{"error", json::object {{"type", "sim_error"}, {"message", message}}}});
}

std::int64_t unixMillisNow()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

asio::awaitable<void> pause(std::chrono::milliseconds duration)
{
    asio::steady_timer timer(co_await asio::this_coro::executor, duration);
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
}

} // namespace

VendorSim::VendorSim(const VendorSimOptions &options)
    : m_verbose(options.verbose)
    , m_faults(options.faults, options.seed)
    , m_stripe(options.stripeSecretKey, m_objects)
    , m_twilio(options.twilioAccountSid, options.twilioAuthToken, options.twilioPricing,
               options.seed, m_objects)
    , m_resend(options.resendApiKey, m_objects)
{
}

void VendorSim::setConnectionCounter(std::function<std::size_t()> counter)
{
    m_connectionCounter = std::move(counter);
}

http::Response
VendorSim::respond(const http::Request &request, unsigned status, std::string body,
                   std::string_view contentType,
                   const std::vector<std::pair<std::string, std::string>> &headers) const
{
    http::Response response;
    response.version(request.version());
    response.result(status);
    response.set(bhttp::field::server, "keybrake-sim");
    response.set(bhttp::field::content_type, contentType);
    for (const auto &[name, value] : headers)
        response.insert(name, value);
    response.body() = std::move(body);
    return response;
}

http::Response VendorSim::serverRefusal(std::string_view, unsigned status, std::string_view,
                                        std::string_view message) const
{
    http::Response response;
    response.result(status);
    response.set(bhttp::field::server, "keybrake-sim");
    response.set(bhttp::field::content_type, "application/json");
    response.body() = simError(message);
    return response;
}

asio::awaitable<http::Response> VendorSim::handle(http::Request request)
{
    const std::string_view target = request.target();
    const auto question = target.find('?');
    const std::string_view path = target.substr(0, question);
    const std::string_view query =
        question == std::string_view::npos ? std::string_view {} : target.substr(question + 1);
    if (isUnder(path, "/_sim"))
        co_return handleSimRoute(request, path, query);
    if (isUnder(path, "/v1"))
        co_return co_await handleVendor(m_stripe, request, path, query);
    if (isUnder(path, "/2010-04-01"))
        co_return co_await handleVendor(m_twilio, request, path, query);
    if (isUnder(path, "/emails"))
        co_return co_await handleVendor(m_resend, request, path, query);
    co_return respond(request, 404,
                      simError("No simulated vendor serves this path: Stripe is under /v1, Twilio "
                               "under /2010-04-01, Resend under /emails."),
                      "application/json");
}

asio::awaitable<http::Response> VendorSim::handleVendor(SimulatedVendor &vendor,
                                                        const http::Request &request,
                                                        std::string_view path,
                                                        std::string_view query)
{
    const auto started = std::chrono::steady_clock::now();
    SimStats::InFlight inFlight(m_stats);
    SimCall call;
    call.method = request.method();
    call.path = path;
    call.query = query;
    call.segments = segmentsOf(path);
    call.request = &request;
    call.nowSeconds = unixMillisNow() / 1000;

    Fault fault;
    if (const std::string_view header = call.header("X-Sim-Fault"); !header.empty()) {
        const auto parsed = FaultPlan::parseHeader(header);
        if (!parsed)
            co_return respond(request, 400,
                              simError("X-Sim-Fault must be one of 500, 503, 429, 402, 400, "
                                       "drop, hang, delay=<ms>."),
                              "application/json");
        fault = *parsed;
    } else {
        fault = m_faults.next();
    }

    const RouteMatch match = vendor.route(call);
    const PresentedCredential credential = parseAuthorization(call.header("Authorization"));
    const bool accepted = vendor.accepts(credential, call);
    m_stats.count(match.operation, vendor.name());

    LoggedRequest entry;
    entry.method = std::string(request.method_string());
    entry.target = std::string(request.target());
    entry.vendor = vendor.name();
    entry.operation = match.operation;
    entry.authScheme = toString(credential.scheme);
    entry.credentialAccepted = accepted;
    entry.contentType = call.header("Content-Type");
    entry.body = request.body().substr(0, kLoggedBodyLimit);
    for (const auto &field : request) {
        if (field.name() != bhttp::field::authorization)
            entry.headers.emplace_back(std::string(field.name_string()),
                                       std::string(field.value()));
    }
    entry.fault = fault.describe();
    entry.receivedAtMs = unixMillisNow();
    entry.idempotencyKey = call.header("Idempotency-Key");

    SimReply reply;
    bool replayed = false;
    const std::string_view idempotencyKey = call.header("Idempotency-Key");
    const bool keyed = accepted && match.operation != SimOperation::Unknown
        && !idempotencyKey.empty() && vendor.honoursIdempotencyKey(call);
    bool fresh = false;
    if (!accepted) {
        reply = vendor.unauthorized(credential);
    } else if (match.operation == SimOperation::Unknown) {
        reply = vendor.notFound(call);
    } else if (keyed) {
        std::string fingerprint;
        fingerprint.append(request.method_string()).append(" ").append(request.target());
        fingerprint.append("\n").append(request.body());
        auto claim = m_idempotency.claim(vendor.name(), idempotencyKey, fingerprint);
        switch (claim.verdict) {
        case IdempotencyCache::Verdict::Fresh:
            fresh = true;
            break;
        case IdempotencyCache::Verdict::Replay:
            reply = std::move(claim.stored);
            vendor.markReplayed(reply);
            replayed = true;
            m_stats.countReplayed();
            break;
        case IdempotencyCache::Verdict::Mismatch:
            reply = vendor.idempotencyMismatch(idempotencyKey);
            break;
        case IdempotencyCache::Verdict::InProgress:
            reply = vendor.idempotencyInProgress(idempotencyKey);
            break;
        }
    } else {
        fresh = true;
    }

    // The delay comes after the idempotency claim, so a slow first request holds its key.
    if (fault.delay.count() > 0)
        co_await pause(fault.delay);

    if (fresh) {
        reply = fault.kind == Fault::Kind::Status ? vendor.failure(fault.status, call, match)
                                                  : vendor.execute(call, match);
        // Rate limits and server errors happen before the operation runs: nothing to store.
        if (fault.kind == Fault::Kind::Status && fault.status >= 429)
            reply.storable = false;
    }
    if (!replayed)
        vendor.stamp(reply);
    if (keyed && fresh) {
        if (reply.storable)
            m_idempotency.complete(vendor.name(), idempotencyKey, reply);
        else
            m_idempotency.release(vendor.name(), idempotencyKey);
    }

    entry.replayed = replayed;
    const bool answers = fault.kind != Fault::Kind::Drop && fault.kind != Fault::Kind::Hang;
    entry.status = answers ? reply.status : 0;
    m_stats.log(entry);
    if (m_verbose) {
        const double ms =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
                .count();
        std::fprintf(stderr, "%s %s -> %s %s %.1f ms%s%s\n", entry.method.c_str(),
                     std::string(path).c_str(),
                     answers ? std::to_string(reply.status).c_str() : entry.fault.c_str(),
                     std::string(operationName(match.operation)).c_str(), ms,
                     entry.fault.empty() ? "" : " fault=", entry.fault.c_str());
    }
    if (fault.kind == Fault::Kind::Drop) {
        m_stats.countDropped();
        throw http::CloseWithoutAnswer {};
    }
    if (fault.kind == Fault::Kind::Hang) {
        m_stats.countHung();
        co_await pause(kHangFor);
        throw http::CloseWithoutAnswer {};
    }
    m_stats.countStatus(reply.status);
    co_return respond(request, reply.status, std::move(reply.body), vendor.contentType(),
                      reply.headers);
}

http::Response VendorSim::handleSimRoute(const http::Request &request, std::string_view path,
                                         std::string_view query)
{
    const auto method = request.method();
    if (path == "/_sim/stats" && method == bhttp::verb::get) {
        const std::size_t connections = m_connectionCounter ? m_connectionCounter() : 0;
        return respond(request, 200, toJsonText(m_stats.toJson(connections)), "application/json");
    }
    if (path == "/_sim/requests" && method == bhttp::verb::get) {
        std::size_t limit = 50;
        if (const auto at = query.find("limit="); at != std::string_view::npos) {
            const std::string_view number = query.substr(at + 6, query.find('&', at) - at - 6);
            std::size_t parsed = 0;
            const auto [end, error] =
                std::from_chars(number.data(), number.data() + number.size(), parsed);
            if (error != std::errc() || end != number.data() + number.size())
                return respond(request, 400, simError("limit must be a non-negative integer."),
                               "application/json");
            limit = parsed;
        }
        return respond(request, 200, toJsonText(json::object {{"data", m_stats.recent(limit)}}),
                       "application/json");
    }
    if (path == "/_sim/reset" && method == bhttp::verb::post) {
        m_stats.reset();
        m_idempotency.clear();
        m_objects.clear();
        return respond(request, 200, toJsonText(json::object {{"reset", true}}),
                       "application/json");
    }
    return respond(request, 404,
                   simError("Unknown simulator route; there are GET /_sim/stats, GET "
                            "/_sim/requests?limit=N and POST /_sim/reset."),
                   "application/json");
}

} // namespace keybrake::sim
