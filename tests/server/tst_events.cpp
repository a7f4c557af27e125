// GET /v1/events against the real keybraked: every event type, completeness and commit order
// under a 1,000-call burst, resume with Last-Event-ID (mid-burst and across a restart) with no
// gap and no duplicate, thresholds once per key and window, filters, roles and shutdown.
#include "auditreader.h"
#include "eventlistener.h"
#include "httpburst.h"
#include "testserver.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QSet>
#include <QtTest>

#include <algorithm>
#include <future>

using namespace keybrake::test;

namespace {

const QString kCall = QStringLiteral("call");
const QString kThreshold = QStringLiteral("cap.threshold");

QString str(const QJsonObject &object, const char *name)
{
    return object.value(QLatin1String(name)).toString();
}

QList<ReceivedEvent> forKey(const QList<ReceivedEvent> &events, const QString &keyId,
                            const QString &type = {})
{
    QList<ReceivedEvent> matching;
    for (const ReceivedEvent &event : events) {
        if (event.type != u"ping" && str(event.json, "key_id") == keyId
            && (type.isEmpty() || event.type == type))
            matching.append(event);
    }
    return matching;
}

std::vector<BurstRequest> charges(const QString &vaultKey, int count, qint64 cents)
{
    std::vector<BurstRequest> requests;
    for (int i = 0; i < count; ++i) {
        BurstRequest request;
        request.target = "/stripe/v1/charges";
        request.headers = {{"Authorization", "Bearer " + vaultKey.toStdString()},
                           {"Content-Type", "application/x-www-form-urlencoded"}};
        request.body = stripeCharge(cents).toStdString();
        requests.push_back(std::move(request));
    }
    return requests;
}

} // namespace

class TestEvents : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void viewerMaySubscribeAnonymousMayNot();
    void invalidFiltersAreRefused_data();
    void invalidFiltersAreRefused();
    void burstEventsMatchAuditLogInCommitOrder();
    void resumeMidBurstHasNoGapAndNoDuplicate();
    void thresholdsOncePerKeyAndWindow();
    void keyExpiredOnceWhenClockPassesExpiry();
    void revokedForSingleAndBulkRevoke();
    void filtersSelectLiveAndReplayedEvents();
    void unknownResumeIdGetsReset();
    void latencyFromAnswerToEvent();
    void resumeAcrossRestartAndShutdownEndsStreams();

private:
    QJsonObject issue(TestServer &server, double cap, const QString &label,
                      const QString &expiresIn = QStringLiteral("1h"));
    HttpResult charge(TestServer &server, const QJsonObject &key, qint64 cents);
    // Issues a throwaway key and waits until `listener` has its key.issued: every event
    // committed before it has then arrived too.
    bool marker(TestServer &server, EventListener &listener);
    std::unique_ptr<EventListener> listen(TestServer &server, const QString &query = {},
                                          std::optional<qint64> lastEventId = std::nullopt);

    std::unique_ptr<TestServer> m_server;
};

void TestEvents::initTestCase()
{
    TestServer::Options options;
    // Vendor latency keeps holds open while a burst is admitted, as in tst_cap_burst.
    options.simArgs << QStringLiteral("--latency-ms") << QStringLiteral("30");
    options.testClock = true;
    m_server = std::make_unique<TestServer>(options);
    QVERIFY2(m_server->start(), qPrintable(m_server->errorString()));
}

QJsonObject TestEvents::issue(TestServer &server, double cap, const QString &label,
                              const QString &expiresIn)
{
    return server.issueKey(
        {{QStringLiteral("vendor"), QStringLiteral("stripe")},
         {QStringLiteral("daily_usd_cap"), cap},
         {QStringLiteral("allowed_endpoints"), QJsonArray {QStringLiteral("charges.create")}},
         {QStringLiteral("expires_in"), expiresIn},
         {QStringLiteral("agent_run_label"), label}});
}

HttpResult TestEvents::charge(TestServer &server, const QJsonObject &key, qint64 cents)
{
    return server.proxy("POST", QStringLiteral("/stripe/v1/charges"), stripeCharge(cents),
                        str(key, "vault_key"));
}

