#pragma once

#include "client/calltotals.h"

#include <QDateTime>
#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>

namespace keybrake::client {

// One spend window of GET /v1/reports/vendors/daily: the day's totals and each vendor's. The
// vendor is the key's.
struct VendorDay
{
    QString day; // "2026-11-19" in the spend zone
    QDateTime windowStart;
    QDateTime windowEnd;
    CallTotals totals; // first/last call not given
    QMap<QString, CallTotals> vendors; // "stripe" -> totals
    friend bool operator==(const VendorDay &, const VendorDay &) = default;
};

// GET /v1/reports/vendors/daily (report 3): the last `days` windows, oldest first, every day
// present.
struct VendorDailyReport
{
    QList<VendorDay> data;
    CallTotals totals;
    QMap<QString, CallTotals> vendorTotals;
    int days = 0;
    QStringList vendors; // the vendors every day names, in the server's order
    QDateTime since;
    QDateTime until;
    QString spendTimezone;
    friend bool operator==(const VendorDailyReport &, const VendorDailyReport &) = default;
};

} // namespace keybrake::client
