// The Reports page's models against a real keybraked: each table equals its route row for row
// (agents: GET /v1/reports/agents, vendors by day: GET /v1/reports/vendors/daily, anomalies:
// GET /v1/reports/anomalies), money to the micro-dollar, and each export cell is the exact value.
#include "client/keybrakeclient.h"
#include "models/agentreportmodel.h"
#include "models/anomalymodel.h"
#include "models/modelcsvfile.h"
#include "models/vendordailymodel.h"
#include "testserver.h"

#include <QAbstractItemModelTester>
#include <QFile>
#include <QJsonArray>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace keybrake;

namespace {

qint64 micros(const QJsonValue &dollars)
{
    return qRound64(dollars.toDouble() * 1e6);
}

} // namespace

class TestReportModels : public QObject
{
    Q_OBJECT

private:
    test::TestServer m_server;
    client::KeybrakeClient m_client;

    QString issue(const QString &vendor, const QString &label, int cap)
    {
        QJsonObject policy {
            {QStringLiteral("vendor"), vendor},
            {QStringLiteral("daily_usd_cap"), cap},
            {QStringLiteral("allowed_endpoints"),
             QJsonArray {vendor == u"twilio" ? QStringLiteral("messages.create")
                                             : QStringLiteral("charges.create")}},
            {QStringLiteral("expires_in"), QStringLiteral("30m")},
            {QStringLiteral("agent_run_label"), label},
        };
        return m_server.issueKey(policy).value(QStringLiteral("vault_key")).toString();
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(m_server.start(), qPrintable(m_server.errorString()));
        m_client.setBaseUrl(m_server.baseUrl());
        m_client.setAdminKey(m_server.adminKey());
        // Two agents on Stripe, one of them also on Twilio; one key at 90 % of its cap.
        const QString billing1 =
            issue(QStringLiteral("stripe"), QStringLiteral("rep/billing/r1"), 10);
        const QString billing2 =
            issue(QStringLiteral("stripe"), QStringLiteral("rep/billing/r2"), 50);
        const QString notify = issue(QStringLiteral("stripe"), QStringLiteral("rep/notify:r1"), 50);
        const QString sms = issue(QStringLiteral("twilio"), QStringLiteral("rep/notify:r1"), 5);
        QVERIFY(!billing1.isEmpty() && !sms.isEmpty());
        for (int cents : {400, 500, 300}) // 9.00 of 10.00, then refused at the cap
            m_server.proxy("POST", QStringLiteral("/stripe/v1/charges"), test::stripeCharge(cents),
                           billing1);
        m_server.proxy("POST", QStringLiteral("/stripe/v1/charges"), test::stripeCharge(1234),
                       billing2);
        m_server.proxy("POST", QStringLiteral("/stripe/v1/charges"), test::stripeCharge(99),
                       notify);
        const QString twilioPath = QStringLiteral("/twilio/2010-04-01/Accounts/%1/Messages.json")
                                       .arg(QString::fromLatin1(test::kTwilioSid));
        for (int i = 0; i < 2; ++i)
            m_server.proxy("POST", twilioPath, "To=%2B15005550006&From=%2B15005550001&Body=hi",
                           sms);
    }

    void agentsTableEqualsItsRoute()
    {
        AgentReportModel model(&m_client);
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy loaded(&model, &AgentReportModel::loaded);
        model.load(client::ReportRange::lastDays(7));
        QVERIFY(loaded.wait(20000));
        const QJsonObject route =
            m_server.admin("GET", QStringLiteral("/v1/reports/agents?days=7")).json;
        const QJsonArray rows = route.value(QStringLiteral("data")).toArray();
        QCOMPARE(model.rowCount(), rows.size());
        QCOMPARE(rows.size(), 2);
        for (int row = 0; row < rows.size(); ++row) {
            const QJsonObject json = rows.at(row).toObject();
            const auto cell = [&model, row](int column, int role) {
                return model.index(row, column).data(role);
            };
            QCOMPARE(cell(AgentReportModel::PrefixColumn, AgentReportModel::ExportRole).toString(),
                     json[QStringLiteral("label_prefix")].toString());
            QCOMPARE(
                cell(AgentReportModel::SpendColumn, AgentReportModel::RawValueRole).toLongLong(),
                micros(json[QStringLiteral("spend_usd")]));
            QCOMPARE(
                cell(AgentReportModel::HeldColumn, AgentReportModel::RawValueRole).toLongLong(),
                micros(json[QStringLiteral("held_usd")]));
            QCOMPARE(
                cell(AgentReportModel::CallsColumn, AgentReportModel::RawValueRole).toLongLong(),
                json[QStringLiteral("calls")].toInteger());
            QCOMPARE(
                cell(AgentReportModel::BlockedColumn, AgentReportModel::RawValueRole).toLongLong(),
                json[QStringLiteral("blocked")].toInteger());
            QCOMPARE(
                cell(AgentReportModel::RunsColumn, AgentReportModel::RawValueRole).toLongLong(),
                json[QStringLiteral("runs")].toInteger());
        }
        // rep/billing/: 9.00 + 12.34 settled, one refusal at the cap.
        QCOMPARE(model.index(0, AgentReportModel::PrefixColumn).data().toString(),
                 QStringLiteral("rep/billing/"));
        QCOMPARE(model.index(0, AgentReportModel::SpendColumn)
                     .data(AgentReportModel::ExportRole)
                     .toString(),
                 QStringLiteral("21.34"));
        QCOMPARE(model.index(0, AgentReportModel::BlockedColumn).data().toString(),
                 QStringLiteral("1"));
    }

