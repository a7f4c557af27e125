// Runs, reports and the CSV export (issue 5) against the real keybraked in a non-UTC spend time
// zone (America/New_York, UTC-5 in November), with traffic placed at chosen times by the test
// clock: six billing runs (one runaway that hits its cap, one revoked, one with a hold kept after
// a vendor 500, one idempotent replay) and one notification run on Twilio and Resend that
// crosses local midnight. Every figure is checked to the micro-dollar, against constants for the
// Stripe amounts and against the audit log for the rest, and every report against
// /v1/stats/today.
#include "auditreader.h"
#include "testserver.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QUrlQuery>
#include <QtTest>

#include <limits>

using namespace keybrake::test;

namespace {

constexpr qint64 kDollar = 1'000'000;

const QString kMsg1 = QStringLiteral("tests/billing/msg-1");
const QString kMsg2 = QStringLiteral("tests/billing/msg-2");
const QString kMsg3 = QStringLiteral("tests/billing/msg-3");
const QString kMsg4 = QStringLiteral("tests/billing/msg-4"); // the runaway
const QString kMsg5 = QStringLiteral("tests/billing/msg-5");
const QString kMsg6 = QStringLiteral("tests/billing/msg-6"); // revoked
const QString kJob = QStringLiteral("tests/notify:job-1"); // crosses local midnight

// "Now" for every report: 10:05 in New York on 20 November; today's window began at 05:00Z.
const QString kNow = QStringLiteral("2026-11-20T15:05:00.000Z");
const QString kTodayStart = QStringLiteral("2026-11-20T05:00:00.000Z");
const QString kYesterdayStart = QStringLiteral("2026-11-19T05:00:00.000Z");

QJsonObject policy(const QString &vendor, const QString &endpoint, double cap, const QString &label)
{
    return {{QStringLiteral("vendor"), vendor},
            {QStringLiteral("daily_usd_cap"), cap},
            {QStringLiteral("allowed_endpoints"), QJsonArray {endpoint}},
            {QStringLiteral("expires_in"), QStringLiteral("2d")},
            {QStringLiteral("agent_run_label"), label}};
}

QString encoded(const QString &label)
{
    return QString::fromLatin1(QUrl::toPercentEncoding(label));
}

qint64 usd(const QJsonValue &value)
{
    return micros(value.toDouble());
}

// The totals a runs or report row carries, in micro-dollars.
struct Totals
{
    qint64 spent = 0;
    qint64 held = 0;
    qint64 calls = 0;
    qint64 blocked = 0;
    bool operator==(const Totals &) const = default;
};

Totals totalsOf(const QJsonObject &row)
{
    return {usd(row.value(QStringLiteral("spend_usd"))), usd(row.value(QStringLiteral("held_usd"))),
            row.value(QStringLiteral("calls")).toInteger(),
            row.value(QStringLiteral("blocked")).toInteger()};
}

// What the audit log says for a set of call rows (spend = allowed cost; blocked = denied_*).
Totals totalsOfAudit(const QList<QJsonObject> &rows)
{
    Totals totals;
    for (const QJsonObject &row : rows) {
        if (row.value(QStringLiteral("key_id")).isNull())
            continue;
        ++totals.calls;
        const QString verdict = row.value(QStringLiteral("verdict")).toString();
        if (verdict.startsWith(QStringLiteral("denied")))
            ++totals.blocked;
        if (verdict == QStringLiteral("allowed"))
            totals.spent += usd(row.value(QStringLiteral("cost_usd")));
    }
    return totals;
}

char *toString(const Totals &t)
{
    return QTest::toString(QStringLiteral("spent %1 held %2 calls %3 blocked %4")
                               .arg(t.spent)
                               .arg(t.held)
                               .arg(t.calls)
                               .arg(t.blocked));
}

// RFC 4180: fields separated by commas, records by CRLF, quoted fields with "" for a quote.
QList<QStringList> parseCsv(const QByteArray &bytes)
{
    const QString text = QString::fromUtf8(bytes);
    QList<QStringList> records;
    QStringList record;
    QString field;
    bool quoted = false;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text.at(i);
        if (quoted) {
            if (c == u'"' && i + 1 < text.size() && text.at(i + 1) == u'"') {
                field += u'"';
                ++i;
            } else if (c == u'"') {
                quoted = false;
            } else {
                field += c;
            }
        } else if (c == u'"') {
            quoted = true;
        } else if (c == u',') {
            record << field;
            field.clear();
        } else if (c == u'\r' && i + 1 < text.size() && text.at(i + 1) == u'\n') {
            record << field;
            field.clear();
            records << record;
            record.clear();
            ++i;
        } else {
            field += c;
        }
    }
    if (!field.isEmpty() || !record.isEmpty())
        records << (record << field);
    return records;
}

} // namespace

class TestReports : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void runsListNewestFirst();
    void runsListPaging();
    void runsListBySpend();
    void runsListFilters();
    void runsListRange();
    void runDetail();
    void runCrossingMidnight();
    void runTimeline();
    void timelineAcrossMidnightAndRange();
    void timelineBucketLimit();
    void agentsReport();
    void agentsReportPartialDays();
    void vendorsDaily();
    void reportsReconcileWithStatsToday();
    void anomalies();
    void auditCsvMatchesAuditLog();
    void auditCsvFilterAndHeaders();
    void validation_data();
    void validation();
    void viewerCanReadEverything();
    void daysFollowDaylightSavingTime();

private:
    QJsonObject get(const QString &pathAndQuery)
    {
        const HttpResult result = m_server->admin("GET", pathAndQuery);
        if (result.status != 200)
            qWarning("GET %s: %d %s", qPrintable(pathAndQuery), result.status,
                     result.body.constData());
        return result.json;
    }
    void at(const QString &when) { QVERIFY(m_server->setClock(when)); }
    QString issue(const QJsonObject &policyObject, QString *keyId = nullptr)
    {
        const QJsonObject key = m_server->issueKey(policyObject);
        if (keyId)
            *keyId = key.value(QStringLiteral("key_id")).toString();
        return key.value(QStringLiteral("vault_key")).toString();
    }
    int charge(const QString &secret, qint64 cents,
               const QMap<QByteArray, QByteArray> &headers = {})
    {
        return m_server
            ->proxy("POST", QStringLiteral("/stripe/v1/charges"), stripeCharge(cents), secret,
                    "application/x-www-form-urlencoded", headers)
            .status;
    }
    int sms(const QString &secret)
    {
        return m_server
            ->proxy("POST",
                    QStringLiteral("/twilio/2010-04-01/Accounts/%1/Messages.json")
                        .arg(QString::fromLatin1(kTwilioSid)),
                    "To=%2B15559990000&From=%2B15550001111&Body=hello", secret)
            .status;
    }
    int email(const QString &secret)
    {
        return m_server
            ->proxy("POST", QStringLiteral("/resend/emails"),
                    R"({"from":"ops@example.com","to":"a@b.io","subject":"s","text":"t"})", secret,
                    "application/json")
            .status;
    }
    QList<QJsonObject> auditOf(const QString &label)
    {
        QUrlQuery query;
        query.addQueryItem(QStringLiteral("label"), label);
        return readAudit(*m_server, query);
    }
    QList<QJsonObject> auditBetween(const QString &since, const QString &until)
    {
        QUrlQuery query;
        query.addQueryItem(QStringLiteral("since"), since);
        query.addQueryItem(QStringLiteral("until"), until);
        return readAudit(*m_server, query);
    }

    std::unique_ptr<TestServer> m_server;
    QMap<QString, QString> m_keyIds; // label (or label + "#vendor") -> key id
    qint64 m_jobYesterday = 0; // the notification run's spend before local midnight
    qint64 m_jobToday = 0;
};

