// The connection monitor against a real keybraked that stops, hangs (SIGSTOP) and comes back,
// and whose admin key gets revoked: the state and the words it shows must tell the truth.
#include "client/keybrakeclient.h"
#include "models/connectionmonitor.h"
#include "testserver.h"

#include <QJsonArray>
#include <QSignalSpy>
#include <QTest>

using namespace keybrake;
using State = ConnectionMonitor::State;

class TestConnectionMonitor : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<test::TestServer> m_server;
    std::unique_ptr<client::KeybrakeClient> m_client;
    std::unique_ptr<ConnectionMonitor> m_monitor;
    QList<State> m_seen;
    TimeFormatter m_time {TimeZoneDisplay::Utc};

    bool sawState(State state) const { return m_seen.contains(state); }

private Q_SLOTS:
    void init()
    {
        m_server = std::make_unique<test::TestServer>();
        QVERIFY2(m_server->start(), qPrintable(m_server->errorString()));
        m_client = std::make_unique<client::KeybrakeClient>();
        m_client->setBaseUrl(m_server->baseUrl());
        m_client->setAdminKey(m_server->adminKey());
        m_client->setTransferTimeout(1500);
        m_monitor = std::make_unique<ConnectionMonitor>(m_client.get());
        m_monitor->setPollInterval(std::chrono::milliseconds(250));
        m_monitor->setBackoff(std::chrono::milliseconds(100), std::chrono::milliseconds(500));
        m_monitor->setSlowAfter(std::chrono::milliseconds(600));
        m_seen.clear();
        connect(m_monitor.get(), &ConnectionMonitor::stateChanged, this,
                [this](State state) { m_seen.append(state); });
    }

    void cleanup()
    {
        m_monitor.reset();
        m_client.reset();
        m_server.reset();
    }

    void stoppedServerGoesReconnectingThenOfflineAndBack()
    {
        QCOMPARE(m_monitor->state(), State::Connecting);
        QCOMPARE(m_monitor->statusText(m_time), QStringLiteral("◌ Connecting…"));
        QVERIFY(!m_monitor->writesAllowed());
        m_monitor->start();
        QTRY_COMPARE_WITH_TIMEOUT(m_monitor->state(), State::Live, 20000);
        QCOMPARE(m_monitor->statusText(m_time), QStringLiteral("● Live"));
        QVERIFY(m_monitor->writesAllowed());
        const QDateTime asOf = m_monitor->dataAsOf();
        QVERIFY(asOf.isValid());

        m_server->stopServer();
        QTRY_VERIFY_WITH_TIMEOUT(sawState(State::Reconnecting), 20000);
        QTRY_COMPARE_WITH_TIMEOUT(m_monitor->state(), State::Offline, 20000);
        QVERIFY(m_monitor->consecutiveFailures() >= 3);
        // "Offline — data as of" the last time data arrived, never later.
        QVERIFY(m_monitor->dataAsOf() >= asOf);
        const QString offline = m_monitor->statusText(m_time);
        QVERIFY2(offline.startsWith(QStringLiteral("○ Offline — data as of %1")
                                        .arg(m_time.clock(m_monitor->dataAsOf()))),
                 qPrintable(offline));
        QVERIFY(!m_monitor->writesAllowed());
        QVERIFY(!m_monitor->writesBlockedReason().isEmpty());
        QVERIFY(!m_monitor->lastErrorMessage().isEmpty());

        QVERIFY2(m_server->restartServer(), qPrintable(m_server->errorString()));
        QTRY_COMPARE_WITH_TIMEOUT(m_monitor->state(), State::Live, 40000);
        QVERIFY(m_monitor->dataAsOf() > asOf);
        QCOMPARE(m_monitor->consecutiveFailures(), 0);
    }

    void hungServerIsWaitingThenReconnecting()
    {
        m_monitor->start();
        QTRY_COMPARE_WITH_TIMEOUT(m_monitor->state(), State::Live, 20000);
        m_server->freezeServer();
        // The server accepts connections and never answers: first "waiting", then the transfer
        // timeout turns it into a failure.
        QTRY_VERIFY_WITH_TIMEOUT(sawState(State::Waiting), 20000);
        QTRY_VERIFY_WITH_TIMEOUT(sawState(State::Reconnecting), 20000);
        m_server->thawServer();
        QTRY_COMPARE_WITH_TIMEOUT(m_monitor->state(), State::Live, 40000);
    }

    void revokedAdminKeySignsOut()
    {
        const QString viewerKey =
            m_server->createAdminKey(QStringLiteral("viewer"), QStringLiteral("soon-gone"));
        m_client->setAdminKey(viewerKey);
        QSignalSpy signedOut(m_monitor.get(), &ConnectionMonitor::signedOut);
        m_monitor->start();
        QTRY_COMPARE_WITH_TIMEOUT(m_monitor->state(), State::Live, 20000);
        const test::HttpResult keys = m_server->admin("GET", QStringLiteral("/v1/admin-keys"));
        QString id;
        for (const QJsonValue &value : keys.json.value(QStringLiteral("data")).toArray()) {
            if (value.toObject().value(QStringLiteral("name")).toString() == u"soon-gone")
                id = value.toObject().value(QStringLiteral("id")).toString();
        }
        QVERIFY2(!id.isEmpty(), keys.body.constData());
        QCOMPARE(m_server->admin("DELETE", QStringLiteral("/v1/admin-keys/") + id).status, 200);
        QVERIFY(signedOut.wait(20000));
        QCOMPARE(m_monitor->state(), State::SignedOut);
        QVERIFY(m_monitor->statusText(m_time).startsWith(QStringLiteral("○ Signed out")));
        QVERIFY(!m_monitor->writesAllowed());
    }
};

QTEST_GUILESS_MAIN(TestConnectionMonitor)
#include "tst_connectionmonitor.moc"
