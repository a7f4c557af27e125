// The Runs page in the real main window, offscreen, against a real keybraked with a run that
// spends to its cap: the table holds exactly GET /v1/runs for each filter; the spend chart draws
// exactly GET /v1/runs/{label}/timeline (the cumulative line, the bars, a red tick per refused
// call, a labelled line per cap) and its table alternative holds the same buckets; a drag on the
// chart asks for that range; the calls below are the run's audit rows; "Export run…" writes
// files that parse back to the timeline and the calls; Overview and Runs open each other's items.
#include "client/jsoncodec.h"
#include "client/keybrakeclient.h"
#include "models/auditlogmodel.h"
#include "models/connectionmonitor.h"
#include "models/consolesession.h"
#include "models/runawaydetector.h"
#include "models/rundetailmodel.h"
#include "models/runexport.h"
#include "models/runtablemodel.h"
#include "models/runtimelinemodel.h"
#include "models/timelineseries.h"
#include "models/usdtext.h"
#include "models/vaultkeyfilterproxymodel.h"
#include "models/vaultkeytablemodel.h"
#include "testserver.h"
#include "ui/livetablehold.h"
#include "ui/mainwindow.h"
#include "ui/messagebanner.h"
#include "ui/pagestatewidget.h"
#include "ui/runspage.h"
#include "ui/runspendchart.h"
#include "ui/vaultkeyspage.h"

#include <QAction>
#include <QApplication>
#include <QAreaSeries>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QFile>
#include <QFontMetricsF>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QLineSeries>
#include <QPushButton>
#include <QScatterSeries>
#include <QScrollBar>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>

#include <memory>

using namespace keybrake;
using namespace Qt::StringLiterals;

