// A key's recent calls (GET /v1/audit?key_id=) of a real keybraked, newest first, with newer
// calls added on top by a refresh.
#include "client/keybrakeclient.h"
#include "models/keyauditmodel.h"
#include "testserver.h"

#include <QAbstractItemModelTester>
#include <QJsonArray>
#include <QSignalSpy>
#include <QTest>

using namespace keybrake;

class TestKeyAuditModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void recentCallsOfOneKey()
    {
        test::TestServer server;
        QVERIFY2(server.start(), qPrintable(server.errorString()));
        client::KeybrakeClient client;
        client.setBaseUrl(server.baseUrl());
        client.setAdminKey(server.adminKey());

        const auto issue = [&server](const QString &label) {
            return server.issueKey(QJsonObject {
                {QStringLiteral("vendor"), QStringLiteral("stripe")},
                {QStringLiteral("daily_usd_cap"), 10},
                {QStringLiteral("allowed_endpoints"),
                 QJsonArray {QStringLiteral("charges.create")}},
                {QStringLiteral("expires_in"), QStringLiteral("15m")},
                {QStringLiteral("agent_run_label"), label},
            });
        };
        const QJsonObject watched = issue(QStringLiteral("audit/watched"));
        const QJsonObject other = issue(QStringLiteral("audit/other"));
        const QString secret = watched.value(QStringLiteral("vault_key")).toString();
        QCOMPARE(server
                     .proxy("POST", QStringLiteral("/stripe/v1/charges"), test::stripeCharge(300),
                            secret)
                     .status,
                 200);
        QCOMPARE(server
                     .proxy("POST", QStringLiteral("/stripe/v1/payouts"), "amount=100&currency=usd",
                            secret)
                     .status,
                 403);
        QCOMPARE(server
                     .proxy("POST", QStringLiteral("/stripe/v1/charges"), test::stripeCharge(100),
                            other.value(QStringLiteral("vault_key")).toString())
                     .status,
                 200);

        KeyAuditModel model(&client);
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy refreshed(&model, &KeyAuditModel::refreshed);
        model.setKeyId(watched.value(QStringLiteral("key_id")).toString());
        QVERIFY(refreshed.wait(20000));
        QCOMPARE(model.rowCount(), 2);
        // Newest first: the refused payout, then the charge.
        QCOMPARE(model.index(0, KeyAuditModel::VerdictColumn).data().toString(),
                 QStringLiteral("Denied: operation not allowed"));
        QVERIFY(model.index(0, 0).data(KeyAuditModel::DeniedRole).toBool());
        QCOMPARE(model.index(1, KeyAuditModel::OperationColumn).data().toString(),
                 QStringLiteral("charges.create"));
        QCOMPARE(model.index(1, KeyAuditModel::CostColumn).data().toString(),
                 QStringLiteral("$3.00"));
        QCOMPARE(model.index(1, KeyAuditModel::StatusColumn).data().toString(),
                 QStringLiteral("200"));

        QCOMPARE(server
                     .proxy("POST", QStringLiteral("/stripe/v1/charges"), test::stripeCharge(200),
                            secret)
                     .status,
                 200);
        QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        model.refresh();
        QVERIFY(refreshed.wait(20000));
        QCOMPARE(reset.size(), 0);
        QCOMPARE(inserted.size(), 1);
        QCOMPARE(inserted.first().at(1).toInt(), 0);
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(model.index(0, KeyAuditModel::CostColumn).data().toString(),
                 QStringLiteral("$2.00"));
    }
};

QTEST_GUILESS_MAIN(TestKeyAuditModel)
#include "tst_keyauditmodel.moc"
