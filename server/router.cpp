#include "router.h"

#include "http/jsonresponse.h"
#include "vendors/refusalbody.h"

namespace keybrake {

namespace bhttp = boost::beast::http;
using boost::asio::awaitable;

std::optional<std::pair<Vendor, std::string>> proxyRoute(std::string_view target)
{
    for (Vendor vendor : {Vendor::Stripe, Vendor::Twilio, Vendor::Resend}) {
        const std::string prefix = "/" + std::string(vendorName(vendor));
        if (target.substr(0, prefix.size()) != prefix)
            continue;
        const std::string_view rest = target.substr(prefix.size());
        if (!rest.empty() && rest.front() != '/' && rest.front() != '?')
            continue;
        return std::make_pair(vendor,
                              rest.empty() || rest.front() == '?' ? "/" + std::string(rest)
                                                                  : std::string(rest));
    }
    return std::nullopt;
}

Router::Router(ServerContext &context, AdminApi &admin, Proxy &proxy, bool separateAdminListener)
    : m_context(context)
    , m_admin(admin)
    , m_proxy(proxy)
    , m_separateAdminListener(separateAdminListener)
    , m_adminHosts(!context.config.adminHosts.empty()
                       ? context.config.adminHosts
                       : http::AdminHostCheck::defaultNames({context.config.listen.host,
                                                             context.config.adminListen
                                                                 ? context.config.adminListen->host
                                                                 : context.config.listen.host}))
{
}

awaitable<http::Response> Router::handle(http::Request request, http::RequestContext connection)
{
    const std::string requestId = newRequestId();
    http::Response response = co_await route(std::move(request), connection, requestId);
    response.set("X-Request-Id", requestId);
    response.set(bhttp::field::server, "keybraked/" + m_context.version);
    co_return response;
}

awaitable<http::Response> Router::route(http::Request request,
                                        const http::RequestContext &connection,
                                        const std::string &requestId)
{
    const std::string target(request.target());
    // Only origin-form targets: an absolute URL or authority form would let a client name the
    // upstream host (SSRF).
    if (target.empty() || target.front() != '/')
        co_return http::adminError(400, "invalid_target",
                                   "The request target must be a path starting with /.");
    const std::string path = target.substr(0, target.find('?'));
    const bool adminListener = connection.listenerName == "admin";

    if (path == "/healthz")
        co_return health();
    if (!adminListener || !m_separateAdminListener) {
        if (auto proxied = proxyRoute(target)) {
            co_return co_await m_proxy.handle(std::move(request), proxied->first,
                                              std::move(proxied->second), requestId,
                                              connection.remote.address().to_string());
        }
    }
    if (m_separateAdminListener && !adminListener)
        co_return http::adminError(404, "not_found",
                                   "This listener serves the proxy routes only; the admin API is "
                                   "on the admin listener.");
    // Everything below is the admin side (the admin API and /metrics): not for web pages.
    if (auto refusal = m_adminHosts.check(request))
        co_return http::adminError(refusal->status, refusal->code, refusal->message);
    if (path == "/metrics") {
        http::Response response {bhttp::status::ok, 11};
        response.set(bhttp::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
        response.body() = m_context.metrics.render();
        co_return response;
    }
    if (path.rfind("/v1/", 0) == 0 || path.rfind("/vault/keys", 0) == 0) {
        http::Response response =
            co_await m_admin.handle(request, path, requestId, connection.stream);
        m_context.metrics.countAdmin(response.result_int());
        co_return response;
    }
    co_return http::adminError(404, "not_found",
                               "There is no route " + path
                                   + ". Proxy routes start with /stripe, /twilio or /resend; "
                                     "admin routes with /v1.");
}

http::Response Router::health() const
{
    boost::json::object body;
    body["status"] = "ok";
    body["store"] = m_context.store.kind();
    body["version"] = m_context.version;
    return http::jsonResponse(200, body);
}

http::Response Router::errorResponse(std::string_view target, unsigned status,
                                     std::string_view code, std::string_view message) const
{
    http::Response response;
    if (auto proxied = proxyRoute(target)) {
        response = http::Response {static_cast<bhttp::status>(status), 11};
        response.set(bhttp::field::content_type, "application/json; charset=utf-8");
        response.body() = refusalBody(proxied->first, static_cast<int>(status), code, message, {});
    } else {
        response = http::adminError(status, code, message);
    }
    response.set("X-Request-Id", newRequestId());
    return response;
}

} // namespace keybrake
