// `keybrake-sim agents` as the long-running child the console's demo starts: it runs until it is
// told to stop, stops cleanly on SIGTERM with a summary that agrees with the server, stays quiet
// when asked, and refuses to start without a usable server or admin key.
#include "agentsrun.h"
#include "serverrecord.h"
#include "testserver.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcessEnvironment>
#include <QTemporaryDir>
#include <QtTest/QTest>

#include <csignal>

using namespace keybrake::test;

namespace {

// Gone, or a zombie nobody has reaped yet (it was reparented when its parent was killed).
bool processEnded(qint64 pid)
{
    if (::kill(static_cast<pid_t>(pid), 0) != 0)
        return true;
    QFile status(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!status.open(QIODevice::ReadOnly))
        return false;
    const QByteArray stat = status.readAll();
    return stat.mid(stat.lastIndexOf(')') + 2, 1) == "Z";
}

} // namespace

class TestAgentsProcess : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void mixedRunsUntilSigterm()
    {
        TestServer server;
        QVERIFY2(server.start(), qPrintable(server.errorString()));
        AgentsRun agents(server,
                         {QStringLiteral("mixed"), QStringLiteral("--rate"), QStringLiteral("12"),
                          QStringLiteral("--runaway-after"), QStringLiteral("0.5"),
                          QStringLiteral("--runaway-seconds"), QStringLiteral("600"),
                          QStringLiteral("--seed"), QStringLiteral("21"),
                          QStringLiteral("--quiet")});
        QVERIFY(agents.start());

        // Live traffic from every kind of agent, and a runaway stopped by its cap.
        const auto trafficSeen = [&server] {
            const HttpResult stats = server.admin("GET", QStringLiteral("/v1/stats/today"));
            const HttpResult capped =
                server.admin("GET",
                             QStringLiteral("/v1/keys?status=capped&label_prefix="
                                            "lambda/collections-agent/"));
            return stats.json.value(u"calls_today").toInteger() >= 60
                && !capped.json.value(u"data").toArray().isEmpty();
        };
        QTRY_VERIFY_WITH_TIMEOUT(trafficSeen(), 30'000);

        agents.terminate();
        QVERIFY2(agents.waitForExit(30'000), qPrintable(agents.describe()));
        QCOMPARE(agents.exitStatus(), QProcess::NormalExit);
        QCOMPARE(agents.exitCode(), 0);

        // --quiet: no progress lines, only the summary.
        const QString output = QString::fromUtf8(agents.standardOutput());
        QVERIFY2(output.startsWith(QStringLiteral("keybrake-sim agents mixed: ")),
                 qPrintable(output));
        QVERIFY(output.contains(QStringLiteral("stopped by signal")));

        const QJsonObject summary = agents.summary();
        QCOMPARE(summary.value(u"stopped_by").toString(), QStringLiteral("signal"));
        const QJsonObject scenarios = summary.value(u"scenarios").toObject();
        for (const char *name :
             {"lambda-sqs", "eventbridge-schedule", "twilio-sms", "resend-email", "runaway"})
            QVERIFY2(scenarios.value(QLatin1String(name)).toObject().value(u"calls").toInteger()
                         > 0,
                     name);
        const QJsonArray runaways = summary.value(u"runaways").toArray();
        QCOMPARE(runaways.size(), 1);
        const QJsonObject runaway = runaways.first().toObject();
        QCOMPARE(micros(runaway.value(u"spent_usd")), micros(runaway.value(u"daily_usd_cap")));
        QVERIFY(runaway.value(u"denied_cap").toInteger() > 0);

        // Stopped between runs, not in the middle of one: the summary still agrees.
        ServerRecord::read(server).expectAgreement(summary);
    }

    void stopsAfterDuration()
    {
        TestServer server;
        QVERIFY2(server.start(), qPrintable(server.errorString()));
        AgentsRun agents(server,
                         {QStringLiteral("resend-email"), QStringLiteral("--duration"),
                          QStringLiteral("1.5"), QStringLiteral("--rate"), QStringLiteral("10"),
                          QStringLiteral("--seed"), QStringLiteral("2")});
        QVERIFY(agents.start());
        QVERIFY2(agents.waitForExit(30'000), qPrintable(agents.describe()));
        QCOMPARE(agents.exitCode(), 0);
        // Without --quiet, one line per run before the summary.
        QVERIFY(agents.standardOutput().contains("resend-email lambda/"));
        const QJsonObject summary = agents.summary();
        QCOMPARE(summary.value(u"stopped_by").toString(), QStringLiteral("duration"));
        QVERIFY(summary.value(u"runs").toInteger() > 0);
        ServerRecord::read(server).expectAgreement(summary);
    }

    void stopsWhenItsParentIsKilled()
    {
        // The console starts the simulator with --exit-with-parent: if the console is killed and
        // cannot stop its children, the simulator stops by itself and still writes its summary.
        TestServer server;
        QVERIFY2(server.start(), qPrintable(server.errorString()));
        QTemporaryDir dir;
        const QString summaryPath = dir.filePath(QStringLiteral("summary.json"));
        QProcess parent;
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        environment.insert(QStringLiteral("KEYBRAKE_API_KEY"), server.adminKey());
        parent.setProcessEnvironment(environment);
        parent.start(QStringLiteral("/bin/sh"),
                     {QStringLiteral("-c"),
                      QStringLiteral("\"$0\" agents mixed --server \"$1\" --summary-json \"$2\" "
                                     "--quiet --exit-with-parent >/dev/null 2>&1 & echo $!; "
                                     "exec sleep 600"),
                      qEnvironmentVariable("KEYBRAKE_SIM"), server.baseUrl().toString(),
                      summaryPath});
        QVERIFY(parent.waitForReadyRead(10'000));
        const qint64 child = parent.readLine().trimmed().toLongLong();
        QVERIFY(child > 0);
        QTRY_VERIFY_WITH_TIMEOUT(server.admin("GET", QStringLiteral("/v1/stats/today"))
                                         .json.value(u"calls_today")
                                         .toInteger()
                                     > 0,
                                 20'000);

        ::kill(static_cast<pid_t>(parent.processId()), SIGKILL);
        QVERIFY(parent.waitForFinished(10'000));
        QTRY_VERIFY_WITH_TIMEOUT(processEnded(child), 30'000);
        QFile file(summaryPath);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QJsonObject summary = QJsonDocument::fromJson(file.readAll()).object();
        QCOMPARE(summary.value(u"stopped_by").toString(), QStringLiteral("parent exited"));
        ServerRecord::read(server).expectAgreement(summary);
    }

    void refusesAnAdminKeyWithoutTheIssuerRole()
    {
        TestServer server;
        QVERIFY2(server.start(), qPrintable(server.errorString()));
        const QString viewer = server.createAdminKey(QStringLiteral("viewer"));
        QVERIFY(!viewer.isEmpty());
        AgentsRun agents(
            server, {QStringLiteral("lambda-sqs"), QStringLiteral("--runs"), QStringLiteral("5")},
            viewer);
        QVERIFY(agents.start());
        QVERIFY(agents.waitForExit(30'000));
        QCOMPARE(agents.exitCode(), 1);
        QVERIFY2(agents.standardError().contains("issuer"), qPrintable(agents.describe()));
        QVERIFY(!agents.standardError().contains(viewer.toUtf8()));
        QVERIFY(agents.summary().isEmpty());
        QCOMPARE(server.admin("GET", QStringLiteral("/v1/stats/today"))
                     .json.value(u"calls_today")
                     .toInteger(),
                 0);
    }

    void reportsAServerThatIsNotThere()
    {
        TestServer server;
        QVERIFY2(server.start(), qPrintable(server.errorString()));
        server.stopServer();
        AgentsRun agents(server,
                         {QStringLiteral("twilio-sms"), QStringLiteral("--runs"),
                          QStringLiteral("1"), QStringLiteral("--connect-timeout-ms"),
                          QStringLiteral("300")});
        QVERIFY(agents.start());
        QVERIFY(agents.waitForExit(30'000));
        QCOMPARE(agents.exitCode(), 1);
        QVERIFY2(!agents.standardError().isEmpty(), qPrintable(agents.describe()));
    }

    void rejectsInvalidArguments_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::newRow("unknown scenario") << QStringList {QStringLiteral("lambda-sns")};
        QTest::newRow("bad rate") << QStringList {QStringLiteral("mixed"), QStringLiteral("--rate"),
                                                  QStringLiteral("fast")};
        QTest::newRow("share above 1")
            << QStringList {QStringLiteral("lambda-sqs"), QStringLiteral("--redelivery-share"),
                            QStringLiteral("1.5")};
        QTest::newRow("unknown option")
            << QStringList {QStringLiteral("runaway"), QStringLiteral("--forever")};
    }

    void rejectsInvalidArguments()
    {
        QFETCH(QStringList, args);
        TestServer::Options options;
        options.startSim = false;
        TestServer server(options);
        QVERIFY2(server.start(), qPrintable(server.errorString()));
        AgentsRun agents(server, args);
        QVERIFY(agents.start());
        QVERIFY(agents.waitForExit(30'000));
        QCOMPARE(agents.exitCode(), 2);
        QVERIFY2(agents.standardError().contains("--help"), qPrintable(agents.describe()));
    }
};

QTEST_GUILESS_MAIN(TestAgentsProcess)
#include "tst_agents_process.moc"
