#include "migrations.h"

#include "clock.h"
#include "sqlitedatabase.h"

#include <chrono>
#include <stdexcept>
#include <string>

namespace keybrake {

namespace {

// Money is integer micro-USD, times are unix milliseconds, JSON columns are Boost.JSON text.
constexpr std::string_view kInitialSchema = R"sql(
CREATE TABLE vault_keys (
    id                TEXT PRIMARY KEY,
    name              TEXT NOT NULL,
    vendor            TEXT NOT NULL,
    secret_hash       TEXT NOT NULL UNIQUE,
    key_hint          TEXT NOT NULL,
    daily_cap_micros  INTEGER NOT NULL CHECK (daily_cap_micros >= 0),
    allowed_endpoints TEXT NOT NULL,
    scope             TEXT NOT NULL,
    agent_run_label   TEXT NOT NULL,
    metadata          TEXT NOT NULL,
    created_at        INTEGER NOT NULL,
    expires_at        INTEGER NOT NULL,
    revoked_at        INTEGER,
    created_by        TEXT NOT NULL
);
CREATE INDEX vault_keys_created ON vault_keys (created_at, id);
CREATE INDEX vault_keys_label ON vault_keys (agent_run_label);
-- todayStats counts live keys, and the list finds active ones, without reading the others.
CREATE INDEX vault_keys_live ON vault_keys (expires_at) WHERE revoked_at IS NULL;
-- The revoked few of many expired keys, for the list's status filter.
CREATE INDEX vault_keys_revoked ON vault_keys (revoked_at) WHERE revoked_at IS NOT NULL;

-- The list's substring search over name and label. Keys are never renamed or deleted, so the
-- slow paths of the update and delete triggers (a scan for the key id) only keep it honest.
CREATE VIRTUAL TABLE vault_keys_search USING fts5 (
    key_id UNINDEXED, name, agent_run_label, tokenize = 'trigram'
);
CREATE TRIGGER vault_keys_search_insert AFTER INSERT ON vault_keys BEGIN
    INSERT INTO vault_keys_search (key_id, name, agent_run_label)
    VALUES (new.id, new.name, new.agent_run_label);
END;
CREATE TRIGGER vault_keys_search_update AFTER UPDATE OF id, name, agent_run_label ON vault_keys
BEGIN
    DELETE FROM vault_keys_search WHERE key_id = old.id;
    INSERT INTO vault_keys_search (key_id, name, agent_run_label)
    VALUES (new.id, new.name, new.agent_run_label);
END;
CREATE TRIGGER vault_keys_search_delete AFTER DELETE ON vault_keys BEGIN
    DELETE FROM vault_keys_search WHERE key_id = old.id;
END;

CREATE TABLE key_spend (
    key_id         TEXT NOT NULL REFERENCES vault_keys (id),
    window_start   INTEGER NOT NULL,
    settled_micros INTEGER NOT NULL DEFAULT 0,
    held_micros    INTEGER NOT NULL DEFAULT 0 CHECK (held_micros >= 0),
    calls          INTEGER NOT NULL DEFAULT 0,
    blocked        INTEGER NOT NULL DEFAULT 0,
    last_call_at   INTEGER,
    PRIMARY KEY (key_id, window_start)
) WITHOUT ROWID;
CREATE INDEX key_spend_window ON key_spend (window_start);

-- AUTOINCREMENT: a hold id is never reused, so a late or repeated settlement cannot hit a newer
-- hold that happened to get the same id.
CREATE TABLE holds (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    key_id        TEXT NOT NULL REFERENCES vault_keys (id),
    window_start  INTEGER NOT NULL,
    amount_micros INTEGER NOT NULL CHECK (amount_micros >= 0),
    state         TEXT NOT NULL CHECK (state IN ('open', 'unknown')),
    created_at    INTEGER NOT NULL
);
CREATE INDEX holds_key ON holds (key_id);

CREATE TABLE idempotency (
    scope            TEXT NOT NULL,
    key              TEXT NOT NULL,
    fingerprint      TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('in_flight', 'completed', 'unknown')),
    hold_id          INTEGER,
    response_status  INTEGER,
    response_headers TEXT,
    response_body    BLOB,
    key_id           TEXT,
    sealed_secret    BLOB,
    created_at       INTEGER NOT NULL,
    PRIMARY KEY (scope, key)
) WITHOUT ROWID;
CREATE INDEX idempotency_created ON idempotency (created_at);

-- AUTOINCREMENT keeps ids increasing even after the newest rows are deleted: they are the
-- audit log's public ids and its paging cursor.
CREATE TABLE audit (
    id                     INTEGER PRIMARY KEY AUTOINCREMENT,
    ts                     INTEGER NOT NULL,
    kind                   TEXT NOT NULL CHECK (kind IN ('call', 'admin')),
    request_id             TEXT NOT NULL,
    key_id                 TEXT,
    key_name               TEXT NOT NULL,
    agent_run_label        TEXT NOT NULL,
    vendor                 TEXT NOT NULL,
    method                 TEXT NOT NULL,
    path                   TEXT NOT NULL,
    operation              TEXT NOT NULL,
    verdict                TEXT NOT NULL,
    reason                 TEXT NOT NULL,
    http_status            INTEGER NOT NULL,
    upstream_status        INTEGER,
    cost_micros            INTEGER NOT NULL,
    cost_source            TEXT NOT NULL,
    currency               TEXT NOT NULL,
    original_amount        INTEGER,
    cap_usage_after_micros INTEGER,
    customer_scope_id      TEXT NOT NULL,
    vendor_object_id       TEXT NOT NULL,
    vendor_request_id      TEXT NOT NULL,
    idempotency_key        TEXT NOT NULL,
    latency_ms             REAL,
    upstream_latency_ms    REAL,
    action                 TEXT NOT NULL,
    actor                  TEXT NOT NULL,
    detail                 TEXT NOT NULL
);
-- Each index ends, implicitly, in the rowid (= id), so an equality on its column reads the
-- matching rows newest first without sorting.
CREATE INDEX audit_key ON audit (key_id);
CREATE INDEX audit_label ON audit (agent_run_label);
CREATE INDEX audit_verdict ON audit (verdict);
CREATE INDEX audit_kind ON audit (kind);
-- With kind, a time window of calls is sorted by id from the index alone.
CREATE INDEX audit_ts ON audit (ts, kind);

CREATE TABLE admin_keys (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    role        TEXT NOT NULL,
    secret_hash TEXT NOT NULL UNIQUE,
    key_hint    TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER,
    created_by  TEXT NOT NULL
);
CREATE INDEX admin_keys_created ON admin_keys (created_at, id);
)sql";

