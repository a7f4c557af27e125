// The Runs page's models against a real keybraked: the run table holds exactly the rows of
// GET /v1/runs for each filter (across pages), the timeline model and its chart series hold
// exactly GET /v1/runs/{label}/timeline (points, cap lines, denial marks), the detail model the
// run's keys, and "Export run" writes files that parse back to the same timeline and calls.
#include "client/jsoncodec.h"
#include "client/keybrakeclient.h"
#include "models/rundetailmodel.h"
#include "models/runexport.h"
#include "models/runtablemodel.h"
#include "models/runtimelinemodel.h"
#include "models/timelineseries.h"
#include "testserver.h"

#include <QAbstractItemModelTester>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>

using namespace keybrake;
using namespace Qt::StringLiterals;

namespace {

// The records of an RFC 4180 text, without the "# " lines the console writes above the header.
QList<QStringList> parseCsv(const QByteArray &bytes)
{
    QList<QStringList> rows;
    QStringList row;
    QString field;
    bool quoted = false;
    bool atLineStart = true;
    bool comment = false;
    const QString text = QString::fromUtf8(bytes);
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text.at(i);
        if (atLineStart) {
            comment = c == u'#';
            atLineStart = false;
        }
        if (comment) {
            if (c == u'\n')
                atLineStart = true;
            continue;
        }
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
            row.append(field);
            field.clear();
        } else if (c == u'\r') {
        } else if (c == u'\n') {
            row.append(field);
            rows.append(row);
            row.clear();
            field.clear();
            atLineStart = true;
        } else {
            field += c;
        }
    }
    if (!field.isEmpty() || !row.isEmpty()) {
        row.append(field);
        rows.append(row);
    }
    return rows;
}

QByteArray readAll(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

} // namespace

class TestRunModels : public QObject
{
    Q_OBJECT

private:
    test::TestServer m_server;
    client::KeybrakeClient m_client;
    QString m_runaway = u"tests/billing/run-1"_s;

    QJsonObject issue(const QString &label, int cap)
    {
        return m_server.issueKey(QJsonObject {
            {u"vendor"_s, u"stripe"_s},
            {u"daily_usd_cap"_s, cap},
            {u"allowed_endpoints"_s, QJsonArray {u"charges.create"_s}},
            {u"expires_in"_s, u"1h"_s},
            {u"agent_run_label"_s, label},
        });
    }
    int charge(const QJsonObject &key, qint64 cents)
    {
        return m_server
            .proxy("POST", u"/stripe/v1/charges"_s, test::stripeCharge(cents),
                   key.value(u"vault_key"_s).toString())
            .status;
    }
    template<typename T>
    T get(const QString &pathAndQuery)
    {
        const test::HttpResult answer = m_server.admin("GET", pathAndQuery);
        if (answer.status != 200)
            QTest::qFail(answer.body.constData(), __FILE__, __LINE__);
        const client::Result<T> value = client::JsonCodec::decode<T>(answer.body);
        if (!value.isOk()) {
            QTest::qFail(qPrintable(value.error().message), __FILE__, __LINE__);
            return T {};
        }
        return *value;
    }
    static QString runPath(const QString &label)
    {
        return u"/v1/runs/"_s + QString::fromLatin1(QUrl::toPercentEncoding(label));
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(m_server.start(), qPrintable(m_server.errorString()));
        m_client.setBaseUrl(m_server.baseUrl());
        m_client.setAdminKey(m_server.adminKey());

        // A runaway run: two keys, the first spends to its cap and is refused twice.
        const QJsonObject first = issue(m_runaway, 10);
        const QJsonObject second = issue(m_runaway, 5);
        for (int i = 0; i < 3; ++i)
            QCOMPARE(charge(first, 300), 200);
        QCOMPARE(charge(first, 300), 429);
        QCOMPARE(charge(first, 300), 429);
        QCOMPARE(charge(second, 123), 200);
        // Its peers under the same prefix, one of them ended, and a run of another agent.
        const QJsonObject peer = issue(u"tests/billing/run-2"_s, 10);
        QCOMPARE(charge(peer, 250), 200);
        const QJsonObject ended = issue(u"tests/billing/run-3"_s, 10);
        QCOMPARE(charge(ended, 99), 200);
        QCOMPARE(
            m_server.admin("DELETE", u"/v1/keys/"_s + ended.value(u"key_id"_s).toString()).status,
            200);
        QCOMPARE(charge(issue(u"nightly:notify"_s, 10), 1), 200);
        QCOMPARE(charge(issue(u"cron"_s, 10), 7), 200);
    }

