#pragma once

#include "client/calltotals.h"

#include <QDateTime>
#include <QList>
#include <QString>

#include <optional>

namespace keybrake::client {

// One agent of GET /v1/reports/agents: every run under one label prefix.
struct AgentTotals
{
    QString labelPrefix; // "lambda/billing/"; "" for labels without '/' or ':'
    qint64 runs = 0; // runs with calls in the range
    qint64 keys = 0; // keys with calls in the range
    CallTotals totals;
    friend bool operator==(const AgentTotals &, const AgentTotals &) = default;
};

// GET /v1/reports/agents (report 2), highest spend first.
struct AgentReport
{
    QList<AgentTotals> data;
    AgentTotals totals; // the sum of the rows (labelPrefix empty)
    QDateTime since; // invalid for an open end
    QDateTime until;
    std::optional<int> days; // when the range was asked as days
    QString spendTimezone;
    friend bool operator==(const AgentReport &, const AgentReport &) = default;
};

} // namespace keybrake::client