bool TestEvents::marker(TestServer &server, EventListener &listener)
{
    const QString keyId = str(issue(server, 1, QStringLiteral("tests/events/marker")), "key_id");
    if (keyId.isEmpty())
        return false;
    return listener.waitUntil(
        [&] { return !forKey(listener.events(), keyId, QStringLiteral("key.issued")).isEmpty(); });
}

std::unique_ptr<EventListener> TestEvents::listen(TestServer &server, const QString &query,
                                                  std::optional<qint64> lastEventId)
{
    auto listener =
        std::make_unique<EventListener>(server.baseUrl(), server.adminKey(), query, lastEventId);
    listener->start();
    return listener;
}

void TestEvents::viewerMaySubscribeAnonymousMayNot()
{
    EventListener anonymous(m_server->baseUrl(), QString());
    anonymous.start();
    QVERIFY(anonymous.waitUntil([&] { return anonymous.isFinished(); }));
    QCOMPARE(anonymous.status(), 401);
    QCOMPARE(QJsonDocument::fromJson(anonymous.errorBody()).object().value(u"code").toString(),
             QStringLiteral("unauthenticated"));

    const QString viewerKey = m_server->createAdminKey(QStringLiteral("viewer"));
    QVERIFY(!viewerKey.isEmpty());
    EventListener viewer(m_server->baseUrl(), viewerKey);
    viewer.start();
    QVERIFY(viewer.waitForLive());
    QCOMPARE(viewer.status(), 200);
    QVERIFY(viewer.header("Content-Type").startsWith("text/event-stream"));
    QCOMPARE(viewer.header("Cache-Control"), QByteArray("no-cache"));
    QCOMPARE(viewer.header("X-Accel-Buffering"), QByteArray("no"));
    QVERIFY(!viewer.header("X-Request-Id").isEmpty());
    // The first ping carries the newest event id: a resume point before anything else arrives.
    QVERIFY(viewer.lastEventId() >= 0);

    // A viewer sees what an admin does.
    const QJsonObject key = issue(*m_server, 5, QStringLiteral("tests/events/viewer"));
    QVERIFY(viewer.waitUntil([&] {
        return !forKey(viewer.events(), str(key, "key_id"), QStringLiteral("key.issued")).isEmpty();
    }));
    const QJsonObject issued =
        forKey(viewer.events(), str(key, "key_id"), QStringLiteral("key.issued")).first().json;
    QCOMPARE(str(issued, "agent_run_label"), QStringLiteral("tests/events/viewer"));
    QCOMPARE(str(issued, "status"), QStringLiteral("active"));
    QCOMPARE(issued.value(u"daily_usd_cap").toDouble(), 5.0);
    QVERIFY(!issued.contains(u"vault_key")); // the secret is shown once, in the 201 only
}

void TestEvents::invalidFiltersAreRefused_data()
{
    QTest::addColumn<QString>("query");
    QTest::addColumn<QByteArray>("lastEventIdHeader");
    QTest::addColumn<QString>("field");
    QTest::newRow("unknown type") << QStringLiteral("types=call,key.deleted") << QByteArray()
                                  << QStringLiteral("types");
    QTest::newRow("empty type") << QStringLiteral("types=call,") << QByteArray()
                                << QStringLiteral("types");
    QTest::newRow("unknown parameter")
        << QStringLiteral("type=call") << QByteArray() << QStringLiteral("type");
    QTest::newRow("empty key_id") << QStringLiteral("key_id=") << QByteArray()
                                  << QStringLiteral("key_id");
    QTest::newRow("long label_prefix") << QStringLiteral("label_prefix=") + QString(201, u'x')
                                       << QByteArray() << QStringLiteral("label_prefix");
    QTest::newRow("last_event_id text")
        << QStringLiteral("last_event_id=abc") << QByteArray() << QStringLiteral("last_event_id");
    QTest::newRow("Last-Event-ID negative")
        << QString() << QByteArray("-5") << QStringLiteral("Last-Event-ID");
}