void TestReports::initTestCase()
{
    TestServer::Options options;
    options.testClock = true;
    options.serverArgs << QStringLiteral("--spend-timezone") << QStringLiteral("America/New_York");
    m_server = std::make_unique<TestServer>(options);
    QVERIFY2(m_server->start(), qPrintable(m_server->errorString()));

    at(QStringLiteral("2026-11-19T20:00:00Z"));
    QMap<QString, QString> secrets;
    for (const QString &label : {kMsg1, kMsg2, kMsg3, kMsg4, kMsg5, kMsg6}) {
        QString keyId;
        secrets[label] = issue(
            policy(QStringLiteral("stripe"), QStringLiteral("charges.create"), 50, label), &keyId);
        QVERIFY(!secrets[label].isEmpty());
        m_keyIds[label] = keyId;
    }
    QString twilioKey;
    QString resendKey;
    const QString twilio = issue(
        policy(QStringLiteral("twilio"), QStringLiteral("messages.create"), 5, kJob), &twilioKey);
    const QString resend =
        issue(policy(QStringLiteral("resend"), QStringLiteral("emails.send"), 5, kJob), &resendKey);
    QVERIFY(!twilio.isEmpty() && !resend.isEmpty());
    m_keyIds[kJob + QStringLiteral("#twilio")] = twilioKey;
    m_keyIds[kJob + QStringLiteral("#resend")] = resendKey;

    // The notification run: 23:50, 23:55 and 23:58 on 19 November in New York, then 00:10 and
    // 00:12 on the 20th.
    at(QStringLiteral("2026-11-20T04:50:00Z"));
    QCOMPARE(sms(twilio), 201);
    at(QStringLiteral("2026-11-20T04:55:00Z"));
    QCOMPARE(sms(twilio), 201);
    at(QStringLiteral("2026-11-20T04:58:00Z"));
    QCOMPARE(email(resend), 200);
    at(QStringLiteral("2026-11-20T05:10:00Z"));
    QCOMPARE(sms(twilio), 201);
    at(QStringLiteral("2026-11-20T05:12:00Z"));
    QCOMPARE(email(resend), 200);
    at(QStringLiteral("2026-11-20T05:12:30Z"));
    QCOMPARE(email(resend), 200);

    // msg-1: $2 and $3 in the 14:00 minute, $1.50 at 14:02:10, a payout it may not make at 14:03.
    at(QStringLiteral("2026-11-20T14:00:00Z"));
    QCOMPARE(charge(secrets[kMsg1], 200), 200);
    at(QStringLiteral("2026-11-20T14:00:30Z"));
    QCOMPARE(charge(secrets[kMsg1], 300), 200);
    at(QStringLiteral("2026-11-20T14:02:10Z"));
    QCOMPARE(charge(secrets[kMsg1], 150), 200);
    at(QStringLiteral("2026-11-20T14:03:00Z"));
    QCOMPARE(m_server
                 ->proxy("POST", QStringLiteral("/stripe/v1/payouts"), "amount=100&currency=usd",
                         secrets[kMsg1])
                 .status,
             403);
    // msg-2: $2.50, then $4 with an Idempotency-Key and its replay (no second charge).
    at(QStringLiteral("2026-11-20T14:10:00Z"));
    QCOMPARE(charge(secrets[kMsg2], 250), 200);
    at(QStringLiteral("2026-11-20T14:11:00Z"));
    QCOMPARE(charge(secrets[kMsg2], 400, {{"Idempotency-Key", "reports-idem-1"}}), 200);
    at(QStringLiteral("2026-11-20T14:12:00Z"));
    QCOMPARE(charge(secrets[kMsg2], 400, {{"Idempotency-Key", "reports-idem-1"}}), 200);
    // msg-3: $1, then a $7 charge the vendor answers with 500: its hold stays, as unknown.
    at(QStringLiteral("2026-11-20T14:20:00Z"));
    QCOMPARE(charge(secrets[kMsg3], 100), 200);
    at(QStringLiteral("2026-11-20T14:21:00Z"));
    QCOMPARE(charge(secrets[kMsg3], 700, {{"X-Sim-Fault", "500"}}), 500);
    at(QStringLiteral("2026-11-20T14:25:00Z"));
    QCOMPARE(charge(secrets[kMsg5], 300), 200);
    // msg-6 is revoked before its only call.
    at(QStringLiteral("2026-11-20T14:29:00Z"));
    QCOMPARE(m_server->admin("DELETE", QStringLiteral("/v1/keys/") + m_keyIds[kMsg6]).status, 200);
    at(QStringLiteral("2026-11-20T14:30:00Z"));
    QCOMPARE(charge(secrets[kMsg6], 100), 401);
    // msg-4 runs away: three $15 charges, then eleven $10 attempts refused at its $50 cap.
    for (int i = 0; i < 3; ++i) {
        at(QStringLiteral("2026-11-20T15:00:%1Z").arg(i * 20, 2, 10, QLatin1Char('0')));
        QCOMPARE(charge(secrets[kMsg4], 1500), 200);
    }
    for (int i = 0; i < 11; ++i) {
        at(QDateTime::fromString(QStringLiteral("2026-11-20T15:01:00Z"), Qt::ISODate)
               .addSecs(i * 10)
               .toString(Qt::ISODate));
        QCOMPARE(charge(secrets[kMsg4], 1000), 429);
    }
    at(kNow);

    // The notification run's spend on each side of local midnight, from the audit log.
    for (const QJsonObject &row : auditOf(kJob)) {
        const qint64 cost = usd(row.value(QStringLiteral("cost_usd")));
        if (row.value(QStringLiteral("ts")).toString() < kTodayStart)
            m_jobYesterday += cost;
        else
            m_jobToday += cost;
    }
    QVERIFY(m_jobYesterday > 0 && m_jobToday > 0);
}

void TestReports::runsListNewestFirst()
{
    const QJsonObject page = get(QStringLiteral("/v1/runs"));
    QCOMPARE(page.value(QStringLiteral("spend_timezone")).toString(),
             QStringLiteral("America/New_York"));
    QVERIFY(page.value(QStringLiteral("next_cursor")).isNull());
    const QJsonArray runs = page.value(QStringLiteral("data")).toArray();
    QStringList labels;
    for (const auto &run : runs)
        labels << run[QStringLiteral("label")].toString();
    QCOMPARE(labels, (QStringList {kMsg4, kMsg6, kMsg5, kMsg3, kMsg2, kMsg1, kJob}));

    const QJsonObject runaway = runs.at(0).toObject();
    QCOMPARE(totalsOf(runaway), (Totals {45 * kDollar, 0, 14, 11}));
    QCOMPARE(runaway.value(QStringLiteral("label_prefix")).toString(),
             QStringLiteral("tests/billing/"));
    QCOMPARE(runaway.value(QStringLiteral("vendors")).toArray(), QJsonArray {"stripe"});
    QCOMPARE(runaway.value(QStringLiteral("keys")).toInt(), 1);
    QCOMPARE(runaway.value(QStringLiteral("active_keys")).toInt(), 1);
    QCOMPARE(usd(runaway.value(QStringLiteral("total_cap_usd"))), 50 * kDollar);
    QCOMPARE(runaway.value(QStringLiteral("status")).toString(), QStringLiteral("active"));
    QCOMPARE(runaway.value(QStringLiteral("first_call_at")).toString(),
             QStringLiteral("2026-11-20T15:00:00.000Z"));
    QCOMPARE(runaway.value(QStringLiteral("last_call_at")).toString(),
             QStringLiteral("2026-11-20T15:02:40.000Z"));

    QCOMPARE(runs.at(1)[QStringLiteral("status")].toString(), QStringLiteral("ended"));
    QCOMPARE(totalsOf(runs.at(1).toObject()), (Totals {0, 0, 1, 1}));
    QCOMPARE(totalsOf(runs.at(3).toObject()), (Totals {1 * kDollar, 7 * kDollar, 2, 0}));
    QCOMPARE(totalsOf(runs.at(4).toObject()), (Totals {6'500'000, 0, 3, 0}));
    QCOMPARE(totalsOf(runs.at(5).toObject()), (Totals {6'500'000, 0, 4, 1}));

    const QJsonObject job = runs.at(6).toObject();
    QCOMPARE(job.value(QStringLiteral("vendors")).toArray(), (QJsonArray {"resend", "twilio"}));
    QCOMPARE(job.value(QStringLiteral("keys")).toInt(), 2);
    QCOMPARE(usd(job.value(QStringLiteral("total_cap_usd"))), 10 * kDollar);
    // A ':' after the last '/' belongs to the run (contract, report 2).
    QCOMPARE(job.value(QStringLiteral("label_prefix")).toString(), QStringLiteral("tests/"));
    QCOMPARE(totalsOf(job), (Totals {m_jobYesterday + m_jobToday, 0, 6, 0}));
    QCOMPARE(totalsOf(job), totalsOfAudit(auditOf(kJob)));
}

