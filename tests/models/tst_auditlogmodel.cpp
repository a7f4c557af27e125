// The Audit Log page's model against a real keybraked: every filter pages through the server's
// cursors to exactly the rows GET /v1/audit lists (ids, in order), the console's own Status
// filter leaves exactly the rows of that status class, and rows that arrive later go on top in
// place (refresh, addEntry) without a reset.
#include "client/jsoncodec.h"
#include "client/keybrakeclient.h"
#include "httpburst.h"
#include "models/auditlogmodel.h"
#include "testserver.h"

#include <QAbstractItemModelTester>
#include <QJsonArray>
#include <QSignalSpy>
#include <QTest>
#include <QUrlQuery>

#include <future>

using namespace keybrake;

namespace {

struct ServerRow
{
    QString id;
    int httpStatus = 0;
};

// GET /v1/audit for `query` read to its end, as the server lists it.
QList<ServerRow> serverRows(test::TestServer &server, const client::AuditQuery &query)
{
    QList<ServerRow> rows;
    QString cursor;
    do {
        client::AuditQuery page = query;
        page.limit = 1000;
        page.cursor = cursor;
        const test::HttpResult result = server.admin(
            "GET", QStringLiteral("/v1/audit?") + page.toUrlQuery().toString(QUrl::FullyEncoded));
        if (result.status != 200) {
            qWarning() << "GET /v1/audit:" << result.status << result.body;
            return {};
        }
        for (const QJsonValue &row : result.json.value(QStringLiteral("data")).toArray())
            rows.append(
                {row[QStringLiteral("id")].toString(), row[QStringLiteral("http_status")].toInt()});
        cursor = result.json.value(QStringLiteral("next_cursor")).toString();
    } while (!cursor.isEmpty());
    return rows;
}

QStringList idsOf(const QList<ServerRow> &rows)
{
    QStringList ids;
    for (const ServerRow &row : rows)
        ids.append(row.id);
    return ids;
}

QStringList modelIds(const AuditLogModel &model)
{
    QStringList ids;
    for (int row = 0; row < model.rowCount(); ++row)
        ids.append(model.index(row, 0).data(AuditLogModel::EntryIdRole).toString());
    return ids;
}

// Scrolls the model to its end the way a view does: fetchMore while it can.
bool loadAll(AuditLogModel &model)
{
    if (!QTest::qWaitFor([&model] { return model.hasLoaded() && !model.isFetching(); }, 20000))
        return false;
    while (model.hasMore()) {
        if (model.canFetchMore({}))
            model.fetchMore({});
        if (!QTest::qWaitFor([&model] { return !model.isFetching(); }, 20000))
            return false;
        if (!model.lastError().isEmpty())
            return false;
    }
    return true;
}

} // namespace

class TestAuditLogModel : public QObject
{
    Q_OBJECT

private:
    test::TestServer m_server;
    client::KeybrakeClient m_client;
    QString m_keyA; // run audit/a/run-1, cap $10
    QString m_secretA;
    QString m_keyB; // run audit/b/run-2

    QJsonObject issue(const QString &label, int cap, const QString &name = {})
    {
        QJsonObject policy {
            {QStringLiteral("vendor"), QStringLiteral("stripe")},
            {QStringLiteral("daily_usd_cap"), cap},
            {QStringLiteral("allowed_endpoints"), QJsonArray {QStringLiteral("charges.create")}},
            {QStringLiteral("expires_in"), QStringLiteral("30m")},
            {QStringLiteral("agent_run_label"), label},
        };
        if (!name.isEmpty())
            policy.insert(QStringLiteral("name"), name);
        return m_server.issueKey(policy);
    }