void TestEvents::invalidFiltersAreRefused()
{
    QFETCH(QString, query);
    QFETCH(QByteArray, lastEventIdHeader);
    QFETCH(QString, field);
    QMap<QByteArray, QByteArray> headers;
    if (!lastEventIdHeader.isEmpty())
        headers.insert("Last-Event-ID", lastEventIdHeader);
    const HttpResult result = m_server->request(
        "GET", QStringLiteral("/v1/events") + (query.isEmpty() ? QString() : u'?' + query), {},
        m_server->adminKey(), headers);
    QCOMPARE(result.status, 422);
    QCOMPARE(str(result.json, "code"), QStringLiteral("invalid_field"));
    QCOMPARE(str(result.json, "field"), field);
}

void TestEvents::burstEventsMatchAuditLogInCommitOrder()
{
    auto listener = listen(*m_server);
    QVERIFY(listener->waitForLive());
    const QJsonObject key = issue(*m_server, 50, QStringLiteral("tests/events/burst"));
    const QString keyId = str(key, "key_id");

    auto burst = std::async(std::launch::async, [&] {
        return sendBurst("127.0.0.1", m_server->port(), charges(str(key, "vault_key"), 1000, 100));
    });
    QVERIFY(listener->waitUntil(
        [&] { return burst.wait_for(std::chrono::seconds(0)) == std::future_status::ready; },
        120000));
    const auto responses = burst.get();
    QCOMPARE(std::count_if(responses.begin(), responses.end(),
                           [](const BurstResponse &r) { return r.status == 200; }),
             50);
    QVERIFY(marker(*m_server, *listener));

    QUrlQuery query;
    query.addQueryItem(QStringLiteral("key_id"), keyId);
    QList<QJsonObject> rows = readAudit(*m_server, query);
    QCOMPARE(rows.size(), 1000);
    std::reverse(rows.begin(), rows.end()); // oldest first, like the stream

    // Ids strictly increase over every event (a ping repeats the id it stands at).
    qint64 previous = -1;
    for (const ReceivedEvent &event : listener->events()) {
        if (event.type == u"ping") {
            QVERIFY(event.id >= previous);
        } else {
            QVERIFY2(event.id > previous,
                     qPrintable(QStringLiteral("id %1 after %2").arg(event.id).arg(previous)));
        }
        previous = event.id;
    }

    // Exactly one call event per audit row, in commit order (the audit id's order), with the row
    // as GET /v1/audit shows it.
    const QList<ReceivedEvent> calls = forKey(listener->events(), keyId, kCall);
    QCOMPARE(calls.size(), rows.size());
    for (int i = 0; i < rows.size(); ++i) {
        if (calls[i].json != rows[i]) {
            QFAIL(qPrintable(QStringLiteral("event %1 differs from its audit row:\n%2\n%3")
                                 .arg(i)
                                 .arg(QString::fromUtf8(calls[i].data),
                                      QString::fromUtf8(
                                          QJsonDocument(rows[i]).toJson(QJsonDocument::Compact)))));
        }
    }

    // 80 %, 95 % and 100 % of settled spend, once each and in that order, and key.capped once.
    const QList<ReceivedEvent> thresholds = forKey(listener->events(), keyId, kThreshold);
    QCOMPARE(thresholds.size(), 3);
    const QList<double> expected {0.8, 0.95, 1.0};
    const QList<qint64> spentAt {40'000'000, 48'000'000, 50'000'000};
    for (int i = 0; i < 3; ++i) {
        QCOMPARE(thresholds[i].json.value(u"threshold").toDouble(), expected[i]);
        QCOMPARE(micros(thresholds[i].json.value(u"spent_today_usd").toDouble()), spentAt[i]);
        QCOMPARE(thresholds[i].json.value(u"daily_usd_cap").toDouble(), 50.0);
    }
    const QList<ReceivedEvent> capped =
        forKey(listener->events(), keyId, QStringLiteral("key.capped"));
    QCOMPARE(capped.size(), 1);
    QCOMPARE(micros(capped.first().json.value(u"spent_today_usd").toDouble()
                    + capped.first().json.value(u"held_usd").toDouble()),
             50'000'000);
    // The 100 % threshold follows the call that settled the last dollar, in the same commit.
    const auto lastAllowed = std::find_if(calls.rbegin(), calls.rend(), [](const auto &event) {
        return str(event.json, "verdict") == u"allowed";
    });
    QVERIFY(thresholds[2].id > lastAllowed->id);
}

