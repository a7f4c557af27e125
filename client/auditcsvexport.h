#pragma once

#include <QString>

namespace keybrake::client {

// What GET /v1/audit.csv says about the file it streams, from its response headers.
struct AuditCsvExport
{
    // Keybrake-Filter: the normalised filter as a query string in a fixed order, times in UTC
    // ("kind=call&label_prefix=tests/billing/&verdict=denied_cap").
    QString filter;
    QString spendTimezone; // Keybrake-Spend-Timezone
    QString fileName; // from Content-Disposition ("keybrake-audit-20261128T140305Z.csv")
    qint64 bytes = 0; // body bytes received; set when the download finished

    friend bool operator==(const AuditCsvExport &, const AuditCsvExport &) = default;
};

} // namespace keybrake::client
