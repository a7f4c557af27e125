#pragma once

#include "admin/admincall.h"
#include "servercontext.h"

#include <boost/asio/awaitable.hpp>

#include <variant>

namespace keybrake {

// GET /v1/audit and GET /v1/stats/today.
class AuditRoutes
{
public:
    explicit AuditRoutes(ServerContext &context)
        : m_context(context)
    {
    }

    boost::asio::awaitable<http::Response> list(const AdminCall &call);
    boost::asio::awaitable<http::Response> statsToday(const AdminCall &call);

private:
    ServerContext &m_context;
};

// The filters of GET /v1/audit, as its CSV form shares them; `paging` adds limit and cursor.
std::variant<AuditFilter, FieldError> readAuditFilter(const AdminCall &call, bool paging);

} // namespace keybrake