    // The table equals the server's list, read a page at a time, for each filter.
    void tableRowsAreTheServersRows_data()
    {
        QTest::addColumn<QString>("serverQuery");
        QTest::addColumn<QString>("labelPrefix");
        QTest::addColumn<QString>("search");
        QTest::addColumn<int>("status"); // -1: any
        QTest::newRow("all") << QString() << QString() << QString() << -1;
        QTest::newRow("prefix") << u"label_prefix=tests/billing/"_s << u"tests/billing/"_s
                                << QString() << -1;
        QTest::newRow("search, any case") << u"q=RUN-"_s << QString() << u"RUN-"_s << -1;
        QTest::newRow("ended") << u"status=ended"_s << QString() << QString()
                               << int(client::RunStatus::Ended);
        QTest::newRow("prefix and active")
            << u"label_prefix=tests/billing/&status=active"_s << u"tests/billing/"_s << QString()
            << int(client::RunStatus::Active);
        QTest::newRow("nothing matches")
            << u"q=no-such-run"_s << QString() << u"no-such-run"_s << -1;
    }
    void tableRowsAreTheServersRows()
    {
        QFETCH(QString, serverQuery);
        QFETCH(QString, labelPrefix);
        QFETCH(QString, search);
        QFETCH(int, status);
        const client::RunPage expected = get<client::RunPage>(
            u"/v1/runs?limit=1000"_s + (serverQuery.isEmpty() ? QString() : u"&"_s + serverQuery));

        RunTableModel model(&m_client);
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setPageSize(2); // several pages, through the server's cursors
        client::RunQuery query;
        query.labelPrefix = labelPrefix;
        query.q = search;
        if (status >= 0)
            query.status = client::RunStatus(status);
        QSignalSpy loading(&model, &RunTableModel::loadingChanged);
        model.setQuery(query);
        QTRY_VERIFY_WITH_TIMEOUT(model.hasLoaded(), 20000);
        // Until the server says there is no more: QAbstractItemModelTester calls fetchMore()
        // itself when rows arrive, so a page may already be on its way, and canFetchMore() is
        // false meanwhile (one page at a time). Looping on canFetchMore() stopped there, and the
        // comparison below saw 4 of the 5 runs whenever that page took longer than the rest of
        // QTRY's 50 ms slice (1 run in ~15 under load).
        while (model.hasMore()) {
            const int before = model.rowCount();
            model.fetchMore({}); // a no-op while the tester's page is on its way
            QTRY_VERIFY_WITH_TIMEOUT(model.rowCount() > before || !model.lastError().isEmpty(),
                                     20000);
            QVERIFY2(model.lastError().isEmpty(), qPrintable(model.lastError()));
        }
        QCOMPARE(model.runs(), expected.data);
        QCOMPARE(model.spendTimezone(), expected.spendTimezone);
        for (int row = 0; row < model.rowCount(); ++row) {
            const client::RunSummary &run = expected.data.at(row);
            QCOMPARE(model.rowOfRun(run.label), row);
            QCOMPARE(model.index(row, RunTableModel::LabelColumn).data().toString(), run.label);
            QCOMPARE(model.index(row, RunTableModel::SpendColumn)
                         .data(RunTableModel::ExportRole)
                         .toString(),
                     QString::fromStdString(run.totals.spendUsd.toDecimal()));
            QCOMPARE(model.index(row, RunTableModel::CallsColumn).data().toString(),
                     QString::number(run.totals.calls));
            QCOMPARE(model.index(row, RunTableModel::LastCallColumn)
                         .data(RunTableModel::ExportRole)
                         .toString(),
                     run.totals.lastCallAt.toString(Qt::ISODateWithMs));
        }
    }