void TestReports::runsListPaging()
{
    QStringList all;
    for (const auto &run : get(QStringLiteral("/v1/runs")).value(QStringLiteral("data")).toArray())
        all << run[QStringLiteral("label")].toString();
    QStringList paged;
    QString cursor;
    int pages = 0;
    do {
        QString path = QStringLiteral("/v1/runs?limit=2");
        if (!cursor.isEmpty())
            path += QStringLiteral("&cursor=") + cursor;
        const QJsonObject page = get(path);
        const QJsonArray data = page.value(QStringLiteral("data")).toArray();
        QVERIFY(data.size() <= 2);
        for (const auto &run : data)
            paged << run[QStringLiteral("label")].toString();
        cursor = page.value(QStringLiteral("next_cursor")).toString();
        QVERIFY(++pages <= 10);
    } while (!cursor.isEmpty());
    QCOMPARE(pages, 4);
    QCOMPARE(paged, all);
}

// sort=spend (issue 13): the Overview's top runs, ranked by the server over every run of the
// range, not over the latest page; ties keep the latest first; pages by position.
void TestReports::runsListBySpend()
{
    const QStringList expected {kMsg4, kMsg2, kMsg1, kMsg5, kMsg3, kJob, kMsg6};
    QStringList labels;
    qint64 previous = std::numeric_limits<qint64>::max();
    for (const auto &run :
         get(QStringLiteral("/v1/runs?sort=spend")).value(QStringLiteral("data")).toArray()) {
        labels << run[QStringLiteral("label")].toString();
        const qint64 spend = usd(run[QStringLiteral("spend_usd")]);
        QVERIFY(spend <= previous);
        previous = spend;
    }
    QCOMPARE(labels, expected);
    // The same through pages of two.
    QStringList paged;
    QString cursor;
    int pages = 0;
    do {
        QString path = QStringLiteral("/v1/runs?sort=spend&limit=2");
        if (!cursor.isEmpty())
            path += QStringLiteral("&cursor=") + cursor;
        const QJsonObject page = get(path);
        for (const auto &run : page.value(QStringLiteral("data")).toArray())
            paged << run[QStringLiteral("label")].toString();
        cursor = page.value(QStringLiteral("next_cursor")).toString();
        QVERIFY(++pages <= 10);
    } while (!cursor.isEmpty());
    QCOMPARE(paged, expected);
    // With the other filters: the top run under a prefix.
    const QJsonArray top = get(QStringLiteral("/v1/runs?sort=spend&limit=1&label_prefix=tests/"))
                               .value(QStringLiteral("data"))
                               .toArray();
    QCOMPARE(top.size(), 1);
    QCOMPARE(top.first()[QStringLiteral("label")].toString(), kMsg4);
    // Refused: another order, and a recency cursor under the spend order.
    for (const QString &query :
         {QStringLiteral("sort=cost"), QStringLiteral("sort=spend&cursor=not-a-cursor")}) {
        const HttpResult refused = m_server->admin("GET", QStringLiteral("/v1/runs?") + query);
        QCOMPARE(refused.status, 422);
        QCOMPARE(refused.json.value(QStringLiteral("code")).toString(),
                 QStringLiteral("invalid_field"));
    }
    QCOMPARE(
        get(QStringLiteral("/v1/runs?sort=recent")).value(QStringLiteral("data")).toArray().size(),
        expected.size());
}

void TestReports::runsListFilters()
{
    const auto labels = [this](const QString &query) {
        QStringList out;
        for (const auto &run :
             get(QStringLiteral("/v1/runs?") + query).value(QStringLiteral("data")).toArray())
            out << run[QStringLiteral("label")].toString();
        return out;
    };
    QCOMPARE(labels(QStringLiteral("label_prefix=tests%2Fnotify%3A")), QStringList {kJob});
    QCOMPARE(labels(QStringLiteral("label_prefix=tests%2Fbilling%2F")),
             (QStringList {kMsg4, kMsg6, kMsg5, kMsg3, kMsg2, kMsg1}));
    // Substring search ignores case, and works below a trigram too.
    QCOMPARE(labels(QStringLiteral("q=MSG-4")), QStringList {kMsg4});
    QCOMPARE(labels(QStringLiteral("q=b-1")), QStringList {kJob});
    QCOMPARE(labels(QStringLiteral("status=ended")), QStringList {kMsg6});
    QCOMPARE(labels(QStringLiteral("status=active")),
             (QStringList {kMsg4, kMsg5, kMsg3, kMsg2, kMsg1, kJob}));
    QCOMPARE(labels(QStringLiteral("status=active&label_prefix=tests%2Fbilling%2F&q=msg-&limit=2")),
             (QStringList {kMsg4, kMsg5}));
    QCOMPARE(labels(QStringLiteral("label_prefix=nobody%2F")), QStringList {});
}

void TestReports::runsListRange()
{
    // From 14:15 on: only what each run did then.
    const QJsonObject page =
        get(QStringLiteral("/v1/runs?since=2026-11-20T14:15:00Z&until=2026-11-20T15:01:00Z"));
    QCOMPARE(page.value(QStringLiteral("since")).toString(),
             QStringLiteral("2026-11-20T14:15:00.000Z"));
    QCOMPARE(page.value(QStringLiteral("until")).toString(),
             QStringLiteral("2026-11-20T15:01:00.000Z"));
    const QJsonArray runs = page.value(QStringLiteral("data")).toArray();
    QCOMPARE(runs.size(), 4);
    QCOMPARE(runs.at(0)[QStringLiteral("label")].toString(), kMsg4);
    // The refusals at 15:01:00 and later are outside.
    QCOMPARE(totalsOf(runs.at(0).toObject()), (Totals {45 * kDollar, 0, 3, 0}));
    QCOMPARE(runs.at(0)[QStringLiteral("last_call_at")].toString(),
             QStringLiteral("2026-11-20T15:00:40.000Z"));
    QCOMPARE(runs.at(3)[QStringLiteral("label")].toString(), kMsg3);
    QCOMPARE(totalsOf(runs.at(3).toObject()), (Totals {1 * kDollar, 7 * kDollar, 2, 0}));
}

