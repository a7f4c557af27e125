#include "admin/runroutes.h"

#include "admin/keyroutes.h"
#include "admin/reportrange.h"
#include "admin/wirejson.h"
#include "http/jsonresponse.h"
#include "store/storeawait.h"

#include <boost/json/array.hpp>
#include <boost/url/pct_string_view.hpp>

#include <algorithm>
#include <array>
#include <vector>

namespace keybrake {

namespace json = boost::json;
using boost::asio::awaitable;

namespace {

constexpr std::size_t kMaxLabel = 200;

struct BucketSize
{
    std::string_view name;
    std::chrono::milliseconds length;
};
constexpr std::array<BucketSize, 4> kBuckets {{{"10s", std::chrono::seconds(10)},
                                               {"1m", std::chrono::minutes(1)},
                                               {"5m", std::chrono::minutes(5)},
                                               {"1h", std::chrono::hours(1)}}};
constexpr int kMaxBuckets = 2000;

// The label from its path segment; nullopt when the segment is not valid percent-encoding.
std::optional<std::string> decodeLabel(std::string_view segment)
{
    const auto encoded = boost::urls::make_pct_string_view(segment);
    if (!encoded)
        return std::nullopt;
    std::string label = encoded->decode();
    if (label.empty() || label.size() > kMaxLabel)
        return std::nullopt;
    return label;
}

http::Response badLabel()
{
    return fieldError({"label",
                       "the run label must be percent-encoded as one path segment, e.g. "
                       "/v1/runs/lambda%2Fbilling%2Fmsg-1, and at most 200 characters"});
}

http::Response runNotFound(const std::string &label)
{
    return http::adminError(404, "not_found",
                            "No vault key was issued with agent_run_label \"" + label + "\".");
}

json::value optionalTime(const std::optional<TimePoint> &when)
{
    return timeJson(when);
}

// The range as the response states it: null for an open end.
void putRange(json::object &body, const ReportRange &range)
{
    body["since"] = optionalTime(range.since);
    body["until"] = optionalTime(range.until);
}

} // namespace

json::object totalsJson(const CallTotals &totals)
{
    json::object object;
    object["spend_usd"] = usdJson(totals.spent);
    object["held_usd"] = usdJson(totals.held);
    object["calls"] = totals.calls;
    object["blocked"] = totals.blocked;
    object["first_call_at"] = timeJson(totals.firstCall);
    object["last_call_at"] = timeJson(totals.lastCall);
    return object;
}

awaitable<http::Response> RunRoutes::list(const AdminCall &call)
{
    if (auto error = checkQueryNames(
            call, {"label_prefix", "q", "since", "until", "status", "limit", "cursor", "sort"}))
        co_return fieldError(*error);
    // sort=spend (issue 13): the Overview's top runs are the server's, not the top of the runs
    // one page of the latest happens to hold.
    bool bySpend = false;
    if (auto it = call.query.find("sort"); it != call.query.end()) {
        if (it->second != "recent" && it->second != "spend")
            co_return fieldError({"sort", "sort must be recent or spend"});
        bySpend = it->second == "spend";
    }
    const TimePoint now = m_context.clock.now();
    auto range = ReportRange::read(call, false, m_context.calendar, now);
    if (auto *error = std::get_if<FieldError>(&range))
        co_return fieldError(*error);
    const ReportRange &asked = std::get<ReportRange>(range);

    RunFilter filter;
    filter.range = asked.closed();
    filter.windowStart = m_context.calendar.windowAt(now).start;
    for (const auto &[name, out] :
         {std::pair<const char *, std::string *> {"label_prefix", &filter.labelPrefix},
          {"q", &filter.query},
          {"cursor", &filter.cursor}}) {
        if (auto it = call.query.find(name); it != call.query.end()) {
            if (it->second.size() > (std::string_view(name) == "cursor" ? 512 : kMaxLabel))
                co_return fieldError({name, std::string(name) + " is too long"});
            *out = it->second;
        }
    }
    if (auto it = call.query.find("status"); it != call.query.end()) {
        if (it->second == "active")
            filter.state = RunState::Active;
        else if (it->second == "ended")
            filter.state = RunState::Ended;
        else
            co_return fieldError({"status", "status must be active or ended"});
    }
    auto limit = readLimit(call, 100, 1000);
    if (auto *error = std::get_if<FieldError>(&limit))
        co_return fieldError(*error);
    filter.limit = std::get<int>(limit);

    Store &store = m_context.store;
    Page<RunSummary> shown;
    if (bySpend) {
        // Every run the filters match, in the store's order (latest first), ranked by spend in
        // the range, highest first; ties keep the latest first. A ranked listing pages by
        // position ("r<n>"), as GET /v1/keys?sort=spend does.
        std::size_t offset = 0;
        if (!filter.cursor.empty()) {
            const auto parsed = parseRankCursor(filter.cursor);
            if (!parsed)
                co_return fieldError({"cursor", "cursor is not one this server returned"});
            offset = *parsed;
        }
        const auto pageSize = static_cast<std::size_t>(filter.limit);
        std::vector<RunSummary> all;
        RunFilter each = filter;
        each.cursor.clear();
        each.limit = 1000;
        do {
            auto page = co_await awaitStore<Page<RunSummary>>(
                [&](auto done) { store.listRuns(each, now, std::move(done)); });
            if (!page)
                co_return storeUnavailable();
            for (auto &run : page->data)
                all.push_back(std::move(run));
            each.cursor = page->nextCursor;
        } while (!each.cursor.empty());
        std::stable_sort(all.begin(), all.end(), [](const RunSummary &a, const RunSummary &b) {
            return a.totals.spent > b.totals.spent;
        });
        const std::size_t end = std::min(all.size(), offset + pageSize);
        for (std::size_t i = std::min(offset, all.size()); i < end; ++i)
            shown.data.push_back(std::move(all[i]));
        if (end < all.size())
            shown.nextCursor = "r" + std::to_string(end);
    } else {
        auto page = co_await awaitStore<Page<RunSummary>>(
            [&](auto done) { store.listRuns(std::move(filter), now, std::move(done)); });
        if (!page) {
            if (page.error() == StoreError::NotFound)
                co_return fieldError({"cursor", "cursor is not one this server returned"});
            co_return storeUnavailable();
        }
        shown = std::move(page.value());
    }
    const Page<RunSummary> *page = &shown;
    json::array data;
    data.reserve(page->data.size());
    for (const RunSummary &run : page->data) {
        json::object row = totalsJson(run.totals);
        row["label"] = run.label;
        row["label_prefix"] = labelPrefixOf(run.label);
        json::array vendors;
        for (const auto &vendor : run.vendors)
            vendors.emplace_back(vendor);
        row["vendors"] = std::move(vendors);
        row["keys"] = run.keys;
        row["active_keys"] = run.activeKeys;
        row["revoked_keys"] = run.revokedKeys;
        row["capped_keys"] = run.cappedKeys;
        row["total_cap_usd"] = usdJson(run.totalCap);
        row["status"] = run.activeKeys > 0 ? "active" : "ended";
        data.push_back(std::move(row));
    }
    json::object body = pageJson(std::move(data), page->nextCursor);
    putRange(body, asked);
    body["spend_timezone"] = m_context.calendar.zoneName();
    co_return http::jsonResponse(200, body);
}

awaitable<http::Response> RunRoutes::get(const AdminCall &call, std::string encodedLabel)
{
    const auto label = decodeLabel(encodedLabel);
    if (!label)
        co_return badLabel();
    if (auto error = checkQueryNames(call, {"since", "until"}))
        co_return fieldError(*error);
    const TimePoint now = m_context.clock.now();
    auto range = ReportRange::read(call, false, m_context.calendar, now);
    if (auto *error = std::get_if<FieldError>(&range))
        co_return fieldError(*error);
    const ReportRange &asked = std::get<ReportRange>(range);
    const SpendWindow today = m_context.calendar.windowAt(now);

    Store &store = m_context.store;
    auto found = co_await awaitStore<std::optional<RunDetail>>(
        [&](auto done) { store.getRun(*label, asked.closed(), today, now, std::move(done)); });
    if (!found)
        co_return storeUnavailable();
    if (!found.value())
        co_return runNotFound(*label);
    const RunDetail &run = *found.value();

    json::object body;
    body["label"] = run.label;
    body["label_prefix"] = labelPrefixOf(run.label);
    putRange(body, asked);
    body["spend_timezone"] = m_context.calendar.zoneName();
    json::object totals = totalsJson(run.totals);
    body["first_call_at"] = totals["first_call_at"];
    body["last_call_at"] = totals["last_call_at"];
    body["blocked"] = run.totals.blocked;
    body["totals"] = std::move(totals);

    json::array vendors;
    for (const auto &[vendor, vendorTotals] : run.byVendor) {
        json::object row = totalsJson(vendorTotals);
        row["vendor"] = vendor;
        vendors.push_back(std::move(row));
    }
    body["vendors"] = std::move(vendors);

    json::array days;
    for (const auto &[start, dayTotals] : run.byDay) {
        json::object row = totalsJson(dayTotals);
        row["day"] = m_context.calendar.dateAt(start);
        row["window_start"] = timeJson(start);
        row["window_end"] = timeJson(m_context.calendar.windowAt(start).end);
        days.push_back(std::move(row));
    }
    body["days"] = std::move(days);

    json::array keys;
    std::int64_t active = 0;
    for (const RunKey &key : run.keys) {
        json::object row = totalsJson(key.totals);
        const KeyStatus status = keyStatus({key.key, key.today}, now);
        if (status == KeyStatus::Active || status == KeyStatus::Capped)
            ++active;
        row["key_id"] = key.key.id;
        row["name"] = key.key.name;
        row["vendor"] = vendorName(key.key.vendor);
        row["daily_usd_cap"] = usdJson(key.key.dailyCap);
        row["status"] = keyStatusName(status);
        row["created_at"] = timeJson(key.key.createdAt);
        row["expires_at"] = timeJson(key.key.expiresAt);
        row["revoked_at"] = timeJson(key.key.revokedAt);
        row["spent_today_usd"] = usdJson(key.today.settled);
        row["held_today_usd"] = usdJson(key.today.held);
        row["calls_today"] = key.today.calls;
        row["blocked_today"] = key.today.blocked;
        keys.push_back(std::move(row));
    }
    body["keys"] = std::move(keys);
    body["status"] = active > 0 ? "active" : "ended";

    json::object reasons;
    for (const auto &[reason, n] : run.denialsByReason)
        reasons[reason] = n;
    body["denials_by_reason"] = std::move(reasons);
    body["resets_at"] = timeJson(today.end);
    co_return http::jsonResponse(200, body);
}

awaitable<http::Response> RunRoutes::timeline(const AdminCall &call, std::string encodedLabel)
{
    const auto label = decodeLabel(encodedLabel);
    if (!label)
        co_return badLabel();
    if (auto error = checkQueryNames(call, {"bucket", "since", "until"}))
        co_return fieldError(*error);
    const TimePoint now = m_context.clock.now();
    auto range = ReportRange::read(call, false, m_context.calendar, now);
    if (auto *error = std::get_if<FieldError>(&range))
        co_return fieldError(*error);
    const ReportRange &asked = std::get<ReportRange>(range);

    const BucketSize *bucket = &kBuckets[1];
    if (auto it = call.query.find("bucket"); it != call.query.end()) {
        bucket = nullptr;
        for (const BucketSize &size : kBuckets) {
            if (size.name == it->second)
                bucket = &size;
        }
        if (!bucket)
            co_return fieldError({"bucket", "bucket must be 10s, 1m, 5m or 1h"});
    }

    TimelineQuery query;
    query.label = *label;
    query.since = asked.since;
    query.until = asked.until;
    query.bucket = bucket->length;
    query.maxBuckets = kMaxBuckets;
    Store &store = m_context.store;
    auto result = co_await awaitStore<RunTimeline>(
        [&](auto done) { store.runTimeline(std::move(query), std::move(done)); });
    if (!result)
        co_return storeUnavailable();
    const RunTimeline &timeline = result.value();
    if (!timeline.found)
        co_return runNotFound(*label);
    if (timeline.bucketCount > kMaxBuckets) {
        // Name the smallest bucket that fits, so the client can retry without guessing.
        const auto span = timeline.range.until - timeline.range.since;
        std::string fits;
        for (const BucketSize &size : kBuckets) {
            if (span / size.length < kMaxBuckets) {
                fits = std::string(size.name);
                break;
            }
        }
        std::string message = "This range needs " + std::to_string(timeline.bucketCount)
            + " buckets of " + std::string(bucket->name) + "; at most "
            + std::to_string(kMaxBuckets) + " are returned. ";
        message += fits.empty() ? "Narrow the range with since and until."
                                : "Use bucket=" + fits + " or narrow the range.";
        json::object extra {{"field", "bucket"},
                            {"bucket_count", timeline.bucketCount},
                            {"max_buckets", kMaxBuckets}};
        extra["fitting_bucket"] = fits.empty() ? json::value(nullptr) : json::value(fits);
        co_return http::adminError(422, "invalid_field", message, std::move(extra));
    }

    json::object body;
    body["label"] = timeline.label;
    body["bucket"] = bucket->name;
    body["bucket_seconds"] =
        std::chrono::duration_cast<std::chrono::seconds>(bucket->length).count();
    body["since"] = timeJson(timeline.range.since);
    body["until"] = timeJson(timeline.range.until);
    body["spend_timezone"] = m_context.calendar.zoneName();
    body["first_call_at"] = timeJson(timeline.firstCall);
    body["last_call_at"] = timeJson(timeline.lastCall);
    body["spend_before_usd"] = usdJson(timeline.spentBefore);
    json::array buckets;
    buckets.reserve(timeline.buckets.size());
    for (const TimelineBucket &slot : timeline.buckets) {
        json::object row;
        row["start"] = timeJson(slot.start);
        row["calls"] = slot.calls;
        row["allowed"] = slot.allowed;
        row["denied"] = slot.denied;
        row["spend_usd"] = usdJson(slot.spent);
        row["cumulative_spend_usd"] = usdJson(slot.cumulative);
        buckets.push_back(std::move(row));
    }
    body["buckets"] = std::move(buckets);
    json::array keys;
    for (const VaultKey &key : timeline.keys) {
        json::object row;
        row["key_id"] = key.id;
        row["name"] = key.name;
        row["vendor"] = vendorName(key.vendor);
        row["daily_usd_cap"] = usdJson(key.dailyCap);
        keys.push_back(std::move(row));
    }
    body["keys"] = std::move(keys);
    json::array denials;
    for (const DenialEvent &denial : timeline.denials) {
        json::object row;
        row["id"] = denial.auditId;
        row["ts"] = timeJson(denial.ts);
        row["key_id"] = denial.keyId;
        row["verdict"] = denial.verdict;
        row["reason"] = denial.reason;
        denials.push_back(std::move(row));
    }
    body["denials"] = std::move(denials);
    body["denials_truncated"] = timeline.denialsTruncated;
    co_return http::jsonResponse(200, body);
}

} // namespace keybrake
