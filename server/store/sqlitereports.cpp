#include "sqlitereports.h"

#include "sqlitecolumns.h"
#include "sqlitedatabase.h"
#include "sqlitevaultkeys.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

namespace keybrake {

namespace {

namespace columns = sqlitecolumns;

constexpr std::string_view kRunCursorTag = "runs";
// Above this many audit rows (label prefix) or keys (search, live keys) a filter is cheaper to
// apply while walking the log newest first than by summing its runs one by one and sorting.
constexpr int kRowProbeLimit = 20'000;
constexpr int kKeyProbeLimit = 2'000;

// Every run query names the partial index's own terms, so SQLite may use it.
constexpr std::string_view kRunRows =
    " FROM audit INDEXED BY audit_run WHERE kind = 'call' AND key_id IS NOT NULL"
    " AND agent_run_label = ?1 AND ts >= ?2 AND ts < ?3";
// The totals of a set of audit rows: calls, blocked, spent, first and last call.
constexpr std::string_view kTotals =
    "count(*), coalesce(sum(verdict LIKE 'denied%'), 0), "
    "coalesce(sum(CASE WHEN verdict = 'allowed' THEN cost_micros ELSE 0 END), 0), min(ts), "
    "max(ts)";

std::int64_t ms(TimePoint when)
{
    return toUnixMillis(when);
}

std::optional<TimePoint> optionalTime(const SqliteStatement &row, int column)
{
    if (const auto value = row.optionalInt64(column))
        return fromUnixMillis(*value);
    return std::nullopt;
}

// kTotals read from `first` on.
CallTotals readTotals(const SqliteStatement &row, int first)
{
    CallTotals totals;
    totals.calls = row.int64(first);
    totals.blocked = row.int64(first + 1);
    totals.spent = Usd::fromMicros(row.int64(first + 2));
    totals.firstCall = optionalTime(row, first + 3);
    totals.lastCall = optionalTime(row, first + 4);
    return totals;
}

// One audited call as the run routes read it from audit_run.
struct CallRow
{
    std::int64_t ts = 0;
    std::string verdict;
    Usd cost;
    std::string keyId;
    std::string vendor;
    std::string reason;
};

bool isDenied(std::string_view verdict)
{
    return verdict.rfind("denied", 0) == 0;
}

void count(CallTotals &totals, const CallRow &row)
{
    ++totals.calls;
    if (isDenied(row.verdict))
        ++totals.blocked;
    else if (row.verdict == "allowed")
        totals.spent += row.cost;
    const TimePoint at = fromUnixMillis(row.ts);
    if (!totals.firstCall || at < *totals.firstCall)
        totals.firstCall = at;
    if (!totals.lastCall || at > *totals.lastCall)
        totals.lastCall = at;
}

std::string asciiLower(std::string_view text)
{
    std::string out(text);
    for (char &c : out) {
        if (c >= 'A' && c <= 'Z')
            c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

// The same trigram phrase as the key list's search (see SqliteVaultKeys), on labels only.
std::optional<std::string> labelTrigramPhrase(std::string_view needle)
{
    const auto characters = std::count_if(needle.begin(), needle.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xc0) != 0x80;
    });
    if (characters < 3)
        return std::nullopt;
    std::string phrase = "{agent_run_label} : \"";
    for (const char c : needle) {
        phrase += c;
        if (c == '"')
            phrase += '"';
    }
    phrase += '"';
    return phrase;
}

bool hasPrefix(std::string_view label, std::string_view prefix)
{
    return label.substr(0, prefix.size()) == prefix;
}

// Runs in list order: latest activity first, then label descending (a total order for cursors).
struct RunPosition
{
    std::int64_t lastCall = 0;
    std::string label;
    bool before(const RunPosition &other) const
    {
        return std::tie(lastCall, label) > std::tie(other.lastCall, other.label);
    }
};

std::string encodeRunCursor(const RunPosition &position)
{
    return columns::encodeCursor(kRunCursorTag,
                                 std::to_string(position.lastCall) + ':' + position.label);
}

std::optional<RunPosition> decodeRunCursor(std::string_view cursor)
{
    const auto fields = columns::decodeCursor(kRunCursorTag, cursor);
    if (!fields)
        return std::nullopt;
    const auto colon = fields->find(':');
    RunPosition position;
    if (colon == std::string::npos
        || std::from_chars(fields->data(), fields->data() + colon, position.lastCall).ptr
            != fields->data() + colon)
        return std::nullopt;
    position.label = fields->substr(colon + 1);
    return position;
}

} // namespace

SqliteReports::RunKeys SqliteReports::runKeys(const std::string &label, TimePoint now,
                                              TimePoint windowStart)
{
    RunKeys keys;
    auto select = m_db.prepare(
        "SELECT k.id, k.vendor, k.daily_cap_micros, k.revoked_at, k.expires_at, "
        "coalesce(s.settled_micros + s.held_micros, 0) FROM vault_keys AS k "
        "INDEXED BY vault_keys_label LEFT JOIN key_spend AS s ON s.key_id = k.id "
        "AND s.window_start = ? WHERE k.agent_run_label = ? ORDER BY k.created_at, k.id");
    select.bind(1, ms(windowStart)).bind(2, std::string_view(label));
    std::set<std::string> vendors;
    while (select.step()) {
        keys.ids.push_back(select.text(0));
        vendors.insert(select.text(1));
        keys.totalCap += Usd::fromMicros(select.int64(2));
        if (select.isNull(3) && select.int64(4) > ms(now)) {
            ++keys.active;
            // The same test as a key's "capped" status: spent + held today at the cap.
            if (select.int64(5) >= select.int64(2))
                ++keys.capped;
        } else if (!select.isNull(3)) {
            ++keys.revoked;
        }
    }
    keys.vendors.assign(vendors.begin(), vendors.end());
    return keys;
}

std::optional<std::int64_t> SqliteReports::lastCallIn(const std::string &label,
                                                      const TimeRange &range)
{
    auto select = m_db.prepare("SELECT max(ts)" + std::string(kRunRows));
    select.bind(1, std::string_view(label)).bind(2, ms(range.since)).bind(3, ms(range.until));
    select.step();
    return select.optionalInt64(0);
}

CallTotals SqliteReports::runCalls(const std::string &label, const TimeRange &range)
{
    auto select = m_db.prepare("SELECT " + std::string(kTotals) + std::string(kRunRows));
    select.bind(1, std::string_view(label)).bind(2, ms(range.since)).bind(3, ms(range.until));
    select.step();
    return readTotals(select, 0);
}

Usd SqliteReports::heldOf(const std::vector<std::string> &keyIds, const TimeRange &range)
{
    Usd held;
    for (const std::string &keyId : keyIds) {
        auto select = m_db.prepare("SELECT coalesce(sum(amount_micros), 0) FROM holds "
                                   "WHERE key_id = ? AND created_at >= ? AND created_at < ?");
        select.bind(1, std::string_view(keyId)).bind(2, ms(range.since)).bind(3, ms(range.until));
        select.step();
        held += Usd::fromMicros(select.int64(0));
    }
    return held;
}

std::optional<std::vector<std::string>> SqliteReports::narrowRuns(const RunFilter &filter,
                                                                  TimePoint now)
{
    std::optional<std::vector<std::string>> best;
    const auto consider = [&best](std::vector<std::string> labels) {
        if (!best || labels.size() < best->size())
            best = std::move(labels);
    };
    const auto collect = [](SqliteStatement &select) {
        std::vector<std::string> labels;
        while (select.step())
            labels.push_back(select.text(0));
        return labels;
    };

    if (!filter.labelPrefix.empty()) {
        std::string range = "agent_run_label >= ?";
        const auto upper = columns::prefixUpperBound(filter.labelPrefix);
        if (upper)
            range += " AND agent_run_label < ?";
        const std::string rows = " FROM audit INDEXED BY audit_run WHERE kind = 'call' AND "
                                 "key_id IS NOT NULL AND "
            + range;
        auto probe = m_db.prepare("SELECT count(*) FROM (SELECT 1" + rows + " LIMIT "
                                  + std::to_string(kRowProbeLimit) + ")");
        probe.bind(1, std::string_view(filter.labelPrefix));
        if (upper)
            probe.bind(2, std::string_view(*upper));
        probe.step();
        if (probe.integer(0) < kRowProbeLimit) {
            auto select = m_db.prepare("SELECT DISTINCT agent_run_label" + rows);
            select.bind(1, std::string_view(filter.labelPrefix));
            if (upper)
                select.bind(2, std::string_view(*upper));
            consider(collect(select));
        }
    }
    if (const auto phrase = labelTrigramPhrase(filter.query)) {
        const std::string matches = " FROM vault_keys_search WHERE vault_keys_search MATCH ?";
        auto probe = m_db.prepare("SELECT count(*) FROM (SELECT 1" + matches + " LIMIT "
                                  + std::to_string(kKeyProbeLimit) + ")");
        probe.bind(1, std::string_view(*phrase));
        probe.step();
        if (probe.integer(0) < kKeyProbeLimit) {
            auto select = m_db.prepare("SELECT DISTINCT agent_run_label" + matches);
            select.bind(1, std::string_view(*phrase));
            consider(collect(select));
        }
    }
    if (filter.state == RunState::Active) {
        const std::string live = " FROM vault_keys INDEXED BY vault_keys_live "
                                 "WHERE revoked_at IS NULL AND expires_at > ?";
        auto probe = m_db.prepare("SELECT count(*) FROM (SELECT 1" + live + " LIMIT "
                                  + std::to_string(kKeyProbeLimit) + ")");
        probe.bind(1, ms(now));
        probe.step();
        if (probe.integer(0) < kKeyProbeLimit) {
            auto select = m_db.prepare("SELECT DISTINCT agent_run_label" + live);
            select.bind(1, ms(now));
            consider(collect(select));
        }
    }
    return best;
}

std::optional<Page<RunSummary>> SqliteReports::listRuns(const RunFilter &filter, TimePoint now)
{
    const std::size_t limit = static_cast<std::size_t>(std::clamp(filter.limit, 1, 1000));
    std::optional<RunPosition> after;
    if (!filter.cursor.empty()) {
        after = decodeRunCursor(filter.cursor);
        if (!after)
            return std::nullopt;
    }
    const std::string needle = asciiLower(filter.query);
    const auto textMatches = [&](const std::string &label) {
        return hasPrefix(label, filter.labelPrefix)
            && (needle.empty() || asciiLower(label).find(needle) != std::string::npos);
    };

    // The run at `position` when it passes every filter; nullopt otherwise.
    std::vector<std::pair<RunPosition, RunSummary>> found;
    const auto accept = [&](const RunPosition &position) {
        if (after && !after->before(position))
            return;
        RunKeys keys = runKeys(position.label, now, filter.windowStart);
        if ((filter.state == RunState::Active && keys.active == 0)
            || (filter.state == RunState::Ended && keys.active > 0))
            return;
        RunSummary run;
        run.label = position.label;
        run.vendors = std::move(keys.vendors);
        run.keys = static_cast<std::int64_t>(keys.ids.size());
        run.activeKeys = keys.active;
        run.revokedKeys = keys.revoked;
        run.cappedKeys = keys.capped;
        run.totalCap = keys.totalCap;
        run.totals = runCalls(position.label, filter.range);
        run.totals.held = heldOf(keys.ids, filter.range);
        found.emplace_back(position, std::move(run));
    };

    if (auto labels = narrowRuns(filter, now)) {
        std::vector<RunPosition> positions;
        for (auto &label : *labels) {
            if (!textMatches(label))
                continue;
            if (const auto last = lastCallIn(label, filter.range))
                positions.push_back({*last, std::move(label)});
        }
        std::sort(positions.begin(), positions.end(),
                  [](const RunPosition &a, const RunPosition &b) { return a.before(b); });
        for (const RunPosition &position : positions) {
            if (found.size() > limit)
                break;
            accept(position);
        }
    } else {
        // Walking the log newest first meets each run first at its latest call in the range,
        // so runs arrive in list order (ties on the same millisecond are sorted below).
        std::string sql = "SELECT ts, agent_run_label FROM audit INDEXED BY audit_ts "
                          "WHERE kind = 'call' AND ts >= ? AND ts < ? AND key_id IS NOT NULL "
                          "ORDER BY ts DESC";
        auto walk = m_db.prepare(sql);
        walk.bind(1, ms(filter.range.since))
            .bind(2,
                  after ? std::min(ms(filter.range.until), after->lastCall + 1)
                        : ms(filter.range.until));
        std::unordered_set<std::string> seen;
        while (walk.step()) {
            const std::int64_t ts = walk.int64(0);
            if (found.size() > limit && ts < found.back().first.lastCall)
                break;
            std::string label = walk.text(1);
            if (seen.count(label))
                continue;
            seen.insert(label);
            if (!textMatches(label))
                continue;
            // Seen here first, but an earlier page may have shown it at a later call.
            const std::int64_t last = after ? lastCallIn(label, filter.range).value_or(ts) : ts;
            accept({last, std::move(label)});
        }
    }

    std::sort(found.begin(), found.end(),
              [](const auto &a, const auto &b) { return a.first.before(b.first); });
    Page<RunSummary> page;
    for (auto &[position, run] : found) {
        if (page.data.size() == limit) {
            page.nextCursor =
                encodeRunCursor({ms(*page.data.back().totals.lastCall), page.data.back().label});
            break;
        }
        page.data.push_back(std::move(run));
    }
    return page;
}

std::optional<RunDetail> SqliteReports::getRun(const std::string &label, const TimeRange &range,
                                               const SpendWindow &today, TimePoint)
{
    RunDetail detail;
    detail.label = label;
    {
        auto select = m_db.prepare("SELECT id FROM vault_keys INDEXED BY vault_keys_label "
                                   "WHERE agent_run_label = ? ORDER BY created_at, id");
        select.bind(1, std::string_view(label));
        SqliteVaultKeys keys(m_db);
        while (select.step()) {
            if (auto view = keys.get(select.text(0), today))
                detail.keys.push_back({std::move(view->key), view->today, {}});
        }
    }
    if (detail.keys.empty())
        return std::nullopt;
    std::unordered_map<std::string, RunKey *> byId;
    for (RunKey &key : detail.keys)
        byId[key.key.id] = &key;

    std::map<std::int64_t, CallTotals> days;
    auto select = m_db.prepare(
        "SELECT ts, verdict, cost_micros, key_id, vendor, reason, window_start FROM audit "
        "INDEXED BY audit_run WHERE kind = 'call' AND key_id IS NOT NULL "
        "AND agent_run_label = ?1 AND ts >= ?2 AND ts < ?3 ORDER BY ts");
    select.bind(1, std::string_view(label)).bind(2, ms(range.since)).bind(3, ms(range.until));
    while (select.step()) {
        CallRow row {select.int64(0), select.text(1), Usd::fromMicros(select.int64(2)),
                     select.text(3),  select.text(4), select.text(5)};
        count(detail.totals, row);
        count(detail.byVendor[row.vendor], row);
        count(days[select.optionalInt64(6).value_or(row.ts - row.ts % 86'400'000)], row);
        if (const auto key = byId.find(row.keyId); key != byId.end())
            count(key->second->totals, row);
        if (isDenied(row.verdict))
            ++detail.denialsByReason[row.reason];
    }
    for (RunKey &key : detail.keys) {
        auto holds = m_db.prepare("SELECT window_start, amount_micros FROM holds "
                                  "WHERE key_id = ? AND created_at >= ? AND created_at < ?");
        holds.bind(1, std::string_view(key.key.id))
            .bind(2, ms(range.since))
            .bind(3, ms(range.until));
        while (holds.step()) {
            const Usd amount = Usd::fromMicros(holds.int64(1));
            key.totals.held += amount;
            detail.totals.held += amount;
            detail.byVendor[std::string(vendorName(key.key.vendor))].held += amount;
            days[holds.int64(0)].held += amount;
        }
    }
    for (auto &[start, totals] : days)
        detail.byDay.emplace_back(fromUnixMillis(start), totals);
    return detail;
}

RunTimeline SqliteReports::timeline(const TimelineQuery &query)
{
    RunTimeline timeline;
    timeline.label = query.label;
    {
        auto select = m_db.prepare("SELECT id FROM vault_keys INDEXED BY vault_keys_label "
                                   "WHERE agent_run_label = ? ORDER BY created_at, id");
        select.bind(1, std::string_view(query.label));
        SqliteVaultKeys keys(m_db);
        while (select.step()) {
            if (auto view = keys.get(select.text(0), {}))
                timeline.keys.push_back(std::move(view->key));
        }
    }
    timeline.found = !timeline.keys.empty();
    if (!timeline.found)
        return timeline;

    const TimeRange everything {kEarliestCall, kLatestCall};
    const CallTotals whole = runCalls(query.label, everything);
    timeline.firstCall = whole.firstCall;
    timeline.lastCall = whole.lastCall;

    const std::int64_t bucket = query.bucket.count();
    const TimePoint fallback = timeline.keys.front().createdAt;
    const std::int64_t since = ms(query.since.value_or(whole.firstCall.value_or(fallback)));
    std::int64_t until = query.until ? ms(*query.until) : ms(whole.lastCall.value_or(fallback)) + 1;
    until = std::max(until, since);
    // Whole buckets counted from the Unix epoch, so two ranges of one run share their edges.
    const auto floorTo = [bucket](std::int64_t t) {
        return (t >= 0 ? t : t - bucket + 1) / bucket * bucket;
    };
    const std::int64_t start = floorTo(since);
    const std::int64_t end = until == since ? start : floorTo(until - 1) + bucket;
    timeline.range = {fromUnixMillis(start), fromUnixMillis(end)};
    timeline.bucketCount = (end - start) / bucket;
    if (timeline.bucketCount > query.maxBuckets)
        return timeline;

    {
        auto before = m_db.prepare(
            "SELECT coalesce(sum(cost_micros), 0) FROM audit INDEXED BY audit_run "
            "WHERE kind = 'call' AND key_id IS NOT NULL AND agent_run_label = ? AND ts < ? "
            "AND verdict = 'allowed'");
        before.bind(1, std::string_view(query.label)).bind(2, start);
        before.step();
        timeline.spentBefore = Usd::fromMicros(before.int64(0));
    }
    timeline.buckets.resize(static_cast<std::size_t>(timeline.bucketCount));
    for (std::size_t i = 0; i < timeline.buckets.size(); ++i)
        timeline.buckets[i].start = fromUnixMillis(start + static_cast<std::int64_t>(i) * bucket);

    auto select = m_db.prepare(
        "SELECT ts, verdict, cost_micros, key_id, reason, rowid FROM audit INDEXED BY audit_run "
        "WHERE kind = 'call' AND key_id IS NOT NULL AND agent_run_label = ? AND ts >= ? "
        "AND ts < ? ORDER BY ts, rowid");
    select.bind(1, std::string_view(query.label)).bind(2, start).bind(3, end);
    while (select.step()) {
        const std::int64_t ts = select.int64(0);
        TimelineBucket &slot = timeline.buckets[static_cast<std::size_t>((ts - start) / bucket)];
        const std::string verdict = select.text(1);
        ++slot.calls;
        if (isDenied(verdict)) {
            ++slot.denied;
            if (static_cast<int>(timeline.denials.size()) < query.maxDenials)
                timeline.denials.push_back({std::to_string(select.int64(5)), fromUnixMillis(ts),
                                            select.text(3), verdict, select.text(4)});
            else
                timeline.denialsTruncated = true;
        } else if (verdict == "allowed") {
            ++slot.allowed;
            slot.spent += Usd::fromMicros(select.int64(2));
        }
    }
    Usd cumulative = timeline.spentBefore;
    for (TimelineBucket &slot : timeline.buckets) {
        cumulative += slot.spent;
        slot.cumulative = cumulative;
    }
    return timeline;
}

std::vector<AgentTotals> SqliteReports::agents(const ReportSpan &span)
{
    struct KeyTotals
    {
        std::string label;
        CallTotals totals;
    };
    std::unordered_map<std::string, KeyTotals> keys;

    // Whole spend windows: the ledger has each key's day already summed.
    auto ledger = m_db.prepare(
        "SELECT s.key_id, k.agent_run_label, s.settled_micros, s.held_micros, s.calls, "
        "s.blocked, s.first_call_at, s.last_call_at FROM key_spend AS s "
        "JOIN vault_keys AS k INDEXED BY vault_keys_report ON k.id = s.key_id "
        "WHERE s.window_start >= ? AND s.window_start < ? "
        "AND (s.calls > 0 OR s.settled_micros > 0 OR s.held_micros > 0)");
    ledger.bind(1, ms(span.windowsFrom)).bind(2, ms(span.windowsTo));
    while (ledger.step()) {
        CallTotals day;
        day.spent = Usd::fromMicros(ledger.int64(2));
        day.held = Usd::fromMicros(ledger.int64(3));
        day.calls = ledger.int64(4);
        day.blocked = ledger.int64(5);
        day.firstCall = optionalTime(ledger, 6);
        day.lastCall = optionalTime(ledger, 7);
        KeyTotals &key = keys[ledger.text(0)];
        key.label = ledger.text(1);
        key.totals.add(day);
    }
    // The partial days at either end, call by call.
    for (const TimeRange &range : span.partial) {
        auto calls = m_db.prepare(
            "SELECT key_id, agent_run_label, " + std::string(kTotals)
            + " FROM audit INDEXED BY audit_ts WHERE kind = 'call' AND ts >= ? AND ts < ? "
              "AND key_id IS NOT NULL GROUP BY key_id");
        calls.bind(1, ms(range.since)).bind(2, ms(range.until));
        while (calls.step()) {
            KeyTotals &key = keys[calls.text(0)];
            key.label = calls.text(1);
            key.totals.add(readTotals(calls, 2));
        }
        auto holds =
            m_db.prepare("SELECT h.key_id, k.agent_run_label, sum(h.amount_micros) FROM holds AS h "
                         "JOIN vault_keys AS k ON k.id = h.key_id "
                         "WHERE h.created_at >= ? AND h.created_at < ? GROUP BY h.key_id");
        holds.bind(1, ms(range.since)).bind(2, ms(range.until));
        while (holds.step()) {
            KeyTotals &key = keys[holds.text(0)];
            key.label = holds.text(1);
            key.totals.held += Usd::fromMicros(holds.int64(2));
        }
    }

    struct PrefixTotals
    {
        std::unordered_set<std::string> labels;
        AgentTotals row;
    };
    std::map<std::string, PrefixTotals> prefixes;
    for (const auto &[keyId, key] : keys) {
        PrefixTotals &prefix = prefixes[labelPrefixOf(key.label)];
        prefix.labels.insert(key.label);
        ++prefix.row.keys;
        prefix.row.totals.add(key.totals);
    }
    std::vector<AgentTotals> rows;
    rows.reserve(prefixes.size());
    for (auto &[name, prefix] : prefixes) {
        prefix.row.labelPrefix = name;
        prefix.row.runs = static_cast<std::int64_t>(prefix.labels.size());
        rows.push_back(std::move(prefix.row));
    }
    return rows;
}

std::vector<VendorDay> SqliteReports::vendorDays(TimePoint windowsFrom, TimePoint windowsTo)
{
    auto select = m_db.prepare(
        "SELECT s.window_start, k.vendor, sum(s.settled_micros), sum(s.held_micros), "
        "sum(s.calls), sum(s.blocked), min(s.first_call_at), max(s.last_call_at) "
        "FROM key_spend AS s JOIN vault_keys AS k INDEXED BY vault_keys_report ON k.id = s.key_id "
        "WHERE s.window_start >= ? AND s.window_start < ? "
        "GROUP BY s.window_start, k.vendor ORDER BY s.window_start, k.vendor");
    select.bind(1, ms(windowsFrom)).bind(2, ms(windowsTo));
    std::vector<VendorDay> days;
    while (select.step()) {
        VendorDay day;
        day.windowStart = fromUnixMillis(select.int64(0));
        day.vendor = select.text(1);
        day.totals.spent = Usd::fromMicros(select.int64(2));
        day.totals.held = Usd::fromMicros(select.int64(3));
        day.totals.calls = select.int64(4);
        day.totals.blocked = select.int64(5);
        day.totals.firstCall = optionalTime(select, 6);
        day.totals.lastCall = optionalTime(select, 7);
        days.push_back(std::move(day));
    }
    return days;
}

AnomalyInputs SqliteReports::anomalyInputs(const AnomalyQuery &query)
{
    AnomalyInputs inputs;
    const std::int64_t now = ms(query.now);
    const auto readKey = [now](const SqliteStatement &row, KeyActivity &key) {
        key.keyName = row.text(1);
        key.label = row.text(2);
        key.vendor = row.text(3);
        key.cap = Usd::fromMicros(row.int64(4));
        key.live = row.isNull(5) && row.int64(6) > now;
    };
    constexpr std::string_view keyColumns =
        "k.name, k.agent_run_label, k.vendor, k.daily_cap_micros, k.revoked_at, k.expires_at";

    auto today =
        m_db.prepare("SELECT s.key_id, " + std::string(keyColumns)
                     + ", s.settled_micros, s.held_micros, s.calls, s.blocked, s.first_call_at, "
                       "s.last_call_at FROM key_spend AS s JOIN vault_keys AS k ON k.id = s.key_id "
                       "WHERE s.window_start = ?");
    today.bind(1, ms(query.todayStart));
    while (today.step()) {
        KeyActivity key;
        key.keyId = today.text(0);
        readKey(today, key);
        key.totals.spent = Usd::fromMicros(today.int64(7));
        key.totals.held = Usd::fromMicros(today.int64(8));
        key.totals.calls = today.int64(9);
        key.totals.blocked = today.int64(10);
        key.totals.firstCall = optionalTime(today, 11);
        key.totals.lastCall = optionalTime(today, 12);
        inputs.today.push_back(std::move(key));
    }

    auto recent = m_db.prepare(
        "SELECT a.key_id, " + std::string(keyColumns)
        + ", a.calls, a.blocked, a.spent, "
          "a.first, a.last FROM (SELECT key_id, count(*) AS calls, "
          "sum(verdict LIKE 'denied%') AS blocked, "
          "sum(CASE WHEN verdict = 'allowed' THEN cost_micros ELSE 0 END) AS spent, "
          "min(ts) AS first, max(ts) AS last FROM audit INDEXED BY audit_ts "
          "WHERE kind = 'call' AND ts >= ? AND ts <= ? AND key_id IS NOT NULL GROUP BY key_id) "
          "AS a JOIN vault_keys AS k ON k.id = a.key_id");
    recent.bind(1, ms(query.recentSince)).bind(2, now);
    while (recent.step()) {
        KeyActivity key;
        key.keyId = recent.text(0);
        readKey(recent, key);
        key.totals = readTotals(recent, 7);
        inputs.recent.push_back(std::move(key));
    }

    auto denials =
        m_db.prepare("SELECT ts, agent_run_label, key_id, reason FROM audit INDEXED BY audit_ts "
                     "WHERE kind = 'call' AND ts >= ? AND ts <= ? AND key_id IS NOT NULL "
                     "AND verdict LIKE 'denied%' ORDER BY ts");
    denials.bind(1, ms(query.denialsSince)).bind(2, now);
    while (denials.step())
        inputs.denials.push_back(
            {fromUnixMillis(denials.int64(0)), denials.text(1), denials.text(2), denials.text(3)});
    return inputs;
}

} // namespace keybrake
