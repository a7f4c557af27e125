#include "stopdrill.h"

#include "agentsrun.h"
#include "models/consolesession.h"
#include "models/livefeed.h"
#include "models/runawaydetector.h"
#include "serverrecord.h"
#include "testserver.h"
#include "ui/environmentband.h"
#include "ui/mainwindow.h"
#include "ui/stoprunsdialog.h"

#include <QDir>
#include <QJsonArray>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTest>

#include <memory>

namespace keybrake::test {

namespace {

const QString kPrefix = QStringLiteral("lambda/collections-agent/");

bool admitted(const QString &verdict)
{
    // What reached the vendor: a vendor error after admission was admitted all the same.
    return verdict == u"allowed" || verdict == u"upstream_error";
}

QDateTime rowTime(const QJsonObject &row)
{
    return QDateTime::fromString(row.value(u"ts").toString(), Qt::ISODateWithMs);
}

QString iso(const QDateTime &time)
{
    return time.isValid() ? time.toUTC().toString(Qt::ISODateWithMs) : QString();
}

} // namespace

qint64 StopDrill::Result::timeToStopMs() const
{
    if (!flaggedAt.isValid() || !lastAdmittedAt.isValid() || lastAdmittedAt < flaggedAt)
        return -1;
    return flaggedAt.msecsTo(lastAdmittedAt);
}

QJsonObject StopDrill::Result::toJson() const
{
    return QJsonObject {
        {QStringLiteral("error"), error},
        {QStringLiteral("prefix"), prefix},
        {QStringLiteral("clicks"), clicks},
        {QStringLiteral("agent_started_at"), iso(agentStartedAt)},
        {QStringLiteral("flagged_at"), iso(flaggedAt)},
        {QStringLiteral("flag_reason"), flagReason},
        {QStringLiteral("flag_after_start_ms"),
         agentStartedAt.isValid() && flaggedAt.isValid() ? agentStartedAt.msecsTo(flaggedAt) : -1},
        {QStringLiteral("brake_at"), iso(brakeAt)},
        {QStringLiteral("block_created_at"), iso(blockCreatedAt)},
        {QStringLiteral("last_admitted_at"), iso(lastAdmittedAt)},
        {QStringLiteral("time_to_stop_ms"), timeToStopMs()},
        {QStringLiteral("admitted_before_flag"), admittedBeforeFlag},
        {QStringLiteral("admitted_after_flag"), admittedAfterFlag},
        {QStringLiteral("spent_after_flag_usd"), double(spentAfterFlagMicros) / 1e6},
        {QStringLiteral("watch_seconds"),
         watchStartedAt.isValid() ? watchStartedAt.msecsTo(watchEndedAt) / 1000.0 : 0.0},
        {QStringLiteral("admitted_during_watch"), admittedDuringWatch},
        {QStringLiteral("attempts_during_watch"), attemptsDuringWatch},
        {QStringLiteral("keys_issued"), keysIssued},
        {QStringLiteral("issues_refused_by_agent"), issuesRefusedByAgent},
        {QStringLiteral("blocked_calls_logged"), blockedCallsLogged},
        {QStringLiteral("blocked_calls_by_agent"), blockedCallsByAgent},
        {QStringLiteral("rate_refusals_logged"), rateRefusalsLogged},
        {QStringLiteral("server_refused_calls"), serverRefusedCalls},
        {QStringLiteral("server_refused_issuances"), serverRefusedIssuances},
        {QStringLiteral("receipt_refused_calls"), receiptRefusedCalls},
        {QStringLiteral("receipt_refused_issuances"), receiptRefusedIssuances},
    };
}

StopDrill::Result StopDrill::run(const Options &options)
{
    Result result;
    result.prefix = kPrefix;
    auto fail = [&result](const QString &why) {
        result.error = why;
        return result;
    };

    TestServer server;
    if (!server.start())
        return fail(QStringLiteral("keybraked did not start: ") + server.errorString());
    const QString operatorKey =
        server.createAdminKey(QStringLiteral("operator"), QStringLiteral("on-call"));
    if (operatorKey.isEmpty())
        return fail(QStringLiteral("no operator key"));

    if (options.brake == Brake::Velocity) {
        const HttpResult set = server.admin(
            "PUT", QStringLiteral("/v1/velocity-defaults"),
            QJsonObject {{QStringLiteral("label_prefix"), kPrefix},
                         {QStringLiteral("max_calls_per_minute"), options.velocityCallsPerMinute}});
        if (set.status != 200)
            return fail(QStringLiteral("PUT /v1/velocity-defaults: %1 %2")
                            .arg(set.status)
                            .arg(QString::fromUtf8(set.body)));
    }

    const ServerProfile profile = ServerProfile::create(
        QStringLiteral("acme-staging"), server.baseUrl(), ServerEnvironment::Staging);
    auto session = std::make_unique<ConsoleSession>(profile, operatorKey);
    auto window = std::make_unique<MainWindow>(session.get());
    window->resize(1400, 860);
    session->start();
    window->show();
    if (!QTest::qWaitForWindowExposed(window.get()))
        return fail(QStringLiteral("the window was not exposed"));
    QPushButton *stopRuns = window->environmentBand()->stopRunsButton();
    if (!QTest::qWaitFor([&] { return session->live()->isLive() && stopRuns->isEnabled(); }, 20000))
        return fail(QStringLiteral("the console did not go live"));

    // The console's own rules, on what its live stream delivers.
    QObject::connect(session->runaway(), &RunawayDetector::flagged, window.get(),
                     [&result](const RunawayDetector::Flag &flag) {
                         if (result.flaggedAt.isValid() || !flag.label.startsWith(kPrefix))
                             return;
                         result.flaggedAt = QDateTime::currentDateTimeUtc();
                         result.flagReason = flag.reason;
                     });

    const int flagWaitSeconds = 60;
    const int agentSeconds = flagWaitSeconds + options.watchSeconds + 60;
    AgentsRun agent(server,
                    {QStringLiteral("runaway"), QStringLiteral("--runaway-reissue"),
                     QStringLiteral("--rate"), QString::number(options.agentRate),
                     QStringLiteral("--runaway-seconds"), QString::number(agentSeconds),
                     QStringLiteral("--seed"), QString::number(options.seed)});
    result.agentStartedAt = QDateTime::currentDateTimeUtc();
    if (!agent.start())
        return fail(QStringLiteral("keybrake-sim agents did not start"));
    if (!QTest::qWaitFor([&] { return result.flaggedAt.isValid(); }, flagWaitSeconds * 1000))
        return fail(QStringLiteral("the console flagged no runaway under %1 in %2 s")
                        .arg(kPrefix)
                        .arg(flagWaitSeconds));

    StopRunsDialog *dialog = nullptr;
    if (options.brake == Brake::Block) {
        // What an operator does once the flag shows: the kill switch in the band.
        QTest::qWait(options.clickDelayMs);
        QTest::mouseClick(stopRuns, Qt::LeftButton);
        ++result.clicks;
        if (!QTest::qWaitFor([&] { return dialog = window->findChild<StopRunsDialog *>(); }, 5000))
            return fail(QStringLiteral("Stop runs… opened no dialog"));
        QTest::keyClicks(dialog->findChild<QLineEdit *>(QStringLiteral("labelPrefixLineEdit")),
                         kPrefix);
        QTest::keyClicks(dialog->findChild<QLineEdit *>(QStringLiteral("stopReasonLineEdit")),
                         QStringLiteral("runaway re-issuing keys"));
        QTest::qWait(options.clickDelayMs);
        QTest::mouseClick(dialog->findChild<QPushButton *>(QStringLiteral("previewPushButton")),
                          Qt::LeftButton);
        ++result.clicks;
        auto *stop = dialog->findChild<QPushButton *>(QStringLiteral("stopRunsConfirmPushButton"));
        if (!QTest::qWaitFor([&] { return stop->isEnabled(); }, 20000))
            return fail(QStringLiteral("Stop never enabled: ") + stop->toolTip());
        QTest::qWait(options.clickDelayMs);
        QSignalSpy ready(dialog, &StopRunsDialog::receiptReady);
        result.brakeAt = QDateTime::currentDateTimeUtc();
        QTest::mouseClick(stop, Qt::LeftButton);
        ++result.clicks;
        if (!ready.wait(30000))
            return fail(QStringLiteral("no receipt"));
        if (!dialog->receipt().block)
            return fail(QStringLiteral("the stop created no block"));
        result.blockCreatedAt = dialog->receipt().block->createdAt;
    } else {
        result.brakeAt = result.flaggedAt;
    }

    // The agent keeps trying; the brake must hold.
    result.watchStartedAt = QDateTime::currentDateTimeUtc();
    QTest::qWait(options.watchSeconds * 1000);
    result.watchEndedAt = QDateTime::currentDateTimeUtc();
    agent.terminate();
    if (!agent.waitForExit(30000) || agent.exitCode() != 0)
        return fail(QStringLiteral("the agent did not stop: ") + agent.describe());
    const QJsonObject summary = agent.summary();
    result.keysIssued = summary.value(u"keys_issued").toInteger();
    result.issuesRefusedByAgent =
        summary.value(u"issue_failures").toObject().value(u"prefix_blocked").toInteger();
    result.blockedCallsByAgent =
        summary.value(u"calls_by_verdict").toObject().value(u"denied_blocked").toInteger();

    const ServerRecord record = ServerRecord::read(server);
    if (!record.complete)
        return fail(QStringLiteral("the audit log could not be read back"));
    for (const QJsonObject &row : record.calls) {
        if (!row.value(u"agent_run_label").toString().startsWith(kPrefix))
            continue;
        const QString verdict = row.value(u"verdict").toString();
        const QDateTime at = rowTime(row);
        if (at >= result.watchStartedAt && at <= result.watchEndedAt)
            ++result.attemptsDuringWatch;
        if (verdict == u"denied_blocked")
            ++result.blockedCallsLogged;
        if (verdict == u"denied_rate")
            ++result.rateRefusalsLogged;
        if (!admitted(verdict))
            continue;
        if (!result.lastAdmittedAt.isValid() || at > result.lastAdmittedAt)
            result.lastAdmittedAt = at;
        if (at < result.flaggedAt) {
            ++result.admittedBeforeFlag;
        } else {
            ++result.admittedAfterFlag;
            result.spentAfterFlagMicros += micros(row.value(u"cost_usd"));
        }
        if (at >= result.watchStartedAt && at <= result.watchEndedAt)
            ++result.admittedDuringWatch;
    }

    if (dialog) {
        const QJsonArray blocks = server.admin("GET", QStringLiteral("/v1/blocks?status=all"))
                                      .json.value(u"data")
                                      .toArray();
        for (const QJsonValue &value : blocks) {
            const QJsonObject block = value.toObject();
            if (block.value(u"label_prefix").toString() == kPrefix) {
                result.serverRefusedCalls = block.value(u"refused_calls").toInteger();
                result.serverRefusedIssuances = block.value(u"refused_issuances").toInteger();
            }
        }
        // The receipt re-reads the block every 2 s while it is shown: it settles on the final
        // counters once the agent has stopped.
        (void)QTest::qWaitFor( // the comparison below tells whether they agree
            [&] {
                return dialog->receipt().block->refusedCalls == result.serverRefusedCalls
                    && dialog->receipt().block->refusedIssuances == result.serverRefusedIssuances;
            },
            15000);
        result.receiptRefusedCalls = dialog->receipt().block->refusedCalls;
        result.receiptRefusedIssuances = dialog->receipt().block->refusedIssuances;
        result.receiptText =
            dialog->findChild<QPlainTextEdit *>(QStringLiteral("receiptPlainTextEdit"))
                ->toPlainText();
        const QString dir = qEnvironmentVariable("KEYBRAKE_SCREENSHOT_DIR");
        if (options.screenshots && !dir.isEmpty())
            dialog->grab().save(QDir(dir).filePath(QStringLiteral("stop-runs-receipt.png")));
    }
    return result;
}

} // namespace keybrake::test