void TestReports::runDetail()
{
    const QJsonObject run = get(QStringLiteral("/v1/runs/") + encoded(kMsg4));
    QCOMPARE(run.value(QStringLiteral("label")).toString(), kMsg4);
    QCOMPARE(run.value(QStringLiteral("status")).toString(), QStringLiteral("active"));
    QCOMPARE(run.value(QStringLiteral("spend_timezone")).toString(),
             QStringLiteral("America/New_York"));
    QCOMPARE(totalsOf(run.value(QStringLiteral("totals")).toObject()),
             (Totals {45 * kDollar, 0, 14, 11}));
    QCOMPARE(run.value(QStringLiteral("blocked")).toInt(), 11);
    QCOMPARE(run.value(QStringLiteral("first_call_at")).toString(),
             QStringLiteral("2026-11-20T15:00:00.000Z"));
    QCOMPARE(run.value(QStringLiteral("last_call_at")).toString(),
             QStringLiteral("2026-11-20T15:02:40.000Z"));
    QCOMPARE(run.value(QStringLiteral("denials_by_reason")).toObject(),
             (QJsonObject {{QStringLiteral("cap_exhausted"), 11}}));
    const QJsonArray vendors = run.value(QStringLiteral("vendors")).toArray();
    QCOMPARE(vendors.size(), 1);
    QCOMPARE(vendors.at(0)[QStringLiteral("vendor")].toString(), QStringLiteral("stripe"));
    QCOMPARE(totalsOf(vendors.at(0).toObject()), (Totals {45 * kDollar, 0, 14, 11}));
    const QJsonArray keys = run.value(QStringLiteral("keys")).toArray();
    QCOMPARE(keys.size(), 1);
    const QJsonObject key = keys.at(0).toObject();
    QCOMPARE(key.value(QStringLiteral("key_id")).toString(), m_keyIds[kMsg4]);
    QCOMPARE(key.value(QStringLiteral("vendor")).toString(), QStringLiteral("stripe"));
    QCOMPARE(usd(key.value(QStringLiteral("daily_usd_cap"))), 50 * kDollar);
    QCOMPARE(key.value(QStringLiteral("status")).toString(), QStringLiteral("active"));
    QCOMPARE(totalsOf(key), (Totals {45 * kDollar, 0, 14, 11}));
    QCOMPARE(usd(key.value(QStringLiteral("spent_today_usd"))), 45 * kDollar);
    QCOMPARE(key.value(QStringLiteral("calls_today")).toInt(), 14);

    // The revoked run ended; the one with a vendor 500 holds $7.
    const QJsonObject revoked = get(QStringLiteral("/v1/runs/") + encoded(kMsg6));
    QCOMPARE(revoked.value(QStringLiteral("status")).toString(), QStringLiteral("ended"));
    QCOMPARE(
        revoked.value(QStringLiteral("keys")).toArray().at(0)[QStringLiteral("status")].toString(),
        QStringLiteral("revoked"));
    QCOMPARE(revoked.value(QStringLiteral("denials_by_reason")).toObject(),
             (QJsonObject {{QStringLiteral("key_revoked"), 1}}));
    const QJsonObject held = get(QStringLiteral("/v1/runs/") + encoded(kMsg3));
    QCOMPARE(totalsOf(held.value(QStringLiteral("totals")).toObject()),
             (Totals {1 * kDollar, 7 * kDollar, 2, 0}));
    QCOMPARE(
        usd(held.value(QStringLiteral("keys")).toArray().at(0)[QStringLiteral("held_today_usd")]),
        7 * kDollar);
    QCOMPARE(held.value(QStringLiteral("denials_by_reason")).toObject(), QJsonObject {});

    // A range narrows every figure.
    const QJsonObject early = get(QStringLiteral("/v1/runs/") + encoded(kMsg1)
                                  + QStringLiteral("?until=2026-11-20T14:01:00Z"));
    QCOMPARE(totalsOf(early.value(QStringLiteral("totals")).toObject()),
             (Totals {5 * kDollar, 0, 2, 0}));
    QCOMPARE(early.value(QStringLiteral("until")).toString(),
             QStringLiteral("2026-11-20T14:01:00.000Z"));

    QCOMPARE(
        m_server->admin("GET", QStringLiteral("/v1/runs/") + encoded(QStringLiteral("no/such")))
            .status,
        404);
}

void TestReports::runCrossingMidnight()
{
    const QJsonObject run = get(QStringLiteral("/v1/runs/") + encoded(kJob));
    QCOMPARE(totalsOf(run.value(QStringLiteral("totals")).toObject()),
             (Totals {m_jobYesterday + m_jobToday, 0, 6, 0}));
    const QJsonArray days = run.value(QStringLiteral("days")).toArray();
    QCOMPARE(days.size(), 2);
    QCOMPARE(days.at(0)[QStringLiteral("day")].toString(), QStringLiteral("2026-11-19"));
    QCOMPARE(days.at(0)[QStringLiteral("window_start")].toString(), kYesterdayStart);
    QCOMPARE(days.at(0)[QStringLiteral("window_end")].toString(), kTodayStart);
    QCOMPARE(totalsOf(days.at(0).toObject()), (Totals {m_jobYesterday, 0, 3, 0}));
    QCOMPARE(days.at(1)[QStringLiteral("day")].toString(), QStringLiteral("2026-11-20"));
    QCOMPARE(totalsOf(days.at(1).toObject()), (Totals {m_jobToday, 0, 3, 0}));

    QMap<QString, Totals> vendors;
    for (const auto &vendor : run.value(QStringLiteral("vendors")).toArray())
        vendors[vendor[QStringLiteral("vendor")].toString()] = totalsOf(vendor.toObject());
    QCOMPARE(vendors.keys(), (QStringList {QStringLiteral("resend"), QStringLiteral("twilio")}));
    QCOMPARE(vendors[QStringLiteral("resend")], (Totals {3 * 400, 0, 3, 0}));
    QCOMPARE(vendors[QStringLiteral("twilio")].spent,
             m_jobYesterday + m_jobToday - vendors[QStringLiteral("resend")].spent);
    // Today's spend per key is only the part after local midnight.
    for (const auto &key : run.value(QStringLiteral("keys")).toArray()) {
        QCOMPARE(key[QStringLiteral("calls_today")].toInt(),
                 key[QStringLiteral("vendor")].toString() == QStringLiteral("resend") ? 2 : 1);
    }
}

