// EventStream against the real keybraked: live after the server's first ping, events as the
// server sent them, filters, resume after stop/start and across a server restart with no gap and
// no duplicate, the watchdog on a silent server, and the failures that retrying cannot fix.

#include "client/eventstream.h"
#include "client/keybrakeclient.h"
#include "testserver.h"

#include <QJsonArray>
#include <QSet>
#include <QSignalSpy>
#include <QTest>

#include <memory>

using namespace keybrake;
using namespace keybrake::client;
using namespace keybrake::test;
using namespace Qt::StringLiterals;
using State = EventStream::State;

class TestEventStream : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void liveAfterFirstPingThenEventsAsSent();
    void filterIsSentToTheServer();
    void resumesAfterStopAndStartWithoutGapOrDuplicate();
    void reconnectsAcrossServerRestartAndLosesNothing();
    void watchdogNoticesSilentServer();
    void resetWhenResumePointIsUnknown();
    void refusedAdminKeyFailsWithoutRetrying();
    void invalidFilterFails();

private:
    struct Recorder
    {
        QList<EventMessage> events;
        QList<State> states;
        QList<EventMessage> ofType(const QString &type) const
        {
            QList<EventMessage> out;
            for (const auto &event : events) {
                if (event.type == type)
                    out << event;
            }
            return out;
        }
    };
    std::unique_ptr<EventStream> streamFor(TestServer &server, Recorder &recorder,
                                           const QString &adminKey = {});
    QJsonObject issue(TestServer &server, const QString &label);
    void charge(TestServer &server, const QJsonObject &key, int times);

    std::unique_ptr<TestServer> m_server;
    std::vector<std::unique_ptr<KeybrakeClient>> m_clients;
};

void TestEventStream::initTestCase()
{
    m_server = std::make_unique<TestServer>();
    QVERIFY2(m_server->start(), qPrintable(m_server->errorString()));
}

std::unique_ptr<EventStream> TestEventStream::streamFor(TestServer &server, Recorder &recorder,
                                                        const QString &adminKey)
{
    auto client = std::make_unique<KeybrakeClient>();
    client->setBaseUrl(server.baseUrl());
    client->setAdminKey(adminKey.isEmpty() ? server.adminKey() : adminKey);
    auto stream = std::make_unique<EventStream>(client.get());
    m_clients.push_back(std::move(client));
    connect(stream.get(), &EventStream::eventReceived, this,
            [&recorder](const EventMessage &message) { recorder.events << message; });
    connect(stream.get(), &EventStream::stateChanged, this,
            [&recorder](State state) { recorder.states << state; });
    return stream;
}

QJsonObject TestEventStream::issue(TestServer &server, const QString &label)
{
    return server.issueKey({{u"vendor"_s, u"stripe"_s},
                            {u"daily_usd_cap"_s, 100},
                            {u"allowed_endpoints"_s, QJsonArray {u"charges.create"_s}},
                            {u"expires_in"_s, u"1h"_s},
                            {u"agent_run_label"_s, label}});
}

void TestEventStream::charge(TestServer &server, const QJsonObject &key, int times)
{
    for (int i = 0; i < times; ++i) {
        const HttpResult result = server.proxy("POST", u"/stripe/v1/charges"_s, stripeCharge(100),
                                               key.value(u"vault_key").toString());
        QCOMPARE(result.status, 200);
    }
}

void TestEventStream::liveAfterFirstPingThenEventsAsSent()
{
    Recorder recorder;
    auto stream = streamFor(*m_server, recorder);
    QCOMPARE(stream->state(), State::Stopped);
    stream->start();
    QCOMPARE(stream->state(), State::Connecting);
    QVERIFY(QTest::qWaitFor([&] { return stream->state() == State::Live; }, 20000));
    QCOMPARE(recorder.states, (QList<State> {State::Connecting, State::Live}));
    QVERIFY(!stream->lastEventId().isEmpty());
    QVERIFY(stream->lastActivityAt().isValid());

    const QJsonObject key = issue(*m_server, u"tests/eventstream/live"_s);
    const QString keyId = key.value(u"key_id").toString();
    charge(*m_server, key, 1);
    QVERIFY(QTest::qWaitFor([&] { return !recorder.ofType(u"call"_s).isEmpty(); }, 20000));
    const EventMessage issued = recorder.ofType(u"key.issued"_s).constFirst();
    QCOMPARE(issued.data.value(u"key_id").toString(), keyId);
    const EventMessage call = recorder.ofType(u"call"_s).constFirst();
    QVERIFY(call.id > issued.id);
    QCOMPARE(stream->lastEventId(), QString::number(call.id));

    const HttpResult audit = m_server->admin("GET", u"/v1/audit?key_id="_s + keyId);
    QCOMPARE(call.data, audit.json.value(u"data").toArray().first().toObject());
    QCOMPARE(stream->state(), State::Live);
    stream->stop();
    QCOMPARE(stream->state(), State::Stopped);
}

