#pragma once

#include "usd.h"

#include <QString>

namespace keybrake {

// Money as the console shows it: currency sign, thousands separators, two decimals, more only
// for an amount below a cent ("$12,500.00", "$0.0004"). Formatted from integer micro-dollars,
// never through a double.
class UsdText
{
public:
    static QString display(Usd amount);
    // Every digit down to the micro-dollar ("$360.6036"), for tooltips.
    static QString exact(Usd amount);
    // "$37.50 / $50.00 · 75 %"
    static QString ofCap(Usd committed, Usd cap);
    // Utilisation in whole percent, rounded down so 99.9 % never reads as 100 %; 0 for no cap.
    static int percentOf(Usd part, Usd whole);
    // Utilisation as a fraction for painting and sorting (a ratio, not money).
    static double fractionOf(Usd part, Usd whole);
};

} // namespace keybrake