    void vendorDaysEqualTheirRoute()
    {
        VendorDailyModel model(&m_client);
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy loaded(&model, &VendorDailyModel::loaded);
        model.load(7);
        QVERIFY(loaded.wait(20000));
        const QJsonObject route =
            m_server.admin("GET", QStringLiteral("/v1/reports/vendors/daily?days=7")).json;
        const QJsonArray days = route.value(QStringLiteral("data")).toArray();
        QCOMPARE(days.size(), 7);
        QCOMPARE(model.rowCount(), 7);
        qint64 stripeTotal = 0;
        for (int row = 0; row < days.size(); ++row) {
            const QJsonObject day = days.at(row).toObject();
            QCOMPARE(model.index(row, VendorDailyModel::DayColumn).data().toString(),
                     day[QStringLiteral("day")].toString());
            QCOMPARE(model.index(row, VendorDailyModel::TotalColumn)
                         .data(VendorDailyModel::RawValueRole)
                         .toLongLong(),
                     micros(day[QStringLiteral("spend_usd")]));
            for (int column :
                 {int(VendorDailyModel::StripeColumn), int(VendorDailyModel::TwilioColumn),
                  int(VendorDailyModel::ResendColumn)}) {
                const QString vendor = VendorDailyModel::vendorOfColumn(column);
                QCOMPARE(
                    model.index(row, column).data(VendorDailyModel::RawValueRole).toLongLong(),
                    micros(day[QStringLiteral("vendors")][vendor][QStringLiteral("spend_usd")]));
            }
            QCOMPARE(model.index(row, VendorDailyModel::CallsColumn)
                         .data(VendorDailyModel::RawValueRole)
                         .toLongLong(),
                     day[QStringLiteral("calls")].toInteger());
            stripeTotal += model.index(row, VendorDailyModel::StripeColumn)
                               .data(VendorDailyModel::RawValueRole)
                               .toLongLong();
        }
        // Today is the last row; Stripe settled 9.00 + 12.34 + 0.99.
        QCOMPARE(stripeTotal, 22'330'000);
        QVERIFY(model.index(6, VendorDailyModel::TwilioColumn)
                    .data(VendorDailyModel::RawValueRole)
                    .toLongLong()
                > 0);
        QCOMPARE(
            model.headerData(VendorDailyModel::DayColumn, Qt::Horizontal).toString(),
            QStringLiteral("Day (%1)").arg(route[QStringLiteral("spend_timezone")].toString()));
    }

    void anomaliesEqualTheirRoute()
    {
        AnomalyModel model(&m_client);
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy loaded(&model, &AnomalyModel::loaded);
        model.refresh();
        QVERIFY(loaded.wait(20000));
        const QJsonArray rows = m_server.admin("GET", QStringLiteral("/v1/reports/anomalies"))
                                    .json.value(QStringLiteral("data"))
                                    .toArray();
        QCOMPARE(model.rowCount(), rows.size());
        QVERIFY(rows.size() >= 1);
        for (int row = 0; row < rows.size(); ++row) {
            const QJsonObject json = rows.at(row).toObject();
            QCOMPARE(model.index(row, 0).data(AnomalyModel::KindRole).toString(),
                     json[QStringLiteral("kind")].toString());
            QCOMPARE(model.index(row, AnomalyModel::ReasonColumn).data().toString(),
                     json[QStringLiteral("reason")].toString());
        }
        // The billing key at 90 % of its cap, first (caps come first).
        QCOMPARE(model.index(0, 0).data(AnomalyModel::KindRole).toString(),
                 QStringLiteral("key_near_cap"));
        QCOMPARE(model.index(0, AnomalyModel::FindingColumn).data().toString(),
                 QStringLiteral("Near cap"));
        QCOMPARE(
            model.index(0, AnomalyModel::FigureColumn).data(AnomalyModel::RawValueRole).toDouble(),
            0.9);
    }

    void exportWritesExactValues()
    {
        AgentReportModel model(&m_client);
        QSignalSpy loaded(&model, &AgentReportModel::loaded);
        model.load(client::ReportRange::lastDays(7));
        QVERIFY(loaded.wait(20000));
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("agents.csv"));
        QCOMPARE(ModelCsvFile::write(path, model, AgentReportModel::ExportRole,
                                     {QStringLiteral("Range: test")}),
                 QString());
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QList<QByteArray> lines = file.readAll().split('\n');
        QCOMPARE(lines.at(0), QByteArray("# Range: test\r"));
        QCOMPARE(lines.at(1),
                 QByteArray("label_prefix,runs,keys,spend_usd,held_usd,calls,blocked,"
                            "last_call_at\r"));
        QVERIFY2(lines.at(2).startsWith("rep/billing/,2,2,21.34,0,4,1,"), lines.at(2).constData());
        QCOMPARE(lines.size(), 5); // two rows and the empty tail after the last CRLF
    }
};

QTEST_GUILESS_MAIN(TestReportModels)
#include "tst_reportmodels.moc"
