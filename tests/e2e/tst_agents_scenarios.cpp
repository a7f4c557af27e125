// Each scenario of `keybrake-sim agents`, run briefly with a fixed seed against a fresh keybraked
// (with keybrake-sim vendors as its upstreams): its summary must agree with what the server
// recorded, and what makes the scenario worth simulating must show in the server's own records.
#include "agentsrun.h"
#include "serverrecord.h"
#include "testserver.h"

#include <QHash>
#include <QJsonArray>
#include <QRegularExpression>
#include <QSet>
#include <QtTest/QTest>

using namespace keybrake::test;

namespace {

qint64 simCount(TestServer &server, const char *operation)
{
    return server.simStats()
        .value(u"by_operation")
        .toObject()
        .value(QLatin1String(operation))
        .toInteger();
}

qint64 counter(const QJsonObject &summary, const char *scenario, const char *name)
{
    return summary.value(u"scenarios")
        .toObject()
        .value(QLatin1String(scenario))
        .toObject()
        .value(QLatin1String(name))
        .toInteger();
}

} // namespace

class TestAgentsScenarios : public QObject
{
    Q_OBJECT

private:
    // Runs the scenario to its end against `server`; fails the test when it does not exit 0.
    QJsonObject run(TestServer &server, const QStringList &args)
    {
        AgentsRun agents(server, args);
        if (!agents.start()) {
            qWarning("keybrake-sim agents did not start");
            return {};
        }
        if (!agents.waitForExit() || agents.exitStatus() != QProcess::NormalExit
            || agents.exitCode() != 0) {
            qWarning("%s", qPrintable(agents.describe()));
            return {};
        }
        // Nothing secret reaches the simulator's output.
        const QByteArray output = agents.standardOutput() + agents.standardError();
        if (output.contains(server.adminKey().toUtf8()) || output.contains("vault_key_")) {
            qWarning("the simulator printed a secret");
            return {};
        }
        return agents.summary();
    }

private Q_SLOTS:
    void lambdaSqs()
    {
        TestServer server;
        QVERIFY2(server.start(), qPrintable(server.errorString()));
        const QJsonObject summary = run(
            server,
            {QStringLiteral("lambda-sqs"), QStringLiteral("--runs"), QStringLiteral("40"),
             QStringLiteral("--rate"), QStringLiteral("40"), QStringLiteral("--redelivery-share"),
             QStringLiteral("0.3"), QStringLiteral("--budget-usd"), QStringLiteral("100"),
             QStringLiteral("--seed"), QStringLiteral("11"), QStringLiteral("--quiet")});
        QVERIFY(!summary.isEmpty());
        const ServerRecord record = ServerRecord::read(server);
        record.expectAgreement(summary);
        if (QTest::currentTestFailed())
            return;

        const qint64 messages = counter(summary, "lambda-sqs", "messages");
        const qint64 redeliveries = counter(summary, "lambda-sqs", "redeliveries");
        QCOMPARE(messages, 40);
        QVERIFY2(redeliveries > 0, "the seed should redeliver some messages");
        // One key per message: a redelivery gets the same key back, not a second budget.
        QCOMPARE(summary.value(u"keys_issued").toInteger(), messages);
        QCOMPARE(summary.value(u"keys_reused").toInteger(), redeliveries);

        // Per message (its messageId is the Idempotency-Key of both the key and the payment):
        // every delivery used the same key; after a charge, the redelivery was a replay.
        const QRegularExpression label(QStringLiteral(
            "^lambda/billing-agent/"
            "([0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12})$"));
        QHash<QString, QList<QJsonObject>> byMessage;
        for (const QJsonObject &row : record.calls) {
            const auto match = label.match(row.value(u"agent_run_label").toString());
            QVERIFY2(match.hasMatch(), qPrintable(row.value(u"agent_run_label").toString()));
            QCOMPARE(row.value(u"idempotency_key").toString(), match.captured(1));
            QCOMPARE(row.value(u"operation").toString(), QStringLiteral("payment_intents.create"));
            byMessage[match.captured(1)].prepend(row); // oldest first
        }
        QCOMPARE(qint64(byMessage.size()), messages);
        qint64 redelivered = 0;
        qint64 firstCharges = 0;
        for (const QList<QJsonObject> &rows : std::as_const(byMessage)) {
            QVERIFY(rows.size() <= 2);
            const QString first = rows.first().value(u"verdict").toString();
            QVERIFY2(first == u"allowed" || first == u"denied_cap", qPrintable(first));
            if (first == u"allowed")
                ++firstCharges;
            if (rows.size() == 2) {
                ++redelivered;
                QCOMPARE(rows[1].value(u"key_id").toString(), rows[0].value(u"key_id").toString());
                // A charged message is replayed (no charge); a capped one is refused again.
                QCOMPARE(rows[1].value(u"verdict").toString(),
                         first == u"allowed" ? QStringLiteral("replayed")
                                             : QStringLiteral("denied_cap"));
                QCOMPARE(micros(rows[1].value(u"cost_usd")), qint64(0));
            }
        }
        QCOMPARE(redelivered, redeliveries);
        // Stripe saw each charged message once, however often SQS delivered it.
        QCOMPARE(simCount(server, "stripe.payment_intents.create"), firstCharges);
        QCOMPARE(record.verdicts().value(QStringLiteral("allowed")), firstCharges);

        // Cap exhaustion is a partial batch failure, not retried by the handler.
        const qint64 capped = record.verdicts().value(QStringLiteral("denied_cap"));
        QVERIFY2(capped > 0, "the seed should have invoices above the $100 budget");
        QCOMPARE(counter(summary, "lambda-sqs", "batch_item_failures"), capped);
    }

