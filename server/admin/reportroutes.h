#pragma once

#include "admin/admincall.h"
#include "servercontext.h"

#include <boost/asio/awaitable.hpp>

namespace keybrake {

// GET /v1/reports/agents (report 2), /v1/reports/vendors/daily (report 3) and
// /v1/reports/anomalies (report 4). Report 1, the per-run summary, is GET /v1/runs.
class ReportRoutes
{
public:
    explicit ReportRoutes(ServerContext &context)
        : m_context(context)
    {
    }

    boost::asio::awaitable<http::Response> agents(const AdminCall &call);
    boost::asio::awaitable<http::Response> vendorsDaily(const AdminCall &call);
    boost::asio::awaitable<http::Response> anomalies(const AdminCall &call);

private:
    ServerContext &m_context;
};

} // namespace keybrake