    int charge(const QString &secret, int cents)
    {
        return m_server
            .proxy("POST", QStringLiteral("/stripe/v1/charges"), test::stripeCharge(cents), secret)
            .status;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(m_server.start(), qPrintable(m_server.errorString()));
        m_client.setBaseUrl(m_server.baseUrl());
        m_client.setAdminKey(m_server.adminKey());
        const QJsonObject a = issue(QStringLiteral("audit/a/run-1"), 10);
        const QJsonObject b = issue(QStringLiteral("audit/b/run-2"), 50);
        m_keyA = a.value(QStringLiteral("key_id")).toString();
        m_secretA = a.value(QStringLiteral("vault_key")).toString();
        m_keyB = b.value(QStringLiteral("key_id")).toString();
        const QString secretB = b.value(QStringLiteral("vault_key")).toString();
        QVERIFY(!m_keyA.isEmpty() && !m_keyB.isEmpty());
        for (int i = 0; i < 3; ++i)
            QCOMPARE(charge(m_secretA, 300), 200);
        QCOMPARE(charge(m_secretA, 300), 429); // over the $10 cap
        QCOMPARE(m_server
                     .proxy("POST", QStringLiteral("/stripe/v1/payouts"), "amount=100&currency=usd",
                            m_secretA)
                     .status,
                 403);
        QCOMPARE(charge(secretB, 100), 200);
        QCOMPARE(charge(secretB, 150), 200);
        QCOMPARE(
            m_server.proxy("POST", QStringLiteral("/stripe/v1/refunds"), "charge=ch_1", secretB)
                .status,
            403);
        // An unknown vault key: in the log, with no key or run.
        QVERIFY(charge(QStringLiteral("vk_live_unknownunknownunknownunknown"), 100) >= 400);
    }

    void filtersPageToTheServersRows_data()
    {
        QTest::addColumn<QString>("filter");
        QTest::newRow("everything") << QString();
        QTest::newRow("label prefix") << QStringLiteral("label_prefix=audit/a/");
        QTest::newRow("exact label") << QStringLiteral("label=audit/b/run-2");
        QTest::newRow("verdict") << QStringLiteral("verdict=denied_endpoint");
        QTest::newRow("key") << QStringLiteral("key_id=KEY_A");
        QTest::newRow("vendor and prefix") << QStringLiteral("vendor=stripe&label_prefix=audit/");
        QTest::newRow("nothing") << QStringLiteral("vendor=resend");
    }

    void filtersPageToTheServersRows()
    {
        QFETCH(QString, filter);
        const QUrlQuery items(QString(filter).replace(QStringLiteral("KEY_A"), m_keyA));
        client::AuditQuery query;
        query.keyId = items.queryItemValue(QStringLiteral("key_id"));
        query.label = items.queryItemValue(QStringLiteral("label"));
        query.labelPrefix = items.queryItemValue(QStringLiteral("label_prefix"));
        query.vendor = items.queryItemValue(QStringLiteral("vendor"));
        query.verdict = items.queryItemValue(QStringLiteral("verdict"));

        AuditLogModel model(&m_client);
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setPageSize(2); // several cursors even for a few rows
        model.setQuery(query);
        QVERIFY(loadAll(model));
        const QStringList expected = idsOf(serverRows(m_server, query));
        QCOMPARE(modelIds(model), expected);
        if (filter == u"vendor=resend")
            QVERIFY(expected.isEmpty());
        else
            QVERIFY(!expected.isEmpty());
        for (int row = 0; row < model.rowCount(); ++row)
            QVERIFY(AuditLogModel::matches(query, *model.entryAt(row)));
    }

    void statusClassKeepsExactlyItsRows_data()
    {
        QTest::addColumn<int>("status");
        QTest::newRow("2xx") << int(HttpStatusClass::Success);
        QTest::newRow("4xx") << int(HttpStatusClass::ClientError);
        QTest::newRow("5xx") << int(HttpStatusClass::ServerError);
    }