    void eventBridgeSchedule()
    {
        TestServer server;
        QVERIFY2(server.start(), qPrintable(server.errorString()));
        const QJsonObject summary = run(
            server,
            {QStringLiteral("eventbridge-schedule"), QStringLiteral("--runs"), QStringLiteral("16"),
             QStringLiteral("--rate"), QStringLiteral("16"), QStringLiteral("--failure-share"),
             QStringLiteral("0.4"), QStringLiteral("--retry-base"), QStringLiteral("0.1"),
             QStringLiteral("--seed"), QStringLiteral("3"), QStringLiteral("--quiet")});
        QVERIFY(!summary.isEmpty());
        const ServerRecord record = ServerRecord::read(server);
        record.expectAgreement(summary);
        if (QTest::currentTestFailed())
            return;

        const qint64 events = counter(summary, "eventbridge-schedule", "events");
        const qint64 retries = counter(summary, "eventbridge-schedule", "retries");
        QCOMPARE(events, 16);
        QVERIFY2(retries > 0, "the seed should fail some invocations after their vendor call");
        QCOMPARE(counter(summary, "eventbridge-schedule", "dead_lettered"), 0);
        // A retry gets the event's key back and its vendor call is replayed.
        QCOMPARE(summary.value(u"keys_issued").toInteger(), events);
        QCOMPARE(summary.value(u"keys_reused").toInteger(), retries);
        QCOMPARE(record.verdicts().value(QStringLiteral("replayed")), retries);

        const QRegularExpression label(
            QStringLiteral("^scheduler/(invoice-renewals|weekly-digest)/"
                           "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z$"));
        QHash<QString, QSet<QString>> keysOfEvent;
        for (const QJsonObject &row : record.calls) {
            QVERIFY2(label.match(row.value(u"agent_run_label").toString()).hasMatch(),
                     qPrintable(row.value(u"agent_run_label").toString()));
            keysOfEvent[row.value(u"idempotency_key").toString()].insert(
                row.value(u"key_id").toString());
        }
        QCOMPARE(qint64(keysOfEvent.size()), events);
        for (const QSet<QString> &keys : std::as_const(keysOfEvent))
            QCOMPARE(keys.size(), 1);
        // Each scheduled event reached its vendor once, retries included.
        QCOMPARE(simCount(server, "stripe.payment_intents.create")
                     + simCount(server, "resend.emails.batch"),
                 events);
    }