void TestEventStream::filterIsSentToTheServer()
{
    const QJsonObject watched = issue(*m_server, u"tests/eventstream/filter/a"_s);
    const QJsonObject other = issue(*m_server, u"tests/eventstream/filter/b"_s);
    Recorder recorder;
    auto stream = streamFor(*m_server, recorder);
    stream->setFilter({{u"call"_s}, {}, u"tests/eventstream/filter/a"_s});
    stream->start();
    QVERIFY(QTest::qWaitFor([&] { return stream->state() == State::Live; }, 20000));
    charge(*m_server, other, 1);
    charge(*m_server, watched, 2);
    QVERIFY(QTest::qWaitFor([&] { return recorder.events.size() >= 2; }, 20000));
    QCOMPARE(recorder.events.size(), 2);
    for (const EventMessage &event : recorder.events) {
        QCOMPARE(event.type, u"call"_s);
        QCOMPARE(event.data.value(u"key_id").toString(), watched.value(u"key_id").toString());
    }
}

void TestEventStream::resumesAfterStopAndStartWithoutGapOrDuplicate()
{
    const QJsonObject key = issue(*m_server, u"tests/eventstream/resume"_s);
    Recorder recorder;
    auto stream = streamFor(*m_server, recorder);
    stream->setFilter({{u"call"_s}, key.value(u"key_id").toString(), {}});
    stream->start();
    QVERIFY(QTest::qWaitFor([&] { return stream->state() == State::Live; }, 20000));
    charge(*m_server, key, 2);
    QVERIFY(QTest::qWaitFor([&] { return recorder.events.size() == 2; }, 20000));
    stream->stop();
    charge(*m_server, key, 3); // missed while stopped
    stream->start();
    QVERIFY(QTest::qWaitFor([&] { return stream->state() == State::Live; }, 20000));
    charge(*m_server, key, 1);
    QVERIFY(QTest::qWaitFor([&] { return recorder.events.size() >= 6; }, 20000));

    const HttpResult audit =
        m_server->admin("GET", u"/v1/audit?key_id="_s + key.value(u"key_id").toString());
    QList<QJsonObject> rows;
    for (const auto &row : audit.json.value(u"data").toArray())
        rows.prepend(row.toObject());
    QList<QJsonObject> received;
    for (const EventMessage &event : recorder.events)
        received << event.data;
    QCOMPARE(received, rows);
}

