#pragma once

#include "admin/adminapi.h"
#include "http/admissionhost.h"
#include "http/httpserver.h"
#include "proxy/proxy.h"
#include "servercontext.h"

#include <boost/asio/awaitable.hpp>

namespace keybrake {

// Sends each request to the admin API, the proxy, /healthz or /metrics, and stamps every answer
// with X-Request-Id. With a separate admin listener the main one serves only the proxy and
// /healthz.
class Router
{
public:
    Router(ServerContext &context, AdminApi &admin, Proxy &proxy, bool separateAdminListener);

    boost::asio::awaitable<http::Response> handle(http::Request request,
                                                  http::RequestContext connection);
    // The answer to a request the HTTP layer refused before routing (malformed, too large).
    http::Response errorResponse(std::string_view target, unsigned status, std::string_view code,
                                 std::string_view message) const;

    std::function<std::size_t()> openConnections;

private:
    boost::asio::awaitable<http::Response> route(http::Request request,
                                                 const http::RequestContext &connection,
                                                 const std::string &requestId);
    http::Response health() const;

    ServerContext &m_context;
    AdminApi &m_admin;
    Proxy &m_proxy;
    bool m_separateAdminListener;
    http::AdminHostCheck m_adminHosts;
};

// "/stripe/v1/charges" → Stripe and "/v1/charges"; nullopt for a path that is not a proxy route.
std::optional<std::pair<Vendor, std::string>> proxyRoute(std::string_view target);

} // namespace keybrake
