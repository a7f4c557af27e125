// The session's live event stream driving the keys table and the stat cards of a real keybraked:
// a proxied call shows in both without polling (latency measured and printed); the server
// restarted under the console: the status says so truthfully, the stream comes back, and every
// call of the audit log arrived exactly once, also the ones made while the console was away.
#include "client/keybrakeclient.h"
#include "models/connectionmonitor.h"
#include "models/consolesession.h"
#include "models/livefeed.h"
#include "models/runwaytracker.h"
#include "models/statsmodel.h"
#include "models/vaultkeytablemodel.h"
#include "testserver.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QSet>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTest>

#include <memory>

using namespace keybrake;
using namespace std::chrono_literals;

namespace {

QJsonObject policy(const QString &label)
{
    return QJsonObject {
        {QStringLiteral("vendor"), QStringLiteral("stripe")},
        {QStringLiteral("daily_usd_cap"), 500},
        {QStringLiteral("allowed_endpoints"), QJsonArray {QStringLiteral("charges.create")}},
        {QStringLiteral("expires_in"), QStringLiteral("1h")},
        {QStringLiteral("agent_run_label"), label},
        {QStringLiteral("name"), label},
    };
}

} // namespace

class TestLiveFeed : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<test::TestServer> m_server;
    std::unique_ptr<ConsoleSession> m_session;
    std::unique_ptr<VaultKeyTableModel> m_keys;
    std::unique_ptr<StatsModel> m_stats;
    QSet<QString> m_callIds; // call events the console received
    int m_duplicateCalls = 0;

    ConnectionMonitor *monitor() const { return m_session->monitor(); }
    QString status() const { return monitor()->statusText(m_session->timeFormatter()); }

    // Wired as the pages wire them: refreshDue refreshes the models.
    bool open()
    {
        const ServerProfile profile = ServerProfile::create(
            QStringLiteral("live"), m_server->baseUrl(), ServerEnvironment::Staging);
        m_session = std::make_unique<ConsoleSession>(profile, m_server->adminKey());
        // Long enough that nothing in these tests can come from polling while live.
        monitor()->setPollInterval(10min);
        monitor()->setBackoff(200ms, 1s);
        m_session->live()->stream()->setReconnectDelays(200, 1000);
        m_keys = std::make_unique<VaultKeyTableModel>(m_session->client());
        m_keys->setConnectionMonitor(monitor());
        m_keys->setLiveAnnotations(m_session->runway(), m_session->runaway());
        m_session->runway()->setKeySource(m_keys.get());
        m_stats = std::make_unique<StatsModel>(m_session->client());
        m_stats->setConnectionMonitor(monitor());
        connect(monitor(), &ConnectionMonitor::refreshDue, m_keys.get(),
                &VaultKeyTableModel::refresh);
        connect(monitor(), &ConnectionMonitor::refreshDue, m_stats.get(), &StatsModel::refresh);
        connect(m_session->live(), &LiveFeed::callReceived, this,
                [this](const client::AuditEntry &call) {
                    if (m_callIds.contains(call.id))
                        ++m_duplicateCalls;
                    m_callIds.insert(call.id);
                });
        m_session->start();
        return QTest::qWaitFor(
            [this] {
                return m_session->live()->isLive() && m_keys->hasLoaded() && m_stats->hasData()
                    && monitor()->state() == ConnectionMonitor::State::Live;
            },
            20000);
    }

    qint64 callsToday(const QString &keyId) const
    {
        const client::VaultKey *key = m_keys->findKey(keyId);
        return key ? key->callsToday : -1;
    }

    QStringList auditCallIds()
    {
        const test::HttpResult audit =
            m_server->admin("GET", QStringLiteral("/v1/audit?limit=1000"));
        QStringList ids;
        for (const QJsonValue &row : audit.json.value(QStringLiteral("data")).toArray())
            ids.append(row.toObject().value(QStringLiteral("id")).toString());
        return ids;
    }

