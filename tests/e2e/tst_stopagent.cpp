// Stopping an agent whose issuer keeps minting keys (issue 12, item 6), against the real demo
// parts: keybraked, keybrake-sim vendors, `keybrake-sim agents runaway --runaway-reissue` and the
// real main window. The console flags the runaway from its live stream; "Stop runs" with the
// block on, driven through the kill switch's own dialog with mouse clicks and typing; then, for
// 10 s of the block's life while the agent keeps trying, no call under the prefix is admitted,
// the agent's new keys are refused, and the receipt's refused counts equal what the server
// logged. (The 60 s watch and the time-to-stop figures are bench/timetostop's.)
#include "resources/keybrakeresources.h"
#include "stopdrill.h"

#include <QJsonDocument>
#include <QStandardPaths>
#include <QTest>

using namespace keybrake;
using namespace keybrake::test;

class TestStopAgent : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        installTranslations();
    }

    void stopRunsWithBlockStopsAReissuingAgent()
    {
        StopDrill::Options options;
        options.brake = StopDrill::Brake::Block;
        options.watchSeconds = 10;
        options.screenshots = true;
        const StopDrill::Result r = StopDrill::run(options);
        QVERIFY2(r.ok(), qPrintable(r.error));
        qInfo("%s", QJsonDocument(r.toJson()).toJson(QJsonDocument::Compact).constData());

        // The agent really re-issues: more than one key before the stop, and after it its issuer
        // kept asking and its loop kept calling.
        QVERIFY2(r.keysIssued >= 2, "the runaway never minted a second key");
        QVERIFY2(r.issuesRefusedByAgent >= 1,
                 "the agent did not try to mint a key under the block");
        QVERIFY2(r.attemptsDuringWatch >= 1 || r.issuesRefusedByAgent >= 5,
                 "the agent stopped trying during the watch");
        QCOMPARE(r.clicks, 3);

        // For the block's life nothing under the prefix is admitted.
        QVERIFY(r.blockCreatedAt.isValid());
        QVERIFY(r.lastAdmittedAt.isValid());
        QVERIFY2(r.lastAdmittedAt <= r.blockCreatedAt,
                 qPrintable(QStringLiteral("a call was admitted at %1, after the block of %2")
                                .arg(r.lastAdmittedAt.toString(Qt::ISODateWithMs),
                                     r.blockCreatedAt.toString(Qt::ISODateWithMs))));
        QCOMPARE(r.admittedDuringWatch, 0);

        // The receipt counts what the server refused: its calls as the audit log has them, its
        // issuances as the agent was answered.
        QCOMPARE(r.receiptRefusedCalls, r.serverRefusedCalls);
        QCOMPARE(r.receiptRefusedCalls, r.blockedCallsLogged);
        QCOMPARE(r.blockedCallsByAgent, r.blockedCallsLogged);
        QCOMPARE(r.receiptRefusedIssuances, r.serverRefusedIssuances);
        QCOMPARE(r.receiptRefusedIssuances, r.issuesRefusedByAgent);
        QVERIFY2(r.receiptText.contains(QStringLiteral("lambda/collections-agent/")),
                 qPrintable(r.receiptText));
    }
};

QTEST_MAIN(TestStopAgent)
#include "tst_stopagent.moc"
