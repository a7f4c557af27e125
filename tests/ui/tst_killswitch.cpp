// The kill switch against a real keybraked under live traffic, on a production profile: the dry
// run says what would stop, the prefix must be typed again, every key under the prefix is revoked
// while agents keep calling, a bystander is not, and the revoke receipt lists each key with the
// server's revocation time and exactly the calls the audit log shows as admitted between the
// click and the revocation; the receipt exports as text and CSV.
//
// With KEYBRAKE_SCREENSHOT_DIR set, the receipt is saved as revoke-receipt.png there.
#include "client/keybrakeclient.h"
#include "models/consolesession.h"
#include "models/livefeed.h"
#include "models/vaultkeytablemodel.h"
#include "resources/keybrakeresources.h"
#include "testserver.h"
#include "ui/environmentband.h"
#include "ui/mainwindow.h"
#include "ui/stoprunsdialog.h"
#include "ui/vaultkeyspage.h"

#include <QJsonArray>
#include <QLabel>
#include <QLineEdit>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace keybrake;

namespace {

QJsonObject policy(const QString &label)
{
    return QJsonObject {
        {QStringLiteral("vendor"), QStringLiteral("stripe")},
        {QStringLiteral("daily_usd_cap"), 10000},
        {QStringLiteral("allowed_endpoints"), QJsonArray {QStringLiteral("charges.create")}},
        {QStringLiteral("expires_in"), QStringLiteral("1h")},
        {QStringLiteral("agent_run_label"), label},
        {QStringLiteral("name"), label.section(QLatin1Char('/'), -1)},
    };
}

// Agents calling in a loop, each as fast as its answers come, until told to stop: the traffic
// the kill switch has to cut.
class AgentLoop : public QObject
{
public:
    AgentLoop(const QUrl &base, const QStringList &secrets)
        : m_base(base)
    {
        for (const QString &secret : secrets)
            send(secret);
    }
    void stop() { m_stopped = true; }
    int inFlight() const { return m_inFlight; }
    int answered(int status) const { return m_statuses.value(status); }

private:
    void send(const QString &secret)
    {
        if (m_stopped)
            return;
        QNetworkRequest request(m_base.resolved(QUrl(QStringLiteral("/stripe/v1/charges"))));
        request.setRawHeader("Authorization", "Bearer " + secret.toLatin1());
        request.setHeader(QNetworkRequest::ContentTypeHeader, "application/x-www-form-urlencoded");
        ++m_inFlight;
        QNetworkReply *reply = m_network.post(request, test::stripeCharge(250));
        connect(reply, &QNetworkReply::finished, this, [this, reply, secret] {
            --m_inFlight;
            ++m_statuses[reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt()];
            reply->deleteLater();
            // A revoked key's agent gives up after its first 401, as a well-written one would.
            if (reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt() != 401)
                send(secret);
        });
    }

    QUrl m_base;
    QNetworkAccessManager m_network;
    QHash<int, int> m_statuses;
    int m_inFlight = 0;
    bool m_stopped = false;
};

} // namespace