    void runaway()
    {
        TestServer server;
        QVERIFY2(server.start(), qPrintable(server.errorString()));
        const QJsonObject summary =
            run(server,
                {QStringLiteral("runaway"), QStringLiteral("--rate"), QStringLiteral("25"),
                 QStringLiteral("--runaway-seconds"), QStringLiteral("2"), QStringLiteral("--seed"),
                 QStringLiteral("5"), QStringLiteral("--quiet")});
        QVERIFY(!summary.isEmpty());
        const ServerRecord record = ServerRecord::read(server);
        record.expectAgreement(summary);
        if (QTest::currentTestFailed())
            return;

        const QJsonArray runaways = summary.value(u"runaways").toArray();
        QCOMPARE(runaways.size(), 1);
        const QJsonObject report = runaways.first().toObject();
        const QString keyId = report.value(u"key_id").toString();
        const qint64 cap = micros(report.value(u"daily_usd_cap"));

        // The key ends capped, spent exactly to its cap.
        const HttpResult key = server.admin("GET", QStringLiteral("/v1/keys/") + keyId);
        QCOMPARE(key.status, 200);
        QCOMPARE(key.json.value(u"status").toString(), QStringLiteral("capped"));
        QCOMPARE(micros(key.json.value(u"spent_today_usd")), cap);
        QCOMPARE(micros(key.json.value(u"daily_usd_cap")), cap);
        QCOMPARE(summary.value(u"spend_micros").toInteger(), cap);

        // Charges until the cap, then only 429s: every refusal comes after the last charge.
        QList<QJsonObject> rows = record.callsOfKey(keyId);
        std::reverse(rows.begin(), rows.end());
        qint64 allowed = 0;
        qint64 refused = 0;
        for (const QJsonObject &row : std::as_const(rows)) {
            const QString verdict = row.value(u"verdict").toString();
            if (verdict == u"allowed") {
                QCOMPARE(refused, 0);
                ++allowed;
            } else {
                QCOMPARE(verdict, QStringLiteral("denied_cap"));
                QCOMPARE(row.value(u"http_status").toInt(), 429);
                ++refused;
            }
        }
        QVERIFY2(refused > 0, "the loop should keep trying after its cap");
        QCOMPARE(allowed, report.value(u"allowed").toInteger());
        QCOMPARE(refused, report.value(u"denied_cap").toInteger());
        QCOMPARE(simCount(server, "stripe.charges.create"), allowed);
    }

    // --runaway-reissue: the issuer keeps minting keys under the agent's prefix as each one caps,
    // so the cap alone never stops it (issue 12); the summary still agrees with the server.
    void runawayReissues()
    {
        TestServer server;
        QVERIFY2(server.start(), qPrintable(server.errorString()));
        const QJsonObject summary =
            run(server,
                {QStringLiteral("runaway"), QStringLiteral("--runaway-reissue"),
                 QStringLiteral("--rate"), QStringLiteral("25"),
                 QStringLiteral("--runaway-seconds"), QStringLiteral("3"), QStringLiteral("--seed"),
                 QStringLiteral("5"), QStringLiteral("--quiet")});
        QVERIFY(!summary.isEmpty());
        const ServerRecord record = ServerRecord::read(server);
        record.expectAgreement(summary);
        if (QTest::currentTestFailed())
            return;
        const QJsonObject report = summary.value(u"runaways").toArray().first().toObject();
        const qint64 keys = report.value(u"keys_issued").toInteger();
        QVERIFY2(keys >= 2, qPrintable(QString::number(keys)));
        QCOMPARE(summary.value(u"keys_issued").toInteger(), keys);
        // Every key under the same prefix, each its own run, each capped before the next.
        QSet<QString> labels;
        for (const QJsonObject &row : record.issued) {
            const QString label = row.value(u"agent_run_label").toString();
            QVERIFY2(label.startsWith(QStringLiteral("lambda/collections-agent/")),
                     qPrintable(label));
            labels.insert(label);
        }
        QCOMPARE(qint64(labels.size()), keys);
        QVERIFY(summary.value(u"calls_by_verdict").toObject().value(u"denied_cap").toInteger()
                >= keys - 1);
        QVERIFY(summary.value(u"spend_micros").toInteger()
                >= (keys - 1) * micros(report.value(u"daily_usd_cap")));
    }

