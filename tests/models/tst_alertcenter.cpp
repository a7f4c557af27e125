// The alert centre's grouping (issue 13): one row per agent prefix and kind, severities, the
// bell counting rows, muting a prefix for a time. The demo once put 828 items on the bell in
// seven minutes: one per key and threshold.
#include "models/alertcenter.h"

#include <QSignalSpy>
#include <QTest>

using namespace keybrake;

namespace {

client::EventMessage threshold(const QString &keyId, const QString &label, int percent)
{
    client::EventMessage message;
    message.type = QStringLiteral("cap.threshold");
    message.data = QJsonObject {
        {QStringLiteral("key_id"), keyId},
        {QStringLiteral("name"), keyId},
        {QStringLiteral("agent_run_label"), label},
        {QStringLiteral("threshold"), percent / 100.0},
        {QStringLiteral("spent_today_usd"), 4.0 * percent / 100},
        {QStringLiteral("daily_usd_cap"), 5},
        {QStringLiteral("window_start"), QStringLiteral("2026-12-05T05:00:00Z")},
        {QStringLiteral("ts"), QStringLiteral("2026-12-05T11:34:44.000Z")},
    };
    return message;
}

RunawayDetector::Flag runaway(const QString &label)
{
    RunawayDetector::Flag flag;
    flag.label = label;
    flag.rule = RunawayDetector::Rule::RetrySpiral;
    flag.reason = QStringLiteral("Retry spiral: the same call 12 times in the last minute");
    flag.firstAt = QDateTime::currentDateTimeUtc();
    flag.keyIds = {QStringLiteral("vk_") + label.section(u'/', -1)};
    return flag;
}

} // namespace