    void statusClassKeepsExactlyItsRows()
    {
        QFETCH(int, status);
        const auto value = HttpStatusClass::Value(status);
        AuditLogModel model(&m_client);
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setPageSize(2);
        model.setStatusClass(value, false);
        model.setQuery(client::AuditQuery());
        QVERIFY(loadAll(model));
        QStringList expected;
        for (const ServerRow &row : serverRows(m_server, client::AuditQuery())) {
            if (HttpStatusClass::matches(value, row.httpStatus))
                expected.append(row.id);
        }
        QCOMPARE(modelIds(model), expected);
        // The log has 2xx and 4xx rows; 5xx none, which is the empty state, not a stall.
        QCOMPARE(expected.isEmpty(), value == HttpStatusClass::ServerError);
        QVERIFY(!model.hasMore());
    }

    void newerRowsGoOnTopInPlace()
    {
        client::AuditQuery query;
        query.labelPrefix = QStringLiteral("audit/a/");
        AuditLogModel model(&m_client);
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setQuery(query);
        QVERIFY(loadAll(model));
        const int before = model.rowCount();
        QVERIFY(before > 0);

        // One row as the live event stream would deliver it: the newest call of run 1.
        QCOMPARE(charge(m_secretA, 300), 429);
        std::optional<client::AuditPage> page;
        client::AuditQuery newest = query;
        newest.limit = 1;
        m_client.audit(newest, this, [&page](const client::Result<client::AuditPage> &result) {
            QVERIFY(result);
            page = *result;
        });
        QTRY_VERIFY_WITH_TIMEOUT(page.has_value(), 20000);
        QCOMPARE(page->data.size(), 1);
        const client::AuditEntry entry = page->data.first();

        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
        QVERIFY(model.addEntry(entry));
        QCOMPARE(inserted.size(), 1);
        QCOMPARE(inserted.first().at(1).toInt(), 0);
        QCOMPARE(inserted.first().at(2).toInt(), 0);
        QCOMPARE(model.rowCount(), before + 1);
        QCOMPARE(model.index(0, 0).data(AuditLogModel::EntryIdRole).toString(), entry.id);
        QCOMPARE(model.index(0, AuditLogModel::VerdictColumn).data(AuditLogModel::VerdictRole),
                 QVariant(QStringLiteral("denied_cap")));
        // Twice, or a row of another run: ignored.
        QVERIFY(!model.addEntry(entry));
        client::AuditEntry other = entry;
        other.id = QString::number(entry.id.toLongLong() + 1000);
        other.agentRunLabel = QStringLiteral("audit/b/run-2");
        QVERIFY(!model.addEntry(other));
        QCOMPARE(model.rowCount(), before + 1);

        // A refresh reads what arrived since, once, on top; the row added by hand stays single.
        QCOMPARE(charge(m_secretA, 300), 429);
        QCOMPARE(charge(m_secretA, 300), 429);
        QSignalSpy refreshed(&model, &AuditLogModel::refreshed);
        model.refresh();
        QVERIFY(refreshed.wait(20000));
        QCOMPARE(reset.size(), 0);
        QCOMPARE(model.rowCount(), before + 3);
        QCOMPARE(modelIds(model), idsOf(serverRows(m_server, query)));

        // The live row overtakes an older one the model has not read yet: the refresh puts the
        // older one below it, where the server lists it.
        QCOMPARE(charge(m_secretA, 300), 429);
        QCOMPARE(charge(m_secretA, 300), 429);
        page.reset();
        m_client.audit(newest, this, [&page](const client::Result<client::AuditPage> &result) {
            QVERIFY(result);
            page = *result;
        });
        QTRY_VERIFY_WITH_TIMEOUT(page.has_value(), 20000);
        QVERIFY(model.addEntry(page->data.first()));
        model.refresh();
        QVERIFY(refreshed.wait(20000));
        QCOMPARE(model.rowCount(), before + 5);
        QCOMPARE(modelIds(model), idsOf(serverRows(m_server, query)));
        QCOMPARE(reset.size(), 0);
    }

