#pragma once

#include "eventtypes.h"
#include "store.h"

#include <cstdint>
#include <string_view>
#include <vector>

namespace boost::json {
class value;
}

namespace keybrake {

class SqliteDatabase;

// The events table behind GET /v1/events. Writers append inside the transaction of the change an
// event describes (so an event exists exactly when its change committed); payloads are the final
// wire JSON, so a replay sends byte for byte what the live stream sent. Also the once-only
// bookkeeping: thresholds per key and spend window (key_thresholds) and announced expiries
// (vault_keys.expiry_announced), both durable across restarts.
class SqliteEvents
{
public:
    explicit SqliteEvents(SqliteDatabase &db)
        : m_db(db)
    {
    }

    // --- on the write connection, inside the caller's transaction
    void keyIssued(const VaultKey &key);
    void keyRevoked(const VaultKey &key, TimePoint at, Usd heldAtRevoke, std::string_view actor,
                    std::string_view reason = {});
    // block.created / block.lifted: the block as GET /v1/blocks shows it at `at`. Its label is
    // the block's prefix, so a label_prefix filter that the prefix starts with sees it.
    void blockChanged(std::string_view type, const PrefixBlock &block, TimePoint at);
    // The call row `entry` just written as `id`: the payload is the row as GET /v1/audit shows it.
    void call(const AuditEntry &entry, std::string_view id);
    // After the key's spend in the window starting at `windowStart` changed: cap.threshold for
    // each of 80 %, 95 % and 100 % of the cap that settled spend has reached, and key.capped when
    // settled + held has reached the cap; each at most once per key and window.
    void spendChanged(std::string_view keyId, std::int64_t windowStart, const KeySpend &spend,
                      Usd cap, TimePoint at);
    // key.expired, once per key, for unrevoked keys whose expiry is at or before `now`; at most
    // `limit` keys per call (the rest on the next). Returns how many were announced.
    std::int64_t expireKeys(TimePoint now, int limit = 1000);
    // Keeps the newest `keep` events, and every event after `published` (those the sink has not
    // had yet); returns how many were deleted.
    std::int64_t trim(std::int64_t keep, std::int64_t published);
    // Forgets the threshold marks of windows a week older than the newest marked window: they
    // can never matter again. A scan of every mark, so the writer runs it rarely.
    void forgetOldMarks();

    // --- reads (any connection)
    EventPage read(std::int64_t after, const EventFilter &filter, int limit);
    // Every event after `id`, in id order (the writer hands these to the sink after a commit).
    std::vector<StoredEvent> after(std::int64_t id);
    std::int64_t latestId();

private:
    struct KeyLabel
    {
        std::string name;
        std::string vendor;
        std::string label;
    };
    KeyLabel keyLabel(std::string_view keyId);
    // True when this mark was new (the alert has not been sent in this window).
    bool mark(std::string_view keyId, std::int64_t windowStart, std::string_view threshold);
    void append(std::string_view type, TimePoint ts, std::string_view keyId, std::string_view label,
                boost::json::value payload);

    SqliteDatabase &m_db;
};

} // namespace keybrake
