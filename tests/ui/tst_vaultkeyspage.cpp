// The Vault Keys page in the real main window, offscreen, against a real keybraked: rows update
// in place with selection, scroll and sort kept; the row's Revoke button and Delete revoke for
// real (the proxy answers 401 next); the Issue Key dialog makes a key that works through the
// proxy with the policy the form showed; a viewer key gets every write action disabled and told
// why.
#include "client/keybrakeclient.h"
#include "models/connectionmonitor.h"
#include "models/consolesession.h"
#include "models/keyauditmodel.h"
#include "models/operationchecklistmodel.h"
#include "models/vaultkeyfilterproxymodel.h"
#include "models/vaultkeytablemodel.h"
#include "resources/keybrakeresources.h"
#include "testserver.h"
#include "ui/clipboardguard.h"
#include "ui/environmentband.h"
#include "ui/issuekeydialog.h"
#include "ui/keydetailspanel.h"
#include "ui/mainwindow.h"
#include "ui/messagebanner.h"
#include "ui/messageprompt.h"
#include "ui/onetimesecretdialog.h"
#include "ui/overviewpage.h"
#include "ui/revokebutton.h"
#include "ui/stoprunsdialog.h"
#include "ui/vaultkeyspage.h"

#include <QAbstractItemModelTester>
#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QHeaderView>
#include <QJsonArray>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollBar>
#include <QSignalSpy>
#include <QTableView>
#include <QTest>
#include <QTimer>

#include <memory>

using namespace keybrake;
using Model = VaultKeyTableModel;

namespace {

QJsonObject policy(const QString &label, double capUsd = 50)
{
    return QJsonObject {
        {QStringLiteral("vendor"), QStringLiteral("stripe")},
        {QStringLiteral("daily_usd_cap"), capUsd},
        {QStringLiteral("allowed_endpoints"),
         QJsonArray {QStringLiteral("charges.create"), QStringLiteral("customers.list")}},
        {QStringLiteral("expires_in"), QStringLiteral("1h")},
        {QStringLiteral("agent_run_label"), label},
        {QStringLiteral("name"), label},
    };
}

} // namespace

