#pragma once

#include "admin/adminkeyroutes.h"
#include "admin/auditroutes.h"
#include "admin/keyroutes.h"
#include "servercontext.h"

#include <boost/asio/awaitable.hpp>

namespace keybrake {

// The admin API: authenticates the Bearer admin key, checks the route's role, and dispatches.
class AdminApi
{
public:
    explicit AdminApi(ServerContext &context);

    // `path` is the request path without the query; `requestId` is echoed in audit rows.
    boost::asio::awaitable<http::Response> handle(const http::Request &request, std::string path,
                                                  std::string requestId);

private:
    boost::asio::awaitable<http::Response> dispatch(AdminCall &call);
    http::Response whoami(const AdminCall &call) const;
    http::Response vendors(const AdminCall &call) const;
    http::Response testClock(const AdminCall &call);

    ServerContext &m_context;
    KeyRoutes m_keys;
    AuditRoutes m_audit;
    AdminKeyRoutes m_adminKeys;
};

} // namespace keybrake
