#pragma once

#include "admin/adminkeyroutes.h"
#include "admin/auditexport.h"
#include "admin/auditroutes.h"
#include "admin/blockroutes.h"
#include "admin/eventroutes.h"
#include "admin/keyroutes.h"
#include "admin/reportroutes.h"
#include "admin/runroutes.h"
#include "servercontext.h"

#include <boost/asio/awaitable.hpp>

namespace keybrake {

// The admin API: authenticates the Bearer admin key, checks the route's role, and dispatches.
class AdminApi
{
public:
    explicit AdminApi(ServerContext &context);

    // `path` is the request path without the query; `requestId` is echoed in audit rows. A route
    // that streams its answer sends it through `stream` and returns a response that is not sent.
    boost::asio::awaitable<http::Response>
    handle(const http::Request &request, std::string path, std::string requestId,
           std::shared_ptr<http::ResponseStream> stream = {});

private:
    boost::asio::awaitable<http::Response> dispatch(AdminCall &call);
    http::Response whoami(const AdminCall &call) const;
    http::Response vendors(const AdminCall &call) const;
    boost::asio::awaitable<http::Response> testClock(const AdminCall &call);

    ServerContext &m_context;
    KeyRoutes m_keys;
    AuditRoutes m_audit;
    AuditExport m_auditExport;
    RunRoutes m_runs;
    ReportRoutes m_reports;
    AdminKeyRoutes m_adminKeys;
    BlockRoutes m_blocks;
    EventRoutes m_events;
};

} // namespace keybrake