    void runawayRowReadsRight()
    {
        RunTableModel model(&m_client);
        client::RunQuery query;
        query.q = m_runaway;
        model.setQuery(query);
        QTRY_VERIFY_WITH_TIMEOUT(model.hasLoaded(), 20000);
        QCOMPARE(model.rowCount(), 1);
        const auto cell = [&model](int column) { return model.index(0, column).data().toString(); };
        QCOMPARE(cell(RunTableModel::SpendColumn), u"$10.23"_s);
        QCOMPARE(cell(RunTableModel::CallsColumn), u"6"_s);
        QCOMPARE(cell(RunTableModel::BlockedColumn), u"2"_s);
        QCOMPARE(cell(RunTableModel::KeysColumn), u"2"_s);
        QCOMPARE(cell(RunTableModel::StatusColumn), u"Active"_s);
        QCOMPARE(cell(RunTableModel::VendorsColumn), u"Stripe"_s);
        // $10.23 of $15.00 of caps.
        QCOMPARE(cell(RunTableModel::UtilisationColumn), u"68 %"_s);
    }

    // A run that arrives from elsewhere updates its row in place; an unseen one goes on top.
    void upsertUpdatesInPlace()
    {
        RunTableModel model(&m_client);
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setQuery({});
        QTRY_VERIFY_WITH_TIMEOUT(model.hasLoaded(), 20000);
        const int rows = model.rowCount();
        const int row = model.rowOfRun(m_runaway);
        QVERIFY(row >= 0);
        client::RunSummary changed = *model.runAt(row);
        changed.totals.calls += 1;
        changed.totals.spendUsd = changed.totals.spendUsd + Usd::fromCents(1);
        QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
        QSignalSpy dataChanged(&model, &QAbstractItemModel::dataChanged);
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        model.upsertRun(changed);
        QCOMPARE(reset.size(), 0);
        QCOMPARE(inserted.size(), 0);
        QCOMPARE(dataChanged.size(), 1);
        QCOMPARE(dataChanged.first().at(0).toModelIndex().row(), row);
        QCOMPARE(model.index(row, RunTableModel::SpendColumn).data().toString(), u"$10.24"_s);

        client::RunSummary fresh = changed;
        fresh.label = u"tests/billing/run-9"_s;
        model.upsertRun(fresh);
        QCOMPARE(inserted.size(), 1);
        QCOMPARE(model.rowCount(), rows + 1);
        QCOMPARE(model.rowOfRun(fresh.label), 0);
        QCOMPARE(model.rowOfRun(m_runaway), row + 1);
    }

