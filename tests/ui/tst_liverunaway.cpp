// Runaway detection in the real main window against a real keybraked driven by keybrake-sim's
// agents: the `runaway` scenario (one agent charging the same amount in a loop, then hammering
// its cap) is flagged within its run — row marked "⚠ Runaway" with the reason, a banner with
// "Revoke run…" that opens the kill switch for exactly that run, a notification — and the
// ordinary scenarios (`lambda-sqs`, `eventbridge-schedule`, `twilio-sms`, `resend-email`,
// `mixed` without its runaway) are not, by the console's rules nor by the server's anomaly
// report.
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

#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QProcess>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
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
        RunawayDetector *detector = m_session->runaway();
        // Flagged within 30 s of the runaway's start (issue 13), measured from the simulator's
        // start to the first flag.
        QElapsedTimer sinceStart;
        qint64 flaggedAfterMs = -1;
        connect(detector, &RunawayDetector::flagged, this, [&] {
            if (flaggedAfterMs < 0)
                flaggedAfterMs = sinceStart.elapsed();
        });
        sinceStart.start();
        QVERIFY(runAgents({QStringLiteral("runaway"), QStringLiteral("--runaway-seconds"),
                           QStringLiteral("6"), QStringLiteral("--rate"), QStringLiteral("10")}));
        QTRY_COMPARE_WITH_TIMEOUT(detector->flags().size(), 1, 10000);
        QVERIFY(flaggedAfterMs >= 0);
        QVERIFY2(flaggedAfterMs <= 30'000, qPrintable(QString::number(flaggedAfterMs)));
        qInfo("runaway flagged %lld ms after the simulator started", flaggedAfterMs);
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

    // The ordinary scenarios, faster than their defaults (more runs per minute, so more peers to
    // be compared with): not one flag, by the console's rules nor by the server's anomaly report.
    // Single-call EventBridge runs were flagged "10.4× the median of its 5 peers under
    // scheduler/invoice-renewals/2026-12-05T11:34:" before the prefix rule and min_calls.
    void ordinaryScenariosAreNotFlagged_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<int>("minimumCalls");
        QTest::newRow("lambda-sqs")
            << QStringList {QStringLiteral("lambda-sqs"), QStringLiteral("--runs"),
                            QStringLiteral("120"), QStringLiteral("--rate"), QStringLiteral("30")}
            << 120;
        QTest::newRow("eventbridge-schedule")
            << QStringList {QStringLiteral("eventbridge-schedule"),
                            QStringLiteral("--runs"),
                            QStringLiteral("60"),
                            QStringLiteral("--rate"),
                            QStringLiteral("10"),
                            QStringLiteral("--failure-share"),
                            QStringLiteral("0.3"),
                            QStringLiteral("--retry-base"),
                            QStringLiteral("0.2")}
            << 60;
        QTest::newRow("twilio-sms")
            << QStringList {QStringLiteral("twilio-sms"), QStringLiteral("--runs"),
                            QStringLiteral("40"), QStringLiteral("--rate"), QStringLiteral("8")}
            << 40;
        QTest::newRow("resend-email")
            << QStringList {QStringLiteral("resend-email"), QStringLiteral("--runs"),
                            QStringLiteral("60"), QStringLiteral("--rate"), QStringLiteral("10")}
            << 60;
        QTest::newRow("mixed, no runaway")
            << QStringList {QStringLiteral("mixed"), QStringLiteral("--duration"),
                            QStringLiteral("15"),    QStringLiteral("--rate"),
                            QStringLiteral("8"),     QStringLiteral("--runaway-after"),
                            QStringLiteral("3600")}
            << 60;
    }
    void ordinaryScenariosAreNotFlagged()
    {
        QFETCH(QStringList, arguments);
        QFETCH(int, minimumCalls);
        QVERIFY(open());
        QElapsedTimer took;
        took.start();
        QVERIFY(runAgents(arguments));
        // Every call reached the console before the verdict is taken.
        const int calls = auditCalls();
        QVERIFY2(calls >= minimumCalls, qPrintable(QString::number(calls)));
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
        qInfo("%s: %d calls seen live in %lld ms, no runaway flagged",
              qPrintable(arguments.first()), calls, took.elapsed());
    }

    // A measurement, not part of the suite: KEYBRAKE_SOAK_SECONDS=600 runs the demo's traffic
    // (`mixed` with the demo's arguments: a runaway after 10 s and then every minute) for that
    // long and prints the flags (true and false) and the bell's items. Issue 13's targets: every
    // runaway flagged, no other run flagged, at most 15 bell items in 10 minutes. Qt Test stops a
    // function after 300 s: also set QTEST_FUNCTION_TIMEOUT (ms) above the soak.
    void demoSoak()
    {
        const int seconds = qEnvironmentVariableIntValue("KEYBRAKE_SOAK_SECONDS");
        if (seconds <= 0)
            QSKIP("set KEYBRAKE_SOAK_SECONDS to measure");
        QVERIFY(open());
        QTemporaryDir dir;
        const QString summaryPath = dir.filePath(QStringLiteral("summary.json"));
        QProcess sim;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("KEYBRAKE_API_KEY"), m_server->adminKey());
        sim.setProcessEnvironment(env);
        sim.setProcessChannelMode(QProcess::MergedChannels);
        sim.start(qEnvironmentVariable("KEYBRAKE_SIM"),
                  {QStringLiteral("agents"), QStringLiteral("mixed"), QStringLiteral("--server"),
                   m_server->baseUrl().toString(), QStringLiteral("--quiet"),
                   QStringLiteral("--summary-json"), summaryPath, QStringLiteral("--duration"),
                   QString::number(seconds), QStringLiteral("--rate"), QStringLiteral("2"),
                   QStringLiteral("--runaway-after"), QStringLiteral("10"),
                   QStringLiteral("--runaway-every"), QStringLiteral("60"),
                   QStringLiteral("--runaway-seconds"), QStringLiteral("25")});
        QVERIFY(sim.waitForStarted(10000));
        QElapsedTimer took;
        took.start();
        QVERIFY(QTest::qWaitFor([&] { return sim.state() == QProcess::NotRunning; },
                                (seconds + 180) * 1000));
        QCOMPARE(sim.exitCode(), 0);
        QTRY_COMPARE_WITH_TIMEOUT(int(m_callIds.size()), auditCalls(), 60000);
        QVERIFY(serverAnomaliesChecked());
        QTest::qWait(1000);

        QFile file(summaryPath);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QJsonObject summary = QJsonDocument::fromJson(file.readAll()).object();
        QSet<QString> runaways;
        for (const auto &r : summary.value(QStringLiteral("runaways")).toArray())
            runaways.insert(r[QStringLiteral("agent_run_label")].toString());
        QSet<QString> flagged;
        QStringList falseFlags;
        for (const RunawayDetector::Flag &flag : m_session->runaway()->flags()) {
            flagged.insert(flag.label);
            if (!runaways.contains(flag.label))
                falseFlags << flag.label + QStringLiteral(": ") + flag.reason;
        }
        const AlertCenter *alerts = m_session->alerts();
        QSet<QString> inBell;
        int notifications = 0;
        for (const AlertCenter::Alert &row : alerts->alerts()) {
            notifications += int(row.subjects.size());
            if (row.kind == AlertCenter::Kind::Runaway)
                for (const QString &member : row.members)
                    inBell.insert(member);
            qInfo("bell item: [%s] %s (%lld notifications)",
                  qPrintable(AlertCenter::severityName(row.severity)), qPrintable(row.title),
                  qint64(row.subjects.size()));
        }
        const QSet<QString> missed = runaways - flagged;
        const QSet<QString> missedInBell = runaways - inBell;
        qInfo("soak %d s (took %lld s): %d calls, %lld runaways by the simulator, %lld flagged, "
              "%lld false flags, %lld runaways not flagged, %lld not in the bell; %d bell items "
              "(%d unacknowledged) from %d notifications",
              seconds, took.elapsed() / 1000, int(m_callIds.size()), qint64(runaways.size()),
              qint64(flagged.size()), qint64(falseFlags.size()), qint64(missed.size()),
              qint64(missedInBell.size()), alerts->rowCount(), alerts->unacknowledgedCount(),
              notifications);
        for (const QString &f : std::as_const(falseFlags))
            qInfo("false flag: %s", qPrintable(f));
        for (const QString &m : missed)
            qInfo("runaway not flagged: %s", qPrintable(m));
        QVERIFY2(falseFlags.isEmpty(), qPrintable(falseFlags.join(u'\n')));
        QVERIFY(missed.isEmpty());
        QVERIFY(missedInBell.isEmpty());
        QVERIFY(alerts->rowCount() <= 15);
    }
};

QTEST_MAIN(TestLiveRunaway)
#include "tst_liverunaway.moc"
