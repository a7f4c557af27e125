// The Admin Keys page in the real main window, offscreen, against a real keybraked: an admin
// sees every admin key with its role and creator, creates one with the copy-once flow (the
// secret works against the server and is gone from the dialog once closed), and revokes it
// (its next request gets 401); a non-admin key has no Admin Keys page.
#include "client/adminkeyinfo.h"
#include "models/adminkeytablemodel.h"
#include "models/connectionmonitor.h"
#include "models/consolesession.h"
#include "resources/keybrakeresources.h"
#include "testserver.h"
#include "ui/adminkeyspage.h"
#include "ui/createadminkeydialog.h"
#include "ui/mainwindow.h"
#include "ui/messagebanner.h"
#include "ui/messageprompt.h"

#include <QComboBox>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableView>
#include <QTest>

#include <memory>

using namespace keybrake;
using Model = AdminKeyTableModel;

class TestAdminKeysPage : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<test::TestServer> m_server;
    std::unique_ptr<ConsoleSession> m_session;
    std::unique_ptr<MainWindow> m_window;

    AdminKeysPage *page() const { return m_window->adminKeysPage(); }

    bool open(const QString &adminKey)
    {
        const ServerProfile profile = ServerProfile::create(
            QStringLiteral("test"), m_server->baseUrl(), ServerEnvironment::Staging);
        m_session = std::make_unique<ConsoleSession>(profile, adminKey);
        m_window = std::make_unique<MainWindow>(m_session.get());
        m_session->start();
        m_window->show();
        if (!QTest::qWaitForWindowExposed(m_window.get()))
            return false;
        return QTest::qWaitFor(
            [this] {
                return m_session->whoAmI().has_value()
                    && m_session->monitor()->state() == ConnectionMonitor::State::Live;
            },
            20000);
    }

    QListWidgetItem *navigationItem() const
    {
        return m_window->findChild<QListWidget *>(QStringLiteral("navigationListWidget"))
            ->item(int(MainWindow::Page::AdminKeys));
    }

private Q_SLOTS:
    void initTestCase() { installTranslations(); }

    void init()
    {
        m_server = std::make_unique<test::TestServer>();
        QVERIFY2(m_server->start(), qPrintable(m_server->errorString()));
    }

    void cleanup()
    {
        m_window.reset();
        m_session.reset();
        m_server.reset();
    }

    void adminCreatesAnIssuerKeyOnceAndRevokesIt()
    {
        m_server->createAdminKey(QStringLiteral("viewer"), QStringLiteral("dashboards"));
        QVERIFY(open(m_server->adminKey()));
        QVERIFY(!navigationItem()->isHidden());
        m_window->showPage(MainWindow::Page::AdminKeys);
        QTRY_COMPARE_WITH_TIMEOUT(page()->model()->rowCount(), 2, 20000);

        auto *create = page()->findChild<QPushButton *>(QStringLiteral("newAdminKeyPushButton"));
        QVERIFY(create->isEnabled());
        QTest::mouseClick(create, Qt::LeftButton);
        auto *dialog = page()->findChild<CreateAdminKeyDialog *>();
        QVERIFY(dialog);
        QTest::keyClicks(dialog->findChild<QLineEdit *>(QStringLiteral("adminKeyNameLineEdit")),
                         QStringLiteral("billing-issuer"));
        auto *role = dialog->findChild<QComboBox *>(QStringLiteral("adminKeyRoleComboBox"));
        role->setCurrentIndex(role->findData(int(client::AdminRole::Issuer)));
        QTest::mouseClick(
            dialog->findChild<QPushButton *>(QStringLiteral("createAdminKeyPushButton")),
            Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(dialog->secretText().startsWith(QStringLiteral("kb_")), 20000);
        const QString secret = dialog->secretText();

        // The secret works: it issues a vault key.
        QJsonObject policy {
            {QStringLiteral("vendor"), QStringLiteral("stripe")},
            {QStringLiteral("daily_usd_cap"), 5},
            {QStringLiteral("allowed_endpoints"), QJsonArray {QStringLiteral("charges.create")}},
            {QStringLiteral("expires_in"), QStringLiteral("15m")},
            {QStringLiteral("agent_run_label"), QStringLiteral("lambda/billing/1")},
        };
        const QByteArray body = QJsonDocument(policy).toJson(QJsonDocument::Compact);
        QCOMPARE(m_server
                     ->request("POST", QStringLiteral("/v1/keys"), body, secret,
                               {{"Content-Type", "application/json"}})
                     .status,
                 201);

        // Shown once: closing drops it from the dialog.
        QTest::mouseClick(dialog->findChild<QPushButton *>(QStringLiteral("doneButton")),
                          Qt::LeftButton);
        QVERIFY(dialog->secretText().isEmpty());

        // The list shows it with its role and who created it.
        QTRY_COMPARE_WITH_TIMEOUT(page()->model()->rowCount(), 3, 20000);
        QString createdId;
        for (int row = 0; row < page()->model()->rowCount(); ++row) {
            const QModelIndex name = page()->model()->index(row, Model::NameColumn);
            if (name.data().toString() != QLatin1String("billing-issuer"))
                continue;
            createdId = name.data(Model::IdRole).toString();
            QCOMPARE(page()->model()->index(row, Model::RoleColumn).data().toString(),
                     QStringLiteral("issuer"));
            QCOMPARE(page()->model()->index(row, Model::CreatedByColumn).data().toString(),
                     page()->model()->describeCreator(m_session->whoAmI()->adminKeyId));
        }
        QVERIFY(!createdId.isEmpty());

        // Revoke it: one confirmation naming it, then its next request gets 401.
        QTableView *table = page()->table();
        for (int row = 0; row < table->model()->rowCount(); ++row) {
            const QModelIndex index = table->model()->index(row, 0);
            if (index.data(Model::IdRole).toString() == createdId)
                table->selectRow(row);
        }
        auto *revoke = page()->findChild<QPushButton *>(QStringLiteral("revokeAdminKeyPushButton"));
        QVERIFY(revoke->isEnabled());
        MessagePrompt::setNextAnswer(true);
        QSignalSpy revoked(page()->model(), &Model::revokeSucceeded);
        QTest::mouseClick(revoke, Qt::LeftButton);
        QVERIFY(MessagePrompt::lastQuestion().contains(QStringLiteral("billing-issuer")));
        QVERIFY(revoked.wait(20000));
        QVERIFY(page()->banner()->text().contains(QStringLiteral("billing-issuer")));
        QCOMPARE(m_server
                     ->request("POST", QStringLiteral("/v1/keys"), body, secret,
                               {{"Content-Type", "application/json"}})
                     .status,
                 401);
        QVERIFY(!revoke->isEnabled());
    }

    void operatorHasNoAdminKeysPage()
    {
        const QString operatorKey =
            m_server->createAdminKey(QStringLiteral("operator"), QStringLiteral("on-call"));
        QVERIFY(open(operatorKey));
        QTRY_VERIFY(navigationItem()->isHidden());
        QVERIFY(!page()
                     ->findChild<QPushButton *>(QStringLiteral("newAdminKeyPushButton"))
                     ->isEnabled());
    }
};

QTEST_MAIN(TestAdminKeysPage)
#include "tst_adminkeyspage.moc"
