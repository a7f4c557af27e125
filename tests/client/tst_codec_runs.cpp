// The JSON codec for the runs and report routes (docs/api.md, "Runs and reports"): each answer
// decodes from a body shaped as the contract writes it, money stays exact to the micro-dollar,
// the value survives a round trip, and a wrong-typed field fails naming where it is.

#include "client/jsoncodec.h"
#include "client/reportrange.h"
#include "client/runquery.h"
#include "client/timelinequery.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace keybrake;
using namespace keybrake::client;
using namespace Qt::StringLiterals;

namespace {

QDateTime utc(const char *text)
{
    return QDateTime::fromString(QString::fromLatin1(text), Qt::ISODateWithMs).toUTC();
}

Usd usd(qint64 micros)
{
    return Usd::fromMicros(micros);
}

const char *const kRunPage = R"({
  "data": [{
    "label": "lambda/billing/msg-1", "label_prefix": "lambda/billing/",
    "vendors": ["resend", "stripe"], "keys": 2, "active_keys": 1, "total_cap_usd": 50.000001,
    "status": "active", "spend_usd": 37.123456, "held_usd": 0.0004, "calls": 41, "blocked": 3,
    "first_call_at": "2026-11-28T13:59:00.000Z", "last_call_at": "2026-11-28T14:03:05.123Z"
  }, {
    "label": "cron", "label_prefix": "", "vendors": [], "keys": 1, "active_keys": 0,
    "total_cap_usd": 5, "status": "ended", "spend_usd": 0, "held_usd": 0, "calls": 1,
    "blocked": 1, "first_call_at": "2026-11-27T23:59:59.999Z",
    "last_call_at": "2026-11-27T23:59:59.999Z"
  }],
  "next_cursor": "r_abc", "since": null, "until": "2026-11-29T00:00:00.000Z",
  "spend_timezone": "America/New_York"
})";

const char *const kRunDetail = R"({
  "label": "lambda/billing/msg-1", "label_prefix": "lambda/billing/", "status": "ended",
  "since": null, "until": null, "spend_timezone": "America/New_York",
  "resets_at": "2026-11-29T05:00:00.000Z",
  "totals": {"spend_usd": 60.5, "held_usd": 0, "calls": 12, "blocked": 2,
             "first_call_at": "2026-11-28T04:59:00.000Z", "last_call_at": "2026-11-28T05:01:00.000Z"},
  "first_call_at": "2026-11-28T04:59:00.000Z", "last_call_at": "2026-11-28T05:01:00.000Z",
  "blocked": 2,
  "vendors": [{"vendor": "stripe", "spend_usd": 60.5, "held_usd": 0, "calls": 12, "blocked": 2,
               "first_call_at": "2026-11-28T04:59:00.000Z", "last_call_at": "2026-11-28T05:01:00.000Z"}],
  "days": [
    {"day": "2026-11-27", "window_start": "2026-11-27T05:00:00.000Z",
     "window_end": "2026-11-28T05:00:00.000Z", "spend_usd": 50, "held_usd": 0, "calls": 7,
     "blocked": 1, "first_call_at": "2026-11-28T04:59:00.000Z", "last_call_at": "2026-11-28T04:59:59.000Z"},
    {"day": "2026-11-28", "window_start": "2026-11-28T05:00:00.000Z",
     "window_end": "2026-11-29T05:00:00.000Z", "spend_usd": 10.5, "held_usd": 0, "calls": 5,
     "blocked": 1, "first_call_at": "2026-11-28T05:00:00.000Z", "last_call_at": "2026-11-28T05:01:00.000Z"}],
  "keys": [{"key_id": "vk_1", "name": "billing", "vendor": "stripe", "daily_usd_cap": 50,
            "status": "revoked", "created_at": "2026-11-28T04:58:00.000Z",
            "expires_at": "2026-11-28T05:58:00.000Z", "revoked_at": "2026-11-28T05:02:00.000Z",
            "spend_usd": 60.5, "held_usd": 0, "calls": 12, "blocked": 2,
            "first_call_at": "2026-11-28T04:59:00.000Z", "last_call_at": "2026-11-28T05:01:00.000Z",
            "spent_today_usd": 10.5, "held_today_usd": 0, "calls_today": 5, "blocked_today": 1}],
  "denials_by_reason": {"cap_exhausted": 2}
})";