    // The table and the chart's series are the timeline route's answer, value for value.
    void timelineIsTheRoute_data()
    {
        QTest::addColumn<QString>("bucket");
        QTest::newRow("10s") << u"10s"_s;
        QTest::newRow("1m") << u"1m"_s;
        QTest::newRow("1h") << u"1h"_s;
    }
    void timelineIsTheRoute()
    {
        QFETCH(QString, bucket);
        const client::RunTimeline expected =
            get<client::RunTimeline>(runPath(m_runaway) + u"/timeline?bucket="_s + bucket);
        QCOMPARE(expected.denials.size(), 2);

        RunTimelineModel model(&m_client);
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy loaded(&model, &RunTimelineModel::loaded);
        client::TimelineQuery query;
        query.bucket = bucket;
        model.load(m_runaway, query);
        QVERIFY(loaded.wait(20000));
        QCOMPARE(model.timeline(), expected);
        QCOMPARE(model.rowCount(), expected.buckets.size());
        for (int row = 0; row < model.rowCount(); ++row) {
            const client::TimelineBucket &b = expected.buckets.at(row);
            QCOMPARE(model.index(row, RunTimelineModel::StartColumn)
                         .data(RunTimelineModel::RawValueRole)
                         .toLongLong(),
                     b.start.toMSecsSinceEpoch());
            QCOMPARE(model.index(row, RunTimelineModel::CallsColumn).data().toString(),
                     QString::number(b.calls));
            QCOMPARE(model.index(row, RunTimelineModel::CumulativeColumn)
                         .data(RunTimelineModel::ExportRole)
                         .toString(),
                     QString::fromStdString(b.cumulativeSpendUsd.toDecimal()));
        }

        // The chart's points: the run's spend before the range, then each bucket's cumulative
        // spend at its end; a bar per bucket; a mark at each denial's exact millisecond; a
        // horizontal line at each key's cap across the range.
        const TimelineSeries &series = model.series();
        const qint64 bucketMs = expected.bucketSeconds * 1000;
        QCOMPARE(series.cumulative.size(), expected.buckets.size() + 1);
        QCOMPARE(series.cumulative.first().x(), qreal(expected.since.toMSecsSinceEpoch()));
        QCOMPARE(series.cumulative.first().y(), TimelineSeries::dollars(expected.spendBeforeUsd));
        for (qsizetype i = 0; i < expected.buckets.size(); ++i) {
            const client::TimelineBucket &b = expected.buckets.at(i);
            const QPointF point = series.cumulative.at(i + 1);
            QCOMPARE(qint64(point.x()), b.start.toMSecsSinceEpoch() + bucketMs);
            QCOMPARE(point.y(), TimelineSeries::dollars(b.cumulativeSpendUsd));
            QCOMPARE(series.callBars.at(i * 4 + 1).y(), qreal(b.calls));
            QVERIFY(series.callBars.at(i * 4 + 1).x() >= qreal(b.start.toMSecsSinceEpoch()));
            QVERIFY(series.callBars.at(i * 4 + 2).x()
                    <= qreal(b.start.toMSecsSinceEpoch() + bucketMs));
        }
        QCOMPARE(series.cumulative.last().y(), 10.23);
        QCOMPARE(series.denials.size(), expected.denials.size());
        for (qsizetype i = 0; i < expected.denials.size(); ++i) {
            QCOMPARE(qint64(series.denials.at(i).x()),
                     expected.denials.at(i).ts.toMSecsSinceEpoch());
            const int row = model.bucketAt(expected.denials.at(i).ts.toMSecsSinceEpoch());
            QVERIFY(row >= 0);
            QVERIFY(model.denialsIn(row).contains(expected.denials.at(i)));
        }
        QCOMPARE(series.caps.size(), 2);
        QCOMPARE(series.caps.at(0).cap, Usd::fromDollars(10));
        QCOMPARE(series.caps.at(1).cap, Usd::fromDollars(5));
        for (const TimelineSeries::CapLine &line : series.caps) {
            QCOMPARE(line.points.size(), 2);
            QCOMPARE(line.points.at(0).y(), line.points.at(1).y());
            QCOMPARE(line.points.at(0).x(), qreal(expected.since.toMSecsSinceEpoch()));
            QCOMPARE(line.points.at(1).x(), qreal(expected.until.toMSecsSinceEpoch()));
        }
        QCOMPARE(series.spendMax, 10.23);
    }

    // A range too long for the asked bucket: the server names the one that fits, the model asks
    // again with it and says so.
    void tooManyBucketsTakesTheFittingOne()
    {
        RunTimelineModel model(&m_client);
        QSignalSpy loaded(&model, &RunTimelineModel::loaded);
        QSignalSpy adjusted(&model, &RunTimelineModel::bucketAdjusted);
        client::TimelineQuery query;
        query.bucket = u"10s"_s;
        query.since = QDateTime::currentDateTimeUtc().addDays(-2);
        model.load(m_runaway, query);
        QVERIFY(loaded.wait(20000));
        QCOMPARE(adjusted.size(), 1);
        QCOMPARE(adjusted.first().at(0).toString(), u"5m"_s);
        QCOMPARE(model.timeline().bucket, u"5m"_s);
        QCOMPARE(model.query().bucket, u"5m"_s);
        QVERIFY(model.rowCount() <= 2000);
        QCOMPARE(model.timeline().buckets.last().cumulativeSpendUsd, Usd::fromMicros(10'230'000));
    }

