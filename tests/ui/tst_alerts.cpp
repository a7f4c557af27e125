// Notifications in the real main window against a real keybraked: a key crossing 80 %, 95 % and
// 100 % of its cap is notified once per threshold — also when the stream replays everything
// after a reconnect and when the console is restarted on the same profile — the bell counts
// what is unacknowledged, Open goes to the key, Snooze keeps a key quiet, and a threshold turned
// off in the preferences does not notify.
//
// With KEYBRAKE_SCREENSHOT_DIR set, the window with the notification panel open is saved as
// notification.png there.
#include "client/keybrakeclient.h"
#include "models/alertcenter.h"
#include "models/consolesession.h"
#include "models/livefeed.h"
#include "models/runwaytracker.h"
#include "models/vaultkeytablemodel.h"
#include "resources/keybrakeresources.h"
#include "testserver.h"
#include "ui/alertbell.h"
#include "ui/alertpanel.h"
#include "ui/keydetailspanel.h"
#include "ui/mainwindow.h"
#include "ui/vaultkeyspage.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QListView>
#include <QPainter>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTest>

#include <memory>

using namespace keybrake;

namespace {

QJsonObject policy(const QString &name, double capUsd)
{
    return QJsonObject {
        {QStringLiteral("vendor"), QStringLiteral("stripe")},
        {QStringLiteral("daily_usd_cap"), capUsd},
        {QStringLiteral("allowed_endpoints"), QJsonArray {QStringLiteral("charges.create")}},
        {QStringLiteral("expires_in"), QStringLiteral("1h")},
        {QStringLiteral("agent_run_label"),
         QString(QStringLiteral("lambda/billing-agent/") + name)},
        {QStringLiteral("name"), name},
    };
}

} // namespace