class TestAlertCenter : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void keysOfOnePrefixAreOneRow()
    {
        AlertCenter alerts {QString()};
        QSignalSpy raised(&alerts, &AlertCenter::raised);
        for (int i = 0; i < 14; ++i)
            alerts.addEvent(threshold(QStringLiteral("vk_%1").arg(i),
                                      QStringLiteral("lambda/sms-notifier/run-%1").arg(i), 80));
        QCOMPARE(alerts.rowCount(), 1);
        QCOMPARE(alerts.unacknowledgedCount(), 1);
        QCOMPARE(raised.count(), 1);
        const AlertCenter::Alert &row = alerts.alerts().first();
        QCOMPARE(row.title, QStringLiteral("14 keys of lambda/sms-notifier/ crossed 80 %"));
        QCOMPARE(row.severity, AlertCenter::Severity::Info);
        QCOMPARE(row.prefix, QStringLiteral("lambda/sms-notifier/"));
        QCOMPARE(row.subjects.size(), 14);
        QCOMPARE(alerts.index(0).data(AlertCenter::CountRole).toInt(), 14);

        // Acknowledged, a further key at 80 % only updates the row; a key at 95 % makes it a
        // warning and it comes back.
        alerts.acknowledge(row.serial);
        alerts.addEvent(
            threshold(QStringLiteral("vk_14"), QStringLiteral("lambda/sms-notifier/run-14"), 80));
        QCOMPARE(alerts.unacknowledgedCount(), 0);
        QCOMPARE(raised.count(), 1);
        QCOMPARE(alerts.alerts().first().title,
                 QStringLiteral("15 keys of lambda/sms-notifier/ crossed 80 %"));
        alerts.addEvent(
            threshold(QStringLiteral("vk_3"), QStringLiteral("lambda/sms-notifier/run-3"), 95));
        QCOMPARE(alerts.rowCount(), 1);
        QCOMPARE(alerts.alerts().first().severity, AlertCenter::Severity::Warning);
        QCOMPARE(alerts.unacknowledgedCount(), 1);
        QCOMPARE(raised.count(), 2);
        // The same notification again (a replay) changes nothing.
        alerts.addEvent(
            threshold(QStringLiteral("vk_3"), QStringLiteral("lambda/sms-notifier/run-3"), 95));
        QCOMPARE(alerts.alerts().first().subjects.size(), 16);
    }

    void kindsAndPrefixesAreSeparateRows()
    {
        AlertCenter alerts {QString()};
        QSignalSpy raised(&alerts, &AlertCenter::raised);
        // A timestamped EventBridge label: the agent is the schedule, not the minute.
        alerts.addEvent(threshold(QStringLiteral("vk_a"),
                                  QStringLiteral("scheduler/renewals/2026-12-05T11:34:44Z"), 80));
        alerts.addEvent(threshold(QStringLiteral("vk_b"),
                                  QStringLiteral("scheduler/renewals/2026-12-05T11:35:02Z"), 80));
        alerts.addEvent(threshold(QStringLiteral("vk_b"),
                                  QStringLiteral("scheduler/renewals/2026-12-05T11:35:02Z"), 100));
        alerts.addEvent(threshold(QStringLiteral("vk_c"), QStringLiteral("lambda/billing/m1"), 80));
        QCOMPARE(alerts.rowCount(), 3);
        QCOMPARE(alerts.alerts().at(0).kind, AlertCenter::Kind::Threshold);
        QCOMPARE(alerts.alerts().at(0).prefix, QStringLiteral("lambda/billing/"));
        QCOMPARE(alerts.alerts().at(1).kind, AlertCenter::Kind::Capped);
        QCOMPARE(alerts.alerts().at(1).severity, AlertCenter::Severity::Critical);
        QCOMPARE(alerts.alerts().at(2).title,
                 QStringLiteral("2 keys of scheduler/renewals/ crossed 80 %"));
        QCOMPARE(alerts.unacknowledgedCount(), 3);

        // Every runaway is heard of, also the second one under a prefix already notified and
        // acknowledged.
        alerts.addRunaway(runaway(QStringLiteral("lambda/collections/r1")));
        alerts.acknowledge(alerts.alerts().first().serial);
        alerts.addRunaway(runaway(QStringLiteral("lambda/collections/r2")));
        QCOMPARE(alerts.rowCount(), 4);
        const AlertCenter::Alert &row = alerts.alerts().first();
        QCOMPARE(row.kind, AlertCenter::Kind::Runaway);
        QCOMPARE(row.severity, AlertCenter::Severity::Critical);
        QCOMPARE(row.title, QStringLiteral("2 runaway runs under lambda/collections/"));
        QVERIFY2(row.body.contains(QStringLiteral("Retry spiral: the same call 12 times")),
                 qPrintable(row.body));
        QVERIFY(!row.acknowledged);
        QCOMPARE(raised.count(), 3 + 2); // three rows, two runaways
    }

    void muteAPrefixForATime()
    {
        AlertCenter alerts {QString()};
        alerts.addEvent(
            threshold(QStringLiteral("vk_1"), QStringLiteral("lambda/sms-notifier/r1"), 80));
        alerts.addEvent(threshold(QStringLiteral("vk_9"), QStringLiteral("lambda/billing/r9"), 80));
        alerts.addRunaway(runaway(QStringLiteral("lambda/sms-notifier/r2")));
        QCOMPARE(alerts.unacknowledgedCount(), 3);
        const quint64 sms = alerts.alerts().at(2).serial;
        alerts.snooze(sms, 60);
        QVERIFY(alerts.isPrefixMuted(QStringLiteral("lambda/sms-notifier/")));
        // Both rows of the prefix go quiet; the other prefix does not.
        QCOMPARE(alerts.unacknowledgedCount(), 1);

        QSignalSpy raised(&alerts, &AlertCenter::raised);
        alerts.addEvent(
            threshold(QStringLiteral("vk_2"), QStringLiteral("lambda/sms-notifier/r2"), 100));
        alerts.addRunaway(runaway(QStringLiteral("lambda/sms-notifier/r3")));
        QCOMPARE(raised.count(), 0);
        QCOMPARE(alerts.unacknowledgedCount(), 1);
        QVERIFY(alerts.alerts().first().snoozed);
        alerts.addEvent(
            threshold(QStringLiteral("vk_8"), QStringLiteral("lambda/billing/r8"), 100));
        QCOMPARE(raised.count(), 1);
        // A mute of no time has ended already.
        alerts.snooze(sms, 0);
        QVERIFY(!alerts.isPrefixMuted(QStringLiteral("lambda/sms-notifier/")));
    }
};

QTEST_GUILESS_MAIN(TestAlertCenter)
#include "tst_alertcenter.moc"
