// The Overview's four stat cards from GET /v1/stats/today of a real keybraked.
#include "client/keybrakeclient.h"
#include "models/statsmodel.h"
#include "testserver.h"

#include <QAbstractItemModelTester>
#include <QJsonArray>
#include <QSignalSpy>
#include <QTest>

using namespace keybrake;

class TestStatsModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void cardsShowTodaysFigures()
    {
        test::TestServer server;
        QVERIFY2(server.start(), qPrintable(server.errorString()));
        client::KeybrakeClient client;
        client.setBaseUrl(server.baseUrl());
        client.setAdminKey(server.adminKey());

        StatsModel model(&client);
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(model.rowCount(), int(StatsModel::CardCount));
        QCOMPARE(model.index(StatsModel::ActiveKeysCard).data().toString(), QStringLiteral("—"));

        QSignalSpy refreshed(&model, &StatsModel::refreshed);
        model.refresh();
        QVERIFY(refreshed.wait(20000));
        QCOMPARE(model.index(StatsModel::ActiveKeysCard).data().toString(), QStringLiteral("0"));

        const QJsonObject key = server.issueKey(QJsonObject {
            {QStringLiteral("vendor"), QStringLiteral("stripe")},
            {QStringLiteral("daily_usd_cap"), 20},
            {QStringLiteral("allowed_endpoints"), QJsonArray {QStringLiteral("charges.create")}},
            {QStringLiteral("expires_in"), QStringLiteral("15m")},
            {QStringLiteral("agent_run_label"), QStringLiteral("stats/run")},
        });
        const QString secret = key.value(QStringLiteral("vault_key")).toString();
        QCOMPARE(server
                     .proxy("POST", QStringLiteral("/stripe/v1/charges"), test::stripeCharge(1234),
                            secret)
                     .status,
                 200);
        // Refused: not allowed by the policy.
        QCOMPARE(server.proxy("GET", QStringLiteral("/stripe/v1/customers"), {}, secret).status,
                 403);

        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        model.refresh();
        QVERIFY(refreshed.wait(20000));
        QVERIFY(!changed.isEmpty());
        QCOMPARE(model.index(StatsModel::ActiveKeysCard).data().toString(), QStringLiteral("1"));
        QCOMPARE(model.index(StatsModel::SpendTodayCard).data().toString(),
                 QStringLiteral("$12.34"));
        QCOMPARE(
            model.index(StatsModel::SpendTodayCard).data(StatsModel::RawValueRole).toLongLong(),
            12'340'000);
        QCOMPARE(model.index(StatsModel::CallsTodayCard).data().toString(), QStringLiteral("2"));
        QCOMPARE(model.index(StatsModel::BlockedTodayCard).data().toString(), QStringLiteral("1"));
        QVERIFY(model.index(StatsModel::BlockedTodayCard).data(StatsModel::WarningRole).toBool());
        QVERIFY(model.index(StatsModel::BlockedTodayCard)
                    .data(StatsModel::DetailRole)
                    .toString()
                    .contains(QStringLiteral("50.0 %")));
        QVERIFY(model.index(StatsModel::SpendTodayCard)
                    .data(StatsModel::DetailRole)
                    .toString()
                    .contains(QStringLiteral("held")));
    }
};

QTEST_GUILESS_MAIN(TestStatsModel)
#include "tst_statsmodel.moc"
