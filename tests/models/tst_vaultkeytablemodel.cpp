// VaultKeyTableModel and its filter proxy against a real keybraked: paging as the view scrolls,
// refreshes that update rows in place (never a reset), and revoking through the model.
#include "client/keybrakeclient.h"
#include "models/connectionmonitor.h"
#include "models/vaultkeyfilterproxymodel.h"
#include "models/vaultkeytablemodel.h"
#include "testserver.h"

#include <QAbstractItemModelTester>
#include <QJsonArray>
#include <QSignalSpy>
#include <QTest>

#include <memory>

using namespace keybrake;
using Model = VaultKeyTableModel;

namespace {

QJsonObject policy(const QString &label, double capUsd = 50,
                   const QString &vendor = QStringLiteral("stripe"))
{
    QJsonArray endpoints;
    if (vendor == u"stripe")
        endpoints = {QStringLiteral("charges.create"), QStringLiteral("customers.list")};
    else if (vendor == u"resend")
        endpoints = {QStringLiteral("emails.send")};
    else
        endpoints = {QStringLiteral("messages.create")};
    return QJsonObject {
        {QStringLiteral("vendor"), vendor},
        {QStringLiteral("daily_usd_cap"), capUsd},
        {QStringLiteral("allowed_endpoints"), endpoints},
        {QStringLiteral("expires_in"), QStringLiteral("1h")},
        {QStringLiteral("agent_run_label"), label},
        {QStringLiteral("name"), label},
    };
}

} // namespace

class TestVaultKeyTableModel : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<test::TestServer> m_server;
    std::unique_ptr<client::KeybrakeClient> m_client;

    std::unique_ptr<Model> newModel(int pageSize = 200)
    {
        auto model = std::make_unique<Model>(m_client.get());
        model->setPageSize(pageSize);
        return model;
    }

    bool waitLoaded(Model &model)
    {
        return QTest::qWaitFor([&model] { return model.hasLoaded() && !model.isLoading(); }, 20000);
    }

    bool refreshAndWait(Model &model)
    {
        QSignalSpy refreshed(&model, &Model::refreshed);
        model.refresh();
        return refreshed.wait(20000);
    }

    QString issue(const QJsonObject &body, QString *vaultKey = nullptr)
    {
        const QJsonObject key = m_server->issueKey(body);
        if (vaultKey)
            *vaultKey = key.value(QStringLiteral("vault_key")).toString();
        return key.value(QStringLiteral("key_id")).toString();
    }

