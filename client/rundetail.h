#pragma once

#include "client/calltotals.h"
#include "client/runsummary.h"
#include "client/vaultkey.h"

#include <QDateTime>
#include <QList>
#include <QMap>
#include <QString>

namespace keybrake::client {

// A run's totals for the calls made with one vendor's keys.
struct RunVendorTotals
{
    QString vendor;
    CallTotals totals;
    friend bool operator==(const RunVendorTotals &, const RunVendorTotals &) = default;
};

// A run's totals within one spend window (a calendar day in the server's spend zone; 23 or 25
// hours across a DST change). A run crossing local midnight has two.
struct RunDayTotals
{
    QString day; // "2026-11-19", the window's date in the spend zone
    QDateTime windowStart;
    QDateTime windowEnd;
    CallTotals totals;
    friend bool operator==(const RunDayTotals &, const RunDayTotals &) = default;
};

// One key of a run: its policy facts, its totals in the asked range, and its spend in the current
// window (what its cap is compared against now).
struct RunKeyTotals
{
    QString keyId;
    QString name;
    QString vendor;
    Usd dailyUsdCap;
    KeyStatus status = KeyStatus::Active;
    QDateTime createdAt;
    QDateTime expiresAt;
    QDateTime revokedAt;
    CallTotals totals;
    Usd spentTodayUsd;
    Usd heldTodayUsd;
    qint64 callsToday = 0;
    qint64 blockedToday = 0;
    friend bool operator==(const RunKeyTotals &, const RunKeyTotals &) = default;
};

// GET /v1/runs/{label}.
struct RunDetail
{
    QString label;
    QString labelPrefix;
    RunStatus status = RunStatus::Active;
    QDateTime since; // invalid for an open end
    QDateTime until;
    QString spendTimezone;
    QDateTime resetsAt; // end of the current spend window
    CallTotals totals;
    QList<RunVendorTotals> vendors;
    QList<RunDayTotals> days; // oldest first
    QList<RunKeyTotals> keys; // oldest first
    QMap<QString, qint64> denialsByReason; // "cap_exhausted" -> 11
    friend bool operator==(const RunDetail &, const RunDetail &) = default;
};

} // namespace keybrake::client