void TestReports::runTimeline()
{
    const QJsonObject timeline =
        get(QStringLiteral("/v1/runs/") + encoded(kMsg1) + QStringLiteral("/timeline?bucket=1m"));
    QCOMPARE(timeline.value(QStringLiteral("bucket")).toString(), QStringLiteral("1m"));
    QCOMPARE(timeline.value(QStringLiteral("bucket_seconds")).toInt(), 60);
    QCOMPARE(timeline.value(QStringLiteral("since")).toString(),
             QStringLiteral("2026-11-20T14:00:00.000Z"));
    QCOMPARE(timeline.value(QStringLiteral("until")).toString(),
             QStringLiteral("2026-11-20T14:04:00.000Z"));
    QCOMPARE(timeline.value(QStringLiteral("spend_before_usd")).toDouble(), 0.0);
    const QJsonArray buckets = timeline.value(QStringLiteral("buckets")).toArray();
    QCOMPARE(buckets.size(), 4);
    struct Expected
    {
        const char *start;
        int calls, allowed, denied;
        qint64 spent, cumulative;
    };
    const Expected expected[] = {
        {"2026-11-20T14:00:00.000Z", 2, 2, 0, 5 * kDollar, 5 * kDollar},
        {"2026-11-20T14:01:00.000Z", 0, 0, 0, 0, 5 * kDollar},
        {"2026-11-20T14:02:00.000Z", 1, 1, 0, 1'500'000, 6'500'000},
        {"2026-11-20T14:03:00.000Z", 1, 0, 1, 0, 6'500'000},
    };
    for (int i = 0; i < 4; ++i) {
        const QJsonObject bucket = buckets.at(i).toObject();
        QCOMPARE(bucket.value(QStringLiteral("start")).toString(),
                 QString::fromLatin1(expected[i].start));
        QCOMPARE(bucket.value(QStringLiteral("calls")).toInt(), expected[i].calls);
        QCOMPARE(bucket.value(QStringLiteral("allowed")).toInt(), expected[i].allowed);
        QCOMPARE(bucket.value(QStringLiteral("denied")).toInt(), expected[i].denied);
        QCOMPARE(usd(bucket.value(QStringLiteral("spend_usd"))), expected[i].spent);
        QCOMPARE(usd(bucket.value(QStringLiteral("cumulative_spend_usd"))), expected[i].cumulative);
    }
    const QJsonArray denials = timeline.value(QStringLiteral("denials")).toArray();
    QCOMPARE(denials.size(), 1);
    QCOMPARE(denials.at(0)[QStringLiteral("ts")].toString(),
             QStringLiteral("2026-11-20T14:03:00.000Z"));
    QCOMPARE(denials.at(0)[QStringLiteral("reason")].toString(),
             QStringLiteral("endpoint_not_allowed"));
    QCOMPARE(denials.at(0)[QStringLiteral("verdict")].toString(),
             QStringLiteral("denied_endpoint"));
    QCOMPARE(denials.at(0)[QStringLiteral("key_id")].toString(), m_keyIds[kMsg1]);
    const QJsonArray keys = timeline.value(QStringLiteral("keys")).toArray();
    QCOMPARE(keys.size(), 1);
    QCOMPARE(usd(keys.at(0)[QStringLiteral("daily_usd_cap")]), 50 * kDollar);
    QCOMPARE(keys.at(0)[QStringLiteral("vendor")].toString(), QStringLiteral("stripe"));

    // The runaway against its cap: cumulative spend reaches $45 and stays; eleven denials.
    const QJsonObject runaway =
        get(QStringLiteral("/v1/runs/") + encoded(kMsg4) + QStringLiteral("/timeline?bucket=10s"));
    const QJsonArray steps = runaway.value(QStringLiteral("buckets")).toArray();
    QCOMPARE(steps.size(), 17); // 15:00:00 to 15:02:40 inclusive
    QCOMPARE(usd(steps.last()[QStringLiteral("cumulative_spend_usd")]), 45 * kDollar);
    QCOMPARE(usd(steps.at(2)[QStringLiteral("cumulative_spend_usd")]), 30 * kDollar);
    QCOMPARE(runaway.value(QStringLiteral("denials")).toArray().size(), 11);
    QCOMPARE(runaway.value(QStringLiteral("denials_truncated")).toBool(), false);
}

void TestReports::timelineAcrossMidnightAndRange()
{
    const QJsonObject timeline =
        get(QStringLiteral("/v1/runs/") + encoded(kJob) + QStringLiteral("/timeline?bucket=1h"));
    const QJsonArray buckets = timeline.value(QStringLiteral("buckets")).toArray();
    QCOMPARE(buckets.size(), 2);
    QCOMPARE(buckets.at(0)[QStringLiteral("start")].toString(),
             QStringLiteral("2026-11-20T04:00:00.000Z"));
    QCOMPARE(buckets.at(0)[QStringLiteral("calls")].toInt(), 3);
    QCOMPARE(usd(buckets.at(0)[QStringLiteral("cumulative_spend_usd")]), m_jobYesterday);
    QCOMPARE(buckets.at(1)[QStringLiteral("calls")].toInt(), 3);
    QCOMPARE(usd(buckets.at(1)[QStringLiteral("cumulative_spend_usd")]),
             m_jobYesterday + m_jobToday);
    QCOMPARE(timeline.value(QStringLiteral("keys")).toArray().size(), 2);

    // A range after the first calls starts from what was spent before it.
    const QJsonObject later = get(QStringLiteral("/v1/runs/") + encoded(kMsg1)
                                  + QStringLiteral("/timeline?bucket=5m&since=2026-11-20T14:02:00Z"
                                                   "&until=2026-11-20T14:10:00Z"));
    QCOMPARE(later.value(QStringLiteral("since")).toString(),
             QStringLiteral("2026-11-20T14:00:00.000Z")); // whole 5-minute buckets
    QCOMPARE(later.value(QStringLiteral("buckets")).toArray().size(), 2);
    const QJsonObject spanning =
        get(QStringLiteral("/v1/runs/") + encoded(kMsg1)
            + QStringLiteral("/timeline?bucket=1m&since=2026-11-20T14:02:00Z"));
    QCOMPARE(usd(spanning.value(QStringLiteral("spend_before_usd"))), 5 * kDollar);
    QCOMPARE(usd(spanning.value(QStringLiteral("buckets"))
                     .toArray()
                     .at(0)[QStringLiteral("cumulative_spend_usd")]),
             6'500'000);
}

void TestReports::timelineBucketLimit()
{
    const HttpResult tooMany =
        m_server->admin("GET",
                        QStringLiteral("/v1/runs/") + encoded(kMsg1)
                            + QStringLiteral("/timeline?bucket=10s&since=2026-11-01T00:00:00Z"
                                             "&until=2026-11-21T00:00:00Z"));
    QCOMPARE(tooMany.status, 422);
    QCOMPARE(tooMany.json.value(QStringLiteral("code")).toString(),
             QStringLiteral("invalid_field"));
    QCOMPARE(tooMany.json.value(QStringLiteral("field")).toString(), QStringLiteral("bucket"));
    QCOMPARE(tooMany.json.value(QStringLiteral("bucket_count")).toInt(), 20 * 24 * 360);
    QCOMPARE(tooMany.json.value(QStringLiteral("max_buckets")).toInt(), 2000);
    QCOMPARE(tooMany.json.value(QStringLiteral("fitting_bucket")).toString(), QStringLiteral("1h"));
    QVERIFY(tooMany.json.value(QStringLiteral("error")).toString().contains(QStringLiteral("1h")));
    QCOMPARE(m_server
                 ->admin("GET",
                         QStringLiteral("/v1/runs/") + encoded(kMsg1)
                             + QStringLiteral("/timeline?bucket=1h&since=2026-11-01T00:00:00Z"
                                              "&until=2026-11-21T00:00:00Z"))
                 .status,
             200);
}

void TestReports::agentsReport()
{
    const QJsonObject today = get(QStringLiteral("/v1/reports/agents?days=1"));
    QCOMPARE(today.value(QStringLiteral("spend_timezone")).toString(),
             QStringLiteral("America/New_York"));
    QCOMPARE(today.value(QStringLiteral("since")).toString(), kTodayStart);
    QCOMPARE(today.value(QStringLiteral("until")).toString(),
             QStringLiteral("2026-11-21T05:00:00.000Z"));
    const QJsonArray rows = today.value(QStringLiteral("data")).toArray();
    QCOMPARE(rows.size(), 2);
    // Highest spend first.
    const QJsonObject billing = rows.at(0).toObject();
    QCOMPARE(billing.value(QStringLiteral("label_prefix")).toString(),
             QStringLiteral("tests/billing/"));
    QCOMPARE(billing.value(QStringLiteral("runs")).toInt(), 6);
    QCOMPARE(billing.value(QStringLiteral("keys")).toInt(), 6);
    QCOMPARE(totalsOf(billing), (Totals {62 * kDollar, 7 * kDollar, 25, 13}));
    QCOMPARE(billing.value(QStringLiteral("first_call_at")).toString(),
             QStringLiteral("2026-11-20T14:00:00.000Z"));
    QCOMPARE(billing.value(QStringLiteral("last_call_at")).toString(),
             QStringLiteral("2026-11-20T15:02:40.000Z"));
    const QJsonObject notify = rows.at(1).toObject();
    QCOMPARE(notify.value(QStringLiteral("label_prefix")).toString(), QStringLiteral("tests/"));
    QCOMPARE(notify.value(QStringLiteral("runs")).toInt(), 1);
    QCOMPARE(notify.value(QStringLiteral("keys")).toInt(), 2);
    QCOMPARE(totalsOf(notify), (Totals {m_jobToday, 0, 3, 0}));

    // Two days take in the notification run's calls before local midnight.
    const QJsonObject twoDays = get(QStringLiteral("/v1/reports/agents?days=2"));
    QCOMPARE(twoDays.value(QStringLiteral("since")).toString(), kYesterdayStart);
    for (const auto &row : twoDays.value(QStringLiteral("data")).toArray()) {
        if (row[QStringLiteral("label_prefix")].toString() == QStringLiteral("tests/"))
            QCOMPARE(totalsOf(row.toObject()), (Totals {m_jobYesterday + m_jobToday, 0, 6, 0}));
    }
    QCOMPARE(totalsOf(twoDays.value(QStringLiteral("totals")).toObject()),
             (Totals {62 * kDollar + m_jobYesterday + m_jobToday, 7 * kDollar, 31, 13}));
    // The default is 30 days.
    QCOMPARE(get(QStringLiteral("/v1/reports/agents")).value(QStringLiteral("days")).toInt(), 30);
}

