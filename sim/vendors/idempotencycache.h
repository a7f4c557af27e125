#pragma once

#include "vendors/simreply.h"

#include <chrono>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace keybrake::sim {

// Idempotency keys as Stripe keeps them: the first request with a key runs and its answer is
// stored for 24 hours; the same key with the same request replays that answer, with another
// request is an error, and while the first is still running a duplicate is refused. Thread-safe.
class IdempotencyCache
{
public:
    enum class Verdict { Fresh, Replay, Mismatch, InProgress };
    struct Claim
    {
        Verdict verdict = Verdict::Fresh;
        SimReply stored; // for Replay
    };

    explicit IdempotencyCache(std::size_t capacity = 50'000,
                              std::chrono::hours lifetime = std::chrono::hours(24));

    // `scope` separates vendors; `fingerprint` identifies the request (method, path, body).
    Claim claim(std::string_view scope, std::string_view key, std::string_view fingerprint);
    void complete(std::string_view scope, std::string_view key, const SimReply &reply);
    // Forgets a claim whose request stored nothing, so a retry with the same key runs again.
    void release(std::string_view scope, std::string_view key);
    void clear();

private:
    using SteadyTime = std::chrono::steady_clock::time_point;
    struct Entry
    {
        std::string fingerprintHash;
        std::optional<SimReply> reply; // empty while the first request runs
        SteadyTime createdAt;
    };

    void evictLocked(SteadyTime now);

    std::size_t m_capacity;
    std::chrono::hours m_lifetime;
    std::mutex m_mutex;
    std::unordered_map<std::string, Entry> m_entries;
    std::deque<std::pair<std::string, SteadyTime>> m_order; // oldest first
};

} // namespace keybrake::sim