void TestEventStream::reconnectsAcrossServerRestartAndLosesNothing()
{
    TestServer server;
    QVERIFY2(server.start(), qPrintable(server.errorString()));
    const QJsonObject key = issue(server, u"tests/eventstream/restart"_s);
    Recorder recorder;
    auto stream = streamFor(server, recorder);
    stream->setReconnectDelays(100, 400);
    stream->setFilter({{u"call"_s}, key.value(u"key_id").toString(), {}});
    stream->start();
    QVERIFY(QTest::qWaitFor([&] { return stream->state() == State::Live; }, 20000));
    charge(server, key, 2);
    QVERIFY(QTest::qWaitFor([&] { return recorder.events.size() == 2; }, 20000));

    QCOMPARE(server.stopServer(), 0);
    QVERIFY(QTest::qWaitFor([&] { return stream->state() == State::Reconnecting; }, 20000));
    QVERIFY(stream->lastError().has_value());
    QVERIFY(stream->lastError()->isTransient());
    QVERIFY(stream->nextAttemptAt().isValid());
    QVERIFY(!stream->lastError()->message.isEmpty());

    QVERIFY2(server.restartServer(), qPrintable(server.errorString()));
    charge(server, key, 3); // perhaps before the stream is back: it must catch up
    QVERIFY(QTest::qWaitFor([&] { return stream->state() == State::Live; }, 20000));
    charge(server, key, 1);
    QVERIFY(QTest::qWaitFor([&] { return recorder.events.size() >= 6; }, 20000));
    QVERIFY(!stream->lastError().has_value());

    QSet<QString> auditIds;
    for (const EventMessage &event : recorder.events)
        auditIds.insert(event.data.value(u"id").toString());
    QCOMPARE(auditIds.size(), 6);
    QCOMPARE(recorder.events.size(), 6);
    const HttpResult audit =
        server.admin("GET", u"/v1/audit?key_id="_s + key.value(u"key_id").toString());
    QCOMPARE(audit.json.value(u"data").toArray().size(), 6);
    // Connecting, Live, then after the restart Reconnecting (and Connecting while the server was
    // down, perhaps more than once), and Live again.
    QCOMPARE(recorder.states.first(), State::Connecting);
    QCOMPARE(recorder.states.last(), State::Live);
    QVERIFY(recorder.states.contains(State::Reconnecting));
}

void TestEventStream::watchdogNoticesSilentServer()
{
    TestServer server;
    QVERIFY2(server.start(), qPrintable(server.errorString()));
    Recorder recorder;
    auto stream = streamFor(server, recorder);
    // The server pings every 15 s; a stopped process sends nothing at all.
    stream->setSilenceTimeout(1000);
    stream->setReconnectDelays(100, 200);
    stream->start();
    QVERIFY(QTest::qWaitFor([&] { return stream->state() == State::Live; }, 20000));

    server.freezeServer();
    QVERIFY(QTest::qWaitFor([&] { return stream->state() == State::Reconnecting; }, 20000));
    QCOMPARE(stream->lastError()->kind, ApiError::Kind::Timeout);
    server.thawServer();
    stream->setSilenceTimeout(EventStream::DefaultSilenceTimeoutMs);
    QVERIFY(QTest::qWaitFor([&] { return stream->state() == State::Live; }, 30000));
}

void TestEventStream::resetWhenResumePointIsUnknown()
{
    Recorder recorder;
    auto stream = streamFor(*m_server, recorder);
    stream->setLastEventId(u"999999999"_s);
    stream->start();
    QVERIFY(QTest::qWaitFor([&] { return stream->state() == State::Live; }, 20000));
    QCOMPARE(recorder.events.size(), 1);
    QCOMPARE(recorder.events.first().type, u"reset"_s);
    QCOMPARE(recorder.events.first().data.value(u"reason").toString(), u"unknown_event_id"_s);
    QVERIFY(stream->lastEventId().toLongLong() < 999999999);
}

void TestEventStream::refusedAdminKeyFailsWithoutRetrying()
{
    Recorder recorder;
    auto stream =
        streamFor(*m_server, recorder, u"kb_0000000000000000000000000000000000000000000"_s);
    stream->setReconnectDelays(10, 20);
    stream->start();
    QVERIFY(QTest::qWaitFor([&] { return stream->state() == State::Failed; }, 20000));
    QCOMPARE(stream->lastError()->kind, ApiError::Kind::Unauthenticated);
    QCOMPARE(stream->lastError()->httpStatus, 401);
    QVERIFY(!stream->nextAttemptAt().isValid());
    QCOMPARE(recorder.states, (QList<State> {State::Connecting, State::Failed}));
}

void TestEventStream::invalidFilterFails()
{
    Recorder recorder;
    auto stream = streamFor(*m_server, recorder);
    stream->setFilter({{u"call"_s, u"key.deleted"_s}, {}, {}});
    stream->start();
    QVERIFY(QTest::qWaitFor([&] { return stream->state() == State::Failed; }, 20000));
    QCOMPARE(stream->lastError()->kind, ApiError::Kind::Validation);
    QCOMPARE(stream->lastError()->field, u"types"_s);
}

QTEST_GUILESS_MAIN(TestEventStream)
#include "tst_eventstream.moc"
