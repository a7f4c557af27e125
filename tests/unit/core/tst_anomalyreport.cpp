// Report 4's peer rules on their own (issue 13): runs are compared with the runs of their agent
// prefix under the contract's revised rule, and a run with fewer than min_calls calls is never
// flagged, however large its one call is beside its peers'.

#include "admin/anomalyreport.h"

#include <QTest>

#include <boost/json/serialize.hpp>

using namespace keybrake;

namespace {

KeyActivity run(const std::string &label, double dollars, std::int64_t calls)
{
    KeyActivity key;
    key.keyId = "key_" + label;
    key.label = label;
    key.vendor = "stripe";
    key.cap = Usd::fromDollars(1000);
    key.live = true;
    key.totals.spent = Usd::fromMicros(static_cast<std::int64_t>(dollars * 1'000'000));
    key.totals.calls = calls;
    return key;
}

std::vector<std::string> flaggedRuns(const boost::json::array &rows)
{
    std::vector<std::string> labels;
    for (const auto &row : rows) {
        const auto &object = row.as_object();
        if (object.at("kind").as_string().starts_with("run_"))
            labels.emplace_back(object.at("label").as_string());
    }
    return labels;
}

} // namespace

class TestAnomalyReport : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void singleCallRunsAreNeverFlagged()
    {
        // EventBridge runs, one invoice each, in one minute: one invoice ten times the others'.
        AnomalyInputs inputs;
        for (int second = 10; second < 16; ++second)
            inputs.recent.push_back(
                run("scheduler/invoice-renewals/2026-12-05T11:34:" + std::to_string(second) + "Z",
                    second == 10 ? 120.0 : 11.5, 1));
        inputs.today = inputs.recent;
        const boost::json::array rows = AnomalyReport().rows(inputs);
        QVERIFY2(flaggedRuns(rows).empty(), boost::json::serialize(rows).c_str());
    }

    void runawayAmongTimestampedPeersIsFlagged()
    {
        // Peers in other minutes are still its peers: the prefix is the agent, not the minute.
        AnomalyInputs inputs;
        for (int minute = 30; minute < 35; ++minute)
            inputs.recent.push_back(
                run("scheduler/invoice-renewals/2026-12-05T11:" + std::to_string(minute) + ":00Z",
                    11.5, 5));
        inputs.recent.push_back(run("scheduler/invoice-renewals/2026-12-05T11:40:00Z", 300, 40));
        inputs.today = inputs.recent;
        const boost::json::array rows = AnomalyReport().rows(inputs);
        const std::vector<std::string> flagged = flaggedRuns(rows);
        QVERIFY2(!flagged.empty(), boost::json::serialize(rows).c_str());
        for (const std::string &label : flagged)
            QCOMPARE(label, std::string("scheduler/invoice-renewals/2026-12-05T11:40:00Z"));
        const auto &first = rows.front().as_object();
        QCOMPARE(std::string(first.at("label_prefix").as_string()),
                 std::string("scheduler/invoice-renewals/"));
        QCOMPARE(first.at("peers").as_int64(), 5);
        QCOMPARE(first.at("calls").as_int64(), 40);
    }

    void minCallsIsStated()
    {
        QCOMPARE(AnomalyThresholds().toJson().at("min_calls").as_int64(), 5);
    }

    void prefixRule_data()
    {
        QTest::addColumn<QString>("label");
        QTest::addColumn<QString>("prefix");
        QTest::newRow("timestamp")
            << QStringLiteral("scheduler/invoice-renewals/2026-12-05T11:34:44Z")
            << QStringLiteral("scheduler/invoice-renewals/");
        QTest::newRow("colon after slash")
            << QStringLiteral("tests/notify:job-1") << QStringLiteral("tests/");
        QTest::newRow("colon only")
            << QStringLiteral("billing:run-7") << QStringLiteral("billing:");
        QTest::newRow("first colon") << QStringLiteral("billing:a:b") << QStringLiteral("billing:");
        QTest::newRow("neither") << QStringLiteral("cron") << QString();
    }
    void prefixRule()
    {
        QFETCH(QString, label);
        QFETCH(QString, prefix);
        QCOMPARE(QString::fromStdString(labelPrefixOf(label.toStdString())), prefix);
    }
};

QTEST_APPLESS_MAIN(TestAnomalyReport)
#include "tst_anomalyreport.moc"
