#pragma once

#include <QDateTime>
#include <QUrlQuery>

namespace keybrake::client {

// The range of a report: the last `days` spend windows (today's included), or any since/until.
// GET /v1/reports/agents takes either; GET /v1/reports/vendors/daily takes only days.
struct ReportRange
{
    int days = 0; // 0: not sent (the server's default is 30 when since/until are not sent either)
    QDateTime since;
    QDateTime until;

    static ReportRange lastDays(int days)
    {
        ReportRange range;
        range.days = days;
        return range;
    }
    static ReportRange between(const QDateTime &since, const QDateTime &until)
    {
        ReportRange range;
        range.since = since;
        range.until = until;
        return range;
    }
    bool usesDays() const { return days > 0; }

    QUrlQuery toUrlQuery() const;

    friend bool operator==(const ReportRange &, const ReportRange &) = default;
};

} // namespace keybrake::client