void TestEvents::resumeMidBurstHasNoGapAndNoDuplicate()
{
    const QJsonObject key = issue(*m_server, 10000, QStringLiteral("tests/events/resume"));
    const QString keyId = str(key, "key_id");
    const QString filter = QStringLiteral("key_id=") + keyId;
    auto first = listen(*m_server, filter);
    QVERIFY(first->waitForLive());

    auto burst = std::async(std::launch::async, [&] {
        return sendBurst("127.0.0.1", m_server->port(), charges(str(key, "vault_key"), 1000, 1));
    });
    // Gone mid-burst, like a console whose network dropped.
    QVERIFY(first->waitUntil([&] { return forKey(first->events(), keyId, kCall).size() >= 200; },
                             120000));
    first->abort();
    const qint64 resumeFrom = first->lastEventId();
    const QList<ReceivedEvent> before = forKey(first->events(), keyId, kCall);
    QVERIFY(before.size() < 1000);
    QVERIFY(first->waitUntil(
        [&] { return burst.wait_for(std::chrono::seconds(0)) == std::future_status::ready; },
        120000));
    QCOMPARE(burst.get().size(), std::size_t(1000));

    auto second = listen(*m_server, filter, resumeFrom);
    QVERIFY(second->waitUntil(
        [&] { return before.size() + forKey(second->events(), keyId, kCall).size() >= 1000; }));
    QVERIFY(second->waitForLive());
    const QList<ReceivedEvent> after = forKey(second->events(), keyId, kCall);
    QVERIFY(after.first().id > resumeFrom);

    QUrlQuery query;
    query.addQueryItem(QStringLiteral("key_id"), keyId);
    const QList<QJsonObject> rows = readAudit(*m_server, query);
    QCOMPARE(rows.size(), 1000);
    QSet<QString> auditIds;
    for (const QJsonObject &row : rows)
        auditIds.insert(str(row, "id"));
    QSet<QString> seen;
    for (const QList<ReceivedEvent> &part : {before, after}) {
        for (const ReceivedEvent &event : part) {
            const QString auditId = str(event.json, "id");
            QVERIFY2(!seen.contains(auditId), qPrintable(QStringLiteral("duplicate ") + auditId));
            seen.insert(auditId);
        }
    }
    QCOMPARE(seen, auditIds);
}