class TestKillSwitch : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<test::TestServer> m_server;
    std::unique_ptr<ConsoleSession> m_session;
    std::unique_ptr<MainWindow> m_window;

    QJsonArray audit(const QString &query)
    {
        QJsonArray rows;
        QString cursor;
        do {
            const test::HttpResult page = m_server->admin(
                "GET",
                QStringLiteral("/v1/audit?limit=1000&") + query
                    + (cursor.isEmpty() ? QString() : QStringLiteral("&cursor=") + cursor));
            for (const QJsonValue &row : page.json.value(QStringLiteral("data")).toArray())
                rows.append(row);
            cursor = page.json.value(QStringLiteral("next_cursor")).toString();
        } while (!cursor.isEmpty());
        return rows;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        installTranslations();
        m_server = std::make_unique<test::TestServer>();
        QVERIFY2(m_server->start(), qPrintable(m_server->errorString()));
    }

    void cleanupTestCase()
    {
        m_window.reset();
        m_session.reset();
        m_server.reset();
    }

    void revokesAFleetUnderLiveTrafficWithAReceipt()
    {
        QStringList secrets;
        QStringList fleet;
        for (int i = 1; i <= 4; ++i) {
            const QJsonObject key =
                m_server->issueKey(policy(QStringLiteral("prod/collections/run-%1").arg(i)));
            fleet.append(key.value(QStringLiteral("key_id")).toString());
            secrets.append(key.value(QStringLiteral("vault_key")).toString());
        }
        const QJsonObject bystander =
            m_server->issueKey(policy(QStringLiteral("prod/billing/run-1")));
        const QString bystanderSecret = bystander.value(QStringLiteral("vault_key")).toString();

        const ServerProfile profile = ServerProfile::create(
            QStringLiteral("acme-prod"), m_server->baseUrl(), ServerEnvironment::Production);
        m_session = std::make_unique<ConsoleSession>(profile, m_server->adminKey());
        m_window = std::make_unique<MainWindow>(m_session.get());
        m_session->start();
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
        QTRY_VERIFY_WITH_TIMEOUT(m_session->live()->isLive() && m_session->whoAmI()
                                     && m_window->environmentBand()->stopRunsButton()->isEnabled(),
                                 20000);

        AgentLoop agents(m_server->baseUrl(), secrets);
        QTRY_VERIFY_WITH_TIMEOUT(agents.answered(200) >= 20, 20000);

        // Ctrl+Shift+K opens the kill switch.
        QTest::keyClick(m_window.get(), Qt::Key_K, Qt::ControlModifier | Qt::ShiftModifier);
        auto *dialog = m_window->findChild<StopRunsDialog *>();
        QVERIFY(dialog);
        auto *prefix = dialog->findChild<QLineEdit *>(QStringLiteral("labelPrefixLineEdit"));
        auto *confirm = dialog->findChild<QLineEdit *>(QStringLiteral("confirmPrefixLineEdit"));
        auto *stop = dialog->findChild<QPushButton *>(QStringLiteral("stopRunsConfirmPushButton"));
        auto *impact = dialog->findChild<QLabel *>(QStringLiteral("impactLabel"));
        QTest::keyClicks(prefix, QStringLiteral("prod/collections/"));
        QTest::mouseClick(dialog->findChild<QPushButton *>(QStringLiteral("previewPushButton")),
                          Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(impact->text().startsWith(QStringLiteral("This stops 4 keys")),
                                 20000);
        // Production: not before the prefix is typed again, exactly.
        QVERIFY(confirm->isVisible());
        QVERIFY(!stop->isEnabled());
        // ...and the greyed button says why.
        QVERIFY2(stop->toolTip().contains(QStringLiteral("again in the confirmation box")),
                 qPrintable(stop->toolTip()));
        QTest::keyClicks(confirm, QStringLiteral("prod/collections"));
        QVERIFY(!stop->isEnabled());
        QTest::keyClicks(confirm, QStringLiteral("/"));
        QVERIFY(stop->isEnabled());
        QVERIFY(stop->toolTip().isEmpty());

        QSignalSpy ready(dialog, &StopRunsDialog::receiptReady);
        QTest::mouseClick(stop, Qt::LeftButton);
        QVERIFY(ready.wait(30000));
        // Let the agents see their 401s, then stop the loop. Calls admitted before the
        // revocation and still at the vendor then (the receipt's "held") complete meanwhile:
        // their events come before their answers, so the receipt has them when the loop is done.
        QTRY_COMPARE_WITH_TIMEOUT(agents.answered(401), 4, 20000);
        agents.stop();
        QTRY_COMPARE_WITH_TIMEOUT(agents.inFlight(), 0, 20000);
        QTRY_VERIFY_WITH_TIMEOUT(m_session->live()->isLive(), 1000);

        const RevokeReceipt &receipt = dialog->receipt();
        QVERIFY(receipt.auditRead);
        QStringList receiptKeys;
        for (const RevokeReceipt::Key &key : receipt.keys) {
            receiptKeys.append(key.keyId);
            QVERIFY2(key.label.startsWith(QStringLiteral("prod/collections/run-")),
                     qPrintable(key.label));
            QCOMPARE(key.name, key.label.section(QLatin1Char('/'), -1));
            QVERIFY(key.revokedAt.isValid());
            QVERIFY(key.revokedAt >= receipt.clickedAt.addSecs(-5));
        }
        receiptKeys.sort();
        fleet.sort();
        QCOMPARE(receiptKeys, fleet);

        // Every key under the prefix is revoked, with the receipt's time; the bystander is not.
        const test::HttpResult keys =
            m_server->admin("GET", QStringLiteral("/v1/keys?label_prefix=prod/"));
        int revoked = 0;
        for (const QJsonValue &value : keys.json.value(QStringLiteral("data")).toArray()) {
            const QJsonObject key = value.toObject();
            const QString id = key.value(QStringLiteral("key_id")).toString();
            if (fleet.contains(id)) {
                QCOMPARE(key.value(QStringLiteral("status")).toString(), QStringLiteral("revoked"));
                QCOMPARE(QDateTime::fromString(key.value(QStringLiteral("revoked_at")).toString(),
                                               Qt::ISODateWithMs),
                         receipt.revokedAtOf(id));
                ++revoked;
            } else {
                QCOMPARE(key.value(QStringLiteral("status")).toString(), QStringLiteral("active"));
            }
        }
        QCOMPARE(revoked, 4);
        QCOMPARE(m_server
                     ->proxy("POST", QStringLiteral("/stripe/v1/charges"), test::stripeCharge(100),
                             bystanderSecret)
                     .status,
                 200);

        // The receipt's admitted calls are exactly the audit log's: allowed calls of the fleet
        // from the click to the revocation. After it, nothing of the fleet was allowed.
        QStringList expected;
        int allowedAfter = 0;
        const QJsonArray rows = audit(QStringLiteral("label_prefix=prod/collections/"));
        for (const QJsonValue &value : rows) {
            const QJsonObject row = value.toObject();
            const QDateTime ts = QDateTime::fromString(row.value(QStringLiteral("ts")).toString(),
                                                       Qt::ISODateWithMs);
            const QString verdict = row.value(QStringLiteral("verdict")).toString();
            const QDateTime revokedAt =
                receipt.revokedAtOf(row.value(QStringLiteral("key_id")).toString());
            if (verdict == u"allowed" && ts > revokedAt)
                ++allowedAfter;
            if (verdict == u"allowed" && ts >= receipt.clickedAt && ts <= revokedAt)
                expected.append(row.value(QStringLiteral("id")).toString());
        }
        QCOMPARE(allowedAfter, 0);
        QStringList listed;
        for (const client::AuditEntry &call : receipt.admitted)
            listed.append(call.id);
        expected.sort();
        listed.sort();
        if (listed != expected)
            qWarning("receipt:\n%s", qPrintable(receipt.toText(m_session->timeFormatter())));
        QCOMPARE(listed, expected);
        QCOMPARE(receipt.streamAdmitted, int(expected.size()));
        qInfo("kill switch: 4 keys revoked under traffic; %d call(s) admitted between the click "
              "and the revocation, %d answered 200 in all",
              int(expected.size()), agents.answered(200));

        const QString text =
            dialog->findChild<QPlainTextEdit *>(QStringLiteral("receiptPlainTextEdit"))
                ->toPlainText();
        for (const QString &id : std::as_const(fleet))
            QVERIFY(text.contains(id + QStringLiteral("  revoked ")));
        QVERIFY(text.contains(QStringLiteral("(audit log): %1").arg(expected.size())));

        QTemporaryDir dir;
        QVERIFY(dialog->exportReceipt(dir.filePath(QStringLiteral("receipt.csv"))));
        QFile csv(dir.filePath(QStringLiteral("receipt.csv")));
        QVERIFY(csv.open(QIODevice::ReadOnly));
        const QList<QByteArray> lines = csv.readAll().split('\n');
        QCOMPARE(std::count_if(lines.cbegin(), lines.cend(),
                               [](const QByteArray &l) { return l.startsWith("revoked,"); }),
                 4);
        QCOMPARE(std::count_if(lines.cbegin(), lines.cend(),
                               [](const QByteArray &l) { return l.startsWith("admitted_call,"); }),
                 expected.size());
        QVERIFY(dialog->exportReceipt(dir.filePath(QStringLiteral("receipt.txt"))));

        if (const QString shots = qEnvironmentVariable("KEYBRAKE_SCREENSHOT_DIR"); !shots.isEmpty())
            QVERIFY(dialog->grab().save(shots + QStringLiteral("/revoke-receipt.png")));
    }
};

QTEST_MAIN(TestKillSwitch)
#include "tst_killswitch.moc"