void TestReports::agentsReportPartialDays()
{
    // Ranges whose ends cut spend windows: whole windows come from the ledger, the cut days from
    // the audit log; both must add up to exactly what the audit log holds for the range.
    const QList<QPair<QString, QString>> ranges {
        {QStringLiteral("2026-11-20T04:55:00Z"), QStringLiteral("2026-11-20T14:15:00Z")},
        {QStringLiteral("2026-11-19T00:00:00-05:00"), QStringLiteral("2026-11-20T14:15:00Z")},
        {QStringLiteral("2026-11-20T04:52:00Z"), QStringLiteral("2026-11-21T06:00:00Z")},
        {QStringLiteral("2026-11-20T14:00:30Z"), QStringLiteral("2026-11-20T14:00:31Z")},
    };
    for (const auto &[since, until] : ranges) {
        QUrlQuery query;
        query.addQueryItem(QStringLiteral("since"), since);
        query.addQueryItem(QStringLiteral("until"), until);
        const QJsonObject report =
            get(QStringLiteral("/v1/reports/agents?") + query.toString(QUrl::FullyEncoded));
        const QList<QJsonObject> rows = auditBetween(since, until);
        QMap<QString, QList<QJsonObject>> byPrefix;
        for (const QJsonObject &row : rows) {
            const QString label = row.value(QStringLiteral("agent_run_label")).toString();
            qsizetype cut = label.lastIndexOf(u'/');
            if (cut < 0)
                cut = label.indexOf(u':');
            byPrefix[label.left(cut + 1)] << row;
        }
        const QJsonArray data = report.value(QStringLiteral("data")).toArray();
        QCOMPARE(data.size(), byPrefix.size());
        for (const auto &row : data) {
            Totals expected =
                totalsOfAudit(byPrefix.value(row[QStringLiteral("label_prefix")].toString()));
            // The kept $7 hold was taken at 14:21.
            const QString holdAt = QStringLiteral("2026-11-20T14:21:00Z");
            if (row[QStringLiteral("label_prefix")].toString() == QStringLiteral("tests/billing/")
                && QDateTime::fromString(since, Qt::ISODate)
                    <= QDateTime::fromString(holdAt, Qt::ISODate)
                && QDateTime::fromString(holdAt, Qt::ISODate)
                    < QDateTime::fromString(until, Qt::ISODate))
                expected.held = 7 * kDollar;
            QCOMPARE(totalsOf(row.toObject()), expected);
        }
    }
}

void TestReports::vendorsDaily()
{
    const QJsonObject report = get(QStringLiteral("/v1/reports/vendors/daily?days=3"));
    QCOMPARE(report.value(QStringLiteral("spend_timezone")).toString(),
             QStringLiteral("America/New_York"));
    QCOMPARE(report.value(QStringLiteral("days")).toInt(), 3);
    const QJsonArray days = report.value(QStringLiteral("data")).toArray();
    QCOMPARE(days.size(), 3);
    QCOMPARE(days.at(0)[QStringLiteral("day")].toString(), QStringLiteral("2026-11-18"));
    QCOMPARE(days.at(0)[QStringLiteral("window_start")].toString(),
             QStringLiteral("2026-11-18T05:00:00.000Z"));
    // A day without traffic is there, with zeros.
    const QJsonObject empty = days.at(0).toObject();
    QCOMPARE(totalsOf(empty), (Totals {}));
    for (const char *vendor : {"stripe", "twilio", "resend"})
        QCOMPARE(totalsOf(empty[QStringLiteral("vendors")][QLatin1String(vendor)].toObject()),
                 (Totals {}));

    const QJsonObject yesterday = days.at(1).toObject();
    QCOMPARE(yesterday.value(QStringLiteral("day")).toString(), QStringLiteral("2026-11-19"));
    const QJsonObject y = yesterday.value(QStringLiteral("vendors")).toObject();
    QCOMPARE(totalsOf(y[QStringLiteral("resend")].toObject()), (Totals {400, 0, 1, 0}));
    QCOMPARE(totalsOf(y[QStringLiteral("twilio")].toObject()),
             (Totals {m_jobYesterday - 400, 0, 2, 0}));
    QCOMPARE(totalsOf(y[QStringLiteral("stripe")].toObject()), (Totals {}));

    const QJsonObject today = days.at(2).toObject();
    QCOMPARE(today.value(QStringLiteral("day")).toString(), QStringLiteral("2026-11-20"));
    QCOMPARE(today.value(QStringLiteral("window_end")).toString(),
             QStringLiteral("2026-11-21T05:00:00.000Z"));
    const QJsonObject t = today.value(QStringLiteral("vendors")).toObject();
    QCOMPARE(totalsOf(t[QStringLiteral("stripe")].toObject()),
             (Totals {62 * kDollar, 7 * kDollar, 25, 13}));
    QCOMPARE(totalsOf(t[QStringLiteral("resend")].toObject()), (Totals {800, 0, 2, 0}));
    QCOMPARE(totalsOf(t[QStringLiteral("twilio")].toObject()),
             (Totals {m_jobToday - 800, 0, 1, 0}));
    QCOMPARE(totalsOf(today), (Totals {62 * kDollar + m_jobToday, 7 * kDollar, 28, 13}));
    QCOMPARE(totalsOf(report.value(QStringLiteral("totals")).toObject()),
             (Totals {62 * kDollar + m_jobYesterday + m_jobToday, 7 * kDollar, 31, 13}));
    QCOMPARE(get(QStringLiteral("/v1/reports/vendors/daily"))
                 .value(QStringLiteral("data"))
                 .toArray()
                 .size(),
             30);
}

void TestReports::reportsReconcileWithStatsToday()
{
    const QJsonObject stats = get(QStringLiteral("/v1/stats/today"));
    const Totals expected {usd(stats.value(QStringLiteral("spend_today_usd"))),
                           usd(stats.value(QStringLiteral("held_usd"))),
                           stats.value(QStringLiteral("calls_today")).toInteger(),
                           stats.value(QStringLiteral("blocked_today")).toInteger()};
    QCOMPARE(expected, (Totals {62 * kDollar + m_jobToday, 7 * kDollar, 28, 13}));

    // Report 2 for today.
    QCOMPARE(totalsOf(get(QStringLiteral("/v1/reports/agents?days=1"))
                          .value(QStringLiteral("totals"))
                          .toObject()),
             expected);
    // Report 2 for today given as times.
    QCOMPARE(totalsOf(get(QStringLiteral("/v1/reports/agents?since=") + kTodayStart
                          + QStringLiteral("&until=2026-11-21T05:00:00Z"))
                          .value(QStringLiteral("totals"))
                          .toObject()),
             expected);
    // Report 3, today's row.
    const QJsonArray days = get(QStringLiteral("/v1/reports/vendors/daily?days=1"))
                                .value(QStringLiteral("data"))
                                .toArray();
    QCOMPARE(totalsOf(days.at(0).toObject()), expected);
    // Report 1: the runs of today, summed.
    Totals runs;
    for (const auto &run : get(QStringLiteral("/v1/runs?since=") + kTodayStart)
                               .value(QStringLiteral("data"))
                               .toArray()) {
        const Totals one = totalsOf(run.toObject());
        runs.spent += one.spent;
        runs.held += one.held;
        runs.calls += one.calls;
        runs.blocked += one.blocked;
    }
    QCOMPARE(runs, expected);
    // And the audit log itself.
    Totals audit = totalsOfAudit(auditBetween(kTodayStart, kNow));
    audit.held = expected.held;
    QCOMPARE(audit, expected);
}