void TestEvents::thresholdsOncePerKeyAndWindow()
{
    QVERIFY(m_server->setClock(QStringLiteral("2026-12-01T10:00:00.000Z")));
    const QJsonObject key =
        issue(*m_server, 10, QStringLiteral("tests/events/threshold"), QStringLiteral("3d"));
    const QString keyId = str(key, "key_id");
    auto listener = listen(*m_server);
    QVERIFY(listener->waitForLive());
    const auto thresholds = [&] { return forKey(listener->events(), keyId, kThreshold); };

    QCOMPARE(charge(*m_server, key, 800).status, 200); // $8: 80 %
    QVERIFY(listener->waitUntil([&] { return thresholds().size() == 1; }));
    QCOMPARE(thresholds().first().json.value(u"threshold").toDouble(), 0.8);
    QCOMPARE(str(thresholds().first().json, "window_start"),
             QStringLiteral("2026-12-01T00:00:00.000Z"));

    QCOMPARE(charge(*m_server, key, 50).status, 200); // $8.50: still 80 %
    QVERIFY(marker(*m_server, *listener));
    QCOMPARE(thresholds().size(), 1);

    QCOMPARE(charge(*m_server, key, 100).status, 200); // $9.50: 95 %
    QCOMPARE(charge(*m_server, key, 50).status, 200); // $10: 100 % and capped
    QCOMPARE(charge(*m_server, key, 50).status, 429);
    QVERIFY(marker(*m_server, *listener));
    QCOMPARE(thresholds().size(), 3);
    QCOMPARE(thresholds()[1].json.value(u"threshold").toDouble(), 0.95);
    QCOMPARE(thresholds()[2].json.value(u"threshold").toDouble(), 1.0);
    QCOMPARE(forKey(listener->events(), keyId, QStringLiteral("key.capped")).size(), 1);

    // A new spend window starts over: 80 % again, once.
    QVERIFY(m_server->setClock(QStringLiteral("2026-12-02T10:00:00.000Z")));
    QCOMPARE(charge(*m_server, key, 800).status, 200);
    QCOMPARE(charge(*m_server, key, 10).status, 200);
    QVERIFY(marker(*m_server, *listener));
    QCOMPARE(thresholds().size(), 4);
    QCOMPARE(thresholds()[3].json.value(u"threshold").toDouble(), 0.8);
    QCOMPARE(str(thresholds()[3].json, "window_start"), QStringLiteral("2026-12-02T00:00:00.000Z"));
    QCOMPARE(micros(thresholds()[3].json.value(u"spent_today_usd").toDouble()), 8'000'000);
}

void TestEvents::keyExpiredOnceWhenClockPassesExpiry()
{
    QVERIFY(m_server->setClock(QStringLiteral("2026-12-05T10:00:00.000Z")));
    const QJsonObject expiring = issue(*m_server, 5, QStringLiteral("tests/events/expiring"));
    const QJsonObject revoked = issue(*m_server, 5, QStringLiteral("tests/events/expiring"));
    QCOMPARE(m_server->admin("DELETE", QStringLiteral("/v1/keys/") + str(revoked, "key_id")).status,
             200);
    auto listener = listen(*m_server);
    QVERIFY(listener->waitForLive());
    const auto expiredOf = [&](const QJsonObject &key) {
        return forKey(listener->events(), str(key, "key_id"), QStringLiteral("key.expired"));
    };

    QVERIFY(m_server->advanceClock(QStringLiteral("59m")));
    QVERIFY(marker(*m_server, *listener));
    QVERIFY(expiredOf(expiring).isEmpty());

    QVERIFY(m_server->advanceClock(QStringLiteral("2m")));
    QVERIFY(listener->waitUntil([&] { return !expiredOf(expiring).isEmpty(); }));
    QCOMPARE(str(expiredOf(expiring).first().json, "expired_at"),
             QStringLiteral("2026-12-05T11:00:00.000Z"));

    QVERIFY(m_server->advanceClock(QStringLiteral("1h")));
    QVERIFY(marker(*m_server, *listener));
    QCOMPARE(expiredOf(expiring).size(), 1);
    QCOMPARE(expiredOf(revoked).size(), 0); // revoked first: it stays revoked, not expired
}

