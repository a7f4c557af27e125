#include "admin/reportroutes.h"

#include "admin/anomalyreport.h"
#include "admin/keyroutes.h"
#include "admin/reportrange.h"
#include "admin/runroutes.h"
#include "admin/wirejson.h"
#include "http/jsonresponse.h"
#include "store/storeawait.h"

#include <boost/json/array.hpp>

#include <algorithm>
#include <map>

namespace keybrake {

namespace json = boost::json;
using boost::asio::awaitable;

namespace {

constexpr int kDefaultDays = 30;

} // namespace

awaitable<http::Response> ReportRoutes::agents(const AdminCall &call)
{
    if (auto error = checkQueryNames(call, {"since", "until", "days"}))
        co_return fieldError(*error);
    const TimePoint now = m_context.clock.now();
    auto read = ReportRange::read(call, true, m_context.calendar, now, kDefaultDays);
    if (auto *error = std::get_if<FieldError>(&read))
        co_return fieldError(*error);
    const ReportRange &range = std::get<ReportRange>(read);
    ReportSpan span = ReportRange::span(m_context.calendar, range.closed());

    Store &store = m_context.store;
    auto result = co_await awaitStore<std::vector<AgentTotals>>(
        [&](auto done) { store.agentReport(std::move(span), std::move(done)); });
    if (!result)
        co_return storeUnavailable();
    std::vector<AgentTotals> &rows = result.value();
    std::sort(rows.begin(), rows.end(), [](const AgentTotals &a, const AgentTotals &b) {
        return std::tie(b.totals.spent, a.labelPrefix) < std::tie(a.totals.spent, b.labelPrefix);
    });
    json::array data;
    CallTotals all;
    std::int64_t runs = 0;
    std::int64_t keys = 0;
    for (const AgentTotals &row : rows) {
        json::object object = totalsJson(row.totals);
        object["label_prefix"] = row.labelPrefix;
        object["runs"] = row.runs;
        object["keys"] = row.keys;
        data.push_back(std::move(object));
        all.add(row.totals);
        runs += row.runs;
        keys += row.keys;
    }
    json::object totals = totalsJson(all);
    totals["runs"] = runs;
    totals["keys"] = keys;

    json::object body;
    body["data"] = std::move(data);
    body["totals"] = std::move(totals);
    body["since"] = timeJson(range.since);
    body["until"] = timeJson(range.until);
    body["days"] = range.days ? json::value(*range.days) : json::value(nullptr);
    body["spend_timezone"] = m_context.calendar.zoneName();
    co_return http::jsonResponse(200, body);
}

awaitable<http::Response> ReportRoutes::vendorsDaily(const AdminCall &call)
{
    if (auto error = checkQueryNames(call, {"days"}))
        co_return fieldError(*error);
    const TimePoint now = m_context.clock.now();
    auto read = ReportRange::read(call, true, m_context.calendar, now, kDefaultDays);
    if (auto *error = std::get_if<FieldError>(&read))
        co_return fieldError(*error);
    const int days = *std::get<ReportRange>(read).days;

    // The spend windows, oldest first: every day appears, with zeros when nothing happened.
    std::vector<SpendWindow> windows {m_context.calendar.windowAt(now)};
    for (int i = 1; i < days; ++i)
        windows.push_back(
            m_context.calendar.windowAt(windows.back().start - std::chrono::milliseconds(1)));
    std::reverse(windows.begin(), windows.end());

    Store &store = m_context.store;
    auto result = co_await awaitStore<std::vector<VendorDay>>([&](auto done) {
        store.vendorDailyReport(windows.front().start, windows.back().end, std::move(done));
    });
    if (!result)
        co_return storeUnavailable();
    std::map<std::pair<TimePoint, std::string>, CallTotals> found;
    for (const VendorDay &day : result.value())
        found[{day.windowStart, day.vendor}] = day.totals;

    constexpr Vendor kVendors[] = {Vendor::Stripe, Vendor::Twilio, Vendor::Resend};
    std::map<std::string, CallTotals> perVendor;
    CallTotals all;
    json::array data;
    for (const SpendWindow &window : windows) {
        json::object row;
        row["day"] = m_context.calendar.dateAt(window.start);
        row["window_start"] = timeJson(window.start);
        row["window_end"] = timeJson(window.end);
        CallTotals dayTotals;
        json::object vendors;
        for (const Vendor vendor : kVendors) {
            const std::string name(vendorName(vendor));
            CallTotals totals;
            if (const auto it = found.find({window.start, name}); it != found.end())
                totals = it->second;
            json::object cell = totalsJson(totals);
            cell.erase("first_call_at");
            cell.erase("last_call_at");
            vendors[name] = std::move(cell);
            dayTotals.add(totals);
            perVendor[name].add(totals);
        }
        all.add(dayTotals);
        json::object dayJson = totalsJson(dayTotals);
        row["spend_usd"] = dayJson["spend_usd"];
        row["held_usd"] = dayJson["held_usd"];
        row["calls"] = dayTotals.calls;
        row["blocked"] = dayTotals.blocked;
        row["vendors"] = std::move(vendors);
        data.push_back(std::move(row));
    }
    json::object totals = totalsJson(all);
    json::object vendorTotals;
    for (auto &[name, totalsOfVendor] : perVendor)
        vendorTotals[name] = totalsJson(totalsOfVendor);
    totals["vendors"] = std::move(vendorTotals);

    json::object body;
    body["data"] = std::move(data);
    body["totals"] = std::move(totals);
    body["days"] = days;
    body["vendors"] = json::array {"stripe", "twilio", "resend"};
    body["since"] = timeJson(windows.front().start);
    body["until"] = timeJson(windows.back().end);
    body["spend_timezone"] = m_context.calendar.zoneName();
    co_return http::jsonResponse(200, body);
}

awaitable<http::Response> ReportRoutes::anomalies(const AdminCall &call)
{
    if (auto error = checkQueryNames(call, {}))
        co_return fieldError(*error);
    const AnomalyReport report;
    const AnomalyThresholds &thresholds = report.thresholds();
    const TimePoint now = m_context.clock.now();
    const SpendWindow today = m_context.calendar.windowAt(now);
    AnomalyQuery query;
    query.now = now;
    query.todayStart = today.start;
    query.recentSince = now - thresholds.recentWindow;
    query.denialsSince = now - thresholds.burstLookback;

    Store &store = m_context.store;
    auto inputs = co_await awaitStore<AnomalyInputs>(
        [&](auto done) { store.anomalyInputs(query, std::move(done)); });
    if (!inputs)
        co_return storeUnavailable();

    json::object body;
    body["data"] = report.rows(inputs.value());
    body["thresholds"] = thresholds.toJson();
    body["as_of"] = timeJson(now);
    body["since"] = timeJson(std::min(today.start, query.denialsSince));
    body["until"] = timeJson(now);
    body["window_start"] = timeJson(today.start);
    body["resets_at"] = timeJson(today.end);
    body["spend_timezone"] = m_context.calendar.zoneName();
    co_return http::jsonResponse(200, body);
}

} // namespace keybrake
