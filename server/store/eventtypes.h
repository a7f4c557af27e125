#pragma once

#include "clock.h"

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace keybrake {

// The event types of GET /v1/events (contract: "Live events"), as stored and sent.
namespace eventtype {
inline constexpr std::string_view kKeyIssued = "key.issued";
inline constexpr std::string_view kKeyRevoked = "key.revoked";
inline constexpr std::string_view kKeyExpired = "key.expired";
inline constexpr std::string_view kKeyCapped = "key.capped";
inline constexpr std::string_view kCall = "call";
inline constexpr std::string_view kCapThreshold = "cap.threshold";
inline constexpr std::string_view kBlockCreated = "block.created";
inline constexpr std::string_view kBlockLifted = "block.lifted";
} // namespace eventtype

// Every type a client may name in the `types` filter (pings are always sent).
const std::set<std::string, std::less<>> &knownEventTypes();

// One event of the live stream. It is written by the store's writer in the transaction of the
// change it describes, so an event exists exactly when its change committed, and ids increase in
// commit order.
struct StoredEvent
{
    std::int64_t id = 0;
    TimePoint ts;
    std::string type;
    std::string keyId; // empty for a call with an unknown vault key
    std::string label; // the key's agent_run_label; empty without a key
    std::string payload; // the event's `data`: one JSON object as text, final when written
};

// What one GET /v1/events subscriber wants. Applied in SQL to the backlog and in memory to live
// events; both must agree, which `matches` defines.
struct EventFilter
{
    std::set<std::string, std::less<>> types; // empty: every type
    std::string keyId; // empty: any key
    std::string labelPrefix; // byte-wise "starts with"; empty: any label

    bool matches(const StoredEvent &event) const;
};

// Events after an id, from one snapshot of the store.
struct EventPage
{
    std::vector<StoredEvent> events; // matching, id order, at most the limit asked for
    // The last id this page accounts for: the last event returned when the page is full,
    // otherwise `latestId`. The next page starts after it.
    std::int64_t scannedThrough = 0;
    std::int64_t latestId = 0; // the newest event id ever written (0: none yet)
    std::int64_t oldestId = 0; // the oldest retained event (0: none retained)
};

// Receives the events of each commit, in id order, on the store's writer thread right after the
// commit and before the writes' callbacks run. It must return quickly and never call the store.
using EventSink = std::function<void(std::vector<StoredEvent>)>;

} // namespace keybrake
