#include "reportsfill.h"

#include "store/sqlitedatabase.h"
#include "store/sqlitestore.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <random>
#include <stdexcept>
#include <vector>

namespace keybrake::bench {

namespace {

using namespace std::chrono_literals;

constexpr std::int64_t kDayMs = 86'400'000;
constexpr int kPrefixes = 200;

enum class Kind : std::uint8_t {
    Allowed,
    Replayed,
    DeniedCap,
    DeniedEndpoint,
    DeniedScope,
    DeniedRevoked,
    DeniedExpired,
    DeniedIdempotency,
    UpstreamError,
    Issued, // the key's admin row
};

struct Verdict
{
    const char *name;
    const char *reason;
    int httpStatus;
};

constexpr std::array<Verdict, 10> kVerdicts {{
    {"allowed", "", 200},
    {"replayed", "", 200},
    {"denied_cap", "cap_exhausted", 429},
    {"denied_endpoint", "endpoint_not_allowed", 403},
    {"denied_scope", "scope_violation", 403},
    {"denied_revoked", "key_revoked", 401},
    {"denied_expired", "key_expired", 401},
    {"denied_idempotency", "idempotency_key_in_use", 409},
    {"upstream_error", "upstream_500", 500},
    {"allowed", "", 0},
}};

struct Key
{
    std::string id;
    int run = 0;
    int vendor = 0; // 0 stripe, 1 twilio, 2 resend
    std::int64_t capMicros = 0;
    std::int64_t createdAt = 0;
    std::int64_t expiresAt = 0;
    std::int64_t revokedAt = 0; // 0: not revoked
};

struct Row
{
    std::int64_t ts = 0;
    std::int32_t key = 0;
    Kind kind = Kind::Allowed;
    std::int64_t cost = 0;
    std::int64_t usageAfter = 0;
};

constexpr const char *kVendorNames[] = {"stripe", "twilio", "resend"};
constexpr const char *kPaths[] = {"/v1/charges",
                                  "/2010-04-01/Accounts/AC00000000000000000000000000000001/"
                                  "Messages.json",
                                  "/emails"};
constexpr const char *kOperations[] = {"charges.create", "messages.create", "emails.send"};

std::string base32Id(std::uint64_t n, int length)
{
    static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
    std::string out(static_cast<std::size_t>(length), 'a');
    for (int i = length - 1; i >= 0 && n; --i, n /= 32)
        out[static_cast<std::size_t>(i)] = kAlphabet[n % 32];
    return out;
}

} // namespace

FilledStore fillReportsStore(const std::string &path, std::int64_t callRows, TimePoint now)
{
    {
        // The server's schema, by the server's own migrations.
        SqliteStore::Options options;
        options.path = path;
        SqliteStore::open(options)->close();
    }

    std::mt19937_64 random(42);
    const auto uniform = [&random](std::int64_t low, std::int64_t high) {
        return std::uniform_int_distribution<std::int64_t>(low, high)(random);
    };
    const auto chance = [&random](double p) { return std::bernoulli_distribution(p)(random); };

    const std::int64_t end = toUnixMillis(now);
    const std::int64_t start = end - 30 * kDayMs;
    std::vector<std::string> prefixes;
    for (int i = 0; i < kPrefixes; ++i) {
        char text[64];
        std::snprintf(text, sizeof text, "lambda/team-%02d/agent-%03d/", i % 25, i);
        prefixes.emplace_back(text);
    }

    FilledStore filled;
    std::vector<std::string> labels;
    std::vector<Key> keys;
    std::vector<Row> rows;
    rows.reserve(static_cast<std::size_t>(callRows + callRows / 10));
    int runaways = 0;
    while (filled.callRows < callRows) {
        const int run = static_cast<int>(labels.size());
        // A few busy agents, many quiet ones.
        const double u = std::uniform_real_distribution<double>(0, 1)(random);
        const auto prefix =
            static_cast<std::size_t>(std::min(kPrefixes - 1, int(kPrefixes * u * u)));
        char tail[32];
        std::snprintf(tail, sizeof tail, "msg-%08llx",
                      static_cast<unsigned long long>(run * 2654435761ULL % 0xffffffffULL));
        labels.push_back(prefixes[prefix] + tail);
        const bool runaway = chance(0.0025);
        runaways += runaway;
        // Runs of the last hours get more weight, as in a deployment that grows.
        const std::int64_t runStart =
            chance(0.05) ? uniform(end - 3'600'000, end - 60'000) : uniform(start, end - 600'000);

        const int keyCount = chance(0.7) ? 1 : (chance(0.83) ? 2 : 3);
        // An agent (a label prefix) calls the same vendor first in every run: half of them
        // Stripe, three in ten Twilio, two in ten Resend.
        const std::int64_t firstVendor = prefix % 10 < 5 ? 0 : (prefix % 10 < 8 ? 1 : 2);
        const int firstKey = static_cast<int>(keys.size());
        for (int k = 0; k < keyCount; ++k) {
            Key key;
            key.id = "vk_" + base32Id(keys.size() + 1, 24);
            key.run = run;
            key.vendor = static_cast<int>((firstVendor + k) % 3);
            key.capMicros =
                key.vendor == 0 ? uniform(50, 500) * 1'000'000 : uniform(2, 20) * 1'000'000;
            key.createdAt = runStart - 2'000;
            key.expiresAt = key.createdAt + (runaway ? 4 : 2) * 3'600'000;
            if (chance(0.01))
                key.revokedAt = key.createdAt + 300'000;
            keys.push_back(key);
            rows.push_back(
                {key.createdAt, static_cast<std::int32_t>(keys.size() - 1), Kind::Issued, 0, 0});
            ++filled.adminRows;
        }

        std::vector<std::int64_t> spent(static_cast<std::size_t>(keyCount), 0);
        std::int64_t calls = runaway ? uniform(300, 800) : uniform(4, 30);
        calls = std::min(calls, callRows - filled.callRows);
        std::int64_t t = runStart;
        for (std::int64_t i = 0; i < calls; ++i) {
            t += runaway ? uniform(200, 2'000) : uniform(1'000, 40'000);
            if (t >= end)
                t = end - uniform(1, 60'000);
            const int k = static_cast<int>(uniform(0, keyCount - 1));
            const Key &key = keys[static_cast<std::size_t>(firstKey + k)];
            Row row {t, firstKey + k, Kind::Allowed, 0, 0};
            std::int64_t cost = 0;
            switch (key.vendor) {
            case 0:
                cost = (runaway ? uniform(2'000, 6'000) : uniform(50, 1'500)) * 10'000;
                break;
            case 1:
                cost = uniform(1, 3) * 7'900;
                break;
            default:
                cost = uniform(1, 3) * 400;
            }
            if (key.revokedAt && t >= key.revokedAt)
                row.kind = Kind::DeniedRevoked;
            else if (t >= key.expiresAt)
                row.kind = Kind::DeniedExpired;
            else if (chance(0.02))
                row.kind = Kind::Replayed;
            else if (chance(0.015))
                row.kind = Kind::DeniedEndpoint;
            else if (chance(0.007))
                row.kind = Kind::DeniedScope;
            else if (chance(0.003))
                row.kind = Kind::DeniedIdempotency;
            else if (chance(0.015))
                row.kind = Kind::UpstreamError;
            else if (spent[static_cast<std::size_t>(k)] + cost > key.capMicros)
                row.kind = Kind::DeniedCap;
            else {
                spent[static_cast<std::size_t>(k)] += cost;
                row.cost = cost;
            }
            row.usageAfter = spent[static_cast<std::size_t>(k)];
            rows.push_back(row);
            ++filled.callRows;
        }
        if (runaway)
            filled.runawayLabel = labels.back();
        if (runStart > end - 3'600'000 && calls > 10)
            filled.typicalLabel = labels.back();
    }
    filled.runs = static_cast<std::int64_t>(labels.size());
    filled.keys = static_cast<std::int64_t>(keys.size());
    filled.prefixes = kPrefixes;
    filled.busyPrefix = prefixes[3];
    filled.searchText = "msg-0a";
    (void)runaways;

    // Audit ids follow time, as the server writes them.
    std::stable_sort(rows.begin(), rows.end(),
                     [](const Row &a, const Row &b) { return a.ts < b.ts; });

    SqliteDatabase db(path, SqliteDatabase::Access::ReadWrite);
    db.exec("PRAGMA synchronous=OFF");
    db.exec("PRAGMA cache_size=-1048576"); // 1 GiB: the random-order indexes stay in memory
    SqliteTransaction transaction(db, SqliteTransaction::Kind::Immediate);
    {
        // A statement handle resets when it goes out of scope: one per row.
        const std::string sql =
            "INSERT INTO vault_keys (id, name, vendor, secret_hash, key_hint, daily_cap_micros, "
            "allowed_endpoints, scope, agent_run_label, metadata, created_at, expires_at, "
            "revoked_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, '{}', ?, '{}', ?, ?, ?, "
            "'ak_bench')";
        for (std::size_t i = 0; i < keys.size(); ++i) {
            auto insert = db.prepare(sql);
            const Key &key = keys[i];
            char hash[65];
            std::snprintf(hash, sizeof hash, "%064zx", i + 1);
            const std::string &label = labels[static_cast<std::size_t>(key.run)];
            insert.bind(1, std::string_view(key.id))
                .bind(2, std::string_view(label))
                .bind(3, std::string_view(kVendorNames[key.vendor]))
                .bind(4, std::string_view(hash))
                .bind(5, "vault_key_…" + key.id.substr(23))
                .bind(6, key.capMicros)
                .bind(7, "[\"" + std::string(kOperations[key.vendor]) + "\"]")
                .bind(8, std::string_view(label))
                .bind(9, key.createdAt)
                .bind(10, key.expiresAt);
            if (key.revokedAt)
                insert.bind(11, key.revokedAt);
            else
                insert.bindNull(11);
            insert.run();
        }
    }
    {
        const std::string sql = std::string(
            "INSERT INTO audit (ts, kind, request_id, key_id, key_name, agent_run_label, vendor, "
            "method, path, operation, verdict, reason, http_status, upstream_status, cost_micros, "
            "cost_source, currency, original_amount, cap_usage_after_micros, customer_scope_id, "
            "vendor_object_id, vendor_request_id, idempotency_key, latency_ms, "
            "upstream_latency_ms, action, actor, detail, window_start) VALUES (?, ?, ?, ?, ?, ?, "
            "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?, '', ?, ?, ?, ?, ?, ?)");
        std::uint64_t requests = 0;
        for (const Row &row : rows) {
            auto insert = db.prepare(sql);
            const Key &key = keys[static_cast<std::size_t>(row.key)];
            const std::string &label = labels[static_cast<std::size_t>(key.run)];
            const Verdict &verdict = kVerdicts[static_cast<std::size_t>(row.kind)];
            const bool admin = row.kind == Kind::Issued;
            const bool charged = row.kind == Kind::Allowed;
            const bool forwarded = charged || row.kind == Kind::UpstreamError;
            insert.bind(1, row.ts)
                .bind(2, std::string_view(admin ? "admin" : "call"))
                .bind(3, "req_" + base32Id(++requests, 24))
                .bind(4, std::string_view(key.id))
                .bind(5, std::string_view(label))
                .bind(6, std::string_view(label))
                .bind(7, std::string_view(kVendorNames[key.vendor]))
                .bind(8, std::string_view(admin ? "" : "POST"))
                .bind(9, std::string_view(admin ? "" : kPaths[key.vendor]))
                .bind(10, std::string_view(admin ? "" : kOperations[key.vendor]))
                .bind(11, std::string_view(verdict.name))
                .bind(12, std::string_view(verdict.reason))
                .bind(13, key.vendor == 1 && charged ? 201 : verdict.httpStatus);
            if (forwarded)
                insert.bind(14, charged ? (key.vendor == 1 ? 201 : 200) : 500);
            else
                insert.bindNull(14);
            insert.bind(15, row.cost)
                .bind(
                    16,
                    std::string_view(charged ? (key.vendor == 2 ? "estimated" : "parsed") : "none"))
                .bind(17, std::string_view(admin || key.vendor ? "" : "usd"));
            if (!admin && key.vendor == 0)
                insert.bind(18, row.cost / 10'000);
            else
                insert.bindNull(18);
            if (admin)
                insert.bindNull(19);
            else
                insert.bind(19, row.usageAfter);
            insert.bind(20, charged && key.vendor == 0 ? "ch_" + base32Id(requests, 24) : "")
                .bind(21, forwarded ? "req_v" + base32Id(requests, 20) : "");
            if (admin) {
                insert.bindNull(22).bindNull(23);
            } else {
                insert.bind(22, forwarded ? 180.0 + static_cast<double>(requests % 700) / 10 : 1.5);
                if (forwarded)
                    insert.bind(23, 178.0 + static_cast<double>(requests % 700) / 10);
                else
                    insert.bindNull(23);
            }
            insert.bind(24, std::string_view(admin ? "key.issued" : ""))
                .bind(25, std::string_view(admin ? "ak_bench" : ""));
            if (admin) {
                insert.bind(
                    26, "{\"daily_usd_cap\":" + std::to_string(key.capMicros / 1'000'000) + "}");
                insert.bindNull(27);
            } else {
                insert.bind(26,
                            key.vendor == 0 ? "{\"amount\":\"" + std::to_string(row.cost / 10'000)
                                    + "\",\"currency\":\"usd\"}"
                                            : std::string("{}"));
                insert.bind(27, row.ts - row.ts % kDayMs);
            }
            insert.run();
        }
    }
    // The ledger, exactly as admit and settle would have left it.
    db.exec("INSERT INTO key_spend (key_id, window_start, settled_micros, held_micros, calls, "
            "blocked, first_call_at, last_call_at) "
            "SELECT key_id, window_start, "
            "sum(CASE WHEN verdict = 'allowed' THEN cost_micros ELSE 0 END), 0, count(*), "
            "sum(verdict LIKE 'denied%'), min(ts), max(ts) FROM audit "
            "WHERE kind = 'call' AND key_id IS NOT NULL GROUP BY key_id, window_start");
    transaction.commit();
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    return filled;
}

} // namespace keybrake::bench