const char *const kTimeline = R"({
  "label": "lambda/billing/msg-1", "bucket": "1m", "bucket_seconds": 60,
  "since": "2026-11-28T14:00:00.000Z", "until": "2026-11-28T14:03:00.000Z",
  "spend_timezone": "UTC", "first_call_at": "2026-11-28T13:10:00.000Z",
  "last_call_at": "2026-11-28T14:02:30.500Z", "spend_before_usd": 10.000001,
  "buckets": [
    {"start": "2026-11-28T14:00:00.000Z", "calls": 3, "allowed": 2, "denied": 0, "spend_usd": 0.0004, "cumulative_spend_usd": 10.000401},
    {"start": "2026-11-28T14:01:00.000Z", "calls": 0, "allowed": 0, "denied": 0, "spend_usd": 0, "cumulative_spend_usd": 10.000401},
    {"start": "2026-11-28T14:02:00.000Z", "calls": 4, "allowed": 1, "denied": 2, "spend_usd": 39.999599, "cumulative_spend_usd": 50}],
  "keys": [{"key_id": "vk_1", "name": "billing", "vendor": "stripe", "daily_usd_cap": 50}],
  "denials": [
    {"id": "901", "ts": "2026-11-28T14:02:30.250Z", "key_id": "vk_1", "verdict": "denied_cap", "reason": "cap_exhausted"},
    {"id": "902", "ts": "2026-11-28T14:02:30.500Z", "key_id": "vk_1", "verdict": "denied_cap", "reason": "cap_exhausted"}],
  "denials_truncated": false
})";

const char *const kAgentReport = R"({
  "data": [{"label_prefix": "lambda/billing/", "runs": 3, "keys": 4, "spend_usd": 120.000001,
            "held_usd": 1, "calls": 90, "blocked": 7, "first_call_at": "2026-11-20T00:00:00.000Z",
            "last_call_at": "2026-11-28T14:00:00.000Z"},
           {"label_prefix": "", "runs": 1, "keys": 1, "spend_usd": 0, "held_usd": 0, "calls": 1,
            "blocked": 0, "first_call_at": "2026-11-21T00:00:00.000Z",
            "last_call_at": "2026-11-21T00:00:00.000Z"}],
  "totals": {"label_prefix": "", "runs": 4, "keys": 5, "spend_usd": 120.000001, "held_usd": 1,
             "calls": 91, "blocked": 7, "first_call_at": "2026-11-20T00:00:00.000Z",
             "last_call_at": "2026-11-28T14:00:00.000Z"},
  "since": "2026-10-30T04:00:00.000Z", "until": null, "days": 30,
  "spend_timezone": "America/New_York"
})";

const char *const kVendorDaily = R"({
  "data": [
    {"day": "2026-11-27", "window_start": "2026-11-27T00:00:00.000Z", "window_end": "2026-11-28T00:00:00.000Z",
     "spend_usd": 0, "held_usd": 0, "calls": 0, "blocked": 0,
     "vendors": {"stripe": {"spend_usd": 0, "held_usd": 0, "calls": 0, "blocked": 0},
                 "twilio": {"spend_usd": 0, "held_usd": 0, "calls": 0, "blocked": 0},
                 "resend": {"spend_usd": 0, "held_usd": 0, "calls": 0, "blocked": 0}}},
    {"day": "2026-11-28", "window_start": "2026-11-28T00:00:00.000Z", "window_end": "2026-11-29T00:00:00.000Z",
     "spend_usd": 25.0079, "held_usd": 0.5, "calls": 10, "blocked": 2,
     "vendors": {"stripe": {"spend_usd": 25, "held_usd": 0.5, "calls": 5, "blocked": 1},
                 "twilio": {"spend_usd": 0.0075, "held_usd": 0, "calls": 3, "blocked": 1},
                 "resend": {"spend_usd": 0.0004, "held_usd": 0, "calls": 2, "blocked": 0}}}],
  "totals": {"spend_usd": 25.0079, "held_usd": 0.5, "calls": 10, "blocked": 2,
             "first_call_at": null, "last_call_at": null,
             "vendors": {"stripe": {"spend_usd": 25, "held_usd": 0.5, "calls": 5, "blocked": 1},
                         "twilio": {"spend_usd": 0.0075, "held_usd": 0, "calls": 3, "blocked": 1},
                         "resend": {"spend_usd": 0.0004, "held_usd": 0, "calls": 2, "blocked": 0}}},
  "days": 2, "vendors": ["stripe", "twilio", "resend"],
  "since": "2026-11-27T00:00:00.000Z", "until": "2026-11-29T00:00:00.000Z", "spend_timezone": "UTC"
})";