void TestReports::anomalies()
{
    const QJsonObject report = get(QStringLiteral("/v1/reports/anomalies"));
    QCOMPARE(report.value(QStringLiteral("spend_timezone")).toString(),
             QStringLiteral("America/New_York"));
    QCOMPARE(report.value(QStringLiteral("as_of")).toString(), kNow);
    QMap<QString, QList<QJsonObject>> byKind;
    for (const auto &row : report.value(QStringLiteral("data")).toArray()) {
        const QJsonObject object = row.toObject();
        QVERIFY(!object.value(QStringLiteral("reason")).toString().isEmpty());
        byKind[object.value(QStringLiteral("kind")).toString()] << object;
    }
    QCOMPARE(byKind.keys(),
             (QStringList {QStringLiteral("denial_burst"), QStringLiteral("key_near_cap"),
                           QStringLiteral("key_spend_rate"), QStringLiteral("run_spend_rate")}));

    const QJsonObject nearCap = byKind[QStringLiteral("key_near_cap")].value(0);
    QCOMPARE(nearCap.value(QStringLiteral("key_id")).toString(), m_keyIds[kMsg4]);
    QCOMPARE(usd(nearCap.value(QStringLiteral("spent_today_usd"))), 45 * kDollar);
    QCOMPARE(usd(nearCap.value(QStringLiteral("daily_usd_cap"))), 50 * kDollar);
    QCOMPARE(nearCap.value(QStringLiteral("utilisation")).toDouble(), 0.9);

    QCOMPARE(byKind[QStringLiteral("denial_burst")].size(), 1);
    const QJsonObject burst = byKind[QStringLiteral("denial_burst")].value(0);
    QCOMPARE(burst.value(QStringLiteral("label")).toString(), kMsg4);
    QCOMPARE(burst.value(QStringLiteral("denial_reason")).toString(),
             QStringLiteral("cap_exhausted"));
    QCOMPARE(burst.value(QStringLiteral("count")).toInt(), 11);
    QCOMPARE(burst.value(QStringLiteral("first_at")).toString(),
             QStringLiteral("2026-11-20T15:01:00.000Z"));
    QCOMPARE(burst.value(QStringLiteral("last_at")).toString(),
             QStringLiteral("2026-11-20T15:02:40.000Z"));

    // $45 against a median of $3 among its five peers (0, 1, 3, 6.50, 6.50).
    QCOMPARE(byKind[QStringLiteral("run_spend_rate")].size(), 1);
    const QJsonObject rate = byKind[QStringLiteral("run_spend_rate")].value(0);
    QCOMPARE(rate.value(QStringLiteral("label")).toString(), kMsg4);
    QCOMPARE(rate.value(QStringLiteral("period")).toString(), QStringLiteral("today"));
    QCOMPARE(usd(rate.value(QStringLiteral("value_usd"))), 45 * kDollar);
    QCOMPARE(usd(rate.value(QStringLiteral("peer_median_usd"))), 3 * kDollar);
    QCOMPARE(rate.value(QStringLiteral("peers")).toInt(), 5);
    QCOMPARE(rate.value(QStringLiteral("ratio")).toDouble(), 15.0);
    QCOMPARE(byKind[QStringLiteral("key_spend_rate")].value(0)[QStringLiteral("key_id")].toString(),
             m_keyIds[kMsg4]);
}

void TestReports::auditCsvMatchesAuditLog()
{
    const HttpResult csv = m_server->admin("GET", QStringLiteral("/v1/audit.csv?kind=all"));
    QCOMPARE(csv.status, 200);
    const QList<QStringList> records = parseCsv(csv.body);
    QUrlQuery all;
    all.addQueryItem(QStringLiteral("kind"), QStringLiteral("all"));
    const QList<QJsonObject> rows = readAudit(*m_server, all);
    QVERIFY(rows.size() > 40);
    QCOMPARE(records.size(), rows.size() + 1);
    const QStringList header = records.first();
    QCOMPARE(header.first(), QStringLiteral("id"));
    QCOMPARE(header.size(), 29);
    for (int i = 0; i < rows.size(); ++i) {
        const QJsonObject &row = rows.at(i);
        const QStringList &record = records.at(i + 1);
        QCOMPARE(record.size(), header.size());
        for (int c = 0; c < header.size(); ++c) {
            const QString &name = header.at(c);
            const QString &field = record.at(c);
            if (name == QStringLiteral("detail")) {
                const QJsonValue detail = row.value(row.value(QStringLiteral("kind")).toString()
                                                            == QStringLiteral("admin")
                                                        ? QStringLiteral("detail")
                                                        : QStringLiteral("params"));
                if (detail.isUndefined())
                    continue;
                QCOMPARE(QJsonDocument::fromJson(field.toUtf8()).object(), detail.toObject());
                continue;
            }
            const QJsonValue value = row.value(name);
            if (value.isNull() || value.isUndefined())
                QVERIFY2(field.isEmpty(), qPrintable(name + QStringLiteral(": ") + field));
            else if (value.isString())
                QCOMPARE(field, value.toString());
            else if (name.endsWith(QStringLiteral("_usd")))
                QCOMPARE(micros(field.toDouble()), usd(value));
            else
                QCOMPARE(field.toDouble(), value.toDouble());
        }
    }
    // Money as plain decimals, times in UTC.
    const int cost = header.indexOf(QStringLiteral("cost_usd"));
    const int ts = header.indexOf(QStringLiteral("ts"));
    QVERIFY(records.at(1).at(ts).endsWith(u'Z'));
    bool sawFifteen = false;
    for (const QStringList &record : records.mid(1))
        sawFifteen = sawFifteen || record.at(cost) == QStringLiteral("15");
    QVERIFY(sawFifteen);
}

void TestReports::auditCsvFilterAndHeaders()
{
    const HttpResult csv = m_server->admin(
        "GET",
        QStringLiteral("/v1/audit.csv?verdict=denied_cap&label_prefix=tests%2Fbilling%2F"
                       "&since=2026-11-20T10:01:00-05:00"));
    QCOMPARE(csv.status, 200);
    QCOMPARE(csv.header("content-type"),
             QByteArrayLiteral("text/csv; charset=utf-8; header=present"));
    QVERIFY(QRegularExpression(
                QStringLiteral(R"(^attachment; filename="keybrake-audit-\d{8}T\d{6}Z\.csv"$)"))
                .match(QString::fromLatin1(csv.header("content-disposition")))
                .hasMatch());
    QCOMPARE(csv.header("keybrake-spend-timezone"), QByteArrayLiteral("America/New_York"));
    QCOMPARE(csv.header("keybrake-filter"),
             QByteArrayLiteral("kind=call&label_prefix=tests/billing/&verdict=denied_cap"
                               "&since=2026-11-20T15:01:00.000Z"));
    QVERIFY(!csv.header("x-request-id").isEmpty());
    const QList<QStringList> records = parseCsv(csv.body);
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("verdict"), QStringLiteral("denied_cap"));
    query.addQueryItem(QStringLiteral("label_prefix"), QStringLiteral("tests/billing/"));
    query.addQueryItem(QStringLiteral("since"), QStringLiteral("2026-11-20T15:01:00Z"));
    const QList<QJsonObject> rows = readAudit(*m_server, query);
    QCOMPARE(rows.size(), 11);
    QCOMPARE(records.size(), 12);
    for (int i = 0; i < rows.size(); ++i)
        QCOMPARE(records.at(i + 1).at(0), rows.at(i).value(QStringLiteral("id")).toString());

    // Nothing matches: the header row alone.
    const HttpResult none = m_server->admin("GET", QStringLiteral("/v1/audit.csv?label=nobody"));
    QCOMPARE(none.status, 200);
    QCOMPARE(parseCsv(none.body).size(), 1);
}