class TestAlerts : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<test::TestServer> m_server;
    ServerProfile m_profile;
    std::unique_ptr<ConsoleSession> m_session;
    std::unique_ptr<MainWindow> m_window;

    // `replayFrom`: where the stream resumes ("0": everything the server has, as after a long
    // disconnect); empty: from now on.
    bool open(const QString &replayFrom = {})
    {
        m_session = std::make_unique<ConsoleSession>(m_profile, m_server->adminKey());
        m_window = std::make_unique<MainWindow>(m_session.get());
        if (!replayFrom.isEmpty())
            m_session->live()->stream()->setLastEventId(replayFrom);
        m_session->start();
        m_window->show();
        if (!QTest::qWaitForWindowExposed(m_window.get()))
            return false;
        return QTest::qWaitFor(
            [this] {
                return m_session->live()->isLive()
                    && m_window->vaultKeysPage()->model()->hasLoaded();
            },
            20000);
    }

    void close()
    {
        m_window.reset();
        m_session.reset();
    }

    AlertCenter *alerts() const { return m_session->alerts(); }

    // Notifications (subjects), whatever row (group) they were merged into.
    int count(const QString &subjectPrefix) const
    {
        int n = 0;
        for (const AlertCenter::Alert &a : alerts()->alerts())
            n += int(std::count_if(a.subjects.cbegin(), a.subjects.cend(),
                                   [&](const QString &s) { return s.startsWith(subjectPrefix); }));
        return n;
    }

    void charge(const QString &secret, qint64 cents)
    {
        QCOMPARE(m_server
                     ->proxy("POST", QStringLiteral("/stripe/v1/charges"),
                             test::stripeCharge(cents), secret)
                     .status,
                 200);
    }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        installTranslations();
        m_server = std::make_unique<test::TestServer>();
        QVERIFY2(m_server->start(), qPrintable(m_server->errorString()));
        m_profile = ServerProfile::create(QStringLiteral("acme-staging"), m_server->baseUrl(),
                                          ServerEnvironment::Staging);
        QFile::remove(ConsoleSession::alertStateFile(m_profile));
    }

    void cleanupTestCase()
    {
        close();
        QFile::remove(ConsoleSession::alertStateFile(m_profile));
        m_server.reset();
    }

    void thresholdsNotifyOnceThroughReplayAndRestart()
    {
        QVERIFY(open());
        // Spending this fast also shortens the run's runway: that notification is checked below.
        alerts()->setRunwayAlerts(false);
        const QJsonObject key = m_server->issueKey(policy(QStringLiteral("billing-m1"), 50));
        const QString keyId = key.value(QStringLiteral("key_id")).toString();
        const QString secret = key.value(QStringLiteral("vault_key")).toString();
        // The new key appears in the table by itself (key.issued).
        QTRY_VERIFY_WITH_TIMEOUT(m_window->vaultKeysPage()->model()->rowOfKey(keyId) >= 0, 10000);
        AlertBell *bell = m_window->alertBell();
        QCOMPARE(bell->text(), QString());

        QSignalSpy raised(alerts(), &AlertCenter::raised);
        charge(secret, 4000); // $40 of $50: 80 %
        QTRY_COMPARE_WITH_TIMEOUT(count(QStringLiteral("threshold|") + keyId), 1, 10000);
        QCOMPARE(alerts()->alerts().first().title, QStringLiteral("billing-m1 at 80 % of its cap"));
        QCOMPARE(bell->text(), QStringLiteral("1"));
        charge(secret, 800); // $48: 96 %
        QTRY_COMPARE_WITH_TIMEOUT(count(QStringLiteral("threshold|") + keyId), 2, 10000);
        QVERIFY(count(QStringLiteral("threshold|%1|95|").arg(keyId)) == 1);
        // One row for the key's prefix, now a warning: the bell counts rows, and the tray heard
        // of the rise.
        QCOMPARE(alerts()->rowCount(), 1);
        QCOMPARE(alerts()->alerts().first().title, QStringLiteral("billing-m1 at 95 % of its cap"));
        QCOMPARE(alerts()->alerts().first().severity, AlertCenter::Severity::Warning);
        QCOMPARE(bell->text(), QStringLiteral("1"));
        QCOMPARE(raised.count(), 2);

        if (const QString dir = qEnvironmentVariable("KEYBRAKE_SCREENSHOT_DIR"); !dir.isEmpty()) {
            // The table has caught up with the spend the notifications name.
            QTRY_COMPARE_WITH_TIMEOUT(
                m_window->vaultKeysPage()->model()->findKey(keyId)->spentTodayUsd,
                Usd::fromDollars(48), 10000);
            QTest::mouseClick(bell, Qt::LeftButton);
            AlertPanel *panel = bell->panel();
            QVERIFY(QTest::qWaitForWindowExposed(panel));
            panel->list()->setCurrentIndex(alerts()->index(0));
            QTest::qWait(200); // let the popup paint
            // The panel is a popup window of its own: painted onto the window's picture where
            // it stands.
            QPixmap shot = m_window->grab();
            QPainter painter(&shot);
            painter.drawPixmap(m_window->mapFromGlobal(panel->mapToGlobal(QPoint(0, 0))),
                               panel->grab());
            painter.end();
            QVERIFY(shot.save(dir + QStringLiteral("/notification.png")));
            panel->hide();
        }

        // The stream reconnects from the very first event: the server replays both thresholds,
        // and nothing is notified twice.
        m_session->live()->stream()->stop();
        m_session->live()->stream()->setLastEventId(QStringLiteral("0"));
        const qint64 before = m_session->live()->eventCount();
        m_session->live()->stream()->start();
        QTRY_VERIFY_WITH_TIMEOUT(m_session->live()->isLive(), 20000);
        QTRY_VERIFY_WITH_TIMEOUT(m_session->live()->eventCount() >= before + 4, 10000);
        QCOMPARE(count(QStringLiteral("threshold|") + keyId), 2);
        QCOMPARE(raised.count(), 2);

        // Open goes to the key; opening acknowledges.
        AlertPanel *panel = m_window->alertBell()->panel();
        panel->list()->setCurrentIndex(alerts()->index(0));
        QTest::mouseClick(panel->findChild<QPushButton *>(QStringLiteral("alertOpenPushButton")),
                          Qt::LeftButton);
        QCOMPARE(m_window->currentPage(), MainWindow::Page::VaultKeys);
        QTRY_VERIFY(m_window->vaultKeysPage()->findChild<KeyDetailsPanel *>()->isVisible());
        QCOMPARE(bell->text(), QString());

        // A restarted console on the same profile, replaying everything: still nothing twice.
        close();
        QVERIFY(open(QStringLiteral("0")));
        QSignalSpy raisedAgain(alerts(), &AlertCenter::raised);
        QTRY_VERIFY_WITH_TIMEOUT(m_session->live()->eventCount() >= 4, 10000);
        QCOMPARE(count(QStringLiteral("threshold|")), 0);
        // ...and the next threshold still comes, once.
        charge(secret, 200); // $50: 100 %
        QTRY_COMPARE_WITH_TIMEOUT(count(QStringLiteral("threshold|%1|100|").arg(keyId)), 1, 10000);
        QCOMPARE(raisedAgain.count(), 1);
        QCOMPARE(alerts()->alerts().first().kind, AlertCenter::Kind::Capped);
        QCOMPARE(alerts()->alerts().first().severity, AlertCenter::Severity::Critical);
        QCOMPARE(m_window->alertBell()->text(), QStringLiteral("1"));
    }

    void snoozeAndPreferences()
    {
        close();
        QVERIFY(open());
        const QJsonObject a = m_server->issueKey(policy(QStringLiteral("sms-notify"), 10));
        const QString aId = a.value(QStringLiteral("key_id")).toString();
        const QString aSecret = a.value(QStringLiteral("vault_key")).toString();
        charge(aSecret, 800); // 80 %
        QTRY_COMPARE_WITH_TIMEOUT(count(QStringLiteral("threshold|") + aId), 1, 10000);
        // Muted (its agent prefix): the next threshold of that key is listed, acknowledged, and
        // raises nothing.
        alerts()->snooze(alerts()->alerts().first().serial, 60);
        QSignalSpy raised(alerts(), &AlertCenter::raised);
        charge(aSecret, 150); // 95 %
        QTRY_COMPARE_WITH_TIMEOUT(count(QStringLiteral("threshold|") + aId), 2, 10000);
        QVERIFY(alerts()->alerts().first().snoozed);
        QCOMPARE(raised.count(), 0);
        QCOMPARE(alerts()->unacknowledgedCount(), 0);

        // 80 % turned off: a new key crossing it notifies nothing; 95 % still does.
        alerts()->setThresholdPercents({95, 100});
        const QJsonObject b = m_server->issueKey(policy(QStringLiteral("refunds"), 10));
        const QString bId = b.value(QStringLiteral("key_id")).toString();
        const QString bSecret = b.value(QStringLiteral("vault_key")).toString();
        charge(bSecret, 850); // 85 %
        charge(bSecret, 100); // 95 %
        charge(bSecret, 25); // a third call: enough to forecast a runway
        QTRY_COMPARE_WITH_TIMEOUT(count(QStringLiteral("threshold|%1|95|").arg(bId)), 1, 10000);
        QCOMPARE(count(QStringLiteral("threshold|%1|80|").arg(bId)), 0);
        alerts()->setThresholdPercents({80, 95, 100});

        // Runway: $9.50 of $10 within seconds leaves well under 15 minutes; notified once.
        alerts()->setRunwayAlerts(true);
        const QString run = QStringLiteral("runway|lambda/billing-agent/refunds|");
        m_session->runway()->evaluate();
        QTRY_COMPARE_WITH_TIMEOUT(count(run), 1, 5000);
        const auto runway = std::find_if(alerts()->alerts().cbegin(), alerts()->alerts().cend(),
                                         [&](const auto &a) { return a.subject.startsWith(run); });
        QVERIFY2(runway->title.startsWith(
                     QStringLiteral("lambda/billing-agent/refunds reaches its cap in")),
                 qPrintable(runway->title));
        QCOMPARE(runway->kind, AlertCenter::Kind::Runway);
        QVERIFY(runway->keyId.isEmpty() || runway->keyId == bId);
        m_session->runway()->evaluate();
        QCOMPARE(count(run), 1);
    }
};

QTEST_MAIN(TestAlerts)
#include "tst_alerts.moc"
