#pragma once

#include "clock.h"
#include "config.h"
#include "crypto.h"
#include "eventhub.h"
#include "metrics.h"
#include "spendcalendar.h"
#include "store/store.h"
#include "vendors/pricing.h"

#include <string>

namespace keybrake {

// What every route handler of one keybraked process shares. Owned by KeybrakeServer; handlers
// hold a reference.
struct ServerContext
{
    const Config &config;
    const Clock &clock;
    ManualClock *testClock = nullptr; // only with --test-clock
    SpendCalendar calendar;
    Store &store;
    Metrics &metrics;
    MasterKey masterKey;
    Pricing pricing;
    std::string version;
    EventHub *events = nullptr; // the live stream's fan-out (GET /v1/events)

    SpendWindow windowNow() const { return calendar.windowAt(clock.now()); }
};

} // namespace keybrake
