#pragma once

#include "client/runsummary.h"

#include <QDateTime>
#include <QList>
#include <QString>

namespace keybrake::client {

// One page of GET /v1/runs, latest activity first, with the range and spend zone it used.
struct RunPage
{
    QList<RunSummary> data;
    QString nextCursor; // empty on the last page
    QDateTime since; // invalid for an open end
    QDateTime until;
    QString spendTimezone;

    bool hasMore() const { return !nextCursor.isEmpty(); }
    friend bool operator==(const RunPage &, const RunPage &) = default;
};

} // namespace keybrake::client
