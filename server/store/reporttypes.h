#pragma once

#include "domain.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

// What the runs and report routes ask the store and what it answers (issue 5). One rule for every
// total, whichever table it is read from:
// - calls: proxied requests attributed to a vault key, whatever their verdict (requests with an
//   unknown vault key belong to no key, no run and no report);
// - blocked: the calls refused with a denied_* verdict;
// - spent: the settled cost of allowed calls (every other verdict costs 0);
// - held: open holds (in flight, or kept as unknown after a timeout or 5xx) of those calls.
// The audit log and the ledger (key_spend) are written in one transaction and agree call for
// call, so a total read from one equals the same total read from the other.
namespace keybrake {

struct CallTotals
{
    Usd spent;
    Usd held;
    std::int64_t calls = 0;
    std::int64_t blocked = 0;
    std::optional<TimePoint> firstCall;
    std::optional<TimePoint> lastCall;

    void add(const CallTotals &other);
};

// The bounds of an open-ended range. Not the extremes of TimePoint: its nanoseconds end in 2262,
// and range arithmetic in milliseconds must not overflow.
inline const TimePoint kEarliestCall = fromUnixMillis(0);
inline const TimePoint kLatestCall = fromUnixMillis(4'102'444'800'000); // 2100-01-01

// A half-open interval of call times.
struct TimeRange
{
    TimePoint since;
    TimePoint until; // exclusive
};

// --- GET /v1/runs

enum class RunState {
    Any,
    Active, // at least one key neither revoked nor expired
    Ended,
};

struct RunFilter
{
    std::string labelPrefix;
    std::string query; // case-insensitive substring of the label
    TimeRange range;
    RunState state = RunState::Any;
    TimePoint windowStart; // the current spend window, for capped_keys
    int limit = 100;
    std::string cursor;
};

struct RunSummary
{
    std::string label;
    std::vector<std::string> vendors; // of its keys, sorted
    std::int64_t keys = 0;
    std::int64_t activeKeys = 0;
    std::int64_t revokedKeys = 0; // the rest of the ended keys expired
    std::int64_t cappedKeys = 0; // live keys whose spend + holds today reached their cap
    Usd totalCap; // sum of its keys' daily caps
    CallTotals totals; // calls in the range
};

// --- GET /v1/runs/{label}

struct RunKey
{
    VaultKey key;
    KeySpend today;
    CallTotals totals; // in the range
};

struct RunDetail
{
    std::string label;
    CallTotals totals;
    std::map<std::string, CallTotals> byVendor;
    std::vector<std::pair<TimePoint, CallTotals>> byDay; // spend window start, oldest first
    std::vector<RunKey> keys; // oldest first
    std::map<std::string, std::int64_t> denialsByReason;
};

// --- GET /v1/runs/{label}/timeline

struct TimelineQuery
{
    std::string label;
    std::optional<TimePoint> since; // default: the run's first call
    std::optional<TimePoint> until; // default: just after the run's last call
    std::chrono::milliseconds bucket {60'000};
    int maxBuckets = 2000;
    int maxDenials = 10'000;
};

struct TimelineBucket
{
    TimePoint start;
    std::int64_t calls = 0;
    std::int64_t allowed = 0;
    std::int64_t denied = 0;
    Usd spent;
    Usd cumulative; // the run's spend from its first call to this bucket's end
};

struct DenialEvent
{
    std::string auditId;
    TimePoint ts;
    std::string keyId;
    std::string verdict;
    std::string reason;
};

struct RunTimeline
{
    std::string label;
    bool found = false; // the run has keys
    TimeRange range; // buckets cover it, aligned to whole buckets since the Unix epoch
    std::int64_t bucketCount = 0; // over maxBuckets: nothing else is filled
    std::optional<TimePoint> firstCall; // of the whole run
    std::optional<TimePoint> lastCall;
    Usd spentBefore; // the run's spend before the range
    std::vector<TimelineBucket> buckets;
    std::vector<VaultKey> keys;
    std::vector<DenialEvent> denials; // in the range, oldest first
    bool denialsTruncated = false;
};

// --- GET /v1/reports/agents

// A report range as the ledger and the audit log can answer it exactly: whole spend windows from
// key_spend, and the partial days at either end from the audit log.
struct ReportSpan
{
    TimePoint windowsFrom; // spend windows starting in [windowsFrom, windowsTo)
    TimePoint windowsTo;
    std::vector<TimeRange> partial; // call times outside those windows
};

struct AgentTotals
{
    std::string labelPrefix; // the label up to and including its last '/' or ':'; "" for none
    std::int64_t runs = 0;
    std::int64_t keys = 0;
    CallTotals totals;
};

// --- GET /v1/reports/vendors/daily

struct VendorDay
{
    TimePoint windowStart;
    std::string vendor;
    CallTotals totals;
};

// --- GET /v1/reports/anomalies

// One key's activity in a period, with what peers are compared by.
struct KeyActivity
{
    std::string keyId;
    std::string keyName;
    std::string label;
    std::string vendor;
    Usd cap;
    bool live = false; // neither revoked nor expired
    CallTotals totals;
};

struct DenialRow
{
    TimePoint ts;
    std::string label;
    std::string keyId;
    std::string reason;
};

struct AnomalyQuery
{
    TimePoint now;
    TimePoint todayStart; // the current spend window
    TimePoint recentSince; // start of the trailing window
    TimePoint denialsSince; // how far back bursts of denials are looked for
};

struct AnomalyInputs
{
    std::vector<KeyActivity> today; // every key with calls in the current window
    std::vector<KeyActivity> recent; // every key with calls since recentSince
    std::vector<DenialRow> denials; // since denialsSince, oldest first
};

// The label prefix a report groups a label under.
std::string labelPrefixOf(std::string_view label);

} // namespace keybrake
