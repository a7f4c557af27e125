#pragma once

#include <QCoreApplication>
#include <QList>
#include <QString>

namespace keybrake {

// The audit log's Status filter: the class of the HTTP status the proxy answered with. The
// server filters by verdict, not by status, so the console applies this one itself, to the table
// and to an export alike, and an export names it beside the server's filter.
class HttpStatusClass
{
    Q_DECLARE_TR_FUNCTIONS(HttpStatusClass)

public:
    enum Value {
        Any,
        Success, // 2xx: forwarded and answered, or replayed
        ClientError, // 4xx: refused by the policy, the cap or the vendor
        ServerError, // 5xx: the vendor or the proxy failed
    };

    static QList<Value> all() { return {Any, Success, ClientError, ServerError}; }
    static bool matches(Value value, int httpStatus);
    static QString displayName(Value value); // "4xx refused"
    // As it is written after the server's filter in an export: "http_status=4xx"; empty for Any.
    static QString filterText(Value value);
};

} // namespace keybrake