    void twilioSms()
    {
        TestServer server;
        QVERIFY2(server.start(), qPrintable(server.errorString()));
        const QJsonObject summary =
            run(server,
                {QStringLiteral("twilio-sms"), QStringLiteral("--runs"), QStringLiteral("12"),
                 QStringLiteral("--rate"), QStringLiteral("24"), QStringLiteral("--seed"),
                 QStringLiteral("4"), QStringLiteral("--quiet")});
        QVERIFY(!summary.isEmpty());
        const ServerRecord record = ServerRecord::read(server);
        record.expectAgreement(summary);
        if (QTest::currentTestFailed())
            return;

        // Several messages a run, on one key each.
        QCOMPARE(summary.value(u"keys_issued").toInteger(), 12);
        QVERIFY(summary.value(u"calls").toInteger() > 2 * 12);
        // Realistic sizes: single GSM-7 segments, multi-segment texts and UCS-2 (emoji, accents).
        bool single = false;
        bool multi = false;
        bool ucs2 = false;
        for (const QJsonObject &row : record.calls) {
            QCOMPARE(row.value(u"vendor").toString(), QStringLiteral("twilio"));
            QCOMPARE(row.value(u"operation").toString(), QStringLiteral("messages.create"));
            const QJsonObject params = row.value(u"params").toObject();
            const int segments = params.value(u"segments").toInt();
            single |= segments == 1 && params.value(u"encoding").toString() == u"gsm7";
            multi |= segments > 1;
            ucs2 |= params.value(u"encoding").toString() == u"ucs2";
        }
        QVERIFY(single);
        QVERIFY(multi);
        QVERIFY(ucs2);
        QCOMPARE(simCount(server, "twilio.messages.create"),
                 record.verdicts().value(QStringLiteral("allowed")));
    }

    void resendEmail()
    {
        TestServer server;
        QVERIFY2(server.start(), qPrintable(server.errorString()));
        const QJsonObject summary =
            run(server,
                {QStringLiteral("resend-email"), QStringLiteral("--runs"), QStringLiteral("14"),
                 QStringLiteral("--rate"), QStringLiteral("28"), QStringLiteral("--seed"),
                 QStringLiteral("8"), QStringLiteral("--quiet")});
        QVERIFY(!summary.isEmpty());
        const ServerRecord record = ServerRecord::read(server);
        record.expectAgreement(summary);
        if (QTest::currentTestFailed())
            return;

        const auto sends = record.callsWithOperation(QStringLiteral("emails.send"));
        const auto batches = record.callsWithOperation(QStringLiteral("emails.batch"));
        QVERIFY(!sends.isEmpty());
        QVERIFY(!batches.isEmpty());
        QCOMPARE(qint64(sends.size() + batches.size()), summary.value(u"calls").toInteger());
        // Billed per recipient ($0.0004 each, to + cc + bcc), batches of several emails.
        qint64 largestBatch = 0;
        for (const QJsonObject &row : record.calls) {
            if (row.value(u"verdict").toString() != u"allowed")
                continue;
            const QJsonObject params = row.value(u"params").toObject();
            QCOMPARE(micros(row.value(u"cost_usd")), 400 * params.value(u"recipients").toInteger());
            largestBatch = std::max(largestBatch, params.value(u"emails").toInteger());
        }
        QVERIFY(largestBatch >= 5);
        QCOMPARE(simCount(server, "resend.emails.send") + simCount(server, "resend.emails.batch"),
                 record.verdicts().value(QStringLiteral("allowed")));
    }
};

QTEST_GUILESS_MAIN(TestAgentsScenarios)
#include "tst_agents_scenarios.moc"