private Q_SLOTS:
    // The alert centre remembers what it notified in the application data directory.
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void init()
    {
        m_callIds.clear();
        m_duplicateCalls = 0;
        m_server = std::make_unique<test::TestServer>();
        QVERIFY2(m_server->start(), qPrintable(m_server->errorString()));
    }

    void cleanup()
    {
        m_keys.reset();
        m_stats.reset();
        m_session.reset();
        m_server.reset();
    }

    void callShowsInTableAndCardsWithoutPolling()
    {
        QVERIFY(open());
        QCOMPARE(status(), QStringLiteral("● Live"));
        QCOMPARE(monitor()->pushState(), ConnectionMonitor::PushState::Pushing);

        // A new key appears by itself (key.issued).
        QString secret;
        const QJsonObject key = m_server->issueKey(policy(QStringLiteral("live/run-1")));
        const QString keyId = key.value(QStringLiteral("key_id")).toString();
        secret = key.value(QStringLiteral("vault_key")).toString();
        QTRY_VERIFY_WITH_TIMEOUT(m_keys->rowOfKey(keyId) >= 0, 10000);
        QCOMPARE(callsToday(keyId), 0);

        // Each proxied call shows in the keys table and on the cards; measured from the moment
        // the call is sent to the moment the table model has it.
        QList<qint64> latencies;
        for (int i = 1; i <= 5; ++i) {
            QElapsedTimer clock;
            clock.start();
            const test::HttpResult call = m_server->proxy(
                "POST", QStringLiteral("/stripe/v1/charges"), test::stripeCharge(100 * i), secret);
            QCOMPARE(call.status, 200);
            QTRY_COMPARE_WITH_TIMEOUT(callsToday(keyId), qint64(i), 10000);
            latencies.append(clock.elapsed());
            QTRY_COMPARE_WITH_TIMEOUT(m_stats->stats()->callsToday, qint64(i), 10000);
        }
        std::sort(latencies.begin(), latencies.end());
        qInfo("call to keys table, 5 calls (ms, including the proxied call itself): min %lld, "
              "median %lld, max %lld",
              latencies.first(), latencies.at(2), latencies.last());
        QCOMPARE(m_keys->findKey(keyId)->spentTodayUsd,
                 Usd::fromCents(100 + 200 + 300 + 400 + 500));
    }

    void noPollingWhileLive()
    {
        QVERIFY(open());
        monitor()->setPollInterval(200ms);
        QSignalSpy refreshes(monitor(), &ConnectionMonitor::refreshDue);
        // Nothing changes on the server: five poll intervals pass without a refresh.
        QTest::qWait(1000);
        QCOMPARE(refreshes.count(), 0);
        // The stream goes away (server stopped): polling takes over and says so.
        m_server->stopServer();
        QTRY_VERIFY_WITH_TIMEOUT(monitor()->pushState() == ConnectionMonitor::PushState::StreamDown,
                                 10000);
        QTRY_VERIFY_WITH_TIMEOUT(status().contains(QStringLiteral("Reconnecting"))
                                     || status().contains(QStringLiteral("Offline")),
                                 10000);
        QVERIFY(m_server->restartServer());
        QTRY_COMPARE_WITH_TIMEOUT(status(), QStringLiteral("● Live"), 20000);
    }

    void serverRestartLosesNothing()
    {
        QVERIFY(open());
        const QJsonObject key = m_server->issueKey(policy(QStringLiteral("live/restart")));
        const QString keyId = key.value(QStringLiteral("key_id")).toString();
        const QString secret = key.value(QStringLiteral("vault_key")).toString();
        for (int i = 0; i < 3; ++i)
            QCOMPARE(m_server
                         ->proxy("POST", QStringLiteral("/stripe/v1/charges"),
                                 test::stripeCharge(100), secret)
                         .status,
                     200);
        QTRY_COMPARE_WITH_TIMEOUT(m_callIds.size(), 3, 10000);

        QStringList seen;
        auto record = [&] {
            const QString s = status();
            if (seen.isEmpty() || seen.last() != s)
                seen.append(s);
        };
        connect(monitor(), &ConnectionMonitor::statusTextChanged, this, record);

        QCOMPARE(m_server->stopServer(), 0);
        // Truthful: not "Live" while the server is gone, and the data's age is named once the
        // view counts as offline.
        QTRY_VERIFY_WITH_TIMEOUT(!m_session->live()->isLive(), 10000);
        QTRY_VERIFY_WITH_TIMEOUT(status().startsWith(QStringLiteral("◌ Reconnecting"))
                                     || status().startsWith(QStringLiteral("○ Offline")),
                                 10000);
        QVERIFY(status() != QStringLiteral("● Live"));
        QTRY_VERIFY_WITH_TIMEOUT(status().contains(QStringLiteral("data as of")), 20000);

        // Back, and calls are made before the console's stream has reconnected: the stream
        // replays them from Last-Event-ID.
        QVERIFY(m_server->restartServer());
        for (int i = 0; i < 4; ++i)
            QCOMPARE(m_server
                         ->proxy("POST", QStringLiteral("/stripe/v1/charges"),
                                 test::stripeCharge(100), secret)
                         .status,
                     200);
        QTRY_COMPARE_WITH_TIMEOUT(status(), QStringLiteral("● Live"), 20000);
        QTRY_COMPARE_WITH_TIMEOUT(callsToday(keyId), qint64(7), 10000);

        const QStringList audit = auditCallIds();
        QCOMPARE(audit.size(), 7);
        QTRY_COMPARE_WITH_TIMEOUT(m_callIds.size(), 7, 10000);
        QCOMPARE(m_callIds, QSet<QString>(audit.begin(), audit.end()));
        QCOMPARE(m_duplicateCalls, 0);
        // Never claimed live while the server was down: "● Live" only first and last.
        QVERIFY2(seen.count(QStringLiteral("● Live")) <= 1, qPrintable(seen.join(u" | ")));
        qInfo("status through the restart: %s", qPrintable(seen.join(QStringLiteral(" | "))));
    }

    void runwayFromTheTrailingSpendRate()
    {
        QVERIFY(open());
        QJsonObject body = policy(QStringLiteral("live/runway"));
        body.insert(QStringLiteral("daily_usd_cap"), 50);
        const QJsonObject key = m_server->issueKey(body);
        const QString keyId = key.value(QStringLiteral("key_id")).toString();
        const QString secret = key.value(QStringLiteral("vault_key")).toString();
        QTRY_VERIFY_WITH_TIMEOUT(m_keys->rowOfKey(keyId) >= 0, 10000);
        auto runway = [&] {
            return m_keys->index(m_keys->rowOfKey(keyId), VaultKeyTableModel::RunwayColumn)
                .data()
                .toString();
        };
        QCOMPARE(runway(), QStringLiteral("—")); // not spending
        const auto charge = [&] {
            return m_server
                ->proxy("POST", QStringLiteral("/stripe/v1/charges"), test::stripeCharge(400),
                        secret)
                .status;
        };
        // Two calls are not a rate: no forecast yet (a single call used to read "cap in < 1
        // min" for five minutes).
        QCOMPARE(charge(), 200);
        QCOMPARE(charge(), 200);
        QTRY_COMPARE_WITH_TIMEOUT(m_keys->findKey(keyId)->spentTodayUsd, Usd::fromDollars(8),
                                  10000);
        m_session->runway()->evaluate();
        QCOMPARE(runway(), QStringLiteral("—"));
        QVERIFY(!m_session->runway()->runMinutes(QStringLiteral("live/runway"),
                                                 QDateTime::currentDateTimeUtc()));
        // $12 in three calls within seconds of a key first seen: averaged over the minimum span
        // of a minute, $12 a minute; $38 left: four minutes (rounded up).
        QCOMPARE(charge(), 200);
        QTRY_COMPARE_WITH_TIMEOUT(m_keys->findKey(keyId)->spentTodayUsd, Usd::fromDollars(12),
                                  10000);
        QTRY_COMPARE_WITH_TIMEOUT(runway(), QStringLiteral("cap in ~4 min"), 10000);
        QCOMPARE(m_session->runway()->runMinutes(QStringLiteral("live/runway"),
                                                 QDateTime::currentDateTimeUtc()),
                 std::optional<qint64>(4));
        // A run under 15 minutes is announced for the alert centre.
        QSignalSpy shortRunway(m_session->runway(), &RunwayTracker::runRunwayShort);
        m_session->runway()->evaluate();
        QCOMPARE(shortRunway.count(), 1);
        QCOMPARE(shortRunway.first().at(0).toString(), QStringLiteral("live/runway"));
        QCOMPARE(shortRunway.first().at(1).toLongLong(), qint64(4));
    }

    // The server cannot resume from an id it never wrote (another or a restored database): it
    // says reset, the console reloads its lists and forgets what it derived from events, and
    // carries on live.
    void resetReloadsAndCarriesOn()
    {
        QVERIFY(open());
        const QJsonObject key = m_server->issueKey(policy(QStringLiteral("live/reset")));
        const QString keyId = key.value(QStringLiteral("key_id")).toString();
        const QString secret = key.value(QStringLiteral("vault_key")).toString();
        QTRY_VERIFY_WITH_TIMEOUT(m_keys->rowOfKey(keyId) >= 0, 10000);

        client::EventStream *stream = m_session->live()->stream();
        stream->stop();
        // Meanwhile the key was used: only a reload can show it.
        QCOMPARE(m_server
                     ->proxy("POST", QStringLiteral("/stripe/v1/charges"), test::stripeCharge(700),
                             secret)
                     .status,
                 200);
        stream->setLastEventId(QStringLiteral("999999999"));
        QSignalSpy reset(m_session->live(), &LiveFeed::resetReceived);
        QSignalSpy refreshes(monitor(), &ConnectionMonitor::refreshDue);
        stream->start();
        QVERIFY(reset.wait(10000));
        QVERIFY(refreshes.count() >= 1);
        QTRY_COMPARE_WITH_TIMEOUT(m_keys->findKey(keyId)->spentTodayUsd, Usd::fromCents(700),
                                  10000);
        QTRY_VERIFY_WITH_TIMEOUT(m_session->live()->isLive(), 10000);
        // It resumes from the reset's id, live again.
        QVERIFY(stream->lastEventId().toLongLong() < 999999999);
        QCOMPARE(m_server
                     ->proxy("POST", QStringLiteral("/stripe/v1/charges"), test::stripeCharge(100),
                             secret)
                     .status,
                 200);
        QTRY_COMPARE_WITH_TIMEOUT(m_keys->findKey(keyId)->callsToday, qint64(2), 10000);
    }
};

QTEST_GUILESS_MAIN(TestLiveFeed)
#include "tst_livefeed.moc"
