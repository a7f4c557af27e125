// Runaway detection in the real main window against a real keybraked driven by keybrake-sim's
// agents: the `runaway` scenario (one agent charging the same amount in a loop, then hammering
// its cap) is flagged within its run — row marked "⚠ Runaway" with the reason, a banner with
// "Revoke run…" that opens the kill switch for exactly that run, a notification — and the
// `lambda-sqs` scenario (hundreds of short, well-behaved runs, some messages delivered twice) is
// not, by the console's rules nor by the server's anomaly report.
//
// With KEYBRAKE_SCREENSHOT_DIR set, the flagged window is saved as runaway.png there.
#include "client/keybrakeclient.h"
#include "models/alertcenter.h"
#include "models/connectionmonitor.h"
#include "models/consolesession.h"
#include "models/livefeed.h"
#include "models/runawaydetector.h"
#include "models/vaultkeyfilterproxymodel.h"
#include "models/vaultkeytablemodel.h"
#include "resources/keybrakeresources.h"
#include "testserver.h"
#include "ui/mainwindow.h"
#include "ui/messagebanner.h"
#include "ui/stoprunsdialog.h"
#include "ui/vaultkeyspage.h"

#include <QJsonArray>
#include <QLabel>
#include <QLineEdit>
#include <QProcess>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTest>

#include <memory>

using namespace keybrake;