    void detailHasTheRunsKeys()
    {
        const client::RunDetail expected = get<client::RunDetail>(runPath(m_runaway));
        RunDetailModel model(&m_client);
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy loaded(&model, &RunDetailModel::loaded);
        model.load(m_runaway);
        QVERIFY(loaded.wait(20000));
        QCOMPARE(model.detail(), expected);
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.index(0, 0).data(RunDetailModel::KeyIdRole).toString(),
                 expected.keys.at(0).keyId);
        QCOMPARE(expected.denialsByReason.value(u"cap_exhausted"_s), 2);
        QVERIFY2(model.summaryText().contains(u"$10.23"_s), qPrintable(model.summaryText()));
    }

    // The three files of "Export run" parse back to the route's timeline and the run's calls.
    void exportFilesHoldTheTimelineAndCalls()
    {
        QTemporaryDir dir;
        RunExport exporter(&m_client);
        QSignalSpy finished(&exporter, &RunExport::finished);
        RunExport::Options options;
        options.directory = dir.path();
        options.label = m_runaway;
        options.timeline.bucket = u"10s"_s;
        options.source = u"test (local)"_s;
        exporter.start(options);
        QVERIFY(finished.wait(30000));
        QVERIFY2(finished.first().at(0).toBool(), qPrintable(finished.first().at(1).toString()));
        const QStringList files = exporter.files();
        QCOMPARE(files.size(), 3);

        const client::RunTimeline timeline =
            get<client::RunTimeline>(runPath(m_runaway) + u"/timeline?bucket=10s"_s);
        const client::RunDetail detail = get<client::RunDetail>(runPath(m_runaway));
        const client::AuditPage calls =
            get<client::AuditPage>(u"/v1/audit?limit=1000&label="_s
                                   + QString::fromLatin1(QUrl::toPercentEncoding(m_runaway)));
        QCOMPARE(calls.data.size(), 6);

        // JSON: the run, the timeline and every call, as the API returns them.
        const QJsonObject document = QJsonDocument::fromJson(readAll(files.at(0))).object();
        QVERIFY(!document.isEmpty());
        client::RunTimeline fileTimeline;
        QString error;
        QVERIFY2(client::JsonCodec::fromJson(document.value(u"timeline"), &fileTimeline, &error),
                 qPrintable(error));
        QCOMPARE(fileTimeline, timeline);
        client::RunDetail fileDetail;
        QVERIFY2(client::JsonCodec::fromJson(document.value(u"run"), &fileDetail, &error),
                 qPrintable(error));
        QCOMPARE(fileDetail, detail);
        const QJsonArray fileCalls = document.value(u"calls").toArray();
        QCOMPARE(fileCalls.size(), calls.data.size());
        for (qsizetype i = 0; i < calls.data.size(); ++i) {
            client::AuditEntry entry;
            QVERIFY(client::JsonCodec::fromJson(fileCalls.at(i), &entry, &error));
            QCOMPARE(entry, calls.data.at(i));
        }

        // Timeline CSV: one row per bucket, exact.
        QVERIFY(files.at(1).endsWith(u"-timeline.csv"_s));
        const QList<QStringList> rows = parseCsv(readAll(files.at(1)));
        QCOMPARE(rows.size(), timeline.buckets.size() + 1);
        QCOMPARE(rows.first(),
                 QStringList({u"start"_s, u"end"_s, u"calls"_s, u"allowed"_s, u"denied"_s,
                              u"spend_usd"_s, u"cumulative_spend_usd"_s}));
        for (qsizetype i = 0; i < timeline.buckets.size(); ++i) {
            const client::TimelineBucket &b = timeline.buckets.at(i);
            const QStringList &row = rows.at(i + 1);
            QCOMPARE(row.at(0), b.start.toString(Qt::ISODateWithMs));
            QCOMPARE(row.at(2).toLongLong(), b.calls);
            QCOMPARE(row.at(3).toLongLong(), b.allowed);
            QCOMPARE(row.at(4).toLongLong(), b.denied);
            QCOMPARE(Usd::fromDecimal(row.at(5).toStdString()), std::optional(b.spendUsd));
            QCOMPARE(Usd::fromDecimal(row.at(6).toStdString()),
                     std::optional(b.cumulativeSpendUsd));
        }

        // Calls CSV: the same calls, newest first, with their costs.
        QVERIFY(files.at(2).endsWith(u"-calls.csv"_s));
        const QList<QStringList> callRows = parseCsv(readAll(files.at(2)));
        QCOMPARE(callRows.size(), calls.data.size() + 1);
        const int idColumn = int(callRows.first().indexOf(u"id"_s));
        const int costColumn = int(callRows.first().indexOf(u"cost_usd"_s));
        const int verdictColumn = int(callRows.first().indexOf(u"verdict"_s));
        QVERIFY(idColumn >= 0 && costColumn >= 0 && verdictColumn >= 0);
        for (qsizetype i = 0; i < calls.data.size(); ++i) {
            const client::AuditEntry &entry = calls.data.at(i);
            QCOMPARE(callRows.at(i + 1).at(idColumn), entry.id);
            QCOMPARE(callRows.at(i + 1).at(verdictColumn), entry.verdict);
        }
    }
};

QTEST_GUILESS_MAIN(TestRunModels)
#include "tst_runmodels.moc"
