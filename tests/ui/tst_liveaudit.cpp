// The Audit Log page as a live tail against a real keybraked: a proxied call appears on top
// without polling (latency measured and printed), Pause holds new calls back and counts them,
// Resume shows them, and Scroll lock keeps the rows in view where they are while new ones
// arrive; unlocked at the top, the view follows the newest.
#include "client/keybrakeclient.h"
#include "models/auditlogmodel.h"
#include "models/connectionmonitor.h"
#include "models/consolesession.h"
#include "models/livefeed.h"
#include "resources/keybrakeresources.h"
#include "testserver.h"
#include "ui/auditlogpage.h"
#include "ui/mainwindow.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QLabel>
#include <QPushButton>
#include <QScrollBar>
#include <QStandardPaths>
#include <QTableView>
#include <QTest>
#include <QToolButton>

#include <memory>

using namespace keybrake;
using namespace std::chrono_literals;

class TestLiveAudit : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<test::TestServer> m_server;
    std::unique_ptr<ConsoleSession> m_session;
    std::unique_ptr<MainWindow> m_window;
    QString m_secret;

    AuditLogPage *page() const { return m_window->auditLogPage(); }
    AuditLogModel *model() const { return page()->model(); }

    void call()
    {
        QCOMPARE(m_server
                     ->proxy("POST", QStringLiteral("/stripe/v1/charges"), test::stripeCharge(100),
                             m_secret)
                     .status,
                 200);
    }

    // The entry id of the row at the top of the viewport.
    QString topVisibleId() const
    {
        const QModelIndex index = page()->table()->indexAt(QPoint(4, 4));
        return index.data(AuditLogModel::EntryIdRole).toString();
    }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        installTranslations();
        m_server = std::make_unique<test::TestServer>();
        QVERIFY2(m_server->start(), qPrintable(m_server->errorString()));
        const QJsonObject key = m_server->issueKey(QJsonObject {
            {QStringLiteral("vendor"), QStringLiteral("stripe")},
            {QStringLiteral("daily_usd_cap"), 1000},
            {QStringLiteral("allowed_endpoints"), QJsonArray {QStringLiteral("charges.create")}},
            {QStringLiteral("expires_in"), QStringLiteral("1h")},
            {QStringLiteral("agent_run_label"), QStringLiteral("tail/run-1")},
        });
        m_secret = key.value(QStringLiteral("vault_key")).toString();
        call();

        const ServerProfile profile = ServerProfile::create(
            QStringLiteral("tail"), m_server->baseUrl(), ServerEnvironment::Staging);
        m_session = std::make_unique<ConsoleSession>(profile, m_server->adminKey());
        // Nothing in this test may come from polling.
        m_session->monitor()->setPollInterval(10min);
        m_window = std::make_unique<MainWindow>(m_session.get());
        m_session->start();
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
        m_window->showPage(MainWindow::Page::AuditLog);
        QTRY_VERIFY_WITH_TIMEOUT(m_session->live()->isLive() && model()->hasLoaded(), 20000);
        QCOMPARE(model()->rowCount(), 1);
    }

    void cleanupTestCase()
    {
        m_window.reset();
        m_session.reset();
        m_server.reset();
    }

    void callAppearsOnTop()
    {
        QList<qint64> latencies;
        for (int i = 0; i < 5; ++i) {
            const int before = model()->rowCount();
            QElapsedTimer clock;
            clock.start();
            call();
            QTRY_COMPARE_WITH_TIMEOUT(model()->rowCount(), before + 1, 10000);
            latencies.append(clock.elapsed());
        }
        std::sort(latencies.begin(), latencies.end());
        qInfo("call to audit tail, 5 calls (ms, including the proxied call itself): min %lld, "
              "median %lld, max %lld",
              latencies.first(), latencies.at(2), latencies.last());
        // Exactly the server's rows, newest first.
        const test::HttpResult audit = m_server->admin("GET", QStringLiteral("/v1/audit"));
        const QJsonArray rows = audit.json.value(QStringLiteral("data")).toArray();
        QCOMPARE(model()->rowCount(), int(rows.size()));
        for (int row = 0; row < rows.size(); ++row)
            QCOMPARE(model()->entryAt(row)->id,
                     rows.at(row).toObject().value(QStringLiteral("id")).toString());
    }

    void pauseHoldsCallsBack()
    {
        const int before = model()->rowCount();
        page()->pauseTailButton()->click();
        QVERIFY(page()->isTailPaused());
        call();
        call();
        QTRY_COMPARE_WITH_TIMEOUT(page()->callsWhilePaused(), 2, 10000);
        QCOMPARE(model()->rowCount(), before);
        page()->pauseTailButton()->click();
        QTRY_COMPARE_WITH_TIMEOUT(model()->rowCount(), before + 2, 10000);
        QCOMPARE(page()->callsWhilePaused(), 0);
    }

    // Rows never move under the pointer: while it rests on the rows the tail waits, says what
    // came, and shows it when the pointer leaves.
    void pointerOverTheRowsHoldsTheTail()
    {
        const int before = model()->rowCount();
        QWidget *viewport = page()->table()->viewport();
        QTest::mouseMove(viewport, viewport->rect().center());
        QVERIFY(page()->isTailPaused());
        call();
        call();
        QTRY_COMPARE_WITH_TIMEOUT(page()->callsWhilePaused(), 2, 10000);
        QCOMPARE(model()->rowCount(), before);
        auto *pill =
            page()->table()->findChild<QPushButton *>(QStringLiteral("heldRowsPushButton"));
        QVERIFY(pill && pill->isVisible());
        QCOMPARE(pill->text(), QStringLiteral("2 new calls — show"));
        QTest::mouseMove(m_window.get(), QPoint(5, m_window->height() - 5));
        QVERIFY(!page()->isTailPaused());
        QTRY_COMPARE_WITH_TIMEOUT(model()->rowCount(), before + 2, 10000);
        QVERIFY(!pill->isVisible());
    }

    void scrollLockKeepsTheRowsInView()
    {
        const int all = model()->rowCount() + 60;
        for (int i = 0; i < 60; ++i)
            call();
        // Every call in before counting: a row still on its way would land in the count below.
        QTRY_COMPARE_WITH_TIMEOUT(model()->rowCount(), all, 10000);
        QTableView *table = page()->table();
        QTRY_VERIFY(table->verticalScrollBar()->maximum() > 0);

        // Locked, in the middle: the rows in view stay while new ones arrive on top.
        page()->scrollLockButton()->setChecked(true);
        table->scrollTo(model()->index(30, 0), QAbstractItemView::PositionAtTop);
        const QString top = topVisibleId();
        QVERIFY(!top.isEmpty());
        const int before = model()->rowCount();
        call();
        call();
        call();
        QTRY_COMPARE_WITH_TIMEOUT(model()->rowCount(), before + 3, 10000);
        QCOMPARE(topVisibleId(), top);

        // Unlocked, at the top: the view follows the newest.
        page()->scrollLockButton()->setChecked(false);
        table->scrollToTop();
        call();
        QTRY_COMPARE_WITH_TIMEOUT(model()->rowCount(), before + 4, 10000);
        QCOMPARE(topVisibleId(), model()->entryAt(0)->id);
    }

    // The run view names the run's runway at its trailing spend rate.
    void runViewShowsRunway()
    {
        m_window->openRun(QStringLiteral("tail/run-1"));
        auto *summary = m_window->findChild<QLabel *>(QStringLiteral("runSummaryLabel"));
        QVERIFY(summary);
        QTRY_VERIFY2_WITH_TIMEOUT(summary->text().contains(QStringLiteral("cap in ")),
                                  qPrintable(summary->text()), 10000);
        qInfo("run view: %s", qPrintable(summary->text()));
    }
};

QTEST_MAIN(TestLiveAudit)
#include "tst_liveaudit.moc"