class TestLiveRunaway : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<test::TestServer> m_server;
    std::unique_ptr<ConsoleSession> m_session;
    std::unique_ptr<MainWindow> m_window;
    QSet<QString> m_callIds;

    bool open()
    {
        const ServerProfile profile = ServerProfile::create(
            QStringLiteral("acme-staging"), m_server->baseUrl(), ServerEnvironment::Staging);
        m_session = std::make_unique<ConsoleSession>(profile, m_server->adminKey());
        connect(m_session->live(), &LiveFeed::callReceived, this,
                [this](const client::AuditEntry &call) { m_callIds.insert(call.id); });
        m_window = std::make_unique<MainWindow>(m_session.get());
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

    // Runs a keybrake-sim agents scenario to its end (its summary agrees with the audit log).
    bool runAgents(const QStringList &arguments)
    {
        QProcess sim;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("KEYBRAKE_API_KEY"), m_server->adminKey());
        sim.setProcessEnvironment(env);
        sim.setProcessChannelMode(QProcess::MergedChannels);
        sim.start(qEnvironmentVariable("KEYBRAKE_SIM"),
                  QStringList {QStringLiteral("agents")} + arguments
                      + QStringList {QStringLiteral("--server"), m_server->baseUrl().toString(),
                                     QStringLiteral("--quiet"), QStringLiteral("--seed"),
                                     QStringLiteral("7")});
        if (!sim.waitForStarted(10000))
            return false;
        // The console's event loop keeps running while the agents work.
        const bool finished =
            QTest::qWaitFor([&] { return sim.state() == QProcess::NotRunning; }, 90000);
        if (!finished || sim.exitCode() != 0) {
            qWarning("keybrake-sim: %s", sim.readAll().constData());
            return false;
        }
        return true;
    }

    int auditCalls()
    {
        int total = 0;
        QString cursor;
        do {
            const test::HttpResult page = m_server->admin(
                "GET",
                QStringLiteral("/v1/audit?limit=1000")
                    + (cursor.isEmpty() ? QString() : QStringLiteral("&cursor=") + cursor));
            total += int(page.json.value(QStringLiteral("data")).toArray().size());
            cursor = page.json.value(QStringLiteral("next_cursor")).toString();
        } while (!cursor.isEmpty());
        return total;
    }

    bool serverAnomaliesChecked()
    {
        QSignalSpy checked(m_session->runaway(), &RunawayDetector::anomaliesChecked);
        m_session->runaway()->checkServerAnomalies();
        return checked.wait(20000) && checked.first().first().toBool();
    }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        installTranslations();
    }

    void init()
    {
        m_callIds.clear();
        m_server = std::make_unique<test::TestServer>();
        QVERIFY2(m_server->start(), qPrintable(m_server->errorString()));
    }

    void cleanup()
    {
        m_window.reset();
        m_session.reset();
        m_server.reset();
    }

    void runawayScenarioIsFlagged()
    {
        // Well-behaved neighbours, which must stay unmarked.
        for (const QString &name : {QStringLiteral("billing-m1"), QStringLiteral("sms-notify"),
                                    QStringLiteral("refunds")}) {
            const QJsonObject key = m_server->issueKey(QJsonObject {
                {QStringLiteral("vendor"), QStringLiteral("stripe")},
                {QStringLiteral("daily_usd_cap"), 50},
                {QStringLiteral("allowed_endpoints"),
                 QJsonArray {QStringLiteral("charges.create")}},
                {QStringLiteral("expires_in"), QStringLiteral("2h")},
                {QStringLiteral("agent_run_label"),
                 QStringLiteral("lambda/billing-agent/%1").arg(name)},
                {QStringLiteral("name"), name},
            });
            QCOMPARE(m_server
                         ->proxy("POST", QStringLiteral("/stripe/v1/charges"),
                                 test::stripeCharge(1250),
                                 key.value(QStringLiteral("vault_key")).toString())
                         .status,
                     200);
        }
        QVERIFY(open());
        QVERIFY(runAgents({QStringLiteral("runaway"), QStringLiteral("--runaway-seconds"),
                           QStringLiteral("6"), QStringLiteral("--rate"), QStringLiteral("10")}));
        RunawayDetector *detector = m_session->runaway();
        QTRY_COMPARE_WITH_TIMEOUT(detector->flags().size(), 1, 10000);
        const RunawayDetector::Flag flag = detector->flags().first();
        QVERIFY2(flag.label.startsWith(QStringLiteral("lambda/collections-agent/")),
                 qPrintable(flag.label));
        QCOMPARE(flag.rule, RunawayDetector::Rule::RetrySpiral);
        QVERIFY2(flag.reason.startsWith(QStringLiteral("Retry spiral")), qPrintable(flag.reason));
        QCOMPARE(flag.keyIds.size(), 1);
        const QString keyId = *flag.keyIds.cbegin();

        // The row says so in words, with the reason in its tooltip, not only by a tint.
        VaultKeyTableModel *model = m_window->vaultKeysPage()->model();
        QTRY_VERIFY_WITH_TIMEOUT(model->rowOfKey(keyId) >= 0, 10000);
        const QModelIndex name =
            model->index(model->rowOfKey(keyId), VaultKeyTableModel::NameColumn);
        QVERIFY2(name.data().toString().startsWith(QStringLiteral("⚠ Runaway")),
                 qPrintable(name.data().toString()));
        QVERIFY(name.data(Qt::ToolTipRole).toString().contains(flag.reason));
        QVERIFY(name.data(Qt::BackgroundRole).isValid());
        QCOMPARE(name.data(VaultKeyTableModel::RunawayRole).toString(), flag.reason);

        // A notification, exactly one for this run and rule.
        const QList<AlertCenter::Alert> &alerts = m_session->alerts()->alerts();
        QCOMPARE(std::count_if(alerts.cbegin(), alerts.cend(),
                               [](const auto &a) { return a.kind == AlertCenter::Kind::Runaway; }),
                 1);

        // The banner offers the kill switch for exactly that run.
        MessageBanner *banner = m_window->vaultKeysPage()->runawayBanner();
        QVERIFY(banner->isVisible());
        QVERIFY2(banner->text().contains(flag.label), qPrintable(banner->text()));
        // The neighbours are not marked.
        for (int row = 0; row < model->rowCount(); ++row) {
            const QModelIndex other = model->index(row, VaultKeyTableModel::NameColumn);
            if (other != name)
                QVERIFY(other.data(VaultKeyTableModel::RunawayRole).toString().isEmpty());
        }
        if (const QString dir = qEnvironmentVariable("KEYBRAKE_SCREENSHOT_DIR"); !dir.isEmpty()) {
            m_window->resize(1640, 720);
            m_window->vaultKeysPage()->table()->clearSelection();
            QTest::qWait(200); // let the new size paint
            QVERIFY(m_window->grab().save(dir + QStringLiteral("/runaway.png")));
        }
        auto *revokeRun = banner->findChild<QPushButton *>();
        QVERIFY(revokeRun);
        QTest::mouseClick(revokeRun, Qt::LeftButton);
        auto *dialog = m_window->findChild<StopRunsDialog *>();
        QVERIFY(dialog);
        QCOMPARE(dialog->findChild<QLineEdit *>(QStringLiteral("labelPrefixLineEdit"))->text(),
                 flag.label);
        QTRY_VERIFY_WITH_TIMEOUT(dialog->findChild<QLabel *>(QStringLiteral("impactLabel"))
                                     ->text()
                                     .startsWith(QStringLiteral("This stops 1 key")),
                                 20000);
        dialog->reject();
    }

    void lambdaSqsIsNotFlagged()
    {
        QVERIFY(open());
        QVERIFY(runAgents({QStringLiteral("lambda-sqs"), QStringLiteral("--runs"),
                           QStringLiteral("120"), QStringLiteral("--rate"), QStringLiteral("30")}));
        // Every call reached the console before the verdict is taken.
        const int calls = auditCalls();
        QVERIFY(calls >= 120);
        QTRY_COMPARE_WITH_TIMEOUT(int(m_callIds.size()), calls, 20000);
        QVERIFY(serverAnomaliesChecked());
        // The detector evaluates at most every half second: one more round must pass.
        QTest::qWait(1000);
        QVERIFY2(m_session->runaway()->flags().isEmpty(),
                 qPrintable(m_session->runaway()->flags().isEmpty()
                                ? QString()
                                : m_session->runaway()->flags().first().label + QStringLiteral(": ")
                                    + m_session->runaway()->flags().first().reason));
        QVERIFY(!m_window->vaultKeysPage()->runawayBanner()->isVisible());
        qInfo("lambda-sqs: %d calls seen live, no runaway flagged", calls);
    }
};

QTEST_MAIN(TestLiveRunaway)
#include "tst_liverunaway.moc"