const char *const kAnomalies = R"({
  "data": [
    {"kind": "key_capped", "reason": "billing is at 100 % of its $50.00 cap today",
     "label": "lambda/billing/msg-1", "label_prefix": "lambda/billing/", "period": "today",
     "key_id": "vk_1", "key_name": "billing", "vendor": "stripe", "spent_today_usd": 49.5,
     "held_usd": 0.5, "daily_usd_cap": 50, "utilisation": 1},
    {"kind": "denial_burst", "reason": "refused 12 times in 5 minutes", "label": "lambda/billing/msg-1",
     "label_prefix": "lambda/billing/", "period": "60m", "denial_reason": "cap_exhausted",
     "count": 12, "total": 30, "first_at": "2026-11-28T14:00:00.000Z", "last_at": "2026-11-28T14:04:59.000Z"},
    {"kind": "run_spend_rate", "reason": "spent 9 x its peers", "label": "lambda/billing/msg-1",
     "label_prefix": "lambda/billing/", "period": "15m", "metric": "spend_usd", "value_usd": 45,
     "peer_median_usd": 5, "peers": 3, "ratio": 9},
    {"kind": "run_call_rate", "reason": "calls with idle peers", "label": "lambda/billing/msg-2",
     "label_prefix": "lambda/billing/", "period": "today", "metric": "calls", "value": 400,
     "peer_median": 0, "peers": 4, "ratio": null}],
  "thresholds": {"peer_ratio": 5, "min_peers": 3, "recent_window_minutes": 15,
                 "recent_spend_floor_usd": 1, "recent_calls_floor": 30, "today_spend_floor_usd": 10,
                 "today_calls_floor": 300, "cap_utilisation": 0.8, "burst_denials": 10,
                 "burst_window_minutes": 5, "burst_lookback_minutes": 60},
  "as_of": "2026-11-28T14:05:00.000Z", "since": "2026-11-28T13:05:00.000Z",
  "until": "2026-11-28T14:05:00.000Z", "window_start": "2026-11-28T00:00:00.000Z",
  "resets_at": "2026-11-29T00:00:00.000Z", "spend_timezone": "UTC"
})";

template<typename T>
T roundTrip(const QByteArray &body)
{
    const Result<T> first = JsonCodec::decode<T>(body);
    if (!first.isOk()) {
        QTest::qFail(qPrintable(first.error().message), __FILE__, __LINE__);
        return T {};
    }
    const QByteArray encoded = QJsonDocument(JsonCodec::toJson(*first)).toJson();
    const Result<T> second = JsonCodec::decode<T>(encoded);
    if (!second.isOk()) {
        QTest::qFail(qPrintable(second.error().message), __FILE__, __LINE__);
        return T {};
    }
    if (!(*first == *second))
        QTest::qFail("the value changed in a round trip", __FILE__, __LINE__);
    return *first;
}

// `body` with one member of the object at `path` (dot-separated; array indexes as numbers)
// replaced by the JSON `value`.
QByteArray withMember(const char *body, const QStringList &path, const char *value)
{
    const QJsonValue replacement =
        QJsonDocument::fromJson(QByteArray("[") + value + "]").array().at(0);
    const std::function<QJsonValue(const QJsonValue &, qsizetype)> patch =
        [&](const QJsonValue &node, qsizetype depth) -> QJsonValue {
        const QString step = path.at(depth);
        const bool last = depth + 1 == path.size();
        if (node.isArray()) {
            QJsonArray array = node.toArray();
            const int index = step.toInt();
            array[index] = last ? replacement : patch(array.at(index), depth + 1);
            return array;
        }
        QJsonObject object = node.toObject();
        object[step] = last ? replacement : patch(object.value(step), depth + 1);
        return object;
    };
    const QJsonValue root = QJsonDocument::fromJson(QByteArray(body)).object();
    return QJsonDocument(patch(root, 0).toObject()).toJson();
}

} // namespace