    void rowsReadAsTheServerWroteThem()
    {
        client::AuditQuery query;
        query.keyId = m_keyA;
        query.verdict = QStringLiteral("allowed");
        AuditLogModel model(&m_client);
        model.setQuery(query);
        QVERIFY(loadAll(model));
        QCOMPARE(model.rowCount(), 3);
        const QModelIndex cost = model.index(0, AuditLogModel::CostColumn);
        QCOMPARE(cost.data().toString(), QStringLiteral("$3.00"));
        QCOMPARE(cost.data(AuditLogModel::RawValueRole).toLongLong(), 3'000'000);
        QCOMPARE(model.index(0, AuditLogModel::HttpStatusColumn).data().toString(),
                 QStringLiteral("200"));
        QCOMPARE(model.index(0, AuditLogModel::RunLabelColumn).data().toString(),
                 QStringLiteral("audit/a/run-1"));
        QCOMPARE(model.index(0, AuditLogModel::OperationColumn).data().toString(),
                 QStringLiteral("charges.create"));
        // The time column has the date and milliseconds; the header names the zone.
        TimeFormatter utc(TimeZoneDisplay::Utc);
        model.setTimeFormatter(utc);
        const QDateTime ts = model.entryAt(0)->ts;
        QCOMPARE(model.index(0, AuditLogModel::TimeColumn).data().toString(),
                 ts.toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz")));
        QCOMPARE(model.headerData(AuditLogModel::TimeColumn, Qt::Horizontal).toString(),
                 QStringLiteral("Time (UTC)"));
    }

    // Issue 13: "newest first" put 11:36:27.373 above .511. A call's row is written when it
    // completes, and the server lists rows in that order, but the row shows when the call came
    // in: a slow call that started first was listed above a quick one that started after it.
    // The rows read newest call first, to the millisecond. Seen to fail on the old code (the
    // slow call on top).
    void newestCallFirstToTheMillisecond()
    {
        const QJsonObject key = issue(QStringLiteral("audit/order/run-1"), 10);
        const std::string secret = key.value(QStringLiteral("vault_key")).toString().toStdString();
        client::AuditQuery query;
        query.label = QStringLiteral("audit/order/run-1");
        // One model reads the rows as they arrive (a refresh, as the live log does), one reads
        // them afterwards (pages).
        AuditLogModel live(&m_client);
        live.setQuery(query);
        QVERIFY(loadAll(live));
        QCOMPARE(live.rowCount(), 0);

        test::BurstRequest slow;
        slow.target = "/stripe/v1/charges";
        slow.headers = {{"Authorization", "Bearer " + secret},
                        {"Content-Type", "application/x-www-form-urlencoded"},
                        {"X-Sim-Fault", "delay=1500"}};
        slow.body = test::stripeCharge(100).toStdString();
        test::BurstRequest quick = slow;
        quick.headers["X-Sim-Fault"] = "delay=0";
        auto first = std::async(std::launch::async, [&] {
            return test::sendBurst("127.0.0.1", m_server.port(), {slow});
        });
        QTest::qWait(300);
        QCOMPARE(test::sendBurst("127.0.0.1", m_server.port(), {quick}).at(0).status, 200);
        QCOMPARE(first.get().at(0).status, 200);

        QSignalSpy refreshed(&live, &AuditLogModel::refreshed);
        live.refresh();
        QVERIFY(refreshed.wait(20000));
        AuditLogModel paged(&m_client);
        paged.setQuery(query);
        QVERIFY(loadAll(paged));
        for (AuditLogModel *model : {&live, &paged}) {
            QCOMPARE(model->rowCount(), 2);
            const QList<client::AuditEntry> rows = model->entries();
            // The slow call was written last (the higher id) but came in first: below.
            QVERIFY(rows.at(0).id.toLongLong() < rows.at(1).id.toLongLong());
            QVERIFY2(rows.at(0).ts > rows.at(1).ts,
                     qPrintable(rows.at(0).ts.toString(Qt::ISODateWithMs)
                                + QStringLiteral(" listed above ")
                                + rows.at(1).ts.toString(Qt::ISODateWithMs)));
        }
    }
};

QTEST_GUILESS_MAIN(TestAuditLogModel)
#include "tst_auditlogmodel.moc"
