// The Reports page against a real keybraked: each report's table equals its route, each chart
// plots exactly its table's figures, "Show as table" swaps the chart for the table, every table
// exports to CSV with the rows of its route, and chart text follows a dark palette.
#include "client/jsoncodec.h"
#include "models/agentreportmodel.h"
#include "models/anomalymodel.h"
#include "models/consolesession.h"
#include "models/runtablemodel.h"
#include "models/vendordailymodel.h"
#include "resources/keybrakeresources.h"
#include "testserver.h"
#include "ui/messagebanner.h"
#include "ui/pagestatewidget.h"
#include "ui/reportsection.h"
#include "ui/reportspage.h"

#include <QAbstractAxis>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QFile>
#include <QHorizontalBarSeries>
#include <QJsonArray>
#include <QPushButton>
#include <QSignalSpy>
#include <QStackedBarSeries>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QUrlQuery>

using namespace keybrake;

namespace {

qint64 micros(const QJsonValue &dollars)
{
    return qRound64(dollars.toDouble() * 1e6);
}

// Data rows of an exported file (after the "# " lines and the header row).
QList<QByteArray> fileRows(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    QList<QByteArray> rows;
    bool header = true;
    for (const QByteArray &line : file.readAll().split('\n')) {
        if (line.startsWith('#') || line.isEmpty())
            continue;
        if (!std::exchange(header, false))
            rows.append(line.trimmed());
    }
    return rows;
}

} // namespace

class TestReportsPage : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<test::TestServer> m_server;
    std::unique_ptr<ConsoleSession> m_session;
    std::unique_ptr<ReportsPage> m_page;

    bool loaded() const
    {
        return m_page->agentModel()->hasReport() && m_page->vendorModel()->hasReport()
            && m_page->anomalyModel()->hasReport() && m_page->runModel()->hasLoaded()
            && !m_page->runModel()->isLoading();
    }

