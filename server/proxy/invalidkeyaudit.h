#pragma once

#include "domain.h"

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

namespace keybrake {

// Refusals for a vault key that does not exist come from anyone on the network, so writing one
// audit row each lets a flood grow the store without bound (2,000 requests grew it by 3.4 MB).
// They are still audited, but per (source address, reason, minute): the first refusal of a bucket
// is written as usual, and the rest of that minute become one summary row with their count once
// the minute is over. Thread-safe.
class InvalidKeyAudit
{
public:
    struct Summary
    {
        std::string source;
        std::string reason;
        TimePoint minute; // the bucket's start
        std::int64_t repeated = 0; // refusals after the first, not written one by one
        AuditEntry first; // the bucket's first refusal, as written
    };

    // Distinct buckets kept in one minute; past it every new source shares the bucket "*", so
    // memory stays bounded whatever the number of addresses.
    static constexpr std::size_t kMaxBuckets = 4096;

    // True when this refusal opens its bucket and should be written as a row.
    bool note(const std::string &source, const AuditEntry &refusal, TimePoint now);
    // Summaries of buckets whose minute ended before `now` (every bucket when `everything`) that
    // counted more than their first refusal; the buckets are forgotten.
    std::vector<Summary> takeFinished(TimePoint now, bool everything = false);

    // The row a summary is written as: verdict denied_invalid_key, its reason, and detail
    // {"aggregated":true,"source":...,"minute":...,"repeated":N}.
    static AuditEntry summaryRow(const Summary &summary, TimePoint now);

private:
    using Key = std::tuple<std::string, std::string, std::int64_t>; // source, reason, minute
    std::mutex m_mutex;
    std::map<Key, Summary> m_buckets;
};

} // namespace keybrake