void TestReports::validation_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("field");
    const QString run = QStringLiteral("/v1/runs/") + encoded(kMsg1);
    QTest::newRow("runs status") << QStringLiteral("/v1/runs?status=paused")
                                 << QStringLiteral("status");
    QTest::newRow("runs limit") << QStringLiteral("/v1/runs?limit=0") << QStringLiteral("limit");
    QTest::newRow("runs since") << QStringLiteral("/v1/runs?since=yesterday")
                                << QStringLiteral("since");
    QTest::newRow("runs until before since")
        << QStringLiteral("/v1/runs?since=2026-11-20T00:00:00Z&until=2026-11-19T00:00:00Z")
        << QStringLiteral("until");
    QTest::newRow("runs cursor") << QStringLiteral("/v1/runs?cursor=bogus")
                                 << QStringLiteral("cursor");
    QTest::newRow("runs audit cursor")
        << QStringLiteral("/v1/runs?cursor=YXVkaXQ6MTA") << QStringLiteral("cursor");
    QTest::newRow("runs unknown") << QStringLiteral("/v1/runs?prefix=x")
                                  << QStringLiteral("prefix");
    QTest::newRow("run days") << QString(run + QStringLiteral("?days=2")) << QStringLiteral("days");
    QTest::newRow("run label too long")
        << QString(QStringLiteral("/v1/runs/") + encoded(QString(201, u'a')))
        << QStringLiteral("label");
    QTest::newRow("timeline bucket")
        << QString(run + QStringLiteral("/timeline?bucket=2m")) << QStringLiteral("bucket");
    QTest::newRow("timeline until")
        << QString(run + QStringLiteral("/timeline?until=noon")) << QStringLiteral("until");
    QTest::newRow("agents days") << QStringLiteral("/v1/reports/agents?days=0")
                                 << QStringLiteral("days");
    QTest::newRow("agents days too many")
        << QStringLiteral("/v1/reports/agents?days=367") << QStringLiteral("days");
    QTest::newRow("agents days and since")
        << QStringLiteral("/v1/reports/agents?days=2&since=2026-11-20T00:00:00Z")
        << QStringLiteral("days");
    QTest::newRow("vendors days") << QStringLiteral("/v1/reports/vendors/daily?days=x")
                                  << QStringLiteral("days");
    QTest::newRow("vendors since")
        << QStringLiteral("/v1/reports/vendors/daily?since=2026-11-20T00:00:00Z")
        << QStringLiteral("since");
    QTest::newRow("anomalies unknown")
        << QStringLiteral("/v1/reports/anomalies?days=1") << QStringLiteral("days");
    QTest::newRow("csv limit") << QStringLiteral("/v1/audit.csv?limit=10")
                               << QStringLiteral("limit");
    QTest::newRow("csv verdict") << QStringLiteral("/v1/audit.csv?verdict=maybe")
                                 << QStringLiteral("verdict");
}

void TestReports::validation()
{
    QFETCH(QString, path);
    QFETCH(QString, field);
    const HttpResult result = m_server->admin("GET", path);
    QCOMPARE(result.status, 422);
    QCOMPARE(result.json.value(QStringLiteral("code")).toString(), QStringLiteral("invalid_field"));
    QCOMPARE(result.json.value(QStringLiteral("field")).toString(), field);
    QVERIFY(!result.json.value(QStringLiteral("error")).toString().isEmpty());
}

void TestReports::viewerCanReadEverything()
{
    const QString viewer = m_server->createAdminKey(QStringLiteral("viewer"));
    QVERIFY(!viewer.isEmpty());
    const QString run = QStringLiteral("/v1/runs/") + encoded(kMsg4);
    const QStringList paths {QStringLiteral("/v1/runs"),
                             run,
                             run + QStringLiteral("/timeline"),
                             QStringLiteral("/v1/reports/agents"),
                             QStringLiteral("/v1/reports/vendors/daily"),
                             QStringLiteral("/v1/reports/anomalies"),
                             QStringLiteral("/v1/audit.csv")};
    for (const QString &path : paths) {
        QCOMPARE(m_server->request("GET", path, {}, viewer).status, 200);
        QCOMPARE(m_server->request("GET", path).status, 401);
        QCOMPARE(m_server->request("POST", path, "{}", viewer).status, 405);
    }
}

// Last: it moves the clock back to the start of November. New York leaves daylight saving time on
// 1 November 2026, so that spend day lasts 25 hours, from 04:00Z to 05:00Z the next day.
void TestReports::daysFollowDaylightSavingTime()
{
    const QString label = QStringLiteral("tests/dst/run-1");
    at(QStringLiteral("2026-11-01T12:00:00Z"));
    const QString secret =
        issue(policy(QStringLiteral("stripe"), QStringLiteral("charges.create"), 50, label));
    QVERIFY(!secret.isEmpty());
    at(QStringLiteral("2026-11-02T04:30:00Z")); // 23:30 on 1 November in New York
    QCOMPARE(charge(secret, 1'100), 200);
    at(QStringLiteral("2026-11-02T05:30:00Z")); // 00:30 on 2 November
    QCOMPARE(charge(secret, 2'200), 200);
    at(QStringLiteral("2026-11-02T12:00:00Z"));

    const QJsonArray days = get(QStringLiteral("/v1/reports/vendors/daily?days=3"))
                                .value(QStringLiteral("data"))
                                .toArray();
    QCOMPARE(days.size(), 3);
    QCOMPARE(days.at(0)[QStringLiteral("day")].toString(), QStringLiteral("2026-10-31"));
    QCOMPARE(days.at(0)[QStringLiteral("window_start")].toString(),
             QStringLiteral("2026-10-31T04:00:00.000Z"));
    QCOMPARE(days.at(1)[QStringLiteral("day")].toString(), QStringLiteral("2026-11-01"));
    QCOMPARE(days.at(1)[QStringLiteral("window_start")].toString(),
             QStringLiteral("2026-11-01T04:00:00.000Z"));
    QCOMPARE(days.at(1)[QStringLiteral("window_end")].toString(),
             QStringLiteral("2026-11-02T05:00:00.000Z"));
    QCOMPARE(totalsOf(days.at(1).toObject()), (Totals {11 * kDollar, 0, 1, 0}));
    QCOMPARE(totalsOf(days.at(2).toObject()), (Totals {22 * kDollar, 0, 1, 0}));

    const QJsonObject stats = get(QStringLiteral("/v1/stats/today"));
    QCOMPARE(usd(stats.value(QStringLiteral("spend_today_usd"))), 22 * kDollar);
    QCOMPARE(stats.value(QStringLiteral("calls_today")).toInt(), 1);
    const QJsonObject run = get(QStringLiteral("/v1/runs/") + encoded(label));
    const QJsonArray runDays = run.value(QStringLiteral("days")).toArray();
    QCOMPARE(runDays.size(), 2);
    QCOMPARE(runDays.at(0)[QStringLiteral("day")].toString(), QStringLiteral("2026-11-01"));
    QCOMPARE(usd(runDays.at(0)[QStringLiteral("spend_usd")]), 11 * kDollar);
    QCOMPARE(totalsOf(get(QStringLiteral("/v1/reports/agents?days=1"))
                          .value(QStringLiteral("totals"))
                          .toObject()),
             (Totals {22 * kDollar, 0, 1, 0}));
    at(kNow);
}

QTEST_GUILESS_MAIN(TestReports)
#include "tst_reports.moc"