private Q_SLOTS:
    void init()
    {
        m_server = std::make_unique<test::TestServer>();
        QVERIFY2(m_server->start(), qPrintable(m_server->errorString()));
        m_client = std::make_unique<client::KeybrakeClient>();
        m_client->setBaseUrl(m_server->baseUrl());
        m_client->setAdminKey(m_server->adminKey());
    }

    void cleanup()
    {
        m_client.reset();
        m_server.reset();
    }

    void loadsColumnsAndRawValues()
    {
        QString vaultKey;
        const QString keyId = issue(policy(QStringLiteral("lambda/billing/msg-1"), 50), &vaultKey);
        QVERIFY(!keyId.isEmpty());
        // $20 of a $50 cap settled through the proxy.
        QCOMPARE(m_server
                     ->proxy("POST", QStringLiteral("/stripe/v1/charges"), test::stripeCharge(2000),
                             vaultKey)
                     .status,
                 200);

        auto model = newModel();
        QAbstractItemModelTester tester(model.get(),
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model->setQuery({});
        QVERIFY(waitLoaded(*model));
        QCOMPARE(model->rowCount(), 1);
        QCOMPARE(model->columnCount(), int(Model::ColumnCount));
        const auto cell = [&](int column, int role = Qt::DisplayRole) {
            return model->index(0, column).data(role);
        };
        QCOMPARE(cell(Model::NameColumn).toString(), QStringLiteral("lambda/billing/msg-1"));
        // The hint's distinguishing tail, the whole hint in the tooltip.
        QVERIFY(cell(Model::KeyHintColumn).toString().startsWith(QChar(0x2026)));
        QVERIFY(cell(Model::KeyHintColumn, Qt::ToolTipRole)
                    .toString()
                    .startsWith(QStringLiteral("vault_key_")));
        QCOMPARE(cell(Model::StatusColumn).toString(), QStringLiteral("Active"));
        QCOMPARE(cell(Model::VendorColumn).toString(), QStringLiteral("Stripe"));
        QCOMPARE(cell(Model::CapColumn).toString(), QStringLiteral("$50.00"));
        QCOMPARE(cell(Model::SpentTodayColumn).toString(), QStringLiteral("$20.00"));
        QCOMPARE(cell(Model::UtilisationColumn).toString(), QStringLiteral("40 %"));
        QCOMPARE(cell(Model::CallsColumn).toString(), QStringLiteral("1"));
        QCOMPARE(cell(Model::AllowedOperationsColumn).toString(),
                 QStringLiteral("charges.create, customers.list"));
        QVERIFY(cell(Model::ExpiresColumn).toString().startsWith(QStringLiteral("in ")));
        QCOMPARE(cell(Model::ActionColumn).toString(), QStringLiteral("Revoke"));
        // Sorting uses raw values: micro-dollars and UTC instants, not the display strings.
        QCOMPARE(cell(Model::SpentTodayColumn, Model::RawValueRole).toLongLong(), 20'000'000);
        QCOMPARE(cell(Model::CapColumn, Model::RawValueRole).toLongLong(), 50'000'000);
        QCOMPARE(cell(Model::UtilisationColumn, Model::RawValueRole).toDouble(), 0.4);
        QCOMPARE(cell(Model::ExpiresColumn, Model::RawValueRole).typeId(), QMetaType::QDateTime);
        QCOMPARE(cell(0, Model::KeyIdRole).toString(), keyId);
    }

    void pagesAsTheViewScrolls()
    {
        for (int i = 0; i < 12; ++i)
            QVERIFY(!issue(policy(QStringLiteral("batch/msg-%1").arg(i))).isEmpty());
        auto model = newModel(5);
        QAbstractItemModelTester tester(model.get(),
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model->setQuery({});
        QVERIFY(waitLoaded(*model));
        QCOMPARE(model->rowCount(), 5);
        // Newest first, as the server lists them.
        QCOMPARE(model->index(0, Model::NameColumn).data().toString(),
                 QStringLiteral("batch/msg-11"));
        QVERIFY(model->canFetchMore({}));
        model->fetchMore({});
        QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), 10, 20000);
        QTRY_VERIFY(model->canFetchMore({}));
        model->fetchMore({});
        QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), 12, 20000);
        QTRY_VERIFY(!model->isLoading());
        QVERIFY(!model->canFetchMore({}));
        QCOMPARE(model->index(11, Model::NameColumn).data().toString(),
                 QStringLiteral("batch/msg-0"));

        // A refresh re-reads the whole loaded window (more than one page), changing nothing.
        QSignalSpy reset(model.get(), &QAbstractItemModel::modelReset);
        QSignalSpy inserted(model.get(), &QAbstractItemModel::rowsInserted);
        QSignalSpy removed(model.get(), &QAbstractItemModel::rowsRemoved);
        QVERIFY(refreshAndWait(*model));
        QCOMPARE(model->rowCount(), 12);
        QCOMPARE(reset.size(), 0);
        QCOMPARE(inserted.size(), 0);
        QCOMPARE(removed.size(), 0);
    }

    void refreshUpdatesRowsInPlace()
    {
        QString spender;
        const QString spenderId = issue(policy(QStringLiteral("run/spender"), 10), &spender);
        const QString quietId = issue(policy(QStringLiteral("run/quiet"), 10));
        auto model = newModel();
        QAbstractItemModelTester tester(model.get(),
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model->setQuery({});
        QVERIFY(waitLoaded(*model));
        QCOMPARE(model->rowCount(), 2);
        const QPersistentModelIndex spenderRow = model->index(model->rowOfKey(spenderId), 0);
        const QPersistentModelIndex quietRow = model->index(model->rowOfKey(quietId), 0);

        // $8.50 of $10: near the cap.
        QCOMPARE(m_server
                     ->proxy("POST", QStringLiteral("/stripe/v1/charges"), test::stripeCharge(850),
                             spender)
                     .status,
                 200);
        const QString newcomer = issue(policy(QStringLiteral("run/newcomer"), 10));

        QSignalSpy reset(model.get(), &QAbstractItemModel::modelReset);
        QSignalSpy changed(model.get(), &QAbstractItemModel::dataChanged);
        QSignalSpy inserted(model.get(), &QAbstractItemModel::rowsInserted);
        QVERIFY(refreshAndWait(*model));

        QCOMPARE(reset.size(), 0);
        // The new key arrives on top with one insert; the old rows keep their identity.
        QCOMPARE(inserted.size(), 1);
        QCOMPARE(inserted.first().at(1).toInt(), 0);
        QCOMPARE(model->rowCount(), 3);
        QCOMPARE(model->rowOfKey(newcomer), 0);
        QVERIFY(spenderRow.isValid() && quietRow.isValid());
        QCOMPARE(spenderRow.data(Model::KeyIdRole).toString(), spenderId);
        QCOMPARE(quietRow.data(Model::KeyIdRole).toString(), quietId);
        // Only the row whose data changed was signalled, with the data roles.
        bool spenderSignalled = false;
        for (const QList<QVariant> &signal : std::as_const(changed)) {
            const auto top = signal.at(0).toModelIndex();
            const auto bottom = signal.at(1).toModelIndex();
            const auto roles = signal.at(2).value<QList<int>>();
            QVERIFY(!(top.row() <= quietRow.row() && quietRow.row() <= bottom.row()));
            if (top.row() <= spenderRow.row() && spenderRow.row() <= bottom.row()) {
                spenderSignalled = true;
                QVERIFY(roles.contains(Qt::DisplayRole));
                QVERIFY(roles.contains(Model::RawValueRole));
            }
        }
        QVERIFY(spenderSignalled);
        const QModelIndex status = model->index(spenderRow.row(), Model::StatusColumn);
        QCOMPARE(Model::DisplayStatus(status.data(Model::DisplayStatusRole).toInt()),
                 Model::DisplayStatus::NearCap);
        QCOMPARE(status.data().toString(), QStringLiteral("85 %"));
        QCOMPARE(model->index(spenderRow.row(), Model::SpentTodayColumn).data().toString(),
                 QStringLiteral("$8.50"));
    }

    void revokeShowsTheServersTimeAndTheProxyRefusesTheKey()
    {
        QString vaultKey;
        const QString keyId = issue(policy(QStringLiteral("run/to-revoke")), &vaultKey);
        auto model = newModel();
        model->setQuery({});
        QVERIFY(waitLoaded(*model));
        QSignalSpy succeeded(model.get(), &Model::revokeSucceeded);
        model->revoke(keyId);
        // At once, before any answer: the row says it is revoking.
        QCOMPARE(model->revokeState(keyId), Model::RevokeState::Revoking);
        QCOMPARE(model->index(0, Model::ActionColumn).data().toString(),
                 QStringLiteral("Revoking…"));
        QVERIFY(succeeded.wait(20000));
        const QDateTime revokedAt = succeeded.first().at(1).toDateTime();
        QVERIFY(revokedAt.isValid());
        QCOMPARE(model->revokeState(keyId), Model::RevokeState::Revoked);
        QCOMPARE(model->index(0, Model::ActionColumn).data().toString(),
                 QStringLiteral("Revoked %1").arg(model->timeFormatter().clock(revokedAt, true)));
        QCOMPARE(model->findKey(keyId)->status, client::KeyStatus::Revoked);

        const test::HttpResult refused = m_server->proxy(
            "POST", QStringLiteral("/stripe/v1/charges"), test::stripeCharge(100), vaultKey);
        QCOMPARE(refused.status, 401);
        QCOMPARE(refused.json.value(QStringLiteral("code")).toString(),
                 QStringLiteral("key_revoked"));
        // And the server agrees on the time it answered.
        const test::HttpResult key = m_server->admin("GET", QStringLiteral("/v1/keys/") + keyId);
        QCOMPARE(QDateTime::fromString(key.json.value(QStringLiteral("revoked_at")).toString(),
                                       Qt::ISODateWithMs),
                 revokedAt);
    }

    void failedRevokeRollsBackWithTheReason()
    {
        const QString keyId = issue(policy(QStringLiteral("run/guarded")));
        // A viewer may list keys but not revoke them: the server says 403.
        client::KeybrakeClient viewer;
        viewer.setBaseUrl(m_server->baseUrl());
        viewer.setAdminKey(m_server->createAdminKey(QStringLiteral("viewer")));
        Model model(&viewer);
        model.setQuery({});
        QVERIFY(waitLoaded(model));
        QSignalSpy failed(&model, &Model::revokeFailed);
        model.revoke(keyId);
        QVERIFY(failed.wait(20000));
        QVERIFY2(failed.first().at(1).toString().contains(QStringLiteral("operator")),
                 qPrintable(failed.first().at(1).toString()));
        QCOMPARE(model.revokeState(keyId), Model::RevokeState::Failed);
        QCOMPARE(model.findKey(keyId)->status, client::KeyStatus::Active);
        QCOMPARE(model.index(0, Model::ActionColumn).data().toString(), QStringLiteral("Revoke"));
        QVERIFY(model.index(0, Model::ActionColumn)
                    .data(Qt::ToolTipRole)
                    .toString()
                    .contains(failed.first().at(1).toString()));
    }

    void bulkRevoke()
    {
        QStringList ids;
        QStringList secrets;
        for (int i = 0; i < 3; ++i) {
            QString secret;
            ids.append(issue(policy(QStringLiteral("bulk/%1").arg(i)), &secret));
            secrets.append(secret);
        }
        const QString untouched = issue(policy(QStringLiteral("bulk/keep")));
        auto model = newModel();
        model->setQuery({});
        QVERIFY(waitLoaded(*model));
        QSignalSpy finished(model.get(), &Model::bulkRevokeFinished);
        model->revokeMany(ids);
        QVERIFY(finished.wait(20000));
        QCOMPARE(finished.first().at(0).toInt(), 3);
        QCOMPARE(finished.first().at(1).toInt(), 0);
        for (const QString &id : ids)
            QCOMPARE(model->findKey(id)->status, client::KeyStatus::Revoked);
        QTRY_COMPARE_WITH_TIMEOUT(model->findKey(untouched)->status, client::KeyStatus::Active,
                                  20000);
        for (const QString &secret : secrets)
            QCOMPARE(
                m_server->proxy("GET", QStringLiteral("/stripe/v1/customers"), {}, secret).status,
                401);
    }

    void proxyFiltersAndSortsByRawValues()
    {
        QString a;
        issue(policy(QStringLiteral("sort/alpha"), 100), &a);
        issue(policy(QStringLiteral("sort/beta"), 5));
        issue(policy(QStringLiteral("mail/gamma"), 20, QStringLiteral("resend")));
        QCOMPARE(
            m_server
                ->proxy("POST", QStringLiteral("/stripe/v1/charges"), test::stripeCharge(900), a)
                .status,
            200);
        auto model = newModel();
        VaultKeyFilterProxyModel proxy;
        proxy.setSourceModel(model.get());
        QAbstractItemModelTester tester(&proxy,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model->setQuery({});
        QVERIFY(waitLoaded(*model));
        QCOMPARE(proxy.rowCount(), 3);

        // "$100.00" sorts above "$20.00" as text; by raw micro-dollars it is the largest.
        proxy.sort(Model::CapColumn, Qt::DescendingOrder);
        QCOMPARE(proxy.index(0, Model::NameColumn).data().toString(), QStringLiteral("sort/alpha"));
        QCOMPARE(proxy.index(2, Model::NameColumn).data().toString(), QStringLiteral("sort/beta"));
        proxy.sort(Model::SpentTodayColumn, Qt::DescendingOrder);
        QCOMPARE(proxy.index(0, Model::NameColumn).data().toString(), QStringLiteral("sort/alpha"));

        proxy.setVendorFilter(QStringLiteral("resend"));
        QCOMPARE(proxy.rowCount(), 1);
        QCOMPARE(proxy.serverQuery().vendor, QStringLiteral("resend"));
        proxy.setVendorFilter({});
        proxy.setSearchText(QStringLiteral("SORT/"));
        QCOMPARE(proxy.rowCount(), 2);
        proxy.setSearchText({});
        proxy.setStatusFilter(VaultKeyFilterProxyModel::StatusFilter::Revoked);
        QCOMPARE(proxy.rowCount(), 0);
        QCOMPARE(proxy.serverQuery().status, client::KeyStatus::Revoked);
        proxy.setStatusFilter(VaultKeyFilterProxyModel::StatusFilter::Active);
        QCOMPARE(proxy.rowCount(), 3);

        // A key revoked from this console stays visible under "Active" with its revocation time.
        const QString alphaId =
            model
                ->keyAt(model->rowOfKey(
                    proxy.mapToSource(proxy.index(0, 0)).data(Model::KeyIdRole).toString()))
                ->keyId;
        QSignalSpy succeeded(model.get(), &Model::revokeSucceeded);
        model->revoke(alphaId);
        QVERIFY(succeeded.wait(20000));
        QCOMPARE(proxy.rowCount(), 3);
    }

    void monitorFollowsTheModelsRequests()
    {
        ConnectionMonitor monitor(m_client.get());
        monitor.setPollInterval(std::chrono::milliseconds(300));
        auto model = newModel();
        model->setConnectionMonitor(&monitor);
        connect(&monitor, &ConnectionMonitor::refreshDue, model.get(), &Model::refresh);
        model->setQuery({});
        monitor.start();
        QTRY_COMPARE_WITH_TIMEOUT(monitor.state(), ConnectionMonitor::State::Live, 20000);
        issue(policy(QStringLiteral("live/1")));
        // The heartbeat alone brings the new key in.
        QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), 1, 20000);
        QVERIFY(monitor.dataAsOf().isValid());
    }
};

QTEST_GUILESS_MAIN(TestVaultKeyTableModel)
#include "tst_vaultkeytablemodel.moc"