private Q_SLOTS:
    void initTestCase()
    {
        installTranslations();
        m_server = std::make_unique<test::TestServer>();
        QVERIFY2(m_server->start(), qPrintable(m_server->errorString()));
        const auto issue = [this](const QString &vendor, const QString &label, int cap) {
            return m_server
                ->issueKey(QJsonObject {
                    {QStringLiteral("vendor"), vendor},
                    {QStringLiteral("daily_usd_cap"), cap},
                    {QStringLiteral("allowed_endpoints"),
                     QJsonArray {vendor == u"twilio" ? QStringLiteral("messages.create")
                                                     : QStringLiteral("charges.create")}},
                    {QStringLiteral("expires_in"), QStringLiteral("30m")},
                    {QStringLiteral("agent_run_label"), label},
                })
                .value(QStringLiteral("vault_key"))
                .toString();
        };
        const QString runaway =
            issue(QStringLiteral("stripe"), QStringLiteral("rp/billing/r1"), 10);
        const QString calm = issue(QStringLiteral("stripe"), QStringLiteral("rp/billing/r2"), 50);
        const QString notify = issue(QStringLiteral("stripe"), QStringLiteral("rp/notify:r1"), 50);
        const QString sms = issue(QStringLiteral("twilio"), QStringLiteral("rp/notify:r1"), 5);
        for (int cents : {400, 450, 300})
            m_server->proxy("POST", QStringLiteral("/stripe/v1/charges"), test::stripeCharge(cents),
                            runaway);
        m_server->proxy("POST", QStringLiteral("/stripe/v1/charges"), test::stripeCharge(1234),
                        calm);
        m_server->proxy("POST", QStringLiteral("/stripe/v1/charges"), test::stripeCharge(99),
                        notify);
        m_server->proxy("POST",
                        QStringLiteral("/twilio/2010-04-01/Accounts/%1/Messages.json")
                            .arg(QString::fromLatin1(test::kTwilioSid)),
                        "To=%2B15005550006&From=%2B15005550001&Body=hi", sms);
        m_session = std::make_unique<ConsoleSession>(
            ServerProfile::create(QStringLiteral("reports"), m_server->baseUrl(),
                                  ServerEnvironment::Staging),
            m_server->adminKey());
        m_session->start();
        m_page = std::make_unique<ReportsPage>(m_session.get());
        m_page->resize(1400, 800);
        m_page->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_page.get()));
        QTRY_VERIFY_WITH_TIMEOUT(loaded(), 20000);
    }

    void cleanupTestCase()
    {
        m_page.reset();
        m_session.reset();
        m_server.reset();
    }

    void runsTableEqualsItsRoute()
    {
        const RunTableModel *runs = m_page->runModel();
        // The runs are counted over the agents report's spend windows.
        QCOMPARE(runs->query().since, m_page->agentModel()->report().since);
        QUrlQuery query;
        query.addQueryItem(QStringLiteral("since"),
                           client::JsonCodec::timeToJson(runs->query().since).toString());
        const QJsonArray route =
            m_server->admin("GET", QStringLiteral("/v1/runs?") + query.toString(QUrl::FullyEncoded))
                .json.value(QStringLiteral("data"))
                .toArray();
        QCOMPARE(runs->rowCount(), route.size());
        QCOMPARE(route.size(), 3);
        for (const QJsonValue &json : route) {
            const int row = runs->rowOfRun(json[QStringLiteral("label")].toString());
            QVERIFY(row >= 0);
            QCOMPARE(runs->index(row, RunTableModel::SpendColumn)
                         .data(RunTableModel::RawValueRole)
                         .toLongLong(),
                     micros(json[QStringLiteral("spend_usd")]));
            QCOMPARE(runs->index(row, RunTableModel::CallsColumn)
                         .data(RunTableModel::RawValueRole)
                         .toLongLong(),
                     json[QStringLiteral("calls")].toInteger());
        }
        // The chart: the top run by spend is the top bar (bars are drawn bottom-up), exactly.
        QBarSet *bars = m_page->runSeries()->barSets().constFirst();
        QCOMPARE(bars->count(), 3);
        QCOMPARE(qRound64(bars->at(bars->count() - 1) * 1e6), 12'340'000);
        // The sorted table lists the highest spend first.
        QTableView *table = m_page->section(ReportsPage::RunsTab)->table();
        QCOMPARE(table->model()->index(0, RunTableModel::LabelColumn).data().toString(),
                 QStringLiteral("rp/billing/r2"));
    }

    void agentChartPlotsItsTable()
    {
        const AgentReportModel *agents = m_page->agentModel();
        const QJsonArray route =
            m_server->admin("GET", QStringLiteral("/v1/reports/agents?days=30"))
                .json.value(QStringLiteral("data"))
                .toArray();
        QCOMPARE(agents->rowCount(), route.size());
        QBarSet *bars = m_page->agentSeries()->barSets().constFirst();
        QCOMPARE(bars->count(), route.size());
        for (int row = 0; row < route.size(); ++row) {
            const qint64 spend = micros(route.at(row)[QStringLiteral("spend_usd")]);
            QCOMPARE(agents->index(row, AgentReportModel::SpendColumn)
                         .data(AgentReportModel::RawValueRole)
                         .toLongLong(),
                     spend);
            // Highest spend on top: row 0 is the last bar.
            QCOMPARE(qRound64(bars->at(bars->count() - 1 - row) * 1e6), spend);
        }
    }

    void vendorBarsStackTheDailyRoute()
    {
        const QJsonObject route =
            m_server->admin("GET", QStringLiteral("/v1/reports/vendors/daily?days=30")).json;
        const QJsonArray days = route.value(QStringLiteral("data")).toArray();
        QCOMPARE(m_page->vendorModel()->rowCount(), 30);
        const QList<QBarSet *> sets = m_page->vendorSeries()->barSets();
        QCOMPARE(sets.size(), 3);
        const QStringList vendors = {QStringLiteral("stripe"), QStringLiteral("twilio"),
                                     QStringLiteral("resend")};
        for (int i = 0; i < 3; ++i) {
            QCOMPARE(sets.at(i)->count(), days.size());
            for (int day = 0; day < days.size(); ++day)
                QCOMPARE(qRound64(sets.at(i)->at(day) * 1e6),
                         micros(days.at(day)[QStringLiteral("vendors")][vendors.at(i)]
                                            [QStringLiteral("spend_usd")]));
        }
        // Today: 4.00 + 4.50 + 12.34 + 0.99 on Stripe (the third charge was refused at the cap).
        QCOMPARE(qRound64(sets.at(0)->at(29) * 1e6), 21'830'000);
        QVERIFY(m_page->section(ReportsPage::VendorsTab)
                    ->note()
                    .contains(route[QStringLiteral("spend_timezone")].toString()));
    }

    void showAsTableSwapsTheChart()
    {
        m_page->tabs()->setCurrentIndex(ReportsPage::VendorsTab);
        ReportSection *section = m_page->section(ReportsPage::VendorsTab);
        QTRY_VERIFY(section->chartView()->isVisible());
        QVERIFY(!section->table()->isVisible());
        QCOMPARE(section->tableToggle()->text(), QStringLiteral("Show as table"));
        QTest::mouseClick(section->tableToggle(), Qt::LeftButton);
        QVERIFY(section->table()->isVisible());
        QVERIFY(!section->chartView()->isVisible());
        QCOMPARE(section->tableToggle()->text(), QStringLiteral("Show as chart"));
        QVERIFY(!section->table()->accessibleName().isEmpty());
        // Keyboard: the toggle is a button in the tab chain.
        section->tableToggle()->setFocus();
        QTest::keyClick(section->tableToggle(), Qt::Key_Space);
        QVERIFY(section->chartView()->isVisible());
        // The anomalies are a table alone.
        QVERIFY(!m_page->section(ReportsPage::AnomaliesTab)->tableToggle());
    }

    // Enter on a row opens what is behind it: an agent's calls in the audit log, a finding's key.
    void enterOpensTheRowsSubject()
    {
        m_page->tabs()->setCurrentIndex(ReportsPage::AgentsTab);
        ReportSection *agents = m_page->section(ReportsPage::AgentsTab);
        agents->setShowsTable(true);
        QTRY_VERIFY(agents->table()->isVisible());
        QSignalSpy audit(m_page.get(), &ReportsPage::auditRequested);
        agents->table()->setFocus();
        agents->table()->setCurrentIndex(agents->table()->model()->index(0, 0));
        QTest::keyClick(agents->table(), Qt::Key_Return);
        QCOMPARE(audit.size(), 1);
        QCOMPARE(audit.first().at(0).toString(), QStringLiteral("rp/billing/"));
        QCOMPARE(audit.first().at(1).toDateTime(), m_page->agentModel()->report().since);
        agents->setShowsTable(false);

        m_page->tabs()->setCurrentIndex(ReportsPage::AnomaliesTab);
        ReportSection *anomalies = m_page->section(ReportsPage::AnomaliesTab);
        QTRY_VERIFY(anomalies->table()->isVisible());
        QSignalSpy key(m_page.get(), &ReportsPage::openKeyRequested);
        const QModelIndex first = anomalies->table()->model()->index(0, 0);
        QCOMPARE(first.data(AnomalyModel::KindRole).toString(), QStringLiteral("key_near_cap"));
        anomalies->table()->setFocus();
        anomalies->table()->setCurrentIndex(first);
        QTest::keyClick(anomalies->table(), Qt::Key_Return);
        QCOMPARE(key.size(), 1);
        QCOMPARE(key.first().at(0).toString(), first.data(AnomalyModel::KeyIdRole).toString());
        QVERIFY(!key.first().at(0).toString().isEmpty());
    }

    void everyTableExportsItsRows_data()
    {
        QTest::addColumn<int>("tab");
        QTest::addColumn<QString>("route");
        QTest::newRow("runs") << int(ReportsPage::RunsTab) << QString();
        QTest::newRow("agents") << int(ReportsPage::AgentsTab)
                                << QStringLiteral("/v1/reports/agents?days=30");
        QTest::newRow("vendors") << int(ReportsPage::VendorsTab)
                                 << QStringLiteral("/v1/reports/vendors/daily?days=30");
        QTest::newRow("anomalies")
            << int(ReportsPage::AnomaliesTab) << QStringLiteral("/v1/reports/anomalies");
    }

    void everyTableExportsItsRows()
    {
        QFETCH(int, tab);
        QFETCH(QString, route);
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("report.csv"));
        QSignalSpy finished(m_page.get(), &ReportsPage::exportFinished);
        m_page->exportTo(ReportsPage::Tab(tab), path);
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 20000);
        QCOMPARE(finished.first().at(0).toBool(), true);
        const QList<QByteArray> rows = fileRows(path);
        if (route.isEmpty()) {
            QCOMPARE(rows.size(), m_page->runModel()->rowCount());
        } else {
            const QJsonArray data =
                m_server->admin("GET", route).json.value(QStringLiteral("data")).toArray();
            QCOMPARE(rows.size(), data.size());
            QVERIFY(!rows.isEmpty());
        }
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray text = file.readAll();
        QVERIFY(text.startsWith("# Keybrake report: "));
        QVERIFY(text.contains("spend days: "));
        if (tab == ReportsPage::VendorsTab)
            QVERIFY(text.contains(",21.83,")); // today's Stripe spend, exact
    }

    void rangeChangesEveryReport()
    {
        QSignalSpy vendors(m_page->vendorModel(), &VendorDailyModel::loaded);
        m_page->setDays(7);
        QVERIFY(vendors.wait(20000));
        QCOMPARE(m_page->vendorModel()->rowCount(), 7);
        QCOMPARE(m_page->vendorSeries()->barSets().constFirst()->count(), 7);
        QTRY_VERIFY_WITH_TIMEOUT(loaded(), 20000);
        QCOMPARE(m_page->agentModel()->range().days, 7);
    }

    // A server that does not answer: each report says so in place with Retry, and Retry loads
    // it once the server is back.
    void errorStateOffersRetry()
    {
        qputenv("KEYBRAKE_HTTP_TIMEOUT_MS", "2000");
        test::TestServer server;
        QVERIFY2(server.start(), qPrintable(server.errorString()));
        ConsoleSession session(ServerProfile::create(QStringLiteral("down"), server.baseUrl(),
                                                     ServerEnvironment::Development),
                               server.adminKey());
        server.stopServer();
        ReportsPage page(&session);
        page.resize(1200, 700);
        page.show();
        QVERIFY(QTest::qWaitForWindowExposed(&page));
        page.tabs()->setCurrentIndex(ReportsPage::AgentsTab);
        ReportSection *agents = page.section(ReportsPage::AgentsTab);
        auto *state = agents->findChild<PageStateWidget *>(QStringLiteral("agentsStateWidget"));
        QVERIFY(state);
        QTRY_COMPARE_WITH_TIMEOUT(state->title(), QStringLiteral("Could not load this report"),
                                  20000);
        QVERIFY(state->isVisible());
        QVERIFY(!agents->exportButton()->isEnabled());
        auto *banner = page.findChild<MessageBanner *>(QStringLiteral("reportsMessageBanner"));
        QVERIFY(banner->isVisible());
        QCOMPARE(banner->kind(), MessageBanner::Kind::Error);

        QVERIFY(server.restartServer());
        auto *retry = state->findChild<QPushButton *>();
        QVERIFY(retry && retry->isVisible());
        QTest::mouseClick(retry, Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(page.agentModel()->hasReport(), 20000);
        // No calls yet: the empty state teaches rather than an empty chart.
        QTRY_COMPARE_WITH_TIMEOUT(state->title(),
                                  QStringLiteral("No agent spent anything in this range"), 20000);
        qunsetenv("KEYBRAKE_HTTP_TIMEOUT_MS");
    }

    void chartTextFollowsADarkPalette()
    {
        QPalette dark;
        dark.setColor(QPalette::Window, QColor(0x20, 0x22, 0x25));
        dark.setColor(QPalette::WindowText, QColor(0xee, 0xee, 0xee));
        dark.setColor(QPalette::Base, QColor(0x18, 0x19, 0x1b));
        dark.setColor(QPalette::Text, QColor(0xee, 0xee, 0xee));
        m_page->setPalette(dark);
        QChart *chart = m_page->section(ReportsPage::VendorsTab)->chart();
        for (QAbstractAxis *axis : chart->axes())
            QCOMPARE(axis->labelsColor(), QColor(0xee, 0xee, 0xee));
        QCOMPARE(chart->legend()->labelColor(), QColor(0xee, 0xee, 0xee));
    }
};

QTEST_MAIN(TestReportsPage)
#include "tst_reportspage.moc"