class TestVaultKeysPage : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<test::TestServer> m_server;
    std::unique_ptr<ConsoleSession> m_session;
    std::unique_ptr<MainWindow> m_window;

    VaultKeysPage *page() const { return m_window->vaultKeysPage(); }
    Model *model() const { return page()->model(); }
    QTableView *table() const { return page()->table(); }

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
                return model()->hasLoaded() && m_session->whoAmI().has_value()
                    && m_session->monitor()->state() == ConnectionMonitor::State::Live;
            },
            20000);
    }

    QString issue(const QJsonObject &body, QString *vaultKey = nullptr)
    {
        const QJsonObject key = m_server->issueKey(body);
        if (vaultKey)
            *vaultKey = key.value(QStringLiteral("vault_key")).toString();
        return key.value(QStringLiteral("key_id")).toString();
    }

    bool refreshAndWait()
    {
        QSignalSpy refreshed(model(), &Model::refreshed);
        model()->refresh();
        return refreshed.wait(20000);
    }

    QModelIndex proxyIndexOf(const QString &keyId, int column) const
    {
        const int row = model()->rowOfKey(keyId);
        return page()->proxy()->mapFromSource(model()->index(row, column));
    }

    QPoint revokeButtonCentre(const QString &keyId)
    {
        const QModelIndex index = proxyIndexOf(keyId, Model::ActionColumn);
        table()->scrollTo(index);
        QStyleOptionViewItem option;
        option.initFrom(table());
        option.rect = table()->visualRect(index);
        option.font = table()->font();
        return RevokeButton::buttonRect(option, index.data().toString()).center();
    }

    void clickRevoke(const QString &keyId)
    {
        QTest::mouseClick(table()->viewport(), Qt::LeftButton, {}, revokeButtonCentre(keyId));
    }

    QString statusOnServer(const QString &keyId)
    {
        return m_server->admin("GET", QStringLiteral("/v1/keys/%1").arg(keyId))
            .json.value(QStringLiteral("status"))
            .toString();
    }

    // Two keys listed newest first: the neighbour above the target. The pointer rests on the
    // target's Revoke button, as a hand aiming at it.
    void aimAtTarget(QString *target, QString *neighbour, QPoint *aim)
    {
        *target = issue(policy(QStringLiteral("lambda/runaway/aimed")));
        *neighbour = issue(policy(QStringLiteral("lambda/digest/neighbour")));
        QVERIFY(open(m_server->adminKey()));
        m_window->resize(1400, 700);
        QTest::qWait(50); // the columns fit the new width on the next turn of the event loop
        QCOMPARE(page()->proxy()->rowCount(), 2);
        QCOMPARE(proxyIndexOf(*target, 0).row(), 1);
        *aim = revokeButtonCentre(*target);
        QTest::mouseMove(table()->viewport(), *aim);
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

    void refreshKeepsSelectionScrollAndSort()
    {
        QString watchedSecret;
        QString watched;
        for (int i = 0; i < 40; ++i) {
            QString secret;
            const QString id =
                issue(policy(QStringLiteral("run/%1").arg(i, 2, 10, QLatin1Char('0'))), &secret);
            if (i == 12) {
                watched = id;
                watchedSecret = secret;
            }
        }
        QVERIFY(open(m_server->adminKey()));
        QAbstractItemModelTester tester(page()->proxy(),
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(page()->proxy()->rowCount(), 40);

        table()->sortByColumn(Model::NameColumn, Qt::AscendingOrder);
        m_window->resize(1200, 500);
        const QModelIndex index = proxyIndexOf(watched, Model::NameColumn);
        QCOMPARE(index.row(), 12);
        table()->selectionModel()->select(
            index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        table()->setCurrentIndex(index);
        table()->scrollTo(index, QAbstractItemView::PositionAtTop);
        const int scroll = table()->verticalScrollBar()->value();
        QVERIFY(scroll > 0);

        // Meanwhile: the watched key spends, and three new keys arrive (sorting below it).
        QCOMPARE(m_server
                     ->proxy("POST", QStringLiteral("/stripe/v1/charges"), test::stripeCharge(4500),
                             watchedSecret)
                     .status,
                 200);
        for (int i = 0; i < 3; ++i)
            issue(policy(QStringLiteral("zz/new-%1").arg(i)));
        QSignalSpy reset(page()->proxy(), &QAbstractItemModel::modelReset);
        QVERIFY(refreshAndWait());

        QCOMPARE(reset.size(), 0);
        QCOMPARE(page()->proxy()->rowCount(), 43);
        const QModelIndexList selected = table()->selectionModel()->selectedRows();
        QCOMPARE(selected.size(), 1);
        QCOMPARE(selected.first().data(Model::KeyIdRole).toString(), watched);
        QCOMPARE(table()->currentIndex().data(Model::KeyIdRole).toString(), watched);
        QCOMPARE(table()->horizontalHeader()->sortIndicatorSection(), int(Model::NameColumn));
        QCOMPARE(table()->horizontalHeader()->sortIndicatorOrder(), Qt::AscendingOrder);
        QCOMPARE(table()->verticalScrollBar()->value(), scroll);
        // The selected row shows the new spend: $45 of $50 is near the cap.
        QCOMPARE(proxyIndexOf(watched, Model::SpentTodayColumn).data().toString(),
                 QStringLiteral("$45.00"));
        QCOMPARE(proxyIndexOf(watched, Model::StatusColumn).data().toString(),
                 QStringLiteral("90 %"));
        QVERIFY(m_window->statusSummary().contains(QStringLiteral("43 keys loaded")));
        // The Overview lists it among the keys at or near their cap, from the same rows.
        auto *atRisk =
            m_window->overviewPage()->findChild<QTableView *>(QStringLiteral("atRiskTableView"));
        QTRY_COMPARE_WITH_TIMEOUT(atRisk->model()->rowCount(), 1, 20000);
        QCOMPARE(atRisk->model()->index(0, 0).data(Model::KeyIdRole).toString(), watched);
    }

    void rowButtonRevokesAndTheProxyRefusesTheKey()
    {
        QString secret;
        const QString keyId = issue(policy(QStringLiteral("run/runaway")), &secret);
        issue(policy(QStringLiteral("run/bystander")));
        QVERIFY(open(m_server->adminKey()));
        QCOMPARE(m_server->proxy("GET", QStringLiteral("/stripe/v1/customers"), {}, secret).status,
                 200);

        QSignalSpy succeeded(model(), &Model::revokeSucceeded);
        clickRevoke(keyId);
        QCOMPARE(model()->revokeState(keyId), Model::RevokeState::Revoking);
        QVERIFY(succeeded.wait(20000));
        const QDateTime revokedAt = succeeded.first().at(1).toDateTime();
        QCOMPARE(
            proxyIndexOf(keyId, Model::ActionColumn).data().toString(),
            QStringLiteral("Revoked %1").arg(m_session->timeFormatter().clock(revokedAt, true)));
        QCOMPARE(proxyIndexOf(keyId, Model::StatusColumn).data(Model::DisplayStatusRole).toInt(),
                 int(Model::DisplayStatus::Revoked));

        const test::HttpResult next =
            m_server->proxy("GET", QStringLiteral("/stripe/v1/customers"), {}, secret);
        QCOMPARE(next.status, 401);
        QCOMPARE(next.json.value(QStringLiteral("code")).toString(), QStringLiteral("key_revoked"));
        // One key, one revoke: the bystander is untouched.
        QCOMPARE(m_server->admin("GET", QStringLiteral("/v1/keys?status=active"))
                     .json.value(QStringLiteral("data"))
                     .toArray()
                     .size(),
                 1);
    }

    // Issue 12: a key that arrives while the pointer rests on a row's Revoke button must not
    // push the neighbour under it. Before the hold, the new key went on top, the target moved one
    // row down and the click revoked the neighbour.
    void keyArrivingJustBeforeThePressNeverRevokesTheNeighbour()
    {
        QString target;
        QString neighbour;
        QPoint aim;
        aimAtTarget(&target, &neighbour, &aim);
        if (QTest::currentTestFailed())
            return;
        const QString arrived = issue(policy(QStringLiteral("lambda/runaway/arrived")));
        QVERIFY(refreshAndWait());

        QSignalSpy succeeded(model(), &Model::revokeSucceeded);
        QTest::mousePress(table()->viewport(), Qt::LeftButton, {}, aim);
        QTest::mouseRelease(table()->viewport(), Qt::LeftButton, {}, aim);
        QVERIFY(succeeded.wait(10000));
        QCOMPARE(succeeded.size(), 1);
        QCOMPARE(succeeded.first().at(0).toString(), target);
        QCOMPARE(statusOnServer(target), QStringLiteral("revoked"));
        QCOMPARE(statusOnServer(neighbour), QStringLiteral("active"));
        QCOMPARE(statusOnServer(arrived), QStringLiteral("active"));
        // The result names what was hit, in words.
        auto *banner = page()->findChild<MessageBanner *>(QStringLiteral("revokeResultBanner"));
        QVERIFY(banner);
        QTRY_VERIFY(banner->isVisible());
        QVERIFY2(banner->text().contains(QStringLiteral("lambda/runaway/aimed"))
                     && banner->text().contains(target.right(6)),
                 qPrintable(banner->text()));

        // The key that came meanwhile was held and announced; it shows once the pointer leaves.
        auto *pill = table()->findChild<QPushButton *>(QStringLiteral("heldRowsPushButton"));
        QVERIFY(pill);
        QVERIFY(pill->isVisible());
        QCOMPARE(pill->text(), QStringLiteral("1 new key — show"));
        QCOMPARE(page()->proxy()->rowCount(), 2);
        QTest::mouseMove(m_window.get(), QPoint(5, m_window->height() - 5));
        QTRY_COMPARE(page()->proxy()->rowCount(), 3);
        QVERIFY(!pill->isVisible());
        QCOMPARE(proxyIndexOf(arrived, 0).row(), 0);
    }

    // A key that arrives between the press and the release: the release still lands on the key
    // pressed, so the click revokes it (before the hold the table moved, the release landed on
    // the neighbour and the click was lost).
    void keyArrivingBetweenPressAndReleaseRevokesThePressedKey()
    {
        QString target;
        QString neighbour;
        QPoint aim;
        aimAtTarget(&target, &neighbour, &aim);
        if (QTest::currentTestFailed())
            return;
        QSignalSpy succeeded(model(), &Model::revokeSucceeded);
        QTest::mousePress(table()->viewport(), Qt::LeftButton, {}, aim);
        const QString arrived = issue(policy(QStringLiteral("lambda/runaway/arrived")));
        QVERIFY(refreshAndWait());
        QTest::mouseRelease(table()->viewport(), Qt::LeftButton, {}, aim);
        QVERIFY(succeeded.wait(10000));
        QCOMPARE(succeeded.size(), 1);
        QCOMPARE(succeeded.first().at(0).toString(), target);
        QCOMPARE(statusOnServer(neighbour), QStringLiteral("active"));
        QCOMPARE(statusOnServer(arrived), QStringLiteral("active"));
        // A click on the pill shows the held key at once, the pointer still over the table.
        auto *pill = table()->findChild<QPushButton *>(QStringLiteral("heldRowsPushButton"));
        QVERIFY(pill && pill->isVisible());
        QTest::mouseClick(pill, Qt::LeftButton);
        QCOMPARE(page()->proxy()->rowCount(), 3);
        QVERIFY(!pill->isVisible());
        QTest::mouseMove(m_window.get(), QPoint(5, m_window->height() - 5));
    }

    void deleteRevokesTheSelectionAfterOneConfirmation()
    {
        QStringList ids;
        QStringList secrets;
        for (int i = 0; i < 4; ++i) {
            QString secret;
            ids.append(issue(policy(QStringLiteral("bulk/%1").arg(i)), &secret));
            secrets.append(secret);
        }
        QVERIFY(open(m_server->adminKey()));
        m_window->activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
        table()->setFocus();
        for (int i = 0; i < 3; ++i) {
            table()->selectionModel()->select(proxyIndexOf(ids.at(i), 0),
                                              QItemSelectionModel::Select
                                                  | QItemSelectionModel::Rows);
        }
        QCOMPARE(page()->selectedKeyIds().size(), 3);

        // Declined first: nothing happens.
        MessagePrompt::setNextAnswer(false);
        QTest::keyClick(table(), Qt::Key_Delete);
        QTRY_VERIFY(MessagePrompt::lastQuestion().contains(QStringLiteral("Revoke 3 vault keys")));
        QCOMPARE(model()->findKey(ids.at(0))->status, client::KeyStatus::Active);

        QSignalSpy finished(model(), &Model::bulkRevokeFinished);
        MessagePrompt::setNextAnswer(true);
        QTest::keyClick(table(), Qt::Key_Delete);
        QVERIFY(finished.wait(20000));
        QCOMPARE(finished.first().at(0).toInt(), 3);
        QVERIFY(MessagePrompt::lastQuestion().contains(QStringLiteral("STAGING")));
        for (int i = 0; i < 3; ++i) {
            QCOMPARE(
                m_server->proxy("GET", QStringLiteral("/stripe/v1/customers"), {}, secrets.at(i))
                    .status,
                401);
        }
        QCOMPARE(m_server->proxy("GET", QStringLiteral("/stripe/v1/customers"), {}, secrets.at(3))
                     .status,
                 200);
    }

    void viewerSeesEveryWriteActionDisabledWithTheRoleNeeded()
    {
        QString secret;
        const QString keyId = issue(policy(QStringLiteral("run/watched-by-viewer")), &secret);
        QVERIFY(
            open(m_server->createAdminKey(QStringLiteral("viewer"), QStringLiteral("auditor"))));

        auto *issueButton = page()->findChild<QPushButton *>(QStringLiteral("issueKeyPushButton"));
        QVERIFY(issueButton);
        QVERIFY(!issueButton->isEnabled());
        QVERIFY2(issueButton->toolTip().contains(QStringLiteral("issuer")),
                 qPrintable(issueButton->toolTip()));
        QVERIFY(!page()->issueAction()->isEnabled());
        QVERIFY(!page()->revokeSelectedAction()->isEnabled());
        QVERIFY(page()->revokeSelectedAction()->toolTip().contains(QStringLiteral("operator")));
        QVERIFY(!m_window->environmentBand()->stopRunsButton()->isEnabled());
        QVERIFY(m_window->environmentBand()->stopRunsButton()->toolTip().contains(
            QStringLiteral("operator")));

        // The row's button is drawn disabled and its click does nothing.
        clickRevoke(keyId);
        QCOMPARE(model()->revokeState(keyId), Model::RevokeState::Idle);
        page()->openIssueDialog();
        QVERIFY(!page()->findChild<IssueKeyDialog *>());
        auto *banner = page()->findChild<MessageBanner *>();
        QVERIFY(banner->isVisible());
        QVERIFY(banner->text().contains(QStringLiteral("issuer")));
        QCOMPARE(m_server->proxy("GET", QStringLiteral("/stripe/v1/customers"), {}, secret).status,
                 200);
        QVERIFY(m_window->findChild<QLabel *>(QStringLiteral("statusRoleLabel"))
                    ->text()
                    .contains(QStringLiteral("viewer")));
    }

    void issueDialogMakesAWorkingKeyWithThePolicyItShowed()
    {
        QVERIFY(open(m_server->adminKey()));
        page()->issueAction()->trigger();
        auto *dialog = page()->findChild<IssueKeyDialog *>();
        QVERIFY(dialog);
        QTRY_VERIFY_WITH_TIMEOUT(dialog->operations()->rowCount() > 0, 20000);

        auto *vendor = dialog->findChild<QComboBox *>(QStringLiteral("vendorComboBox"));
        vendor->setCurrentIndex(vendor->findData(QStringLiteral("stripe")));
        auto *operations = dialog->findChild<QListView *>(QStringLiteral("operationsListView"));
        QModelIndex charges;
        for (int row = 0; row < dialog->operations()->rowCount(); ++row) {
            const QModelIndex index = dialog->operations()->index(row);
            if (index.data(OperationChecklistModel::NameRole).toString() == u"charges.create")
                charges = index;
        }
        QVERIFY(charges.isValid());
        QVERIFY(charges.data(OperationChecklistModel::MoneyMovingRole).toBool());
        operations->setFocus();
        operations->setCurrentIndex(charges);
        QTest::keyClick(operations, Qt::Key_Space);
        QCOMPARE(charges.data(Qt::CheckStateRole).value<Qt::CheckState>(), Qt::Checked);
        QTest::keyClicks(dialog->findChild<QLineEdit *>(QStringLiteral("dailyCapLineEdit")),
                         QStringLiteral("25"));
        QTest::mouseClick(dialog->findChild<QPushButton *>(QStringLiteral("expiry1PushButton")),
                          Qt::LeftButton);
        QTest::keyClicks(dialog->findChild<QLineEdit *>(QStringLiteral("runLabelLineEdit")),
                         QStringLiteral("lambda/refunds/msg-42"));
        QTest::keyClicks(dialog->findChild<QLineEdit *>(QStringLiteral("stripeCustomersLineEdit")),
                         QStringLiteral("cus_42"));
        const QString summary = dialog->summaryText();
        QVERIFY2(summary.startsWith(QStringLiteral("Stripe: max $25.00 per day, resets 00:00 UTC; "
                                                   "may call charges.create; only for customers "
                                                   "cus_42; expires")),
                 qPrintable(summary));

        QSignalSpy issued(dialog, &IssueKeyDialog::keyIssued);
        const QDateTime before = QDateTime::currentDateTimeUtc();
        QTest::mouseClick(dialog->findChild<QPushButton *>(QStringLiteral("issuePushButton")),
                          Qt::LeftButton);
        QVERIFY(issued.wait(20000));
        const auto key = issued.first().at(0).value<client::IssuedKey>();
        QVERIFY(key.vaultKey.startsWith(QStringLiteral("vault_key_")));

        // The one-time dialog shows exactly that key, and Copy puts it on the clipboard.
        auto *secret = page()->findChild<OneTimeSecretDialog *>();
        QVERIFY(secret);
        QCOMPARE(secret->findChild<QLineEdit *>(QStringLiteral("vaultKeyLineEdit"))->text(),
                 key.vaultKey);
        QVERIFY(secret->environmentText().contains(
            QStringLiteral("KEYBRAKE_VAULT_KEY='%1'").arg(key.vaultKey)));
        QVERIFY(secret->curlText().contains(QStringLiteral("/v1/charges")));
        // Nothing copied yet: no "Copied", and Escape asks before the key is lost ("Back to
        // the key" keeps it). Escape used to close the dialog silently.
        QVERIFY(!secret->wasCopied());
        QVERIFY2(!secret->countdownText().contains(QStringLiteral("Copied")),
                 qPrintable(secret->countdownText()));
        bool asked = false;
        QTimer::singleShot(0, this, [&asked] {
            auto *box = qobject_cast<QMessageBox *>(QApplication::activeModalWidget());
            asked = box && box->objectName() == QStringLiteral("closeWithoutCopyMessageBox");
            if (box)
                box->reject();
        });
        QTest::keyClick(secret, Qt::Key_Escape);
        QVERIFY(asked);
        QVERIFY(secret->isVisible());
        QCOMPARE(secret->findChild<QLineEdit *>(QStringLiteral("vaultKeyLineEdit"))->text(),
                 key.vaultKey);
        secret->copyKey();
        QVERIFY(secret->wasCopied());
        QCOMPARE(QGuiApplication::clipboard()->text(), key.vaultKey);
        QVERIFY(ClipboardGuard::instance()->secondsLeft() > 0);
        QVERIFY(secret->countdownText().contains(QStringLiteral("cleared in")));
        ClipboardGuard::instance()->clearNow();
        QVERIFY(QGuiApplication::clipboard()->text().isEmpty());
        secret->accept();

        // The server holds the policy the form showed...
        const QJsonObject stored =
            m_server->admin("GET", QStringLiteral("/v1/keys/") + key.key.keyId).json;
        QCOMPARE(stored.value(QStringLiteral("daily_usd_cap")).toDouble(), 25.0);
        QCOMPARE(stored.value(QStringLiteral("allowed_endpoints")).toArray(),
                 QJsonArray {QStringLiteral("charges.create")});
        QCOMPARE(stored.value(QStringLiteral("agent_run_label")).toString(),
                 QStringLiteral("lambda/refunds/msg-42"));
        const QDateTime expires = QDateTime::fromString(
            stored.value(QStringLiteral("expires_at")).toString(), Qt::ISODateWithMs);
        QVERIFY(qAbs(before.addSecs(3600).secsTo(expires)) < 120);
        // ...and the key works through the proxy within it, and nowhere else.
        QCOMPARE(m_server
                     ->proxy("POST", QStringLiteral("/stripe/v1/charges"),
                             test::stripeCharge(1000, "usd", "cus_42"), key.vaultKey)
                     .status,
                 200);
        QCOMPARE(
            m_server->proxy("GET", QStringLiteral("/stripe/v1/customers"), {}, key.vaultKey).status,
            403);
        QCOMPARE(m_server
                     ->proxy("POST", QStringLiteral("/stripe/v1/charges"),
                             test::stripeCharge(2000, "usd", "cus_42"), key.vaultKey)
                     .status,
                 429);
        // The table shows the new key after its refresh, selected.
        QTRY_VERIFY_WITH_TIMEOUT(model()->rowOfKey(key.key.keyId) >= 0, 20000);
    }

    void serverValidationErrorsLandOnTheirField()
    {
        QVERIFY(open(m_server->adminKey()));
        page()->openIssueDialog();
        auto *dialog = page()->findChild<IssueKeyDialog *>();
        QTRY_VERIFY_WITH_TIMEOUT(dialog->operations()->rowCount() > 0, 20000);
        dialog->operations()->setData(dialog->operations()->index(0), Qt::Checked,
                                      Qt::CheckStateRole);
        dialog->findChild<QLineEdit *>(QStringLiteral("dailyCapLineEdit"))
            ->setText(QStringLiteral("5"));
        dialog->findChild<QLineEdit *>(QStringLiteral("runLabelLineEdit"))
            ->setText(QStringLiteral("run/x"));
        // Only the server checks for control characters.
        dialog->findChild<QLineEdit *>(QStringLiteral("nameLineEdit"))
            ->setText(QStringLiteral("tab\there"));
        dialog->submit();
        QTRY_VERIFY_WITH_TIMEOUT(!dialog->fieldError(QStringLiteral("name")).isEmpty(), 20000);
        QVERIFY(dialog->isVisible());
        QVERIFY(dialog->fieldError(QStringLiteral("daily_usd_cap")).isEmpty());

        // Local checks need no round trip: a cap above the server's maximum is refused at once.
        dialog->findChild<QLineEdit *>(QStringLiteral("nameLineEdit"))
            ->setText(QStringLiteral("ok"));
        dialog->findChild<QLineEdit *>(QStringLiteral("dailyCapLineEdit"))
            ->setText(QStringLiteral("99999"));
        dialog->submit();
        QVERIFY(dialog->fieldError(QStringLiteral("daily_usd_cap"))
                    .contains(QStringLiteral("$10,000.00")));
    }

    void stopRunsRevokesEveryKeyOfALabelPrefix()
    {
        QStringList secrets;
        for (int i = 0; i < 3; ++i) {
            QString secret;
            issue(policy(QStringLiteral("lambda/runaway/msg-%1").arg(i)), &secret);
            secrets.append(secret);
        }
        QString bystander;
        issue(policy(QStringLiteral("lambda/steady/msg-1")), &bystander);
        QVERIFY(open(m_server->adminKey()));
        QTest::mouseClick(m_window->environmentBand()->stopRunsButton(), Qt::LeftButton);
        auto *dialog = m_window->findChild<StopRunsDialog *>();
        QVERIFY(dialog);
        auto *stop = dialog->findChild<QPushButton *>(QStringLiteral("stopRunsConfirmPushButton"));
        QTest::keyClicks(dialog->findChild<QLineEdit *>(QStringLiteral("labelPrefixLineEdit")),
                         QStringLiteral("lambda/runaway/"));
        QVERIFY(!stop->isEnabled()); // not before the dry run said what it would stop
        QTest::mouseClick(dialog->findChild<QPushButton *>(QStringLiteral("previewPushButton")),
                          Qt::LeftButton);
        auto *impact = dialog->findChild<QLabel *>(QStringLiteral("impactLabel"));
        QTRY_VERIFY_WITH_TIMEOUT(impact->text().startsWith(QStringLiteral("This stops 3 keys")),
                                 20000);
        // The dry run revoked nothing.
        QCOMPARE(m_server->proxy("GET", QStringLiteral("/stripe/v1/customers"), {}, secrets.at(0))
                     .status,
                 200);
        QTRY_VERIFY(stop->isEnabled());
        QTest::mouseClick(stop, Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(impact->text().startsWith(QStringLiteral("Stopped 3 keys")),
                                 20000);
        // "Stopped 3 keys" shows as soon as the revoke answers; the receipt follows once the
        // audit log of the calls admitted meanwhile has been read.
        const auto *receipt =
            dialog->findChild<QPlainTextEdit *>(QStringLiteral("receiptPlainTextEdit"));
        QTRY_COMPARE_WITH_TIMEOUT(receipt->toPlainText().count(QStringLiteral("revoked")), 3,
                                  20000);
        for (const QString &secret : std::as_const(secrets))
            QCOMPARE(
                m_server->proxy("GET", QStringLiteral("/stripe/v1/customers"), {}, secret).status,
                401);
        QCOMPARE(
            m_server->proxy("GET", QStringLiteral("/stripe/v1/customers"), {}, bystander).status,
            200);
    }

    void detailsShowPolicySpendAndRecentCalls()
    {
        QString secret;
        const QString keyId = issue(policy(QStringLiteral("run/detailed"), 20), &secret);
        QCOMPARE(m_server
                     ->proxy("POST", QStringLiteral("/stripe/v1/charges"), test::stripeCharge(500),
                             secret)
                     .status,
                 200);
        QVERIFY(open(m_server->adminKey()));
        const QModelIndex index = proxyIndexOf(keyId, Model::NameColumn);
        table()->scrollTo(index);
        // QTest's double click carries no press of its own, and item views only accept a double
        // click on the index the press went to: click once first, as a hand does.
        const QPoint where = table()->visualRect(index).center();
        QTest::mouseClick(table()->viewport(), Qt::LeftButton, {}, where);
        QTest::mouseDClick(table()->viewport(), Qt::LeftButton, {}, where);
        KeyDetailsPanel *details = page()->detailsPanel();
        QTRY_VERIFY(details->isVisible());
        QCOMPARE(details->keyId(), keyId);
        QTRY_COMPARE_WITH_TIMEOUT(details->auditModel()->rowCount(), 1, 20000);
        QVERIFY(details->findChild<QLabel *>(QStringLiteral("keyDetailsSpendLabel"))
                    ->text()
                    .startsWith(QStringLiteral("$5.00 settled + $0.00 held of $20.00 · 25 %")));
        auto *revoke =
            details->findChild<QPushButton *>(QStringLiteral("keyDetailsRevokePushButton"));
        QVERIFY(revoke->isEnabled());
        QSignalSpy succeeded(model(), &Model::revokeSucceeded);
        QTest::mouseClick(revoke, Qt::LeftButton);
        QVERIFY(succeeded.wait(20000));
        QTRY_VERIFY(
            details->findChild<QPushButton *>(QStringLiteral("keyDetailsIssueSimilarPushButton"))
                ->isEnabled());
        QVERIFY(!revoke->isVisible());
    }
};

QTEST_MAIN(TestVaultKeysPage)
#include "tst_vaultkeyspage.moc"
