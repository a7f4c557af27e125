// The console stays responsive while its server is stopped, hangs (SIGSTOP) and comes back, and
// its status bar tells the truth throughout. A watchdog timer measures the event-loop lag; the
// stretches where the test itself blocks on starting or stopping the server process are excluded.
#include "lagwatchdog.h"
#include "models/connectionmonitor.h"
#include "models/consolesession.h"
#include "models/vaultkeytablemodel.h"
#include "resources/keybrakeresources.h"
#include "testserver.h"
#include "ui/connectionstatuslabel.h"
#include "ui/mainwindow.h"
#include "ui/messagebanner.h"
#include "ui/vaultkeyspage.h"

#include <QAction>
#include <QJsonArray>
#include <QTest>

#include <algorithm>

using namespace keybrake;
using State = ConnectionMonitor::State;

class TestResponsiveness : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { installTranslations(); }

    void stoppedHungAndBack()
    {
        // Short timeouts so the test does not wait 10 s per hung request.
        qputenv("KEYBRAKE_HTTP_TIMEOUT_MS", "2000");
        test::TestServer server;
        QVERIFY2(server.start(), qPrintable(server.errorString()));
        for (int i = 0; i < 30; ++i) {
            QVERIFY(!server
                         .issueKey(QJsonObject {
                             {QStringLiteral("vendor"), QStringLiteral("stripe")},
                             {QStringLiteral("daily_usd_cap"), 10},
                             {QStringLiteral("allowed_endpoints"),
                              QJsonArray {QStringLiteral("charges.create")}},
                             {QStringLiteral("expires_in"), QStringLiteral("1h")},
                             {QStringLiteral("agent_run_label"), QStringLiteral("resp/%1").arg(i)},
                         })
                         .isEmpty());
        }
        ConsoleSession session(ServerProfile::create(QStringLiteral("resp"), server.baseUrl(),
                                                     ServerEnvironment::Production),
                               server.adminKey());
        ConnectionMonitor *monitor = session.monitor();
        monitor->setPollInterval(std::chrono::milliseconds(500));
        monitor->setBackoff(std::chrono::milliseconds(200), std::chrono::milliseconds(1500));
        monitor->setSlowAfter(std::chrono::milliseconds(800));
        MainWindow window(&session);
        session.start();
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QCOMPARE(window.windowTitle().left(10), QStringLiteral("PRODUCTION"));
        const auto status = [&window] { return window.connectionStatus()->statusText(); };
        VaultKeysPage *page = window.vaultKeysPage();
        QTRY_COMPARE_WITH_TIMEOUT(page->model()->rowCount(), 30, 20000);
        QTRY_COMPARE_WITH_TIMEOUT(status(), QStringLiteral("● Live"), 20000);
        QTRY_VERIFY(page->revokeSelectedAction()->isEnabled());

        LagWatchdog watchdog;
        watchdog.start();
        QList<QString> seen;
        connect(monitor, &ConnectionMonitor::statusTextChanged, this, [&] {
            const QString text = status();
            if (seen.isEmpty() || seen.last() != text)
                seen.append(text);
        });

        // 1. Stopped: refused connections.
        watchdog.pause();
        server.stopServer();
        watchdog.resume();
        QTRY_VERIFY_WITH_TIMEOUT(status().startsWith(QStringLiteral("◌ Reconnecting")), 20000);
        QTRY_VERIFY_WITH_TIMEOUT(status().startsWith(QStringLiteral("○ Offline — data as of")),
                                 20000);
        const TimeFormatter time = session.timeFormatter();
        QVERIFY2(status().contains(time.clock(monitor->dataAsOf())), qPrintable(status()));
        // Writes are off, with the reason; the data stays on screen with its "as of" time.
        QVERIFY(!page->revokeSelectedAction()->isEnabled());
        QVERIFY(page->revokeSelectedAction()->toolTip().contains(QStringLiteral("not answering")));
        QCOMPARE(page->model()->rowCount(), 30);
        auto *banner = page->findChild<MessageBanner *>();
        QTRY_VERIFY(banner->isVisible());
        QVERIFY2(banner->text().startsWith(QStringLiteral("Showing data as of")),
                 qPrintable(banner->text()));

        // 2. Back.
        watchdog.pause();
        QVERIFY2(server.restartServer(), qPrintable(server.errorString()));
        watchdog.resume();
        QTRY_COMPARE_WITH_TIMEOUT(status(), QStringLiteral("● Live"), 40000);
        QTRY_VERIFY(page->revokeSelectedAction()->isEnabled());
        QTRY_VERIFY(!banner->isVisible());

        // 3. Hung: the server accepts connections and never answers.
        server.freezeServer();
        const auto sawText = [&seen](const QString &prefix) {
            return std::any_of(seen.cbegin(), seen.cend(),
                               [&prefix](const QString &text) { return text.startsWith(prefix); });
        };
        seen.clear();
        QTRY_VERIFY_WITH_TIMEOUT(sawText(QStringLiteral("◌ Waiting for the server")), 20000);
        QTRY_VERIFY_WITH_TIMEOUT(sawText(QStringLiteral("◌ Reconnecting"))
                                     || sawText(QStringLiteral("○ Offline")),
                                 20000);
        server.thawServer();
        QTRY_COMPARE_WITH_TIMEOUT(status(), QStringLiteral("● Live"), 40000);

        watchdog.pause();
        qInfo("event-loop lag over %lld samples: worst %lld ms, p99 %lld ms (wall clock: worst "
              "%lld ms, of which the rest was other processes holding the CPU)",
              watchdog.samples(), watchdog.worstLagMs(), watchdog.percentileLagMs(0.99),
              watchdog.worstWallLagMs());
        qInfo("status texts seen: %s", qPrintable(seen.join(QStringLiteral(" | "))));
        QVERIFY(watchdog.samples() > 100);
        QVERIFY2(
            watchdog.worstLagMs() < 50,
            qPrintable(QStringLiteral("worst event-loop lag %1 ms").arg(watchdog.worstLagMs())));
    }
};

QTEST_MAIN(TestResponsiveness)
#include "tst_responsiveness.moc"