void TestEvents::revokedForSingleAndBulkRevoke()
{
    QVERIFY(m_server->setClock(QStringLiteral("2026-12-06T10:00:00.000Z")));
    auto listener = listen(*m_server, QStringLiteral("types=key.revoked,key.issued"));
    QVERIFY(listener->waitForLive());
    QStringList keys;
    for (int i = 0; i < 6; ++i) {
        const QString label = i < 3 ? QStringLiteral("tests/events/fleet-a/%1").arg(i)
                                    : QStringLiteral("tests/events/fleet-b/%1").arg(i);
        keys << str(issue(*m_server, 5, label), "key_id");
    }
    const auto revokedOf = [&](const QString &keyId) {
        return forKey(listener->events(), keyId, QStringLiteral("key.revoked"));
    };

    const HttpResult single = m_server->admin("DELETE", QStringLiteral("/v1/keys/") + keys[0]);
    QCOMPARE(single.status, 200);
    QCOMPARE(m_server->admin("DELETE", QStringLiteral("/v1/keys/") + keys[0]).status, 200);
    const HttpResult dryRun =
        m_server->admin("POST", QStringLiteral("/v1/keys/revoke"),
                        {{QStringLiteral("label_prefix"), QStringLiteral("tests/events/fleet-a/")},
                         {QStringLiteral("dry_run"), true}});
    QCOMPARE(dryRun.status, 200);
    const HttpResult byIds =
        m_server->admin("POST", QStringLiteral("/v1/keys/revoke"),
                        {{QStringLiteral("key_ids"), QJsonArray {keys[3], keys[4]}}});
    QCOMPARE(byIds.status, 200);
    const HttpResult byPrefix = m_server->admin(
        "POST", QStringLiteral("/v1/keys/revoke"),
        {{QStringLiteral("label_prefix"), QStringLiteral("tests/events/fleet-a/")}});
    QCOMPARE(byPrefix.status, 200);
    QCOMPARE(byPrefix.json.value(u"revoked").toInt(), 2);
    QVERIFY(marker(*m_server, *listener));

    // One key.revoked per key actually revoked: none for the repeat or the dry run.
    for (int i : {0, 1, 2, 3, 4})
        QCOMPARE(revokedOf(keys[i]).size(), 1);
    QCOMPARE(revokedOf(keys[5]).size(), 0);
    const QJsonObject first = revokedOf(keys[0]).first().json;
    QCOMPARE(str(first, "revoked_at"), str(single.json, "revoked_at"));
    QCOMPARE(str(first, "agent_run_label"), QStringLiteral("tests/events/fleet-a/0"));
    QVERIFY(!str(first, "actor").isEmpty());
}

void TestEvents::filtersSelectLiveAndReplayedEvents()
{
    QVERIFY(m_server->setClock(QStringLiteral("2026-12-07T10:00:00.000Z")));
    auto probe = listen(*m_server);
    QVERIFY(probe->waitForLive());
    const qint64 start = probe->lastEventId();
    const auto idOf = [&](const QJsonObject &key) { return str(key, "key_id"); };

    // key_id is tried on the backlog only (the key does not exist before the events).
    QList<QString> queries {QStringLiteral("types=call"),
                            QStringLiteral("label_prefix=tests/events/filters/a"),
                            QStringLiteral("types=key.issued,key.revoked&label_prefix=tests/"
                                           "events/filters/b")};
    std::vector<std::unique_ptr<EventListener>> live;
    for (const QString &query : queries) {
        live.push_back(listen(*m_server, query));
        QVERIFY(live.back()->waitForLive());
    }

    const QJsonObject a = issue(*m_server, 100, QStringLiteral("tests/events/filters/a/1"));
    const QJsonObject b = issue(*m_server, 100, QStringLiteral("tests/events/filters/b/1"));
    QCOMPARE(charge(*m_server, a, 100).status, 200);
    QCOMPARE(charge(*m_server, b, 100).status, 200);
    QCOMPARE(m_server->admin("DELETE", QStringLiteral("/v1/keys/") + idOf(b)).status, 200);
    // Last, and matching every live filter but the third: once it arrived, all before it did.
    QCOMPARE(charge(*m_server, a, 200).status, 200);
    QVERIFY(probe->waitUntil([&] { return forKey(probe->events(), idOf(a), kCall).size() == 2; }));

    const auto summary = [&](const QList<ReceivedEvent> &events) {
        QStringList lines;
        for (const ReceivedEvent &event : events) {
            if (event.type == u"ping" || event.id <= start)
                continue;
            lines << event.type + u' ' + (str(event.json, "key_id") == idOf(a) ? u'a' : u'b');
        }
        return lines;
    };
    const QList<QStringList> expected {
        {QStringLiteral("call a"), QStringLiteral("call b"), QStringLiteral("call a")},
        {QStringLiteral("key.issued a"), QStringLiteral("call a"), QStringLiteral("call a")},
        {QStringLiteral("key.issued b"), QStringLiteral("key.revoked b")},
    };
    for (std::size_t i = 0; i < 2; ++i) {
        QVERIFY(live[i]->waitUntil(
            [&] { return summary(live[i]->events()).size() == expected[int(i)].size(); }));
        QCOMPARE(summary(live[i]->events()), expected[int(i)]);
    }

    // The same filters over the backlog, plus key_id; the first ping ends the replay.
    QList<QString> replayQueries = queries;
    replayQueries << QStringLiteral("key_id=") + idOf(b);
    QList<QStringList> replayExpected = expected;
    replayExpected << QStringList {QStringLiteral("key.issued b"), QStringLiteral("call b"),
                                   QStringLiteral("key.revoked b")};
    for (int i = 0; i < replayQueries.size(); ++i) {
        auto replay = listen(*m_server, replayQueries[i], start);
        QVERIFY(replay->waitForLive());
        QCOMPARE(summary(replay->events()), replayExpected[i]);
    }
    // The live third filter saw the same, and nothing of key a, whose call came after these.
    QVERIFY(live[2]->waitUntil([&] { return summary(live[2]->events()).size() >= 2; }));
    QCOMPARE(summary(live[2]->events()), expected[2]);
}