class TestCodecRuns : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void runPage()
    {
        const RunPage page = roundTrip<RunPage>(kRunPage);
        QCOMPARE(page.data.size(), 2);
        QCOMPARE(page.nextCursor, u"r_abc");
        QVERIFY(page.hasMore());
        QVERIFY(!page.since.isValid());
        QCOMPARE(page.until, utc("2026-11-29T00:00:00.000Z"));
        QCOMPARE(page.spendTimezone, u"America/New_York");

        const RunSummary &run = page.data.at(0);
        QCOMPARE(run.label, u"lambda/billing/msg-1");
        QCOMPARE(run.labelPrefix, u"lambda/billing/");
        QCOMPARE(run.vendors, QStringList({u"resend"_s, u"stripe"_s}));
        QCOMPARE(run.keys, 2);
        QCOMPARE(run.activeKeys, 1);
        QCOMPARE(run.totalCapUsd, usd(50'000'001));
        QCOMPARE(run.status, RunStatus::Active);
        QCOMPARE(run.totals.spendUsd, usd(37'123'456));
        QCOMPARE(run.totals.heldUsd, usd(400));
        QCOMPARE(run.totals.committedUsd(), usd(37'123'856));
        QCOMPARE(run.totals.calls, 41);
        QCOMPARE(run.totals.blocked, 3);
        QCOMPARE(run.totals.firstCallAt, utc("2026-11-28T13:59:00.000Z"));
        QCOMPARE(run.totals.lastCallAt, utc("2026-11-28T14:03:05.123Z"));

        const RunSummary &ended = page.data.at(1);
        QCOMPARE(ended.status, RunStatus::Ended);
        QCOMPARE(ended.labelPrefix, QString());
        QCOMPARE(ended.totals.spendUsd, Usd());
        QCOMPARE(ended.totals.lastCallAt.toString(Qt::ISODateWithMs), u"2026-11-27T23:59:59.999Z");
    }

    void lastRunPageHasNoCursor()
    {
        const Result<RunPage> page = JsonCodec::decode<RunPage>(
            R"({"data": [], "next_cursor": null, "since": null, "until": null,
                "spend_timezone": "UTC"})");
        QVERIFY(page.isOk());
        QVERIFY(page->data.isEmpty());
        QVERIFY(!page->hasMore());
    }

    void unknownRunStatusIsKeptApart()
    {
        const Result<RunPage> page = JsonCodec::decode<RunPage>(
            withMember(kRunPage, {u"data"_s, u"0"_s, u"status"_s}, "\"paused\""));
        QVERIFY(page.isOk());
        QCOMPARE(page->data.at(0).status, RunStatus::Unknown);
    }

    void runDetailCrossingMidnight()
    {
        const RunDetail run = roundTrip<RunDetail>(kRunDetail);
        QCOMPARE(run.label, u"lambda/billing/msg-1");
        QCOMPARE(run.status, RunStatus::Ended);
        QCOMPARE(run.spendTimezone, u"America/New_York");
        QCOMPARE(run.resetsAt, utc("2026-11-29T05:00:00.000Z"));
        QCOMPARE(run.totals.spendUsd, usd(60'500'000));
        QCOMPARE(run.totals.blocked, 2);
        QCOMPARE(run.vendors.size(), 1);
        QCOMPARE(run.vendors.at(0).vendor, u"stripe");
        QCOMPARE(run.vendors.at(0).totals, run.totals);
        QCOMPARE(run.days.size(), 2);
        QCOMPARE(run.days.at(0).day, u"2026-11-27");
        QCOMPARE(run.days.at(0).windowEnd, run.days.at(1).windowStart);
        QCOMPARE(run.days.at(0).totals.spendUsd + run.days.at(1).totals.spendUsd,
                 run.totals.spendUsd);
        QCOMPARE(run.keys.size(), 1);
        const RunKeyTotals &key = run.keys.at(0);
        QCOMPARE(key.keyId, u"vk_1");
        QCOMPARE(key.dailyUsdCap, usd(50'000'000));
        QCOMPARE(key.status, KeyStatus::Revoked);
        QCOMPARE(key.revokedAt, utc("2026-11-28T05:02:00.000Z"));
        QCOMPARE(key.spentTodayUsd, usd(10'500'000));
        QCOMPARE(key.callsToday, 5);
        QCOMPARE(key.blockedToday, 1);
        QCOMPARE(run.denialsByReason, (QMap<QString, qint64> {{u"cap_exhausted"_s, 2}}));
    }

    void timeline()
    {
        const RunTimeline timeline = roundTrip<RunTimeline>(kTimeline);
        QCOMPARE(timeline.bucket, u"1m");
        QCOMPARE(timeline.bucketSeconds, 60);
        QCOMPARE(timeline.since, utc("2026-11-28T14:00:00.000Z"));
        QCOMPARE(timeline.until, utc("2026-11-28T14:03:00.000Z"));
        QCOMPARE(timeline.firstCallAt, utc("2026-11-28T13:10:00.000Z"));
        QCOMPARE(timeline.spendBeforeUsd, usd(10'000'001));
        QCOMPARE(timeline.buckets.size(), 3);
        // Every bucket is there, empty ones too, and the cumulative line is exact.
        QCOMPARE(timeline.buckets.at(1).calls, 0);
        QCOMPARE(timeline.buckets.at(0).spendUsd, usd(400));
        QCOMPARE(timeline.buckets.at(0).cumulativeSpendUsd, usd(10'000'401));
        QCOMPARE(timeline.buckets.at(2).cumulativeSpendUsd, usd(50'000'000));
        QCOMPARE(timeline.buckets.at(2).allowed, 1);
        QCOMPARE(timeline.buckets.at(2).denied, 2);
        QCOMPARE(timeline.keys.size(), 1);
        QCOMPARE(timeline.keys.at(0).dailyUsdCap, usd(50'000'000));
        QCOMPARE(timeline.denials.size(), 2);
        QCOMPARE(timeline.denials.at(1).id, u"902");
        QCOMPARE(timeline.denials.at(1).ts.toString(Qt::ISODateWithMs),
                 u"2026-11-28T14:02:30.500Z");
        QCOMPARE(timeline.denials.at(1).verdict, u"denied_cap");
        QCOMPARE(timeline.denials.at(1).reason, u"cap_exhausted");
        QVERIFY(!timeline.denialsTruncated);
    }

    void truncatedDenialsAreSaid()
    {
        const Result<RunTimeline> timeline =
            JsonCodec::decode<RunTimeline>(withMember(kTimeline, {u"denials_truncated"_s}, "true"));
        QVERIFY(timeline.isOk());
        QVERIFY(timeline->denialsTruncated);
    }

    void agentReport()
    {
        const AgentReport report = roundTrip<AgentReport>(kAgentReport);
        QCOMPARE(report.data.size(), 2);
        QCOMPARE(report.data.at(0).labelPrefix, u"lambda/billing/");
        QCOMPARE(report.data.at(0).runs, 3);
        QCOMPARE(report.data.at(0).keys, 4);
        QCOMPARE(report.data.at(0).totals.spendUsd, usd(120'000'001));
        QCOMPARE(report.totals.runs, 4);
        QCOMPARE(report.totals.totals.calls, 91);
        QCOMPARE(report.days, std::optional<int>(30));
        QVERIFY(!report.until.isValid());
        QCOMPARE(report.since, utc("2026-10-30T04:00:00.000Z"));
    }

    void agentReportAskedBetweenTimesHasNoDays()
    {
        const Result<AgentReport> report =
            JsonCodec::decode<AgentReport>(withMember(kAgentReport, {u"days"_s}, "null"));
        QVERIFY(report.isOk());
        QCOMPARE(report->days, std::nullopt);
    }

    void vendorDailyReport()
    {
        const VendorDailyReport report = roundTrip<VendorDailyReport>(kVendorDaily);
        QCOMPARE(report.days, 2);
        QCOMPARE(report.vendors, QStringList({u"stripe"_s, u"twilio"_s, u"resend"_s}));
        QCOMPARE(report.data.size(), 2);
        QCOMPARE(report.data.at(0).totals.calls, 0);
        QCOMPARE(report.data.at(0).vendors.size(), 3);
        const VendorDay &today = report.data.at(1);
        QCOMPARE(today.totals.spendUsd, usd(25'007'900));
        QCOMPARE(today.vendors.value(u"resend"_s).spendUsd, usd(400));
        QCOMPARE(today.vendors.value(u"twilio"_s).spendUsd, usd(7'500));
        QCOMPARE(today.vendors.value(u"stripe"_s).heldUsd, usd(500'000));
        // The vendor cells add up to the day, to the micro-dollar.
        Usd sum;
        for (const CallTotals &cell : today.vendors)
            sum = sum + cell.spendUsd;
        QCOMPARE(sum, today.totals.spendUsd);
        QCOMPARE(report.totals.spendUsd, usd(25'007'900));
        QCOMPARE(report.vendorTotals.value(u"twilio"_s).blocked, 1);
        QVERIFY(!report.totals.firstCallAt.isValid());
    }

    void anomalies()
    {
        const AnomalyReport report = roundTrip<AnomalyReport>(kAnomalies);
        QCOMPARE(report.data.size(), 4);
        const Anomaly &capped = report.data.at(0);
        QCOMPARE(capped.kind, u"key_capped");
        QVERIFY(capped.isKeyRow());
        QCOMPARE(capped.keyName, u"billing");
        QCOMPARE(capped.spentTodayUsd, std::optional<Usd>(usd(49'500'000)));
        QCOMPARE(capped.heldUsd, std::optional<Usd>(usd(500'000)));
        QCOMPARE(capped.dailyUsdCap, std::optional<Usd>(usd(50'000'000)));
        QCOMPARE(capped.utilisation, std::optional<double>(1.0));
        QCOMPARE(capped.valueUsd, std::nullopt);

        const Anomaly &burst = report.data.at(1);
        QVERIFY(!burst.isKeyRow());
        QCOMPARE(burst.denialReason, u"cap_exhausted");
        QCOMPARE(burst.count, std::optional<qint64>(12));
        QCOMPARE(burst.total, std::optional<qint64>(30));
        QCOMPARE(burst.firstAt, utc("2026-11-28T14:00:00.000Z"));

        const Anomaly &spend = report.data.at(2);
        QCOMPARE(spend.metric, u"spend_usd");
        QCOMPARE(spend.valueUsd, std::optional<Usd>(usd(45'000'000)));
        QCOMPARE(spend.peerMedianUsd, std::optional<Usd>(usd(5'000'000)));
        QCOMPARE(spend.ratio, std::optional<double>(9.0));
        QCOMPARE(spend.value, std::nullopt);

        const Anomaly &calls = report.data.at(3);
        QCOMPARE(calls.value, std::optional<qint64>(400));
        QCOMPARE(calls.peerMedian, std::optional<qint64>(0));
        QCOMPARE(calls.ratio, std::nullopt); // null: the median is 0

        QCOMPARE(report.thresholds.peerRatio, 5.0);
        QCOMPARE(report.thresholds.minPeers, 3);
        QCOMPARE(report.thresholds.recentSpendFloorUsd, usd(1'000'000));
        QCOMPARE(report.thresholds.todayCallsFloor, 300);
        QCOMPARE(report.thresholds.capUtilisation, 0.8);
        QCOMPARE(report.thresholds.burstLookbackMinutes, 60);
        QCOMPARE(report.asOf, utc("2026-11-28T14:05:00.000Z"));
        QCOMPARE(report.resetsAt, utc("2026-11-29T00:00:00.000Z"));
    }

    // One wrong field in each answer fails the whole value and names the field.
    void malformedAnswers_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<int>("type");
        QTest::addColumn<QString>("where");
        const auto row = [](const char *name, const char *body, int type, const QStringList &path,
                            const char *value, const QString &where) {
            QTest::newRow(name) << withMember(body, path, value) << type << where;
        };
        row("run spend as string", kRunPage, 0, {u"data"_s, u"0"_s, u"spend_usd"_s}, "\"37\"",
            u"data[0].spend_usd"_s);
        row("run spend seven decimals", kRunPage, 0, {u"data"_s, u"1"_s, u"spend_usd"_s},
            "0.0000001", u"data[1].spend_usd"_s);
        row("run label missing", kRunPage, 0, {u"data"_s, u"0"_s, u"label"_s}, "null",
            u"data[0].label"_s);
        row("run calls fractional", kRunPage, 0, {u"data"_s, u"0"_s, u"calls"_s}, "1.5",
            u"data[0].calls"_s);
        row("runs not a list", kRunPage, 0, {u"data"_s}, "{}", u"data"_s);
        row("detail totals missing", kRunDetail, 1, {u"totals"_s}, "null", u"totals"_s);
        row("detail day time", kRunDetail, 1, {u"days"_s, u"1"_s, u"window_start"_s},
            "\"midnight\"", u"days[1].window_start"_s);
        row("detail key cap", kRunDetail, 1, {u"keys"_s, u"0"_s, u"daily_usd_cap"_s}, "null",
            u"keys[0].daily_usd_cap"_s);
        row("detail denial count", kRunDetail, 1, {u"denials_by_reason"_s},
            R"({"cap_exhausted": "2"})", u"denials_by_reason.cap_exhausted"_s);
        row("bucket without start", kTimeline, 2, {u"buckets"_s, u"1"_s, u"start"_s}, "null",
            u"buckets[1].start"_s);
        row("bucket cumulative string", kTimeline, 2,
            {u"buckets"_s, u"2"_s, u"cumulative_spend_usd"_s}, "\"50\"",
            u"buckets[2].cumulative_spend_usd"_s);
        row("bucket length zero", kTimeline, 2, {u"bucket_seconds"_s}, "0", u"bucket_seconds"_s);
        row("denial time", kTimeline, 2, {u"denials"_s, u"0"_s, u"ts"_s}, "12", u"denials[0].ts"_s);
        row("cap line without cap", kTimeline, 2, {u"keys"_s, u"0"_s, u"daily_usd_cap"_s}, "null",
            u"keys[0].daily_usd_cap"_s);
        row("agent runs string", kAgentReport, 3, {u"data"_s, u"0"_s, u"runs"_s}, "\"3\"",
            u"data[0].runs"_s);
        row("vendor cell spend", kVendorDaily, 4,
            {u"data"_s, u"1"_s, u"vendors"_s, u"twilio"_s, u"spend_usd"_s}, "true",
            u"data[1].vendors.twilio.spend_usd"_s);
        row("anomaly kind missing", kAnomalies, 5, {u"data"_s, u"2"_s, u"kind"_s}, "null",
            u"data[2].kind"_s);
        row("anomaly utilisation string", kAnomalies, 5, {u"data"_s, u"0"_s, u"utilisation"_s},
            "\"1\"", u"data[0].utilisation"_s);
    }
    void malformedAnswers()
    {
        QFETCH(QByteArray, body);
        QFETCH(int, type);
        QFETCH(QString, where);
        const auto failure = [&](const ApiError &error) {
            QCOMPARE(error.kind, ApiError::Kind::Parse);
            const QString detail = error.details.value(u"parse_error").toString();
            QVERIFY2(detail.startsWith(where), qPrintable(detail));
        };
        switch (type) {
        case 0: {
            const Result<RunPage> value = JsonCodec::decode<RunPage>(body);
            QVERIFY(!value.isOk());
            failure(value.error());
            break;
        }
        case 1: {
            const Result<RunDetail> value = JsonCodec::decode<RunDetail>(body);
            QVERIFY(!value.isOk());
            failure(value.error());
            break;
        }
        case 2: {
            const Result<RunTimeline> value = JsonCodec::decode<RunTimeline>(body);
            QVERIFY(!value.isOk());
            failure(value.error());
            break;
        }
        case 3: {
            const Result<AgentReport> value = JsonCodec::decode<AgentReport>(body);
            QVERIFY(!value.isOk());
            failure(value.error());
            break;
        }
        case 4: {
            const Result<VendorDailyReport> value = JsonCodec::decode<VendorDailyReport>(body);
            QVERIFY(!value.isOk());
            failure(value.error());
            break;
        }
        default: {
            const Result<AnomalyReport> value = JsonCodec::decode<AnomalyReport>(body);
            QVERIFY(!value.isOk());
            failure(value.error());
            break;
        }
        }
    }

    void runQueryParameters()
    {
        RunQuery query;
        QVERIFY(query.toUrlQuery().isEmpty());
        query.labelPrefix = u"lambda/billing/"_s;
        query.q = u"msg 1"_s;
        query.status = RunStatus::Ended;
        query.since = QDateTime::fromString(u"2026-11-28T15:00:00.000+01:00"_s, Qt::ISODateWithMs);
        query.limit = 250;
        query.cursor = u"r_abc"_s;
        const QUrlQuery url = query.toUrlQuery();
        QCOMPARE(url.queryItemValue(u"label_prefix"_s), u"lambda/billing/");
        QCOMPARE(url.queryItemValue(u"q"_s), u"msg 1");
        QCOMPARE(url.queryItemValue(u"status"_s), u"ended");
        QCOMPARE(url.queryItemValue(u"since"_s), u"2026-11-28T14:00:00.000Z");
        QVERIFY(!url.hasQueryItem(u"until"_s));
        QCOMPARE(url.queryItemValue(u"limit"_s), u"250");
        QCOMPARE(url.queryItemValue(u"cursor"_s), u"r_abc");
        query.status = RunStatus::Unknown;
        QVERIFY(!query.toUrlQuery().hasQueryItem(u"status"_s));
    }

    void timelineQueryParameters()
    {
        TimelineQuery query;
        QVERIFY(query.toUrlQuery().isEmpty());
        query.bucket = u"10s"_s;
        query.until = utc("2026-11-28T14:03:00.000Z");
        const QUrlQuery url = query.toUrlQuery();
        QCOMPARE(url.queryItemValue(u"bucket"_s), u"10s");
        QCOMPARE(url.queryItemValue(u"until"_s), u"2026-11-28T14:03:00.000Z");
        QVERIFY(!url.hasQueryItem(u"since"_s));
    }

    // The finest bucket the server will take for a range (it widens to whole buckets, at most
    // 2000 of them).
    void fittingBucket_data()
    {
        QTest::addColumn<qint64>("seconds");
        QTest::addColumn<QString>("bucket");
        QTest::newRow("a minute") << qint64(60) << u"10s"_s;
        QTest::newRow("5 hours 30 min of 10 s") << qint64(19'980) << u"10s"_s;
        QTest::newRow("just over 10 s x 1998") << qint64(19'990) << u"1m"_s;
        QTest::newRow("a day") << qint64(86'400) << u"1m"_s;
        QTest::newRow("six days") << qint64(6 * 86'400) << u"5m"_s;
        QTest::newRow("a week: 2016 of 5 min") << qint64(7 * 86'400) << u"1h"_s;
        QTest::newRow("a month") << qint64(31 * 86'400) << u"1h"_s;
        QTest::newRow("a year: none fits, the coarsest") << qint64(366 * 86'400) << u"1h"_s;
    }
    void fittingBucket()
    {
        QFETCH(qint64, seconds);
        QFETCH(QString, bucket);
        QCOMPARE(TimelineQuery::fittingBucket(seconds), bucket);
        QCOMPARE(TimelineQuery::bucketSeconds(bucket) > 0, true);
    }

    void reportRangeParameters()
    {
        QCOMPARE(ReportRange::lastDays(7).toUrlQuery().query(), u"days=7");
        const ReportRange between = ReportRange::between(utc("2026-11-01T00:00:00.000Z"), {});
        QVERIFY(!between.usesDays());
        QCOMPARE(between.toUrlQuery().queryItemValue(u"since"_s), u"2026-11-01T00:00:00.000Z");
        QVERIFY(!between.toUrlQuery().hasQueryItem(u"days"_s));
    }

    void labelPrefixes_data()
    {
        QTest::addColumn<QString>("label");
        QTest::addColumn<QString>("prefix");
        QTest::newRow("slashes") << u"lambda/billing/msg-1"_s << u"lambda/billing/"_s;
        // The contract's examples (report 2, revised): a ':' after the last '/' is part of the
        // run, not of the agent; a timestamp is never cut apart.
        QTest::newRow("colon after slash") << u"tests/notify:job-1"_s << u"tests/"_s;
        QTest::newRow("timestamp") << u"scheduler/invoice-renewals/2026-12-05T11:34:44Z"_s
                                   << u"scheduler/invoice-renewals/"_s;
        QTest::newRow("colon, no slash") << u"billing:run-7"_s << u"billing:"_s;
        QTest::newRow("first colon") << u"billing:2026-12-05T11:34:44Z"_s << u"billing:"_s;
        QTest::newRow("slash after colon") << u"a:b/c"_s << u"a:b/"_s;
        QTest::newRow("neither") << u"cron"_s << QString();
        QTest::newRow("ends with separator") << u"lambda/"_s << u"lambda/"_s;
    }
    void labelPrefixes()
    {
        QFETCH(QString, label);
        QFETCH(QString, prefix);
        QCOMPARE(labelPrefixOf(label), prefix);
    }
};

QTEST_APPLESS_MAIN(TestCodecRuns)
#include "tst_codec_runs.moc"
