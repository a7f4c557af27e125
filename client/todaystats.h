#pragma once

#include "usd.h"

#include <QDateTime>
#include <QString>

namespace keybrake::client {

// GET /v1/stats/today: the overview's figures for the current spend window.
struct TodayStats
{
    qint64 activeKeys = 0;
    Usd spendTodayUsd; // settled
    Usd heldUsd; // open holds
    qint64 callsToday = 0;
    qint64 blockedToday = 0;
    QDateTime windowStart; // start of the spend window, UTC
    QDateTime resetsAt; // end of the spend window, UTC
    QString spendTimezone; // IANA zone of the window ("UTC")
    QDateTime asOf; // when the server computed these

    friend bool operator==(const TodayStats &, const TodayStats &) = default;
};

} // namespace keybrake::client
