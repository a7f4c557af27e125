#include "sqliteauditlog.h"

#include "sqlitebrakes.h"
#include "sqlitecolumns.h"
#include "sqlitedatabase.h"
#include "sqliteevents.h"
#include "sqlitefilter.h"

#include <algorithm>
#include <charconv>

namespace keybrake {

namespace {

constexpr std::string_view kColumns =
    "id, ts, kind, request_id, key_id, key_name, agent_run_label, vendor, method, path, "
    "operation, verdict, reason, http_status, upstream_status, cost_micros, cost_source, "
    "currency, original_amount, cap_usage_after_micros, customer_scope_id, "
    "vendor_object_id, vendor_request_id, idempotency_key, latency_ms, upstream_latency_ms, "
    "action, actor, detail";

constexpr std::string_view kCursorTag = "audit";

// Above this many matches a range index (label prefix, time) is worse than walking the log
// newest first, because its matches must be sorted by id before the first row comes out.
constexpr int kProbeLimit = 2000;
// How far a time window is counted before it is called too wide to sort.
constexpr int kWideProbeLimit = 50'000;

CostSource parseCostSource(std::string_view name)
{
    for (const CostSource source : {CostSource::Parsed, CostSource::Estimated, CostSource::None}) {
        if (costSourceName(source) == name)
            return source;
    }
    return CostSource::None;
}

AuditEntry readEntry(const SqliteStatement &row)
{
    AuditEntry entry;
    entry.id = std::to_string(row.int64(0));
    entry.ts = fromUnixMillis(row.int64(1));
    entry.kind = row.text(2);
    entry.requestId = row.text(3);
    entry.keyId = row.text(4);
    entry.keyName = row.text(5);
    entry.agentRunLabel = row.text(6);
    entry.vendor = row.text(7);
    entry.method = row.text(8);
    entry.path = row.text(9);
    entry.operation = row.text(10);
    entry.verdict = parseVerdict(row.text(11)).value_or(Verdict::UpstreamError);
    entry.reason = row.text(12);
    entry.httpStatus = row.integer(13);
    if (!row.isNull(14))
        entry.upstreamStatus = row.integer(14);
    entry.cost = Usd::fromMicros(row.int64(15));
    entry.costSource = parseCostSource(row.text(16));
    entry.currency = row.text(17);
    entry.originalAmount = row.optionalInt64(18);
    if (!row.isNull(19))
        entry.capUsageAfter = Usd::fromMicros(row.int64(19));
    entry.customerScopeId = row.text(20);
    entry.vendorObjectId = row.text(21);
    entry.vendorRequestId = row.text(22);
    entry.idempotencyKey = row.text(23);
    if (!row.isNull(24))
        entry.latencyMs = row.real(24);
    if (!row.isNull(25))
        entry.upstreamLatencyMs = row.real(25);
    entry.action = row.text(26);
    entry.actor = row.text(27);
    entry.detail = row.text(28);
    return entry;
}

// One way of reaching the rows of a filter: an index and the filter's terms it can seek on.
struct Access
{
    std::string index;
    SqliteFilter seek;
    bool keepsOrder; // an equality on the index: its entries come in id order already
};

} // namespace

std::string SqliteAuditLog::insert(const AuditEntry &entry, std::optional<std::int64_t> windowStart)
{
    auto insert = m_db.prepare(
        "INSERT INTO audit (ts, kind, request_id, key_id, key_name, agent_run_label, vendor, "
        "method, path, operation, verdict, reason, http_status, upstream_status, cost_micros, "
        "cost_source, currency, original_amount, cap_usage_after_micros, customer_scope_id, "
        "vendor_object_id, vendor_request_id, idempotency_key, latency_ms, "
        "upstream_latency_ms, action, actor, detail, window_start) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
        "?, ?, ?)");
    insert.bind(1, toUnixMillis(entry.ts));
    insert.bind(2, std::string_view(entry.kind == "admin" ? "admin" : "call"));
    insert.bind(3, std::string_view(entry.requestId));
    if (entry.keyId.empty())
        insert.bindNull(4);
    else
        insert.bind(4, std::string_view(entry.keyId));
    insert.bind(5, std::string_view(entry.keyName));
    insert.bind(6, std::string_view(entry.agentRunLabel));
    insert.bind(7, std::string_view(entry.vendor));
    insert.bind(8, std::string_view(entry.method));
    insert.bind(9, std::string_view(entry.path));
    insert.bind(10, std::string_view(entry.operation));
    insert.bind(11, verdictName(entry.verdict));
    insert.bind(12, std::string_view(entry.reason));
    insert.bind(13, entry.httpStatus);
    insert.bind(14, entry.upstreamStatus);
    insert.bind(15, entry.cost.micros());
    insert.bind(16, costSourceName(entry.costSource));
    insert.bind(17, std::string_view(entry.currency));
    insert.bind(18, entry.originalAmount);
    if (entry.capUsageAfter)
        insert.bind(19, entry.capUsageAfter->micros());
    else
        insert.bindNull(19);
    insert.bind(20, std::string_view(entry.customerScopeId));
    insert.bind(21, std::string_view(entry.vendorObjectId));
    insert.bind(22, std::string_view(entry.vendorRequestId));
    insert.bind(23, std::string_view(entry.idempotencyKey));
    insert.bind(24, entry.latencyMs);
    insert.bind(25, entry.upstreamLatencyMs);
    insert.bind(26, std::string_view(entry.action));
    insert.bind(27, std::string_view(entry.actor));
    insert.bind(28, std::string_view(entry.detail));
    insert.bind(29, windowStart);
    insert.run();
    std::string id = std::to_string(m_db.lastInsertRowId());
    // Here, where every call row is written, so each has exactly one `call` event.
    if (entry.kind != "admin")
        SqliteEvents(m_db).call(entry, id);
    return id;
}

std::optional<Page<AuditEntry>> SqliteAuditLog::list(const AuditFilter &filter)
{
    const int limit = std::clamp(filter.limit, 1, 1000);
    std::optional<std::int64_t> before;
    if (!filter.cursor.empty()) {
        const auto fields = sqlitecolumns::decodeCursor(kCursorTag, filter.cursor);
        std::int64_t id = 0;
        if (!fields
            || std::from_chars(fields->data(), fields->data() + fields->size(), id).ptr
                != fields->data() + fields->size()) {
            return std::nullopt;
        }
        before = id;
    }

    // Every filter as a term on the table; the ones an index can seek on are also offered as
    // ways in. The query names its index (INDEXED BY / NOT INDEXED): without ANALYZE statistics
    // SQLite guesses, and walks, for example, the kind index for one key's rows.
    SqliteFilter all;
    std::vector<Access> ways;
    const auto offer = [&ways](std::string index, std::string term,
                               std::vector<SqliteFilter::Value> values, bool keepsOrder) {
        Access access {std::move(index), {}, keepsOrder};
        access.seek.add(std::move(term), std::move(values));
        ways.push_back(std::move(access));
    };
    if (filter.kind != "all") {
        all.add("kind = ?", {filter.kind});
        offer("audit_kind", "kind = ?", {filter.kind}, true);
    }
    if (!filter.actor.empty())
        all.add("actor = ?", {filter.actor});
    if (!filter.keyId.empty()) {
        all.add("key_id = ?", {filter.keyId});
        offer("audit_key", "key_id = ?", {filter.keyId}, true);
    }
    if (!filter.label.empty()) {
        all.add("agent_run_label = ?", {filter.label});
        offer("audit_label", "agent_run_label = ?", {filter.label}, true);
    }
    if (!filter.labelPrefix.empty()) {
        const auto upper = sqlitecolumns::prefixUpperBound(filter.labelPrefix);
        std::string term = "agent_run_label >= ?";
        std::vector<SqliteFilter::Value> values {filter.labelPrefix};
        if (upper) {
            term += " AND agent_run_label < ?";
            values.emplace_back(*upper);
        }
        all.add(term, values);
        if (filter.label.empty())
            offer("audit_label", term, values, false);
    }
    if (!filter.vendor.empty())
        all.add("vendor = ?", {filter.vendor});
    if (filter.verdict) {
        const std::string name(verdictName(*filter.verdict));
        all.add("verdict = ?", {name});
        offer("audit_verdict", "verdict = ?", {name}, true);
    }
    if (filter.since || filter.until) {
        std::string term;
        std::vector<SqliteFilter::Value> values;
        if (filter.since) {
            term = "ts >= ?";
            values.emplace_back(toUnixMillis(*filter.since));
        }
        if (filter.until) {
            term += term.empty() ? "ts < ?" : " AND ts < ?";
            values.emplace_back(toUnixMillis(*filter.until));
        }
        all.add(term, values);
        offer("audit_ts", term, std::move(values), false);
    }
    if (before) {
        all.add("id < ?", {*before});
        for (auto &way : ways)
            way.seek.add("id < ?", {*before});
    }

    // Count, up to kProbeLimit, the entries each index would visit, and take the fewest: a few
    // index lookups replace the statistics SQLite lacks. When every way in is wide, walking in id
    // order (an equality index, or the table itself) fills a page soonest.
    const auto count = [this](const std::string &index, const SqliteFilter &seek, int cap) {
        auto probe = m_db.prepare("SELECT count(*) FROM (SELECT 1 FROM audit INDEXED BY " + index
                                  + seek.where() + " LIMIT " + std::to_string(cap) + ")");
        seek.bind(probe);
        probe.step();
        return probe.integer(0);
    };
    const Access *chosen = nullptr;
    int fewest = kProbeLimit;
    for (const auto &way : ways) {
        if (const int found = count(way.index, way.seek, kProbeLimit); found < fewest) {
            fewest = found;
            chosen = &way;
        }
    }
    if (!chosen && filter.until) {
        // A wide time window far in the past: walking down from the newest row would pass every
        // row after the window first. Sorting the window costs less when it is the smaller.
        const auto window = std::find_if(ways.begin(), ways.end(),
                                         [](const Access &way) { return way.index == "audit_ts"; });
        SqliteFilter later;
        later.add("ts >= ?", {toUnixMillis(*filter.until)});
        const int inside = count(window->index, window->seek, kWideProbeLimit);
        if (inside < kWideProbeLimit && count(window->index, later, kWideProbeLimit) > inside)
            chosen = &*window;
    }
    if (!chosen) {
        for (const auto &way : ways) {
            if (way.keepsOrder) {
                chosen = &way;
                break;
            }
        }
    }

    std::string sql = "SELECT " + std::string(kColumns) + " FROM audit";
    if (!chosen) {
        sql += " NOT INDEXED" + all.where() + " ORDER BY id DESC LIMIT ?";
    } else if (chosen->keepsOrder) {
        sql += " INDEXED BY " + chosen->index + all.where() + " ORDER BY id DESC LIMIT ?";
    } else {
        // Sort only the ids (from the index where it covers the filter), then read the page.
        sql += " WHERE id IN (SELECT id FROM audit INDEXED BY " + chosen->index + all.where()
            + " ORDER BY id DESC LIMIT ?) ORDER BY id DESC";
    }
    auto select = m_db.prepare(sql);
    const int next = all.bind(select);
    select.bind(next, limit + 1);
    Page<AuditEntry> page;
    while (select.step()) {
        if (static_cast<int>(page.data.size()) == limit) {
            page.nextCursor = sqlitecolumns::encodeCursor(kCursorTag, page.data.back().id);
            break;
        }
        page.data.push_back(readEntry(select));
    }
    // Who did it, by name beside the id (admin keys are never renamed).
    if (std::any_of(page.data.begin(), page.data.end(),
                    [](const AuditEntry &entry) { return entry.kind == "admin"; })) {
        const auto names = SqliteBrakes(m_db).adminKeyNames();
        for (auto &entry : page.data) {
            if (auto it = names.find(entry.actor); entry.kind == "admin" && it != names.end())
                entry.actorName = it->second;
        }
    }
    return page;
}

} // namespace keybrake