void TestEvents::unknownResumeIdGetsReset()
{
    auto probe = listen(*m_server);
    QVERIFY(probe->waitForLive());
    const qint64 latest = probe->lastEventId();

    auto ahead = listen(*m_server, {}, latest + 1000);
    QVERIFY(ahead->waitForLive());
    const QList<ReceivedEvent> events = ahead->events();
    QCOMPARE(events.first().type, QStringLiteral("reset"));
    QCOMPARE(events.first().id, latest);
    QCOMPARE(str(events.first().json, "reason"), QStringLiteral("unknown_event_id"));
    QCOMPARE(events.size(), 2); // reset, then the ping: nothing replayed

    // last_event_id in the query works for clients that cannot set headers; the header wins.
    const QJsonObject key = issue(*m_server, 5, QStringLiteral("tests/events/query-resume"));
    auto byQuery = listen(*m_server, QStringLiteral("last_event_id=%1").arg(latest));
    QVERIFY(byQuery->waitForLive());
    QCOMPARE(forKey(byQuery->events(), str(key, "key_id")).size(), 1);
    auto headerWins =
        listen(*m_server, QStringLiteral("last_event_id=%1").arg(latest), byQuery->lastEventId());
    QVERIFY(headerWins->waitForLive());
    QCOMPARE(forKey(headerWins->events(), str(key, "key_id")).size(), 0);
}

// Reported, not asserted (timing belongs in bench/): how long after its HTTP answer a proxied
// call's event reaches a listening client on this machine.
void TestEvents::latencyFromAnswerToEvent()
{
    QVERIFY(m_server->setClock(QStringLiteral("2026-12-08T10:00:00.000Z")));
    const QJsonObject key = issue(*m_server, 1000, QStringLiteral("tests/events/latency"));
    auto listener = listen(*m_server, QStringLiteral("types=call&key_id=") + str(key, "key_id"));
    QVERIFY(listener->waitForLive());
    QNetworkAccessManager network;
    QList<double> latenciesMs;
    int eventFirst = 0;
    for (int i = 0; i < 200; ++i) {
        QNetworkRequest request(
            QUrl(m_server->baseUrl().toString() + QStringLiteral("/stripe/v1/charges")));
        request.setRawHeader("Authorization", "Bearer " + str(key, "vault_key").toUtf8());
        request.setHeader(QNetworkRequest::ContentTypeHeader,
                          QByteArrayLiteral("application/x-www-form-urlencoded"));
        QNetworkReply *reply = network.post(request, stripeCharge(1));
        qint64 answeredNs = -1;
        QByteArray requestId;
        connect(reply, &QNetworkReply::finished, this, [&] {
            answeredNs = EventListener::clock().nsecsElapsed();
            requestId = reply->rawHeader("X-Request-Id");
        });
        const auto eventOf = [&]() -> const ReceivedEvent * {
            const auto &events = listener->events();
            for (auto it = events.crbegin(); it != events.crend(); ++it) {
                if (str(it->json, "request_id").toUtf8() == requestId)
                    return &*it;
            }
            return nullptr;
        };
        QVERIFY(listener->waitUntil([&] { return answeredNs >= 0 && eventOf() != nullptr; }));
        const ReceivedEvent *event = eventOf();
        QCOMPARE(reply->error(), QNetworkReply::NoError);
        reply->deleteLater();
        latenciesMs << (event->receivedNs - answeredNs) / 1e6;
        if (event->receivedNs < answeredNs)
            ++eventFirst;
    }
    std::sort(latenciesMs.begin(), latenciesMs.end());
    const auto at = [&](double q) {
        return latenciesMs[std::min<qsizetype>(latenciesMs.size() - 1,
                                               qsizetype(q * latenciesMs.size()))];
    };
    qInfo("answer-to-event latency over %lld sequential calls: min %.2f ms, median %.2f ms, "
          "p90 %.2f ms, p99 %.2f ms, max %.2f ms; the event arrived before the answer %d times",
          static_cast<long long>(latenciesMs.size()), latenciesMs.first(), at(0.5), at(0.9),
          at(0.99), latenciesMs.last(), eventFirst);
}

