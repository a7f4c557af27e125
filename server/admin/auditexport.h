#pragma once

#include "admin/admincall.h"
#include "servercontext.h"

#include <boost/asio/awaitable.hpp>

#include <string>

namespace keybrake {

// GET /v1/audit.csv: every row GET /v1/audit would page through for the same filters, newest
// first, streamed as RFC 4180 CSV one store page at a time, so the export's size never sits in
// memory. The response headers state the normalised filter and the spend time zone, for the
// console to write into the file it saves.
class AuditExport
{
public:
    explicit AuditExport(ServerContext &context)
        : m_context(context)
    {
    }

    boost::asio::awaitable<http::Response> csv(const AdminCall &call);

    // The CSV header row and one row per entry, each ending in CRLF.
    static std::string headerRow();
    static void appendRow(std::string &out, const AuditEntry &entry);
    // The filter as a query string in a fixed order ("kind=call&vendor=stripe"), for
    // Keybrake-Filter.
    static std::string normalisedFilter(const AuditFilter &filter);

private:
    ServerContext &m_context;
};

} // namespace keybrake
