// The console's brakes against a real keybraked (issue 12): the kill switch blocks the prefix by
// default, with the operator's reason, and its receipt counts what the block refused; the Blocks
// page lists active blocks with who, why and when they end, and lifts one; keys under a block
// say so in the keys table and key details; a one-click revoke takes its reason afterwards
// ("Add reason"); key details say who issued and who revoked a key, and why.
//
// With KEYBRAKE_SCREENSHOT_DIR set, the kill switch and the Blocks page are saved there.
#include "client/keybrakeclient.h"
#include "models/auditlogmodel.h"
#include "models/blocklistmodel.h"
#include "models/consolesession.h"
#include "models/keyauditmodel.h"
#include "models/livefeed.h"
#include "models/operationchecklistmodel.h"
#include "models/vaultkeytablemodel.h"
#include "resources/keybrakeresources.h"
#include "testserver.h"
#include "ui/auditlogpage.h"
#include "ui/blockspage.h"
#include "ui/environmentband.h"
#include "ui/issuekeydialog.h"
#include "ui/keydetailspanel.h"
#include "ui/mainwindow.h"
#include "ui/messagebanner.h"
#include "ui/onetimesecretdialog.h"
#include "ui/stoprunsdialog.h"
#include "ui/vaultkeyspage.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDateTimeEdit>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTest>

#include <memory>

using namespace keybrake;

namespace {

QJsonObject policy(const QString &label)
{
    return QJsonObject {
        {QStringLiteral("vendor"), QStringLiteral("stripe")},
        {QStringLiteral("daily_usd_cap"), 100},
        {QStringLiteral("allowed_endpoints"), QJsonArray {QStringLiteral("charges.create")}},
        {QStringLiteral("expires_in"), QStringLiteral("1h")},
        {QStringLiteral("agent_run_label"), label},
        {QStringLiteral("name"), label.section(QLatin1Char('/'), -1)},
    };
}

QString screenshotDir()
{
    return qEnvironmentVariable("KEYBRAKE_SCREENSHOT_DIR");
}

} // namespace

