#pragma once

#include "client/runsummary.h"

#include <QDateTime>
#include <QString>
#include <QUrlQuery>

#include <optional>

namespace keybrake::client {

// Filters and paging of GET /v1/runs. Empty members are not sent.
struct RunQuery
{
    QString labelPrefix; // literal prefix of the label
    QString q; // case-insensitive substring of the label
    std::optional<RunStatus> status; // Active or Ended
    QDateTime since; // call times, inclusive; invalid: not sent
    QDateTime until; // exclusive
    int limit = 0; // 0: the server's default (100); at most 1000
    QString cursor; // RunPage::nextCursor of the previous page
    // "spend": highest spend in the range first, ranked by the server over every run; empty:
    // latest activity first.
    QString sort;

    QUrlQuery toUrlQuery() const;

    friend bool operator==(const RunQuery &, const RunQuery &) = default;
};

} // namespace keybrake::client