class TestRunsPage : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<test::TestServer> m_server;
    std::unique_ptr<ConsoleSession> m_session;
    std::unique_ptr<MainWindow> m_window;
    const QString m_runaway = u"agents/billing/runaway-1"_s;
    QString m_firstKey;

    RunsPage *page() const { return m_window->runsPage(); }

    QJsonObject issue(const QString &label, int cap, const QString &name)
    {
        return m_server->issueKey(QJsonObject {
            {u"vendor"_s, u"stripe"_s},
            {u"name"_s, name},
            {u"daily_usd_cap"_s, cap},
            {u"allowed_endpoints"_s, QJsonArray {u"charges.create"_s}},
            {u"expires_in"_s, u"1h"_s},
            {u"agent_run_label"_s, label},
        });
    }
    int charge(const QJsonObject &key, qint64 cents)
    {
        return m_server
            ->proxy("POST", u"/stripe/v1/charges"_s, test::stripeCharge(cents),
                    key.value(u"vault_key"_s).toString())
            .status;
    }
    template<typename T>
    T get(const QString &pathAndQuery)
    {
        const test::HttpResult answer = m_server->admin("GET", pathAndQuery);
        const client::Result<T> value = client::JsonCodec::decode<T>(answer.body);
        if (answer.status != 200 || !value.isOk()) {
            QTest::qFail(answer.body.constData(), __FILE__, __LINE__);
            return T {};
        }
        return *value;
    }
    static QString encoded(const QString &label)
    {
        return QString::fromLatin1(QUrl::toPercentEncoding(label));
    }
    client::RunTimeline serverTimeline(const client::TimelineQuery &query)
    {
        QUrlQuery parameters = query.toUrlQuery();
        return get<client::RunTimeline>(u"/v1/runs/"_s + encoded(m_runaway) + u"/timeline?"_s
                                        + parameters.toString(QUrl::FullyEncoded));
    }
    bool waitForRuns()
    {
        return QTest::qWaitFor(
            [this] { return page()->model()->hasLoaded() && !page()->model()->isLoading(); },
            20000);
    }
    bool waitForTimeline()
    {
        return QTest::qWaitFor(
            [this] {
                return page()->timelineModel()->hasTimeline()
                    && !page()->timelineModel()->isLoading();
            },
            20000);
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_server = std::make_unique<test::TestServer>();
        QVERIFY2(m_server->start(), qPrintable(m_server->errorString()));
        // The runaway: spends its first key to the cap and is refused twice, then a second key.
        const QJsonObject first = issue(m_runaway, 10, u"billing worker"_s);
        m_firstKey = first.value(u"key_id"_s).toString();
        const QJsonObject second = issue(m_runaway, 5, u"billing refunds"_s);
        for (int i = 0; i < 3; ++i)
            QCOMPARE(charge(first, 300), 200);
        QCOMPARE(charge(first, 300), 429);
        QCOMPARE(charge(first, 300), 429);
        QCOMPARE(charge(second, 150), 200);
        QCOMPARE(charge(issue(u"agents/billing/calm-2"_s, 50, u"calm"_s), 120), 200);
        const QJsonObject ended = issue(u"agents/notify/job-7"_s, 10, u"notify"_s);
        QCOMPARE(charge(ended, 5), 200);
        QCOMPARE(
            m_server->admin("DELETE", u"/v1/keys/"_s + ended.value(u"key_id"_s).toString()).status,
            200);
        QCOMPARE(charge(issue(u"cron"_s, 10, u"cron"_s), 1), 200);

        const ServerProfile profile =
            ServerProfile::create(u"test"_s, m_server->baseUrl(), ServerEnvironment::Staging);
        m_session = std::make_unique<ConsoleSession>(profile, m_server->adminKey());
        m_session->setTimeZoneDisplay(TimeZoneDisplay::Utc);
        m_window = std::make_unique<MainWindow>(m_session.get());
        m_session->start();
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
        m_window->showPage(MainWindow::Page::Runs);
        QVERIFY(waitForRuns());
    }

    void tableIsTheServersList()
    {
        const client::RunPage expected = get<client::RunPage>(u"/v1/runs?limit=1000"_s);
        QCOMPARE(expected.data.size(), 4);
        QCOMPARE(page()->model()->runs(), expected.data);
        QCOMPARE(page()->table()->model()->rowCount(), 4);
        QVERIFY(page()->table()->isVisible());
        // The agents seen are offered as prefixes.
        QVERIFY(page()->prefixCombo()->findText(u"agents/billing/"_s) >= 0);
        QVERIFY(page()->prefixCombo()->findText(u"agents/notify/"_s) >= 0);
    }

    void filtersGiveTheServersRows_data()
    {
        QTest::addColumn<QString>("search");
        QTest::addColumn<QString>("prefix");
        QTest::addColumn<int>("statusIndex"); // 0 all, 1 active, 2 ended
        QTest::addColumn<QString>("serverQuery");
        QTest::newRow("prefix") << QString() << u"agents/billing/"_s << 0
                                << u"label_prefix=agents/billing/"_s;
        QTest::newRow("search") << u"RUNAWAY"_s << QString() << 0 << u"q=RUNAWAY"_s;
        QTest::newRow("ended") << QString() << QString() << 2 << u"status=ended"_s;
        QTest::newRow("prefix and active")
            << QString() << u"agents/"_s << 1 << u"label_prefix=agents/&status=active"_s;
    }
    void filtersGiveTheServersRows()
    {
        QFETCH(QString, search);
        QFETCH(QString, prefix);
        QFETCH(int, statusIndex);
        QFETCH(QString, serverQuery);
        const client::RunPage expected =
            get<client::RunPage>(u"/v1/runs?limit=1000&"_s + serverQuery);
        QVERIFY(!expected.data.isEmpty());
        page()->statusCombo()->setCurrentIndex(statusIndex);
        page()->prefixCombo()->setCurrentText(prefix);
        page()->searchEdit()->setText(search);
        QTest::keyClick(page()->searchEdit(), Qt::Key_Return);
        QVERIFY(waitForRuns());
        QCOMPARE(page()->model()->runs(), expected.data);

        page()->statusCombo()->setCurrentIndex(0);
        page()->prefixCombo()->setCurrentText(QString());
        page()->searchEdit()->clear();
        QTest::keyClick(page()->searchEdit(), Qt::Key_Return);
        QVERIFY(waitForRuns());
    }

    void noMatchTeaches()
    {
        page()->searchEdit()->setText(u"no-such-run"_s);
        QTest::keyClick(page()->searchEdit(), Qt::Key_Return);
        QVERIFY(waitForRuns());
        QCOMPARE(page()->model()->rowCount(), 0);
        QVERIFY(page()->stateWidget()->isVisible());
        QCOMPARE(page()->stateWidget()->title(), u"No run matches these filters"_s);
        page()->searchEdit()->clear();
        QTest::keyClick(page()->searchEdit(), Qt::Key_Return);
        QVERIFY(waitForRuns());
        QCOMPARE(page()->model()->rowCount(), 4);
    }

    // The keyboard path: type, Enter, and the latest matching run is open below the table.
    void enterOpensTheFirstMatch()
    {
        page()->searchEdit()->setFocus();
        page()->searchEdit()->setText(u"calm"_s);
        QTest::keyClick(page()->searchEdit(), Qt::Key_Return);
        QVERIFY(QTest::qWaitFor([this] { return page()->currentRun() == u"agents/billing/calm-2"; },
                                20000));
        QVERIFY(page()->table()->hasFocus());
        QCOMPARE(page()->table()->currentIndex().row(), 0);
        page()->searchEdit()->clear();
        QTest::keyClick(page()->searchEdit(), Qt::Key_Return);
        QVERIFY(waitForRuns());
        QCOMPARE(page()->model()->rowCount(), 4);
        // Enter on the whole list opens the run with the latest activity.
        QVERIFY(QTest::qWaitFor([this] { return page()->currentRun() == u"cron"; }, 20000));
        QCOMPARE(page()->model()->runAt(0)->label, u"cron"_s);
    }

    // The chart draws the timeline route's answer: nothing more, nothing less.
    void chartIsTheTimeline()
    {
        m_window->openRun(m_runaway);
        QCOMPARE(m_window->currentPage(), MainWindow::Page::Runs);
        QCOMPARE(page()->currentRun(), m_runaway);
        QCOMPARE(page()->table()->currentIndex().row(), page()->model()->rowOfRun(m_runaway));
        page()->bucketCombo()->setCurrentIndex(page()->bucketCombo()->findData(u"10s"_s));
        QVERIFY(QTest::qWaitFor(
            [this] {
                return page()->timelineModel()->timeline().bucket == u"10s"
                    && !page()->timelineModel()->isLoading();
            },
            20000));
        const client::RunTimeline expected = serverTimeline(page()->timelineModel()->query());
        QCOMPARE(page()->timelineModel()->timeline(), expected);
        // After the server's answer: fetching it runs the event loop, and a timeline arriving
        // meanwhile (the live stream's refresh) is drawn at the chart's next redraw, not yet.
        page()->chart()->flush();
        RunSpendChart *chart = page()->chart();
        const qint64 bucketMs = expected.bucketSeconds * 1000;

        const QList<QPointF> line = chart->cumulativeSeries()->points();
        QCOMPARE(line.size(), expected.buckets.size() + 1);
        QCOMPARE(qint64(line.first().x()), expected.since.toMSecsSinceEpoch());
        QCOMPARE(qRound64(line.first().y() * 1e6), expected.spendBeforeUsd.micros());
        for (qsizetype i = 0; i < expected.buckets.size(); ++i) {
            QCOMPARE(qint64(line.at(i + 1).x()),
                     expected.buckets.at(i).start.toMSecsSinceEpoch() + bucketMs);
            QCOMPARE(qRound64(line.at(i + 1).y() * 1e6),
                     expected.buckets.at(i).cumulativeSpendUsd.micros());
        }
        QCOMPARE(qRound64(line.last().y() * 1e6), 10'500'000);

        const QList<QPointF> bars = chart->callSeries()->points();
        QCOMPARE(bars.size(), expected.buckets.size() * 4);
        qint64 calls = 0;
        for (qsizetype i = 0; i < expected.buckets.size(); ++i) {
            QCOMPARE(qint64(bars.at(i * 4 + 1).y()), expected.buckets.at(i).calls);
            calls += qint64(bars.at(i * 4 + 1).y());
        }
        QCOMPARE(calls, 6);

        const QList<QPointF> ticks = chart->denialSeries()->points();
        QCOMPARE(ticks.size(), 2);
        QCOMPARE(expected.denials.size(), 2);
        for (qsizetype i = 0; i < ticks.size(); ++i) {
            QCOMPARE(qint64(ticks.at(i).x()), expected.denials.at(i).ts.toMSecsSinceEpoch());
            QCOMPARE(ticks.at(i).y(), 0.0);
        }

        // One labelled line per cap, across the whole range.
        const QList<QLineSeries *> caps = chart->capSeries();
        QCOMPARE(caps.size(), 2);
        QStringList names;
        for (QLineSeries *cap : caps) {
            names << cap->name();
            const QList<QPointF> points = cap->points();
            QCOMPARE(qint64(points.first().x()), expected.since.toMSecsSinceEpoch());
            QCOMPARE(qint64(points.last().x()), expected.until.toMSecsSinceEpoch());
            for (const QPointF &point : points)
                QCOMPARE(point.y(), points.first().y());
            QVERIFY(cap->pointLabelsVisible());
            QCOMPARE(cap->pointLabelsFormat(), cap->name());
        }
        names.sort();
        QCOMPARE(names,
                 QStringList({u"Daily cap $10.00: billing worker"_s,
                              u"Daily cap $5.00: billing refunds"_s}));
        QCOMPARE(qRound64(caps.at(0)->points().first().y() * 1e6), 5'000'000);
        QCOMPARE(qRound64(caps.at(1)->points().first().y() * 1e6), 10'000'000);

        // Hover: the exact figures of the bucket under the pointer, refusals by reason.
        const qint64 deniedAt = expected.denials.first().ts.toMSecsSinceEpoch();
        const qint64 row = (deniedAt - expected.since.toMSecsSinceEpoch()) / bucketMs;
        const client::TimelineBucket &deniedBucket = expected.buckets.at(row);
        const QString hover = chart->hoverText(deniedAt);
        QVERIFY2(hover.contains(u"cap_exhausted × %1"_s.arg(deniedBucket.denied)),
                 qPrintable(hover));
        QVERIFY2(hover.contains(UsdText::exact(deniedBucket.cumulativeSpendUsd)),
                 qPrintable(hover));
        QVERIFY2(hover.contains(u"%1 refused"_s.arg(deniedBucket.denied)), qPrintable(hover));
        QVERIFY(chart->hoverText(expected.until.toMSecsSinceEpoch() + 1).isEmpty());
        // The axes name what they show, the zone included.
        QCOMPARE(chart->chart()->axes(Qt::Horizontal).first()->titleText(), u"Time (UTC)"_s);
    }

    // A burst of timelines (live refreshes) is drawn once, with the last one.
    void burstsRedrawOnce()
    {
        RunSpendChart *chart = page()->chart();
        chart->flush();
        const client::RunTimeline timeline = page()->timelineModel()->timeline();
        const TimelineSeries series = page()->timelineModel()->series();
        const int before = chart->redrawCount();
        QSignalSpy redrawn(chart, &RunSpendChart::redrawn);
        for (int i = 0; i < 5; ++i)
            chart->setTimeline({}, {});
        chart->setTimeline(timeline, series);
        QVERIFY(redrawn.wait(5000));
        QCOMPARE(chart->redrawCount(), before + 1);
        QCOMPARE(chart->cumulativeSeries()->points(), series.cumulative);
    }

    // A run across the spend zone's midnight: the day start is marked where the caps reset.
    void dayStartsAreMarked()
    {
        client::RunTimeline timeline;
        timeline.label = u"night/run"_s;
        timeline.bucket = u"1h"_s;
        timeline.bucketSeconds = 3600;
        const QDateTime since = QDateTime::fromString(u"2026-11-28T22:00:00Z"_s, Qt::ISODate);
        timeline.since = since;
        timeline.until = since.addSecs(4 * 3600);
        Usd total;
        for (int i = 0; i < 4; ++i) {
            client::TimelineBucket bucket;
            bucket.start = since.addSecs(i * 3600);
            bucket.calls = 2;
            bucket.allowed = 2;
            bucket.spendUsd = Usd::fromDollars(4);
            total = total + bucket.spendUsd;
            bucket.cumulativeSpendUsd = total;
            timeline.buckets.append(bucket);
        }
        timeline.keys.append({u"vk_1"_s, u"night"_s, u"stripe"_s, Usd::fromDollars(10)});
        RunSpendChart chart;
        chart.resize(800, 400);
        chart.setTimeline(timeline, TimelineSeries::from(timeline));
        const QDateTime midnight = QDateTime::fromString(u"2026-11-29T00:00:00Z"_s, Qt::ISODate);
        // The window that starts the range and the one after the range are not drawn.
        chart.setDayStarts({since.addSecs(-22 * 3600), midnight, timeline.until}, u"UTC"_s);
        chart.flush();
        const QList<QLineSeries *> starts = chart.dayStartSeries();
        QCOMPARE(starts.size(), 1);
        const QList<QPointF> points = starts.first()->points();
        QCOMPARE(points.size(), 2);
        QCOMPARE(qint64(points.first().x()), midnight.toMSecsSinceEpoch());
        QCOMPARE(points.first().x(), points.last().x());
        QVERIFY(starts.first()->name().contains(u"UTC"_s));
        // The run passes its $10 daily cap line at $16 without passing a cap: two days.
        QCOMPARE(qRound64(chart.cumulativeSeries()->points().last().y()), 16);
        chart.clear();
        chart.flush();
        QVERIFY(chart.dayStartSeries().isEmpty());
    }

    void tableAlternativeHasTheSameBuckets()
    {
        QVERIFY(!page()->isShowingTable());
        QTest::mouseClick(page()->showAsTableButton(), Qt::LeftButton);
        QVERIFY(page()->isShowingTable());
        QVERIFY(page()->timelineTable()->isVisible());
        QVERIFY(!page()->chart()->isVisible());
        const client::RunTimeline &timeline = page()->timelineModel()->timeline();
        QAbstractItemModel *table = page()->timelineTable()->model();
        QCOMPARE(table->rowCount(), timeline.buckets.size());
        for (int row = 0; row < table->rowCount(); ++row)
            QCOMPARE(
                table->index(row, RunTimelineModel::CumulativeColumn)
                    .data(RunTimelineModel::ExportRole)
                    .toString(),
                QString::fromStdString(timeline.buckets.at(row).cumulativeSpendUsd.toDecimal()));
        QTest::mouseClick(page()->showAsTableButton(), Qt::LeftButton);
        QVERIFY(!page()->isShowingTable());
        QVERIFY(page()->chart()->isVisible());
    }

    // A drag across the plot asks the server for that range.
    void dragSelectsARange()
    {
        page()->chart()->flush();
        QChartView *view = page()->chart()->chartView();
        const QRectF plot = page()->chart()->chart()->plotArea();
        const QPoint from = view->mapFromScene(page()->chart()->chart()->mapToScene(
            QPointF(plot.left() + plot.width() * 0.2, plot.center().y())));
        const QPoint to = view->mapFromScene(page()->chart()->chart()->mapToScene(
            QPointF(plot.left() + plot.width() * 0.8, plot.center().y())));
        QSignalSpy selected(page()->chart(), &RunSpendChart::rangeSelected);
        QTest::mousePress(view->viewport(), Qt::LeftButton, {}, from);
        QTest::mouseRelease(view->viewport(), Qt::LeftButton, {}, to);
        QCOMPARE(selected.size(), 1);
        const QDateTime since = selected.first().at(0).toDateTime();
        const QDateTime until = selected.first().at(1).toDateTime();
        QVERIFY(since < until);
        QCOMPARE(since.toMSecsSinceEpoch(), page()->chart()->msAt(from));
        QCOMPARE(until.toMSecsSinceEpoch(), page()->chart()->msAt(to));
        QCOMPARE(RunsPage::Range(page()->rangeCombo()->currentData().toInt()),
                 RunsPage::Range::Selection);
        QCOMPARE(page()->timelineQuery().since, since);
        QCOMPARE(page()->timelineQuery().until, until);
        QVERIFY(QTest::qWaitFor(
            [this, since] {
                return page()->timelineModel()->query().since == since
                    && page()->timelineModel()->hasTimeline()
                    && !page()->timelineModel()->isLoading();
            },
            20000));
        // The server widened the range to whole buckets around the selection.
        const client::RunTimeline &timeline = page()->timelineModel()->timeline();
        QVERIFY(timeline.since <= since);
        QVERIFY(timeline.until >= until);
        QCOMPARE(timeline, serverTimeline(page()->timelineModel()->query()));

        // A click is not a drag.
        QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, from);
        QCOMPARE(selected.size(), 1);
        page()->rangeCombo()->setCurrentIndex(0);
        QVERIFY(waitForTimeline());
    }

    void callsAreTheRunsAuditRows()
    {
        const client::AuditPage expected =
            get<client::AuditPage>(u"/v1/audit?limit=1000&label="_s + encoded(m_runaway));
        QCOMPARE(expected.data.size(), 6);
        QVERIFY(QTest::qWaitFor([this] { return page()->callsModel()->hasLoaded(); }, 20000));
        QCOMPARE(page()->callsModel()->entries(), expected.data);
        QCOMPARE(page()->callsTable()->model()->rowCount(), 6);
    }

    void exportWritesTimelineAndCalls()
    {
        QTemporaryDir dir;
        page()->setDirectoryChooser([&dir](QWidget *, const QString &) { return dir.path(); });
        QSignalSpy finished(page(), &RunsPage::exportFinished);
        QTest::mouseClick(page()->exportButton(), Qt::LeftButton);
        QVERIFY(finished.wait(30000));
        QVERIFY2(finished.first().at(0).toBool(), qPrintable(finished.first().at(1).toString()));
        const QStringList files = page()->exporter()->files();
        QCOMPARE(files.size(), 3);

        QFile json(files.at(0));
        QVERIFY(json.open(QIODevice::ReadOnly));
        const QJsonObject document = QJsonDocument::fromJson(json.readAll()).object();
        client::RunTimeline timeline;
        QVERIFY(client::JsonCodec::fromJson(document.value(u"timeline"), &timeline));
        QCOMPARE(timeline, serverTimeline(page()->timelineModel()->query()));
        const client::AuditPage calls =
            get<client::AuditPage>(u"/v1/audit?limit=1000&label="_s + encoded(m_runaway));
        const QJsonArray fileCalls = document.value(u"calls").toArray();
        QCOMPARE(fileCalls.size(), calls.data.size());
        for (qsizetype i = 0; i < fileCalls.size(); ++i) {
            client::AuditEntry entry;
            QVERIFY(client::JsonCodec::fromJson(fileCalls.at(i), &entry));
            QCOMPARE(entry, calls.data.at(i));
        }
        QFile csv(files.at(1));
        QVERIFY(csv.open(QIODevice::ReadOnly));
        int dataLines = 0;
        for (const QByteArray &line : csv.readAll().split('\n'))
            if (!line.trimmed().isEmpty() && !line.startsWith('#'))
                ++dataLines;
        QCOMPARE(dataLines, timeline.buckets.size() + 1);
    }

    // A server that stops answering: the rows stay, an inline banner says what failed with a
    // Retry, and Retry brings the page back once the server is there again.
    void failureShowsABannerWithRetry()
    {
        const int rows = page()->model()->rowCount();
        QCOMPARE(m_server->stopServer(), 0);
        page()->refresh();
        QVERIFY(QTest::qWaitFor([this] { return page()->banner()->isVisible(); }, 30000));
        QVERIFY2(page()->banner()->text().startsWith(u"Could not load the runs"_s),
                 qPrintable(page()->banner()->text()));
        QCOMPARE(page()->model()->rowCount(), rows);
        QVERIFY(page()->table()->isVisible());

        QVERIFY2(m_server->restartServer(), qPrintable(m_server->errorString()));
        QSignalSpy refreshed(page()->model(), &RunTableModel::refreshed);
        QPushButton *retry = page()->banner()->findChild<QPushButton *>();
        QVERIFY(retry && retry->isVisible());
        QCOMPARE(retry->text(), u"Retry"_s);
        QTest::mouseClick(retry, Qt::LeftButton);
        QVERIFY(QTest::qWaitFor([this] { return !page()->banner()->isVisible(); }, 30000));
        QVERIFY(!refreshed.isEmpty());
        QCOMPARE(page()->model()->rowCount(), rows);
    }

    // A key of the run opens in Vault Keys; Overview's runs open here.
    void itemsOpenWhereTheyLive()
    {
        QVERIFY(QTest::qWaitFor([this] { return page()->detailModel()->hasDetail(); }, 20000));
        m_window->openKey(m_firstKey);
        QCOMPARE(m_window->currentPage(), MainWindow::Page::VaultKeys);
        m_window->openRun(u"agents/billing/calm-2"_s);
        QCOMPARE(m_window->currentPage(), MainWindow::Page::Runs);
        QCOMPARE(page()->currentRun(), u"agents/billing/calm-2"_s);
        QVERIFY(QTest::qWaitFor(
            [this] {
                return page()->detailModel()->hasDetail()
                    && page()->detailModel()->label() == u"agents/billing/calm-2";
            },
            20000));
        QCOMPARE(page()->detailModel()->rowCount(), 1);
    }

    // A call of the open run appears in its calls without anyone pressing Refresh.
    void newCallOfTheOpenRunAppears()
    {
        QCOMPARE(page()->currentRun(), u"agents/billing/calm-2"_s);
        QVERIFY(QTest::qWaitFor([this] { return page()->callsModel()->hasLoaded(); }, 20000));
        const int before = page()->callsModel()->rowCount();
        QCOMPARE(charge(issue(u"agents/billing/calm-2"_s, 50, u"calm, second key"_s), 250), 200);
        QVERIFY(QTest::qWaitFor(
            [this, before] { return page()->callsModel()->rowCount() == before + 1; }, 20000));
        QCOMPARE(page()->callsModel()->entries().first().costUsd, Usd::fromCents(250));
    }

    // Ctrl+F searches the page in view: runs on Runs, run labels on the Audit Log, and from a
    // page without a search, the vault keys.
    void findSearchesThePageInView()
    {
        m_window->activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
        const auto find = [this] {
            QTest::keyClick(QApplication::focusWidget() ? QApplication::focusWidget()
                                                        : m_window.get(),
                            Qt::Key_F, Qt::ControlModifier);
        };
        m_window->showPage(MainWindow::Page::Runs);
        page()->table()->setFocus();
        find();
        QCOMPARE(m_window->currentPage(), MainWindow::Page::Runs);
        QCOMPARE(QApplication::focusWidget(), page()->searchEdit());

        m_window->showPage(MainWindow::Page::AuditLog);
        find();
        QCOMPARE(m_window->currentPage(), MainWindow::Page::AuditLog);
        QCOMPARE(QApplication::focusWidget()->objectName(), u"auditLabelLineEdit"_s);

        m_window->showPage(MainWindow::Page::Overview);
        find();
        QCOMPARE(m_window->currentPage(), MainWindow::Page::VaultKeys);
        QCOMPARE(QApplication::focusWidget()->objectName(), u"searchLineEdit"_s);
    }

    // Issue 13: a run at 100 % of its cap with most calls refused showed "● Active" while its
    // key was "Capped"; Runs had no runaway marker and no action. The status now comes from the
    // run's keys, the runaway is marked, and the page stops, blocks and opens the run. Seen to
    // fail on the old code (Status "Active", no actions).
    void runStatusAgreesWithItsKeys()
    {
        const QString capped = u"agents/sms/capped-1"_s;
        const QJsonObject key = issue(capped, 10, u"sms capped"_s);
        QCOMPARE(charge(key, 1000), 200); // $10.00 of $10.00
        for (int i = 0; i < RunawayDetector::RetrySpiralCalls; ++i)
            QCOMPARE(charge(key, 300), 429); // the same call refused again and again
        const QString keyStatus =
            m_server->admin("GET", u"/v1/keys/"_s + key.value(u"key_id"_s).toString())
                .json.value(u"status"_s)
                .toString();
        QCOMPARE(keyStatus, u"capped"_s);

        m_window->showPage(MainWindow::Page::Runs);
        page()->refresh();
        RunTableModel *model = page()->model();
        QTRY_VERIFY_WITH_TIMEOUT(model->rowOfRun(capped) >= 0, 20000);
        const auto status = [model](const QString &label) {
            return model->index(model->rowOfRun(label), RunTableModel::StatusColumn)
                .data()
                .toString();
        };
        QTRY_COMPARE_WITH_TIMEOUT(status(capped), u"Capped"_s, 20000);
        // The revoked key's run ended revoked, not "Ended"; the calm one is active.
        QCOMPARE(status(u"agents/notify/job-7"_s), u"Revoked"_s);
        QCOMPARE(status(u"agents/billing/calm-2"_s), u"Active"_s);

        // The runaway marker, as on Vault Keys: "⚠" before the label, the rule in the tooltip.
        const QModelIndex label = model->index(model->rowOfRun(capped), RunTableModel::LabelColumn);
        QTRY_VERIFY_WITH_TIMEOUT(label.data().toString().startsWith(u"⚠ "_s), 20000);
        QVERIFY(!label.data(RunTableModel::RunawayRole).toString().isEmpty());
        QVERIFY2(label.data(Qt::ToolTipRole).toString().contains(u"Retry spiral"_s),
                 qPrintable(label.data(Qt::ToolTipRole).toString()));

        // Revoke run: the kill switch with this label filled in.
        page()->showRun(capped);
        // The headline says what the row says, never "Active" beside "Capped".
        auto *headline = page()->findChild<QLabel *>(u"runSummaryLabel"_s);
        QVERIFY(headline);
        QTRY_VERIFY2_WITH_TIMEOUT(headline->text().startsWith(u"Capped · "_s),
                                  qPrintable(headline->text()), 20000);
        QVERIFY(page()->revokeRunButton()->isEnabled());
        QSignalSpy stop(page(), &RunsPage::stopRunRequested);
        page()->revokeRunButton()->click();
        QCOMPARE(stop.size(), 1);
        QCOMPARE(stop.first().first().toString(), capped);
        for (QWidget *top : QApplication::topLevelWidgets())
            if (top->inherits("keybrake::StopRunsDialog"))
                top->close();

        // Block prefix: a block on the agent through the server; the run then reads "Blocked".
        QString asked;
        page()->setBlockPrompt([&asked](QWidget *, const QString &prefix) {
            asked = prefix;
            return std::optional<RunsPage::BlockAnswer>(
                RunsPage::BlockAnswer {prefix, u"sms agent loops"_s});
        });
        const QString calm = u"agents/billing/calm-2"_s;
        page()->showRun(calm);
        page()->blockPrefixButton()->click();
        QCOMPARE(asked, u"agents/billing/"_s);
        QTRY_COMPARE_WITH_TIMEOUT(status(calm), u"Blocked"_s, 20000);
        const QJsonArray blocks =
            m_server->admin("GET", u"/v1/blocks"_s).json.value(u"data"_s).toArray();
        QCOMPARE(blocks.size(), 1);
        QCOMPARE(blocks.first().toObject().value(u"label_prefix"_s).toString(),
                 u"agents/billing/"_s);
        auto *result = page()->findChild<MessageBanner *>(u"runActionResultBanner"_s);
        QVERIFY(result && result->isVisible());

        // Open keys, from the row's context menu: Vault Keys with this run's keys.
        const QList<QAction *> actions = page()->runActions(capped);
        QCOMPARE(actions.size(), 3);
        QAction *open = nullptr;
        for (QAction *action : actions)
            if (action->objectName() == u"openRunKeysAction")
                open = action;
        QVERIFY(open);
        open->trigger();
        QCOMPARE(m_window->currentPage(), MainWindow::Page::VaultKeys);
        VaultKeysPage *keys = m_window->vaultKeysPage();
        QCOMPARE(keys->model()->query().q, capped);
        QTRY_COMPARE_WITH_TIMEOUT(keys->proxy()->rowCount(), 1, 20000);
        qDeleteAll(actions);
        m_window->showPage(MainWindow::Page::Runs);
    }

    // The hold under the pointer applies to runs too: a run that starts while the pointer is
    // over the table waits in the pill and goes on top only when asked or the pointer leaves.
    void newRunsWaitUnderThePointer()
    {
        RunTableModel *model = page()->model();
        QTest::mouseMove(page()->table()->viewport(), QPoint(40, 10));
        QTRY_VERIFY_WITH_TIMEOUT(page()->liveHold()->isHeld(), 5000);
        const QString top = model->index(0, RunTableModel::LabelColumn).data().toString();
        const QString fresh = u"agents/late/run-9"_s;
        QCOMPARE(charge(issue(fresh, 10, u"late"_s), 10), 200);
        page()->refresh();
        QTRY_COMPARE_WITH_TIMEOUT(model->heldNewRuns(), 1, 20000);
        QCOMPARE(model->rowOfRun(fresh), -1);
        QCOMPARE(model->index(0, RunTableModel::LabelColumn).data().toString(), top);
        QVERIFY(page()->liveHold()->pill()->isVisible());
        QVERIFY(page()->liveHold()->pill()->text().contains(u"1 new run"_s));
        page()->liveHold()->pill()->click();
        QCOMPARE(model->rowOfRun(fresh), 0);
        QCOMPARE(model->heldNewRuns(), 0);
        QTest::mouseMove(m_window.get(), QPoint(5, m_window->height() - 5));
    }

    // At 1024x700 (issue 13) the runs table does not scroll sideways, keeps the run, its status,
    // spend and cap in view, and shows more than two rows above the chart. Seen to fail on the
    // old code (fixed column widths wider than the rows; the chart took 5/7 of the height).
    void runsTableFitsA1024Window()
    {
        const QSize before = m_window->size();
        m_window->openRun(m_runaway); // as on call: a run open below the list
        QVERIFY(waitForTimeline());
        m_window->resize(1024, 700);
        QTableView *table = page()->table();
        QTRY_VERIFY_WITH_TIMEOUT(m_window->width() == 1024 && table->isVisible(), 5000);
        QTest::qWait(50); // the columns fit on the next turn of the loop
        for (int column :
             {int(RunTableModel::LabelColumn), int(RunTableModel::StatusColumn),
              int(RunTableModel::SpendColumn), int(RunTableModel::UtilisationColumn)}) {
            QVERIFY2(!table->isColumnHidden(column), qPrintable(QString::number(column)));
            const int right = table->columnViewportPosition(column) + table->columnWidth(column);
            QVERIFY2(right <= table->viewport()->width(),
                     qPrintable(u"column %1 ends at %2 of %3"_s.arg(column).arg(right).arg(
                         table->viewport()->width())));
        }
        QVERIFY(!table->horizontalScrollBar()->isVisible());
        const int rowsInView =
            table->viewport()->height() / table->verticalHeader()->defaultSectionSize();
        QVERIFY2(rowsInView >= 5, qPrintable(u"%1 rows in view"_s.arg(rowsInView)));
        // Wide again: every column back.
        m_window->resize(1600, 1000);
        QTRY_VERIFY2_WITH_TIMEOUT(
            !table->isColumnHidden(RunTableModel::FirstCallColumn),
            qPrintable(u"window %1, rows %2 px, held %3"_s.arg(m_window->width())
                           .arg(table->viewport()->width())
                           .arg(page()->liveHold()->isHeld())),
            5000);
        m_window->resize(before);
    }

    // The cap line's label sits inside the plot, clear of the calls axis on the right, however
    // long (a cap shared by several keys names them all) and however narrow the window. Seen
    // to fail on the old code (the label was centred three quarters along the line).
    void capLabelsStayInsideThePlot()
    {
        const QString shared = u"agents/collections/shared-cap"_s;
        QJsonObject first;
        for (int i = 1; i <= 4; ++i) {
            const QJsonObject key =
                issue(shared, 20, u"collections retry worker eu-west-%1"_s.arg(i));
            if (i == 1)
                first = key;
        }
        QCOMPARE(charge(first, 700), 200);
        const QSize before = m_window->size();
        for (const QSize size : {QSize(1600, 1000), QSize(1024, 700)}) {
            m_window->resize(size);
            m_window->openRun(shared);
            QVERIFY(waitForTimeline());
            RunSpendChart *chart = page()->chart();
            chart->flush();
            QTest::qWait(50); // the plot area settles, then the labels follow it
            const QRectF plot = chart->chart()->plotArea();
            const QList<QLineSeries *> caps = chart->capSeries();
            QCOMPARE(caps.size(), 1);
            QLineSeries *cap = caps.first();
            QVERIFY(cap->name().startsWith(u"Daily cap $20.00: collections retry worker"_s));
            const QPointF at = chart->chart()->mapToPosition(cap->at(1), cap);
            const qreal width =
                QFontMetricsF(cap->pointLabelsFont()).horizontalAdvance(cap->pointLabelsFormat());
            QVERIFY2(
                at.x() - width / 2 >= plot.left() && at.x() + width / 2 <= plot.right(),
                qPrintable(u"%1x%2: label from %3 to %4, plot from %5 to %6"_s.arg(size.width())
                               .arg(size.height())
                               .arg(at.x() - width / 2)
                               .arg(at.x() + width / 2)
                               .arg(plot.left())
                               .arg(plot.right())));
        }
        m_window->resize(before);
    }
};

QTEST_MAIN(TestRunsPage)
#include "tst_runspage.moc"
