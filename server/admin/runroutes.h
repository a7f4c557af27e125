#pragma once

#include "admin/admincall.h"
#include "servercontext.h"

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

namespace keybrake {

// GET /v1/runs, /v1/runs/{label} and /v1/runs/{label}/timeline. A run is every vault key issued
// with one agent_run_label; the label travels percent-encoded as one path segment
// (lambda%2Fbilling%2Fmsg-1).
class RunRoutes
{
public:
    explicit RunRoutes(ServerContext &context)
        : m_context(context)
    {
    }

    boost::asio::awaitable<http::Response> list(const AdminCall &call);
    boost::asio::awaitable<http::Response> get(const AdminCall &call, std::string encodedLabel);
    boost::asio::awaitable<http::Response> timeline(const AdminCall &call,
                                                    std::string encodedLabel);

private:
    ServerContext &m_context;
};

// {spend_usd, held_usd, calls, blocked, first_call_at, last_call_at}: the totals every runs and
// report row carries.
boost::json::object totalsJson(const CallTotals &totals);

} // namespace keybrake