void TestEvents::resumeAcrossRestartAndShutdownEndsStreams()
{
    TestServer::Options options;
    // A grace far longer than the wait below: only a stream that ends by itself lets the server
    // exit in time.
    options.serverArgs << QStringLiteral("--shutdown-grace-s") << QStringLiteral("120");
    TestServer server(options);
    QVERIFY2(server.start(), qPrintable(server.errorString()));
    const QJsonObject key =
        issue(server, 10, QStringLiteral("tests/events/restart"), QStringLiteral("1d"));
    const QString keyId = str(key, "key_id");

    auto listener = listen(server, QStringLiteral("key_id=") + keyId);
    QVERIFY(listener->waitForLive());
    for (qint64 cents : {500, 300}) // $8: 80 %
        QCOMPARE(charge(server, key, cents).status, 200);
    QVERIFY(listener->waitUntil(
        [&] { return forKey(listener->events(), keyId, kThreshold).size() == 1; }));
    const qint64 resumeFrom = listener->lastEventId();
    const QList<ReceivedEvent> before = forKey(listener->events(), keyId, kCall);
    QCOMPARE(before.size(), 2);

    QCOMPARE(server.stopServer(60000), 0);
    // The stream ended as a complete response, not cut off.
    QVERIFY(listener->waitUntil([&] { return listener->isFinished(); }, 10000));
    QCOMPARE(listener->error(), QNetworkReply::NoError);

    QVERIFY2(server.restartServer(), qPrintable(server.errorString()));
    for (qint64 cents : {50, 60, 70}) // $9.80: 95 %, and no second 80 % across the restart
        QCOMPARE(charge(server, key, cents).status, 200);

    auto resumed = listen(server, QStringLiteral("key_id=") + keyId, resumeFrom);
    QVERIFY(resumed->waitForLive());
    const QList<ReceivedEvent> after = forKey(resumed->events(), keyId, kCall);
    QCOMPARE(after.size(), 3);
    QVERIFY(after.first().id > resumeFrom);
    const QList<ReceivedEvent> thresholds = forKey(resumed->events(), keyId, kThreshold);
    QCOMPARE(thresholds.size(), 1);
    QCOMPARE(thresholds.first().json.value(u"threshold").toDouble(), 0.95);

    QUrlQuery query;
    query.addQueryItem(QStringLiteral("key_id"), keyId);
    QList<QJsonObject> rows = readAudit(server, query);
    std::reverse(rows.begin(), rows.end());
    QList<QJsonObject> streamed;
    for (const auto &event : before + after)
        streamed << event.json;
    QCOMPARE(streamed, rows);
}

QTEST_GUILESS_MAIN(TestEvents)
#include "tst_events.moc"