// Runs and reports (issue 5). Spend windows are unix milliseconds of the window's start, as in
// key_spend: the server's time zone is applied once, when a call is counted, so a day report in
// any zone is a GROUP BY and never date arithmetic in SQL.
constexpr std::string_view kReportsSchema = R"sql(
-- The spend window a call was counted in. Rows written before this step get their UTC day: the
-- migration cannot know the zone the server ran in then.
ALTER TABLE audit ADD COLUMN window_start INTEGER;
UPDATE audit SET window_start = ts - (ts % 86400000) WHERE kind = 'call';

-- The first call of a key in a window, beside last_call_at, for first/last call per day.
ALTER TABLE key_spend ADD COLUMN first_call_at INTEGER;
UPDATE key_spend SET first_call_at = (
    SELECT min(a.ts) FROM audit AS a INDEXED BY audit_key
    WHERE a.key_id = key_spend.key_id AND a.kind = 'call' AND a.ts >= key_spend.window_start
      AND a.ts <= key_spend.last_call_at);

-- One run's calls in time order with every column its totals, timeline and denials read, so a
-- run is summed from the index alone. Calls of unknown vault keys belong to no run.
CREATE INDEX audit_run ON audit (agent_run_label, ts, verdict, cost_micros, key_id, vendor, reason)
    WHERE kind = 'call' AND key_id IS NOT NULL;

-- The day reports read key_spend and need each key's vendor, label and cap: one lookup in this
-- index instead of two (the id's index, then the table).
CREATE INDEX vault_keys_report ON vault_keys (id, vendor, agent_run_label, daily_cap_micros);
)sql";

// The live event stream (issue 6). Events are written in the transaction of the change they
// describe; their payload is the final wire JSON. AUTOINCREMENT keeps ids increasing after the
// oldest are trimmed: they are the stream's Last-Event-ID.
constexpr std::string_view kEventsSchema = R"sql(
CREATE TABLE events (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    ts      INTEGER NOT NULL,
    type    TEXT NOT NULL,
    key_id  TEXT,
    label   TEXT NOT NULL,
    payload TEXT NOT NULL
);

-- Alerts already sent per key and spend window: cap.threshold at 0.8, 0.95 and 1.0 of the cap,
-- and key.capped. The primary key is what makes "once per window" hold across restarts.
CREATE TABLE key_thresholds (
    key_id       TEXT NOT NULL,
    window_start INTEGER NOT NULL,
    threshold    TEXT NOT NULL CHECK (threshold IN ('0.8', '0.95', '1.0', 'capped')),
    PRIMARY KEY (key_id, window_start, threshold)
) WITHOUT ROWID;

-- key.expired is sent once per key. Keys that expired before this step count as announced: an
-- upgrade must not replay months of expiries into the stream.
ALTER TABLE vault_keys ADD COLUMN expiry_announced INTEGER NOT NULL DEFAULT 0;
UPDATE vault_keys SET expiry_announced = 1
    WHERE expires_at <= CAST(strftime('%s', 'now') AS INTEGER) * 1000;
