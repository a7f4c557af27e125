#pragma once

#include "usd.h"

#include <QDateTime>

namespace keybrake::client {

// The figures every runs and report route gives per row (docs/api.md, "One rule for every
// total"): settled spend of allowed calls, open holds, calls of any verdict, calls refused with a
// denied_* verdict, and the first and last of those calls. The rule is the same everywhere, so
// rows of different reports reconcile to the micro-dollar.
struct CallTotals
{
    Usd spendUsd;
    Usd heldUsd;
    qint64 calls = 0;
    qint64 blocked = 0;
    QDateTime firstCallAt; // UTC; invalid where a report does not give it (daily vendor cells)
    QDateTime lastCallAt;

    Usd committedUsd() const { return spendUsd + heldUsd; }
    friend bool operator==(const CallTotals &, const CallTotals &) = default;
};

} // namespace keybrake::client
