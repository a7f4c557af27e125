// The Overview's charts and lists against a real keybraked: today's spend by vendor ends at each
// vendor's settled spend of the day as the daily vendor report gives it, to the micro-dollar,
// in the chart and in its table alternative; the top runs are today's runs of GET /v1/runs,
// highest spend first; a run opens in Runs and a key in Vault Keys.
#include "client/jsoncodec.h"
#include "models/connectionmonitor.h"
#include "models/consolesession.h"
#include "models/runtablemodel.h"
#include "models/statsmodel.h"
#include "models/vendorspendtodaymodel.h"
#include "testserver.h"
#include "ui/mainwindow.h"
#include "ui/overviewpage.h"
#include "ui/runspage.h"
#include "ui/statcard.h"
#include "ui/vendorspendchart.h"

#include <QAbstractItemModelTester>
#include <QJsonArray>
#include <QLineSeries>
#include <QPushButton>
#include <QTableView>
#include <QTest>

#include <memory>

using namespace keybrake;
using namespace Qt::StringLiterals;

class TestOverview : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<test::TestServer> m_server;
    std::unique_ptr<ConsoleSession> m_session;
    std::unique_ptr<MainWindow> m_window;

    OverviewPage *page() const { return m_window->overviewPage(); }

    QJsonObject issue(const QString &label, int cap)
    {
        return m_server->issueKey(QJsonObject {
            {u"vendor"_s, u"stripe"_s},
            {u"name"_s, label},
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

private Q_SLOTS:
    void initTestCase()
    {
        m_server = std::make_unique<test::TestServer>();
        QVERIFY2(m_server->start(), qPrintable(m_server->errorString()));
        const QJsonObject hot = issue(u"agents/billing/hot"_s, 10);
        for (int i = 0; i < 3; ++i)
            QCOMPARE(charge(hot, 301), 200);
        QCOMPARE(charge(hot, 300), 429);
        QCOMPARE(charge(issue(u"agents/billing/warm"_s, 50), 1234), 200);
        QCOMPARE(charge(issue(u"agents/notify/cool"_s, 50), 7), 200);

        const ServerProfile profile =
            ServerProfile::create(u"test"_s, m_server->baseUrl(), ServerEnvironment::Staging);
        m_session = std::make_unique<ConsoleSession>(profile, m_server->adminKey());
        m_session->setTimeZoneDisplay(TimeZoneDisplay::Utc);
        m_window = std::make_unique<MainWindow>(m_session.get());
        m_session->start();
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
        m_window->showPage(MainWindow::Page::Overview);
        QVERIFY(QTest::qWaitFor(
            [this] {
                return page()->vendorSpendModel()->hasLoaded()
                    && page()->topRunsModel()->hasLoaded();
            },
            20000));
    }

    void vendorSpendEndsAtTheDaysSpend()
    {
        QAbstractItemModelTester tester(page()->vendorSpendModel(),
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        const test::HttpResult answer =
            m_server->admin("GET", u"/v1/reports/vendors/daily?days=1"_s);
        QCOMPARE(answer.status, 200);
        const client::Result<client::VendorDailyReport> report =
            client::JsonCodec::decode<client::VendorDailyReport>(answer.body);
        QVERIFY(report.isOk());
        const client::VendorDay &today = report->data.last();
        QCOMPARE(page()->vendorSpendModel()->windowStart(), today.windowStart);
        VendorSpendTodayModel *model = page()->vendorSpendModel();
        QCOMPARE(model->totalOf(u"stripe"_s), today.vendors.value(u"stripe"_s).spendUsd);
        QCOMPARE(model->totalOf(u"stripe"_s), Usd::fromMicros(3 * 3'010'000 + 12'340'000 + 70'000));

        // The chart's line for Stripe ends there; the other vendors stay at zero.
        page()->vendorSpendChart()->flush();
        const QList<QLineSeries *> lines = page()->vendorSpendChart()->vendorSeries();
        QCOMPARE(lines.size(), model->vendors().size());
        const int stripe = int(model->vendors().indexOf(u"stripe"_s));
        QVERIFY(stripe >= 0);
        QCOMPARE(qRound64(lines.at(stripe)->points().last().y() * 1e6),
                 model->totalOf(u"stripe"_s).micros());
        QVERIFY(lines.at(stripe)->name().startsWith(u"Stripe $"_s));
        for (int i = 0; i < lines.size(); ++i)
            if (i != stripe)
                QCOMPARE(lines.at(i)->points().last().y(), 0.0);
        const QString hover =
            page()->vendorSpendChart()->hoverText(QDateTime::currentMSecsSinceEpoch());
        QVERIFY2(hover.contains(u"Stripe: $21.44"_s), qPrintable(hover));

        // The table alternative: the last step holds the same exact figure.
        QTest::mouseClick(page()->vendorShowAsTableButton(), Qt::LeftButton);
        QVERIFY(page()->vendorSpendTable()->isVisible());
        QVERIFY(!page()->vendorSpendChart()->isVisible());
        const int last = model->rowCount() - 1;
        QVERIFY(last >= 0);
        QCOMPARE(model->index(last, stripe + 1).data().toString(), u"$21.44"_s);
        QTest::mouseClick(page()->vendorShowAsTableButton(), Qt::LeftButton);
        QVERIFY(page()->vendorSpendChart()->isVisible());
    }

    void topRunsAreTodaysRunsBySpend()
    {
        const QDateTime start = page()->vendorSpendModel()->windowStart();
        const test::HttpResult answer = m_server->admin(
            "GET", u"/v1/runs?limit=1000&since="_s + start.toString(Qt::ISODateWithMs));
        QCOMPARE(answer.status, 200);
        const client::Result<client::RunPage> runs =
            client::JsonCodec::decode<client::RunPage>(answer.body);
        QVERIFY(runs.isOk());
        QList<client::RunSummary> expected = runs->data;
        std::stable_sort(expected.begin(), expected.end(), [](const auto &a, const auto &b) {
            return a.totals.spendUsd > b.totals.spendUsd;
        });
        QAbstractItemModel *view = page()->topRunsView()->model();
        QCOMPARE(view->rowCount(), expected.size());
        QCOMPARE(view->rowCount(), 3);
        for (int row = 0; row < view->rowCount(); ++row)
            QCOMPARE(view->index(row, RunTableModel::LabelColumn).data().toString(),
                     expected.at(row).label);
        QCOMPARE(view->index(0, RunTableModel::LabelColumn).data().toString(),
                 u"agents/billing/warm"_s);
        // The hot run shows its cap utilisation: $9.03 of $10.00.
        QCOMPARE(view->index(1, RunTableModel::UtilisationColumn).data().toString(), u"90 %"_s);
    }

    void runsAndKeysOpenWhereTheyLive()
    {
        QTableView *runs = page()->topRunsView();
        const QModelIndex hot = runs->model()->index(1, RunTableModel::LabelColumn);
        runs->setFocus();
        runs->setCurrentIndex(hot);
        QTest::keyClick(runs, Qt::Key_Return);
        QCOMPARE(m_window->currentPage(), MainWindow::Page::Runs);
        QCOMPARE(m_window->runsPage()->currentRun(), u"agents/billing/hot"_s);

        m_window->showPage(MainWindow::Page::Overview);
        QTableView *atRisk = page()->atRiskView();
        QVERIFY(QTest::qWaitFor([atRisk] { return atRisk->model()->rowCount() == 1; }, 20000));
        atRisk->setFocus();
        atRisk->setCurrentIndex(atRisk->model()->index(0, 0));
        QTest::keyClick(atRisk, Qt::Key_Return);
        QCOMPARE(m_window->currentPage(), MainWindow::Page::VaultKeys);
    }

    // Each stat card opens the rows behind its figure, by mouse or keyboard.
    void cardsOpenTheirPages()
    {
        m_window->showPage(MainWindow::Page::Overview);
        QTest::mouseClick(page()->card(StatsModel::SpendTodayCard), Qt::LeftButton);
        QCOMPARE(m_window->currentPage(), MainWindow::Page::Runs);
        m_window->showPage(MainWindow::Page::Overview);
        page()->card(StatsModel::BlockedTodayCard)->setFocus();
        QTest::keyClick(page()->card(StatsModel::BlockedTodayCard), Qt::Key_Return);
        QCOMPARE(m_window->currentPage(), MainWindow::Page::AuditLog);
        m_window->showPage(MainWindow::Page::Overview);
        QTest::mouseClick(page()->card(StatsModel::ActiveKeysCard), Qt::LeftButton);
        QCOMPARE(m_window->currentPage(), MainWindow::Page::VaultKeys);
        m_window->showPage(MainWindow::Page::Overview);
    }

    // A call made now moves the vendor line without anyone pressing Refresh.
    void newCallMovesTheVendorLine()
    {
        VendorSpendTodayModel *model = page()->vendorSpendModel();
        const Usd before = model->totalOf(u"stripe"_s);
        QCOMPARE(charge(issue(u"agents/notify/late"_s, 50), 500), 200);
        QVERIFY(QTest::qWaitFor(
            [&] { return model->totalOf(u"stripe"_s) == before + Usd::fromDollars(5); }, 20000));
        page()->vendorSpendChart()->flush();
        const int stripe = int(model->vendors().indexOf(u"stripe"_s));
        QCOMPARE(qRound64(page()->vendorSpendChart()->vendorSeries().at(stripe)->points().last().y()
                          * 1e6),
                 (before + Usd::fromDollars(5)).micros());
    }
};

QTEST_MAIN(TestOverview)
#include "tst_overview.moc"