class TestBrakesConsole : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<test::TestServer> m_server;
    std::unique_ptr<ConsoleSession> m_session;
    std::unique_ptr<MainWindow> m_window;
    QString m_operatorKey;

    QJsonObject keyOnServer(const QString &keyId)
    {
        return m_server->admin("GET", QStringLiteral("/v1/keys/") + keyId).json;
    }
    QJsonArray adminRows(const QString &query = {})
    {
        return m_server->admin("GET", QStringLiteral("/v1/audit?kind=admin&limit=1000") + query)
            .json.value(QStringLiteral("data"))
            .toArray();
    }
    VaultKeysPage *keysPage() const { return m_window->vaultKeysPage(); }
    bool tableHas(const QString &keyId) const
    {
        return keysPage()->model()->findKey(keyId) != nullptr;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        installTranslations();
        m_server = std::make_unique<test::TestServer>();
        QVERIFY2(m_server->start(), qPrintable(m_server->errorString()));
        // The console signs in as a named operator, so "who" has a name to show.
        m_operatorKey =
            m_server->createAdminKey(QStringLiteral("operator"), QStringLiteral("on-call"));
        QVERIFY(!m_operatorKey.isEmpty());
        const ServerProfile profile = ServerProfile::create(
            QStringLiteral("acme-staging"), m_server->baseUrl(), ServerEnvironment::Staging);
        m_session = std::make_unique<ConsoleSession>(profile, m_operatorKey);
        m_window = std::make_unique<MainWindow>(m_session.get());
        m_window->resize(1400, 860);
        m_session->start();
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
        QTRY_VERIFY_WITH_TIMEOUT(m_session->live()->isLive() && m_session->whoAmI()
                                     && m_window->environmentBand()->stopRunsButton()->isEnabled(),
                                 20000);
    }

    void cleanupTestCase()
    {
        m_window.reset();
        m_session.reset();
        m_server.reset();
    }

    // Stop runs blocks the prefix by default, for an hour, with the reason typed; the agent's
    // next key under the prefix is refused, and the receipt counts it.
    void stopRunsBlocksThePrefix()
    {
        QStringList fleet;
        QStringList secrets;
        for (int i = 1; i <= 3; ++i) {
            const QJsonObject key =
                m_server->issueKey(policy(QStringLiteral("lambda/runaway/run-%1").arg(i)));
            fleet.append(key.value(QStringLiteral("key_id")).toString());
            secrets.append(key.value(QStringLiteral("vault_key")).toString());
        }
        const QString bystander = m_server->issueKey(policy(QStringLiteral("lambda/digest/run-1")))
                                      .value(QStringLiteral("key_id"))
                                      .toString();

        QTest::keyClick(m_window.get(), Qt::Key_K, Qt::ControlModifier | Qt::ShiftModifier);
        auto *dialog = m_window->findChild<StopRunsDialog *>();
        QVERIFY(dialog);
        auto *block = dialog->findChild<QCheckBox *>(QStringLiteral("blockPrefixCheckBox"));
        auto *duration = dialog->findChild<QComboBox *>(QStringLiteral("blockDurationComboBox"));
        auto *reason = dialog->findChild<QLineEdit *>(QStringLiteral("stopReasonLineEdit"));
        QVERIFY2(block && duration && reason, "the kill switch offers no block and no reason");
        QVERIFY(block->isChecked()); // blocking is the default
        QCOMPARE(duration->currentText(), QStringLiteral("1 h"));
        QTest::keyClicks(dialog->findChild<QLineEdit *>(QStringLiteral("labelPrefixLineEdit")),
                         QStringLiteral("lambda/runaway/"));
        QTest::keyClicks(reason, QStringLiteral("runaway: 40 charges a minute"));
        QTest::mouseClick(dialog->findChild<QPushButton *>(QStringLiteral("previewPushButton")),
                          Qt::LeftButton);
        auto *impact = dialog->findChild<QLabel *>(QStringLiteral("impactLabel"));
        QTRY_VERIFY_WITH_TIMEOUT(impact->text().startsWith(QStringLiteral("This stops 3 keys")),
                                 20000);
        auto *stop = dialog->findChild<QPushButton *>(QStringLiteral("stopRunsConfirmPushButton"));
        QCOMPARE(stop->text(), QStringLiteral("Stop 3 keys and block"));
        QSignalSpy ready(dialog, &StopRunsDialog::receiptReady);
        const QDateTime clicked = QDateTime::currentDateTimeUtc();
        QTest::mouseClick(stop, Qt::LeftButton);
        QVERIFY(ready.wait(30000));

        const RevokeReceipt &receipt = dialog->receipt();
        QVERIFY2(receipt.block.has_value(), "the stop created no block");
        QCOMPARE(receipt.block->labelPrefix, QStringLiteral("lambda/runaway/"));
        QCOMPARE(receipt.block->reason, QStringLiteral("runaway: 40 charges a minute"));
        QVERIFY(receipt.block->endsAt >= clicked.addSecs(3600 - 60));
        QVERIFY(receipt.block->endsAt <= clicked.addSecs(3600 + 60));
        QCOMPARE(receipt.keys.size(), 3);

        // On the server: the block, with who and why; every key revoked with the reason.
        const QJsonArray blocks =
            m_server->admin("GET", QStringLiteral("/v1/blocks")).json.value(u"data").toArray();
        QCOMPARE(blocks.size(), 1);
        const QJsonObject serverBlock = blocks.first().toObject();
        QCOMPARE(serverBlock.value(u"label_prefix").toString(), QStringLiteral("lambda/runaway/"));
        QCOMPARE(serverBlock.value(u"created_by").toObject().value(u"name").toString(),
                 QStringLiteral("on-call"));
        for (const QString &id : std::as_const(fleet)) {
            const QJsonObject key = keyOnServer(id);
            QCOMPARE(key.value(u"status").toString(), QStringLiteral("revoked"));
            QCOMPARE(key.value(u"revoke_reason").toString(),
                     QStringLiteral("runaway: 40 charges a minute"));
        }
        QCOMPARE(keyOnServer(bystander).value(u"status").toString(), QStringLiteral("active"));

        // The agent keeps trying: its issuer's next key under the prefix is refused, and so is
        // a call. The receipt counts both.
        const test::HttpResult reissue = m_server->admin(
            "POST", QStringLiteral("/v1/keys"), policy(QStringLiteral("lambda/runaway/run-4")));
        QCOMPARE(reissue.status, 403);
        QCOMPARE(reissue.json.value(u"code").toString(), QStringLiteral("prefix_blocked"));
        QSignalSpy updated(dialog, &StopRunsDialog::receiptUpdated);
        QTRY_VERIFY_WITH_TIMEOUT(dialog->receipt().block->refusedIssuances >= 1, 15000);
        const QString text =
            dialog->findChild<QPlainTextEdit *>(QStringLiteral("receiptPlainTextEdit"))
                ->toPlainText();
        QVERIFY2(text.contains(QStringLiteral("Blocked:  lambda/runaway/")), qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("Reason:   runaway: 40 charges a minute")),
                 qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("0 call(s), 1 new key(s)")), qPrintable(text));
        QVERIFY2(impact->text().contains(QStringLiteral("Prefix blocked until")),
                 qPrintable(impact->text()));
        if (const QString shots = screenshotDir(); !shots.isEmpty())
            QVERIFY(dialog->grab().save(shots + QStringLiteral("/kill-switch-block.png")));
        dialog->close();
    }

    // A key under an active block says so, in the table and in its details; the Blocks page
    // lists the block with who, why and when it ends, and lifts it with a reason.
    void blocksPageListsAndLifts()
    {
        const QJsonObject key = m_server->issueKey(policy(QStringLiteral("cron/slow/run-1")));
        const QString keyId = key.value(QStringLiteral("key_id")).toString();
        const test::HttpResult created = m_server->request(
            "POST", QStringLiteral("/v1/blocks"),
            QJsonDocument(
                QJsonObject {{QStringLiteral("label_prefix"), QStringLiteral("cron/slow/")},
                             {QStringLiteral("reason"), QStringLiteral("looping on 402")},
                             {QStringLiteral("expires_in"), QStringLiteral("2h")}})
                .toJson(QJsonDocument::Compact),
            m_operatorKey);
        QCOMPARE(created.status, 201);

        m_window->showPage(MainWindow::Page::VaultKeys);
        QTRY_VERIFY_WITH_TIMEOUT(tableHas(keyId), 20000);
        VaultKeyTableModel *model = keysPage()->model();
        const auto statusIndex = [&] {
            return model->index(model->rowOfKey(keyId), VaultKeyTableModel::StatusColumn);
        };
        QTRY_COMPARE_WITH_TIMEOUT(statusIndex().data().toString(), QStringLiteral("Blocked"),
                                  20000);
        QVERIFY2(statusIndex()
                     .data(Qt::ToolTipRole)
                     .toString()
                     .startsWith(QStringLiteral("Blocked by prefix `cron/slow/` until ")),
                 qPrintable(statusIndex().data(Qt::ToolTipRole).toString()));
        keysPage()->showDetails(keyId);
        auto *blockLine =
            keysPage()->detailsPanel()->findChild<QLabel *>(QStringLiteral("keyDetailsBlockLabel"));
        QVERIFY(blockLine);
        QTRY_VERIFY(blockLine->isVisible());
        QVERIFY2(
            blockLine->text().startsWith(QStringLiteral("Blocked by prefix `cron/slow/` until ")),
            qPrintable(blockLine->text()));
        QVERIFY2(blockLine->text().endsWith(QStringLiteral(" — by on-call: looping on 402")),
                 qPrintable(blockLine->text()));

        // The Blocks page: both active blocks, newest first, with who and why.
        m_window->showPage(MainWindow::Page::Blocks);
        BlocksPage *page = m_window->blocksPage();
        QTableView *table = page->table();
        QTRY_COMPARE_WITH_TIMEOUT(table->model()->rowCount(), 2, 20000);
        const auto cell = [&](int row, int column) {
            return table->model()->index(row, column).data().toString();
        };
        QCOMPARE(cell(0, BlockListModel::PrefixColumn), QStringLiteral("cron/slow/"));
        QCOMPARE(cell(0, BlockListModel::CreatedByColumn), QStringLiteral("on-call"));
        QCOMPARE(cell(0, BlockListModel::ReasonColumn), QStringLiteral("looping on 402"));
        QCOMPARE(cell(0, BlockListModel::VendorColumn), QStringLiteral("every vendor"));
        QVERIFY(cell(0, BlockListModel::EndsColumn).contains(QStringLiteral("in ")));
        QCOMPARE(cell(1, BlockListModel::PrefixColumn), QStringLiteral("lambda/runaway/"));
        QCOMPARE(cell(1, BlockListModel::RefusedColumn), QStringLiteral("0 calls, 1 issuance"));
        if (const QString shots = screenshotDir(); !shots.isEmpty())
            QVERIFY(m_window->grab().save(shots + QStringLiteral("/blocks-page.png")));

        // Lift, with a reason: the key is active again, in the table and the details.
        table->selectRow(0);
        auto *lift = page->findChild<QPushButton *>(QStringLiteral("liftBlockPushButton"));
        QVERIFY(lift->isEnabled());
        QTest::keyClicks(page->findChild<QLineEdit *>(QStringLiteral("liftReasonLineEdit")),
                         QStringLiteral("fixed upstream"));
        QTest::mouseClick(lift, Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(table->model()->rowCount(), 1, 20000);
        const QJsonArray all = m_server->admin("GET", QStringLiteral("/v1/blocks?status=all"))
                                   .json.value(u"data")
                                   .toArray();
        bool lifted = false;
        for (const QJsonValue &value : all) {
            const QJsonObject b = value.toObject();
            if (b.value(u"label_prefix").toString() != u"cron/slow/")
                continue;
            QCOMPARE(b.value(u"status").toString(), QStringLiteral("lifted"));
            QCOMPARE(b.value(u"lift_reason").toString(), QStringLiteral("fixed upstream"));
            QCOMPARE(b.value(u"lifted_by").toObject().value(u"name").toString(),
                     QStringLiteral("on-call"));
            lifted = true;
        }
        QVERIFY(lifted);
        QTRY_COMPARE_WITH_TIMEOUT(statusIndex().data().toString(), QStringLiteral("Active"), 20000);
        QVERIFY(!blockLine->isVisibleTo(keysPage()->detailsPanel()));
    }

    // One click revokes; the result line's "Add reason" sends the reason afterwards, which the
    // server keeps on the key and audits; key details say who revoked it and why, and who
    // issued it.
    void revokeThenAddReason()
    {
        m_window->showPage(MainWindow::Page::VaultKeys);
        const QString keyId = m_server->issueKey(policy(QStringLiteral("cron/report/run-7")))
                                  .value(QStringLiteral("key_id"))
                                  .toString();
        QTRY_VERIFY_WITH_TIMEOUT(tableHas(keyId), 20000);
        QSignalSpy revoked(keysPage()->model(), &VaultKeyTableModel::revokeSucceeded);
        keysPage()->model()->revoke(keyId);
        QVERIFY(revoked.wait(20000));
        auto *result = keysPage()->findChild<MessageBanner *>(QStringLiteral("revokeResultBanner"));
        QVERIFY(result->isVisible());
        auto *addReason =
            result->findChild<QPushButton *>(QStringLiteral("messageBannerActionPushButton"));
        QVERIFY(addReason && addReason->isVisible());
        QCOMPARE(addReason->text(), QStringLiteral("Add reason…"));
        QTest::mouseClick(addReason, Qt::LeftButton);
        auto *reason = keysPage()->findChild<QLineEdit *>(QStringLiteral("revokeReasonLineEdit"));
        QVERIFY(reason && reason->isVisible());
        QTest::keyClicks(reason, QStringLiteral("report job superseded"));
        QTest::mouseClick(
            keysPage()->findChild<QPushButton *>(QStringLiteral("saveRevokeReasonPushButton")),
            Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(!reason->isVisible(), 20000);
        QVERIFY2(result->text().endsWith(QStringLiteral("reason saved")),
                 qPrintable(result->text()));

        // Kept on the key, and audited as the operator's.
        const QJsonObject key = keyOnServer(keyId);
        QCOMPARE(key.value(u"revoke_reason").toString(), QStringLiteral("report job superseded"));
        bool audited = false;
        for (const QJsonValue &row : adminRows(QStringLiteral("&key_id=") + keyId)) {
            if (row.toObject().value(u"action").toString() == u"key.revoke_reason") {
                QCOMPARE(row.toObject().value(u"reason").toString(),
                         QStringLiteral("report job superseded"));
                QCOMPARE(row.toObject().value(u"actor_name").toString(), QStringLiteral("on-call"));
                audited = true;
            }
        }
        QVERIFY(audited);
        // A second reason does not replace the first.
        m_server->request("DELETE", QStringLiteral("/v1/keys/%1?reason=other").arg(keyId), {},
                          m_operatorKey);
        QCOMPARE(keyOnServer(keyId).value(u"revoke_reason").toString(),
                 QStringLiteral("report job superseded"));

        keysPage()->showDetails(keyId);
        KeyDetailsPanel *details = keysPage()->detailsPanel();
        auto *revokedLine = details->findChild<QLabel *>(QStringLiteral("keyDetailsRevokedLabel"));
        QTRY_VERIFY_WITH_TIMEOUT(
            revokedLine->text().endsWith(QStringLiteral(" by on-call — report job superseded")),
            20000);
        QVERIFY2(revokedLine->text().startsWith(QStringLiteral("Revoked ")),
                 qPrintable(revokedLine->text()));
        auto *issuedBy = details->findChild<QLabel *>(QStringLiteral("keyDetailsIssuedByLabel"));
        QVERIFY(!issuedBy->text().isEmpty());
        QCOMPARE(issuedBy->text(), key.value(u"issued_by").toObject().value(u"name").toString());
    }

    // The Issue Key form takes velocity limits and says them in the policy sentence; the cap is
    // an empty required field (no grey "50.00" that is really 0) whose error leaves as soon as
    // it is fixed; the greyed custom expiry shows the preset's expiry. The key's details show
    // the limits, and its refused calls read in words.
    void issueKeyFormWithVelocity()
    {
        m_window->showPage(MainWindow::Page::VaultKeys);
        keysPage()->openIssueDialog();
        auto *dialog = keysPage()->findChild<IssueKeyDialog *>();
        QVERIFY(dialog);
        QTRY_VERIFY_WITH_TIMEOUT(dialog->operations()->rowCount() > 0, 20000);
        auto *vendor = dialog->findChild<QComboBox *>(QStringLiteral("vendorComboBox"));
        vendor->setCurrentIndex(vendor->findData(QStringLiteral("stripe")));
        for (int row = 0; row < dialog->operations()->rowCount(); ++row) {
            const QModelIndex index = dialog->operations()->index(row);
            if (index.data(OperationChecklistModel::NameRole).toString() == u"charges.create")
                dialog->operations()->setData(index, Qt::Checked, Qt::CheckStateRole);
        }
        auto *cap = dialog->findChild<QLineEdit *>(QStringLiteral("dailyCapLineEdit"));
        QVERIFY(cap->text().isEmpty());
        QVERIFY2(!cap->placeholderText().contains(QStringLiteral("50")),
                 "an empty cap must not look like $50");
        auto *custom =
            dialog->findChild<QDateTimeEdit *>(QStringLiteral("customExpiryDateTimeEdit"));
        QVERIFY(!custom->isEnabled());
        const qint64 off =
            QDateTime::currentDateTimeUtc().addSecs(15 * 60).secsTo(custom->dateTime().toUTC());
        QVERIFY2(qAbs(off) < 120, qPrintable(custom->dateTime().toString(Qt::ISODate)));

        QTest::keyClicks(dialog->findChild<QLineEdit *>(QStringLiteral("runLabelLineEdit")),
                         QStringLiteral("lambda/velocity/run-1"));
        auto *calls = dialog->findChild<QLineEdit *>(QStringLiteral("maxCallsPerMinuteLineEdit"));
        auto *usd = dialog->findChild<QLineEdit *>(QStringLiteral("maxUsdPerMinuteLineEdit"));
        QVERIFY2(calls && usd, "the form has no velocity fields");
        QTest::keyClicks(calls, QStringLiteral("0"));
        dialog->submit();
        QVERIFY(!dialog->fieldError(QStringLiteral("daily_usd_cap")).isEmpty());
        QVERIFY(!dialog->fieldError(QStringLiteral("max_calls_per_minute")).isEmpty());
        // Fixing a field takes its error away at once.
        QTest::keyClicks(cap, QStringLiteral("25"));
        QVERIFY(dialog->fieldError(QStringLiteral("daily_usd_cap")).isEmpty());
        calls->clear();
        QVERIFY(dialog->fieldError(QStringLiteral("max_calls_per_minute")).isEmpty());
        QTest::keyClicks(calls, QStringLiteral("2"));
        QTest::keyClicks(usd, QStringLiteral("5"));
        QVERIFY2(dialog->summaryText().contains(
                     QStringLiteral("; at most 2 calls and $5.00 a minute; expires")),
                 qPrintable(dialog->summaryText()));
        if (const QString shots = screenshotDir(); !shots.isEmpty())
            QVERIFY(dialog->grab().save(shots + QStringLiteral("/issue-key-velocity.png")));

        QSignalSpy issued(dialog, &IssueKeyDialog::keyIssued);
        dialog->submit();
        QVERIFY(issued.wait(20000));
        const auto key = issued.first().at(0).value<client::IssuedKey>();
        const QJsonObject onServer = keyOnServer(key.key.keyId);
        QCOMPARE(onServer.value(u"max_calls_per_minute").toInt(), 2);
        QCOMPARE(onServer.value(u"max_usd_per_minute").toDouble(), 5.0);
        if (auto *secret = keysPage()->findChild<OneTimeSecretDialog *>())
            secret->deleteLater(); // closing asks "without copying?" in a modal box

        // Three calls in a minute: the third is refused, and reads so.
        for (int i = 0; i < 3; ++i)
            m_server->proxy("POST", QStringLiteral("/stripe/v1/charges"), test::stripeCharge(100),
                            key.vaultKey);
        QTRY_VERIFY_WITH_TIMEOUT(tableHas(key.key.keyId), 20000);
        keysPage()->showDetails(key.key.keyId);
        KeyDetailsPanel *details = keysPage()->detailsPanel();
        QCOMPARE(details->findChild<QLabel *>(QStringLiteral("keyDetailsVelocityLabel"))->text(),
                 QStringLiteral("at most 2 calls a minute; at most $5.00 a minute"));
        const auto refusedInWords = [details] {
            const QAbstractItemModel *calls = details->auditModel();
            for (int row = 0; row < calls->rowCount(); ++row) {
                for (int column = 0; column < calls->columnCount(); ++column) {
                    if (calls->index(row, column)
                            .data()
                            .toString()
                            .startsWith(QStringLiteral("Denied: too fast (velocity limit)")))
                        return true;
                }
            }
            return false;
        };
        QTRY_VERIFY_WITH_TIMEOUT(refusedInWords(), 20000);
    }

    // Who did what: the Audit Log's admin activity, in words, with who and why, filterable by
    // the actor.
    void adminActivityInTheAuditLog()
    {
        m_window->showPage(MainWindow::Page::AuditLog);
        AuditLogPage *page = m_window->auditLogPage();
        auto *kind = page->findChild<QComboBox *>(QStringLiteral("auditKindComboBox"));
        QVERIFY2(kind, "the Audit Log has no admin activity");
        kind->setCurrentIndex(kind->findText(QStringLiteral("Admin activity")));
        Q_EMIT kind->activated(kind->currentIndex());
        AuditLogModel *model = page->model();
        const auto row = [model](const QString &what, const QString &reason) {
            for (int r = 0; r < model->rowCount(); ++r) {
                if (model->index(r, AuditLogModel::VerdictColumn).data().toString() == what
                    && model->index(r, AuditLogModel::ReasonColumn).data().toString() == reason)
                    return r;
            }
            return -1;
        };
        QTRY_VERIFY_WITH_TIMEOUT(
            row(QStringLiteral("Blocked prefix"), QStringLiteral("runaway: 40 charges a minute"))
                >= 0,
            20000);
        const int blocked =
            row(QStringLiteral("Blocked prefix"), QStringLiteral("runaway: 40 charges a minute"));
        QCOMPARE(model->index(blocked, AuditLogModel::ActorColumn).data().toString(),
                 QStringLiteral("on-call"));
        QVERIFY(row(QStringLiteral("Revoked key"), QStringLiteral("runaway: 40 charges a minute"))
                >= 0);
        QVERIFY(row(QStringLiteral("Lifted block"), QStringLiteral("fixed upstream")) >= 0);
        QVERIFY(row(QStringLiteral("Gave revoke reason"), QStringLiteral("report job superseded"))
                >= 0);
        QVERIFY(row(QStringLiteral("Issued key"), QString()) >= 0);
        for (int r = 0; r < model->rowCount(); ++r)
            QVERIFY(model->entryAt(r)->kind == client::AuditKind::Admin);
        if (const QString shots = screenshotDir(); !shots.isEmpty())
            QVERIFY(m_window->grab().save(shots + QStringLiteral("/audit-admin-activity.png")));

        // By actor: only the on-call key's rows (the test's own issues were by another key).
        const int everyone = model->rowCount();
        const QString onCall = m_session->whoAmI()->adminKeyId;
        // The summary counts actions, not calls, on admin activity.
        auto *summary = page->findChild<QLabel *>(QStringLiteral("auditSummaryLabel"));
        QTRY_VERIFY2_WITH_TIMEOUT(summary->text().contains(QStringLiteral("action")),
                                  qPrintable(summary->text()), 10000);
        QVERIFY2(!summary->text().contains(QStringLiteral("call")), qPrintable(summary->text()));
        // "By" is a picker of admin keys by name (the actors of the rows for an operator, who
        // may not list admin keys); a typed id still works.
        auto *actor = page->findChild<QComboBox *>(QStringLiteral("auditActorComboBox"));
        QVERIFY(actor);
        const int picked = actor->findData(onCall);
        QVERIFY2(picked > 0, "the on-call key is not in the By picker");
        QVERIFY2(actor->itemText(picked).startsWith(QStringLiteral("on-call")),
                 qPrintable(actor->itemText(picked)));
        // Picked from the list (the arrow keys move through it), then Return applies it.
        actor->setFocus();
        for (int i = 0; i < picked; ++i)
            QTest::keyClick(actor, Qt::Key_Down);
        QCOMPARE(actor->currentIndex(), picked);
        QTest::keyClick(actor->lineEdit(), Qt::Key_Return);
        const auto onlyOnCall = [&] {
            for (int r = 0; r < model->rowCount(); ++r) {
                if (model->entryAt(r)->actor != onCall)
                    return false;
            }
            return model->rowCount() > 0;
        };
        QTRY_VERIFY_WITH_TIMEOUT(onlyOnCall(), 20000);
        QVERIFY(model->rowCount() < everyone);
        QVERIFY(
            row(QStringLiteral("Blocked prefix"), QStringLiteral("runaway: 40 charges a minute"))
            >= 0);
    }
};

QTEST_MAIN(TestBrakesConsole)
#include "tst_brakesconsole.moc"