-- The keys still to be announced, soonest first, for the once-a-second expiry sweep.
CREATE INDEX vault_keys_expiry_due ON vault_keys (expires_at)
    WHERE expiry_announced = 0 AND revoked_at IS NULL;
)sql";

// Stopping an agent, not only its keys (issue 12): prefix blocks, velocity limits and who did
// what.
constexpr std::string_view kBrakesSchema = R"sql(
ALTER TABLE vault_keys ADD COLUMN max_calls_per_minute INTEGER;
ALTER TABLE vault_keys ADD COLUMN max_usd_per_minute_micros INTEGER;
ALTER TABLE vault_keys ADD COLUMN revoked_by TEXT NOT NULL DEFAULT '';
ALTER TABLE vault_keys ADD COLUMN revoke_reason TEXT NOT NULL DEFAULT '';
-- Vault keys an admin key issued today (GET /v1/admin-keys).
CREATE INDEX vault_keys_issuer ON vault_keys (created_by, created_at);

ALTER TABLE admin_keys ADD COLUMN last_used_at INTEGER;

CREATE TABLE prefix_blocks (
    id                TEXT PRIMARY KEY,
    label_prefix      TEXT NOT NULL CHECK (label_prefix <> ''),
    vendor            TEXT,
    reason            TEXT NOT NULL,
    created_at        INTEGER NOT NULL,
    ends_at           INTEGER,
    lifted_at         INTEGER,
    created_by        TEXT NOT NULL,
    lifted_by         TEXT NOT NULL DEFAULT '',
    lift_reason       TEXT NOT NULL DEFAULT '',
    refused_calls     INTEGER NOT NULL DEFAULT 0,
    refused_issuances INTEGER NOT NULL DEFAULT 0
);
-- Every admission reads the unlifted blocks (few), never the lifted history.
CREATE INDEX prefix_blocks_live ON prefix_blocks (created_at) WHERE lifted_at IS NULL;

CREATE TABLE velocity_defaults (
    label_prefix              TEXT PRIMARY KEY,
    max_calls_per_minute      INTEGER,
    max_usd_per_minute_micros INTEGER,
    updated_at                INTEGER NOT NULL,
    updated_by                TEXT NOT NULL
);

-- The admitted calls of keys with a velocity limit, for the sliding 60 s window: the amount is
-- the hold until the call settles, then what was charged. Rows older than the window are
-- deleted at the key's next admission.
CREATE TABLE key_velocity (
    hold_id       INTEGER PRIMARY KEY,
    key_id        TEXT NOT NULL,
    at            INTEGER NOT NULL,
    amount_micros INTEGER NOT NULL
);
CREATE INDEX key_velocity_key ON key_velocity (key_id, at);
)sql";

} // namespace

const std::vector<Migration> &Migrations::all()
{
    static const std::vector<Migration> migrations {
        {1, "vault keys, spend ledger, holds, idempotency, audit log, admin keys", kInitialSchema},
        {2, "spend window of each audited call, first call per key and day, run index",
         kReportsSchema},
        {3, "live events, threshold alerts sent per key and window, announced expiries",
         kEventsSchema},
        {4, "prefix blocks, velocity limits and defaults, revoked by and why, admin key use",
         kBrakesSchema},
    };
    return migrations;
}

int Migrations::latestVersion()
{
    return all().back().version;
}

int Migrations::currentVersion(SqliteDatabase &db)
{
    auto exists = db.prepare(
        "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'");
    if (!exists.step())
        return 0;
    auto version = db.prepare("SELECT coalesce(max(version), 0) FROM schema_migrations");
    version.step();
    return version.integer(0);
}

void Migrations::apply(SqliteDatabase &db)
{
    db.exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version INTEGER PRIMARY KEY,"
            " description TEXT NOT NULL,"
            " applied_at INTEGER NOT NULL)");
    if (const int current = currentVersion(db); current > latestVersion()) {
        throw std::runtime_error("the database has schema version " + std::to_string(current)
                                 + " but this keybraked knows versions up to "
                                 + std::to_string(latestVersion())
                                 + "; it was written by a newer keybraked, which must be used");
    }
    for (const Migration &migration : all()) {
        SqliteTransaction transaction(db, SqliteTransaction::Kind::Immediate);
        // Read again inside the write transaction: two processes opening the same new file must
        // not both run a step.
        if (migration.version <= currentVersion(db))
            continue;
        db.exec(std::string(migration.sql).c_str());
        auto record = db.prepare(
            "INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)");
        record.bind(1, migration.version)
            .bind(2, migration.description)
            .bind(3, toUnixMillis(std::chrono::system_clock::now()));
        record.run();
        transaction.commit();
    }
}

} // namespace keybrake
