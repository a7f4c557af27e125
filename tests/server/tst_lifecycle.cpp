// keybraked as a process: no secret in its logs, audit rows or database file; SIGTERM finishes
// the calls in flight; a locked store fails closed and recovers; the admin-keys command line;
// --help; configuration errors; and the config file with its precedence (flags > env > file).
#include "auditreader.h"
#include "httpburst.h"
#include "testserver.h"

#include <QFile>
#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QProcessEnvironment>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QtTest>

#include <sqlite3.h>

#include <csignal>
#include <future>

using namespace keybrake::test;

namespace {

QJsonObject policy(const QString &vendor, const QString &endpoint, double cap, const QString &label)
{
    return {{QStringLiteral("vendor"), vendor},
            {QStringLiteral("daily_usd_cap"), cap},
            {QStringLiteral("allowed_endpoints"), QJsonArray {endpoint}},
            {QStringLiteral("expires_in"), QStringLiteral("1h")},
            {QStringLiteral("agent_run_label"), label}};
}

QString twilioMessages()
{
    return QStringLiteral("/twilio/2010-04-01/Accounts/%1/Messages.json")
        .arg(QString::fromLatin1(kTwilioSid));
}

QByteArray readFile(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

bool writeFile(const QString &path, const QByteArray &content)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate)
        && file.write(content) == content.size();
}

// Runs keybraked with `arguments` to completion; the environment has no KEYBRAKE_* setting
// except `environment`.
struct Run
{
    int exitCode = -1;
    bool exited = false;
    QByteArray out;
    QByteArray err;
};

Run runKeybraked(const QStringList &arguments, const QMap<QString, QString> &environment = {})
{
    QProcess process;
    QProcessEnvironment clean;
    const QProcessEnvironment system = QProcessEnvironment::systemEnvironment();
    for (const QString &name : system.keys()) {
        if (!name.startsWith(QLatin1String("KEYBRAKE_")))
            clean.insert(name, system.value(name));
    }
    for (auto it = environment.cbegin(); it != environment.cend(); ++it)
        clean.insert(it.key(), it.value());
    process.setProcessEnvironment(clean);
    process.start(qEnvironmentVariable("KEYBRAKED"), arguments);
    Run run;
    run.exited = process.waitForFinished(15000);
    if (!run.exited) {
        process.kill();
        process.waitForFinished(5000);
    }
    run.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    run.out = process.readAllStandardOutput();
    run.err = process.readAllStandardError();
    return run;
}

} // namespace

class TestLifecycle : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void adminKeysCreateFromCommandLine();
    void adminKeysCreateUsage();
    void noBootstrapPrintsNoKey();
    void trafficWithEverySecret();
    void noSecretInLogsAuditRowsOrDatabase();
    void sigtermFinishesCallsInFlight();
    void lockedStoreFailsClosedAndRecovers();
    void helpListsEveryVariable();
    void badConfigurationIsNamed_data();
    void badConfigurationIsNamed();
    void configFileAndPrecedence();
    void vendorCredentialsFromConfigFile();

private:
    int simCharges(TestServer &server)
    {
        return server.simStats()
            .value(QStringLiteral("by_operation"))
            .toObject()
            .value(QStringLiteral("stripe.charges.create"))
            .toInt();
    }
    void rememberSecret(const QString &secret)
    {
        QVERIFY(secret.size() >= 20);
        m_secrets.append(secret.toUtf8());
    }

    std::unique_ptr<TestServer> m_server;
    QList<QByteArray> m_secrets; // everything that must never be written down
    QTemporaryDir m_dir;
};

void TestLifecycle::initTestCase()
{
    TestServer::Options options;
    // Debug logging: the most the server ever says about a request.
    options.serverEnv.insert(QStringLiteral("KEYBRAKE_LOG_LEVEL"), QStringLiteral("debug"));
    options.serverArgs << QStringLiteral("--upstream-timeout-ms") << QStringLiteral("500");
    m_server = std::make_unique<TestServer>(options);
    QVERIFY2(m_server->start(), qPrintable(m_server->errorString()));
    rememberSecret(m_server->adminKey());
    for (const char *vendorSecret : {kStripeSecret, kTwilioToken, kResendKey})
        rememberSecret(QString::fromLatin1(vendorSecret));
    // What the proxy sends Twilio: Basic base64(sid:token).
    rememberSecret(QString::fromLatin1(
        QByteArray(QByteArray(kTwilioSid) + ':' + QByteArray(kTwilioToken)).toBase64()));
}

void TestLifecycle::adminKeysCreateFromCommandLine()
{
    // Against the store of the running server: SQLite serialises the two writers.
    const Run run = runKeybraked(
        {QStringLiteral("admin-keys"), QStringLiteral("create"), QStringLiteral("--role"),
         QStringLiteral("operator"), QStringLiteral("--name"), QStringLiteral("cli operator"),
         QStringLiteral("--store"), QStringLiteral("sqlite:") + m_server->storePath()});
    QVERIFY2(run.exited && run.exitCode == 0, run.err.constData());
    const QString secret = QString::fromUtf8(run.out).trimmed();
    QVERIFY2(QRegularExpression(QStringLiteral("^kb_[A-Za-z0-9]{40,}$")).match(secret).hasMatch(),
             run.out.constData());
    QVERIFY(run.err.contains("ak_"));
    QVERIFY(!run.err.contains(secret.toUtf8()));
    rememberSecret(secret);

    const HttpResult whoami = m_server->request("GET", QStringLiteral("/v1/whoami"), {}, secret);
    QCOMPARE(whoami.status, 200);
    QCOMPARE(whoami.json.value(QStringLiteral("role")).toString(), QStringLiteral("operator"));
    QCOMPARE(whoami.json.value(QStringLiteral("name")).toString(), QStringLiteral("cli operator"));
    // An operator may revoke, not manage admin keys.
    QCOMPARE(m_server->request("GET", QStringLiteral("/v1/admin-keys"), {}, secret).status, 403);
    // The creation is in the audit log.
    bool audited = false;
    for (const auto &row : readAudit(*m_server, QUrlQuery(QStringLiteral("kind=admin")))) {
        if (row.value(QStringLiteral("action")).toString() == QLatin1String("admin_key.created")
            && row[QStringLiteral("detail")][QStringLiteral("admin_key_id")].toString()
                == whoami.json.value(QStringLiteral("admin_key_id")).toString())
            audited = true;
    }
    QVERIFY(audited);
}

void TestLifecycle::adminKeysCreateUsage()
{
    const QString store = QStringLiteral("sqlite:") + m_server->storePath();
    for (const QStringList &arguments :
         {QStringList {QStringLiteral("admin-keys"), QStringLiteral("create"),
                       QStringLiteral("--role"), QStringLiteral("root"), QStringLiteral("--name"),
                       QStringLiteral("x"), QStringLiteral("--store"), store},
          QStringList {QStringLiteral("admin-keys"), QStringLiteral("create"),
                       QStringLiteral("--role"), QStringLiteral("viewer"),
                       QStringLiteral("--store"), store}}) {
        const Run run = runKeybraked(arguments);
        QVERIFY(run.exited);
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(run.err.contains("--role") && run.err.contains("--name"), run.err.constData());
        QVERIFY(!run.out.contains("kb_"));
    }
    const Run unknown = runKeybraked({QStringLiteral("admin-keys"), QStringLiteral("delete")});
    QVERIFY(unknown.exited);
    QVERIFY(unknown.exitCode != 0);
    QVERIFY2(unknown.err.contains("admin-keys"), unknown.err.constData());
}

// Under systemd standard output is the journal: with --no-bootstrap (the packaged unit) an empty
// store gets no generated admin key, nothing like one is printed, the admin routes refuse every
// key, and the administrator's `admin-keys create` against the same store then works.
void TestLifecycle::noBootstrapPrintsNoKey()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString store = QStringLiteral("sqlite:") + dir.filePath(QStringLiteral("k.db"));
    QProcess server;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    for (const QString &name : environment.keys()) {
        if (name.startsWith(QLatin1String("KEYBRAKE_")))
            environment.remove(name);
    }
    server.setProcessEnvironment(environment);
    server.start(qEnvironmentVariable("KEYBRAKED"),
                 {QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"),
                  QStringLiteral("--store"), store, QStringLiteral("--no-bootstrap"),
                  QStringLiteral("--shutdown-grace-s"), QStringLiteral("1")});
    QVERIFY(server.waitForStarted(10000));
    QByteArray out;
    QByteArray err;
    const QRegularExpression listening(QStringLiteral("listening on http://127.0.0.1:(\\d+)"));
    QRegularExpressionMatch match;
    QTRY_VERIFY_WITH_TIMEOUT((out += server.readAllStandardOutput(),
                              err += server.readAllStandardError(),
                              match = listening.match(QString::fromUtf8(out)),
                              match.hasMatch() || server.state() == QProcess::NotRunning),
                             15000);
    QVERIFY2(match.hasMatch(), err.constData());
    const auto port = match.captured(1).toUShort();
    QVERIFY2(err.contains("admin-keys create"), err.constData());

    const auto get = [port](const QByteArray &path, const QByteArray &key) {
        return rawHttp(port,
                       "GET " + path
                           + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                             "Authorization: Bearer "
                           + key + "\r\nConnection: close\r\n\r\n");
    };
    QCOMPARE(get("/healthz", "x").status, 200);
    QCOMPARE(get("/v1/keys", "kb_" + QByteArray(44, 'Z')).status, 401);

    const Run created =
        runKeybraked({QStringLiteral("admin-keys"), QStringLiteral("create"),
                      QStringLiteral("--role"), QStringLiteral("admin"), QStringLiteral("--name"),
                      QStringLiteral("first admin"), QStringLiteral("--store"), store});
    QVERIFY2(created.exited && created.exitCode == 0, created.err.constData());
    const QByteArray secret = created.out.trimmed();
    rememberSecret(QString::fromUtf8(secret));
    QCOMPARE(get("/v1/keys", secret).status, 200);
    const HttpResult whoami = get("/v1/whoami", secret);
    QCOMPARE(whoami.json.value(QStringLiteral("name")).toString(), QStringLiteral("first admin"));

    server.terminate();
    QVERIFY(server.waitForFinished(15000));
    QCOMPARE(server.exitCode(), 0);
    out += server.readAllStandardOutput();
    err += server.readAllStandardError();
    QVERIFY2(!out.contains("kb_") && !err.contains("kb_"), QByteArray(out + err).constData());
    QVERIFY(!out.contains("bootstrap admin key"));
}

void TestLifecycle::trafficWithEverySecret()
{
    // Admin keys of each role, one of them revoked.
    for (const QString &role :
         {QStringLiteral("viewer"), QStringLiteral("issuer"), QStringLiteral("admin")})
        rememberSecret(m_server->createAdminKey(role, QStringLiteral("secret test ") + role));
    const HttpResult doomed = m_server->admin("POST", QStringLiteral("/v1/admin-keys"),
                                              {{QStringLiteral("name"), QStringLiteral("doomed")},
                                               {QStringLiteral("role"), QStringLiteral("viewer")}});
    rememberSecret(doomed.json.value(QStringLiteral("api_key")).toString());
    QCOMPARE(m_server
                 ->admin("DELETE",
                         QStringLiteral("/v1/admin-keys/")
                             + doomed.json.value(QStringLiteral("id")).toString())
                 .status,
             200);

    // Vault keys, one issued idempotently (its secret is kept sealed for replays) and replayed.
    const QJsonObject stripe =
        m_server->issueKey(policy(QStringLiteral("stripe"), QStringLiteral("charges.create"), 50,
                                  QStringLiteral("tests/secrets/stripe")),
                           "secret-issue-1");
    const QJsonObject replayed =
        m_server->issueKey(policy(QStringLiteral("stripe"), QStringLiteral("charges.create"), 50,
                                  QStringLiteral("tests/secrets/stripe")),
                           "secret-issue-1");
    QCOMPARE(replayed.value(QStringLiteral("vault_key")),
             stripe.value(QStringLiteral("vault_key")));
    const QJsonObject twilio =
        m_server->issueKey(policy(QStringLiteral("twilio"), QStringLiteral("messages.create"), 5,
                                  QStringLiteral("tests/secrets/twilio")));
    const QJsonObject resend =
        m_server->issueKey(policy(QStringLiteral("resend"), QStringLiteral("emails.send"), 5,
                                  QStringLiteral("tests/secrets/resend")));
    const QJsonObject revoked =
        m_server->issueKey(policy(QStringLiteral("stripe"), QStringLiteral("charges.create"), 5,
                                  QStringLiteral("tests/secrets/revoked")));
    const QString stripeKey = stripe.value(QStringLiteral("vault_key")).toString();
    const QString twilioKey = twilio.value(QStringLiteral("vault_key")).toString();
    const QString resendKey = resend.value(QStringLiteral("vault_key")).toString();
    const QString revokedKey = revoked.value(QStringLiteral("vault_key")).toString();
    for (const QString &secret : {stripeKey, twilioKey, resendKey, revokedKey})
        rememberSecret(secret);
    const QByteArray twilioBasic =
        QByteArray(QByteArray(kTwilioSid) + ':' + twilioKey.toUtf8()).toBase64();
    rememberSecret(QString::fromLatin1(twilioBasic));
    QCOMPARE(m_server
                 ->admin("DELETE",
                         QStringLiteral("/v1/keys/")
                             + revoked.value(QStringLiteral("key_id")).toString())
                 .status,
             200);

    // Calls that succeed, fail at the vendor, time out, are dropped, and are refused.
    QCOMPARE(m_server
                 ->proxy("POST", QStringLiteral("/stripe/v1/charges"), stripeCharge(100), stripeKey,
                         "application/x-www-form-urlencoded",
                         {{"Idempotency-Key", "secret-call-1"}})
                 .status,
             200);
    for (const QByteArray &fault : {QByteArrayLiteral("402"), QByteArrayLiteral("500"),
                                    QByteArrayLiteral("drop"), QByteArrayLiteral("hang")})
        QVERIFY(m_server
                    ->proxy("POST", QStringLiteral("/stripe/v1/charges"), stripeCharge(100),
                            stripeKey, "application/x-www-form-urlencoded",
                            {{"X-Sim-Fault", fault}})
                    .status
                >= 400);
    QCOMPARE(m_server
                 ->request("POST", twilioMessages(),
                           "To=%2B15559990000&From=%2B15550001111&Body=secret%20test", {},
                           {{"Authorization", "Basic " + twilioBasic},
                            {"Content-Type", "application/x-www-form-urlencoded"}})
                 .status,
             201);
    QCOMPARE(m_server
                 ->proxy("POST", QStringLiteral("/resend/emails"),
                         R"({"from":"ops@example.com","to":"a@b.io","subject":"s","text":"t"})",
                         resendKey, "application/json")
                 .status,
             200);
    QCOMPARE(
        m_server->proxy("POST", QStringLiteral("/stripe/v1/charges"), stripeCharge(100), revokedKey)
            .status,
        401);
    const QString unknownVaultKey = QStringLiteral("vault_key_") + QString(40, QLatin1Char('Q'));
    rememberSecret(unknownVaultKey);
    QCOMPARE(m_server
                 ->proxy("POST", QStringLiteral("/stripe/v1/charges"), stripeCharge(100),
                         unknownVaultKey)
                 .status,
             401);
    QCOMPARE(m_server
                 ->proxy("POST", QStringLiteral("/stripe/v1/charges"), stripeCharge(100),
                         m_server->adminKey())
                 .status,
             401);
    QCOMPARE(m_server->request("GET", QStringLiteral("/v1/keys"), {}, stripeKey).status, 401);
    const QString unknownAdminKey = QStringLiteral("kb_") + QString(44, QLatin1Char('Z'));
    rememberSecret(unknownAdminKey);
    QCOMPARE(m_server->request("GET", QStringLiteral("/v1/keys"), {}, unknownAdminKey).status, 401);
}

void TestLifecycle::noSecretInLogsAuditRowsOrDatabase()
{
    QVERIFY(m_secrets.size() >= 15);
    const auto check = [&](const QByteArray &haystack, const char *where) {
        for (const QByteArray &secret : m_secrets) {
            QVERIFY2(!haystack.contains(secret),
                     qPrintable(QStringLiteral("a secret (%1…) is in %2")
                                    .arg(QString::fromUtf8(secret.left(6)), QLatin1String(where))));
        }
    };

    // The log, except the one line that hands the operator the bootstrap key.
    QByteArray log;
    for (const QByteArray &line : m_server->serverOutput().split('\n')) {
        if (!line.startsWith("keybraked bootstrap admin key: "))
            log += line + '\n';
    }
    QVERIFY(log.contains("\"msg\":\"proxy\"")); // the log did record the traffic
    check(log, "the server's output");

    QByteArray audit;
    const QList<QJsonObject> rows = readAudit(*m_server, QUrlQuery(QStringLiteral("kind=all")));
    QVERIFY(rows.size() > 15);
    for (const auto &row : rows)
        audit += QJsonDocument(row).toJson(QJsonDocument::Compact) + '\n';
    check(audit, "the audit log");

    const QString db = m_server->storePath();
    const QByteArray wal = readFile(db + QStringLiteral("-wal"));
    QVERIFY(!readFile(db).isEmpty());
    check(readFile(db), "the database file");
    check(wal, "the WAL file");
    check(readFile(db + QStringLiteral("-shm")), "the shared-memory file");

    // And once the server has stopped (the WAL checkpointed into the database).
    QCOMPARE(m_server->stopServer(), 0);
    for (const QByteArray &line : m_server->serverOutput().split('\n')) {
        if (!line.startsWith("keybraked bootstrap admin key: "))
            check(line, "the server's output at shutdown");
    }
    check(readFile(db), "the database file after shutdown");
    check(readFile(db + QStringLiteral("-wal")), "the WAL file after shutdown");
}

void TestLifecycle::sigtermFinishesCallsInFlight()
{
    TestServer::Options options;
    options.serverArgs << QStringLiteral("--shutdown-grace-s") << QStringLiteral("20");
    TestServer server(options);
    QVERIFY2(server.start(), qPrintable(server.errorString()));
    const QJsonObject key =
        server.issueKey(policy(QStringLiteral("stripe"), QStringLiteral("charges.create"), 50,
                               QStringLiteral("tests/lifecycle/sigterm")));
    const std::string secret = key.value(QStringLiteral("vault_key")).toString().toStdString();
    std::vector<BurstRequest> requests(5);
    for (auto &request : requests) {
        request.target = "/stripe/v1/charges";
        request.headers = {{"Authorization", "Bearer " + secret},
                           {"Content-Type", "application/x-www-form-urlencoded"},
                           {"X-Sim-Fault", "delay=2000"}};
        request.body = stripeCharge(300).toStdString();
    }
    auto inFlight = std::async(std::launch::async,
                               [&] { return sendBurst("127.0.0.1", server.port(), requests); });
    QTRY_COMPARE_WITH_TIMEOUT(simCharges(server), 5, 10000);

    ::kill(static_cast<pid_t>(server.serverProcess().processId()), SIGTERM);
    // New connections are refused while the five calls are still at the vendor.
    const auto refused = [&] {
        QTcpSocket probe;
        probe.connectToHost(QHostAddress::LocalHost, server.port());
        probe.waitForConnected(1000);
        return probe.error() == QAbstractSocket::ConnectionRefusedError;
    };
    QTRY_VERIFY_WITH_TIMEOUT(refused(), 1500);
    QVERIFY2(inFlight.wait_for(std::chrono::seconds(0)) != std::future_status::ready,
             "the calls finished before the refusal could be observed");

    const auto responses = inFlight.get();
    for (const auto &response : responses) {
        QVERIFY2(response.status == 200, (response.error + response.body).c_str());
        const auto connection = response.headers.find("connection");
        QVERIFY(connection != response.headers.end() && connection->second == "close");
    }
    QVERIFY(server.serverProcess().waitForFinished(20000));
    QCOMPARE(server.serverProcess().exitStatus(), QProcess::NormalExit);
    QCOMPARE(server.serverProcess().exitCode(), 0);
    QVERIFY(server.serverOutput().contains("keybraked stopped"));

    // Every one of them was settled and audited before the process exited.
    QVERIFY2(server.restartServer(), qPrintable(server.errorString()));
    const QJsonObject after =
        server
            .admin("GET",
                   QStringLiteral("/v1/keys/") + key.value(QStringLiteral("key_id")).toString())
            .json;
    QCOMPARE(micros(after.value(QStringLiteral("spent_today_usd")).toDouble()), 15'000'000);
    QCOMPARE(micros(after.value(QStringLiteral("held_usd")).toDouble()), 0);
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("key_id"), key.value(QStringLiteral("key_id")).toString());
    query.addQueryItem(QStringLiteral("verdict"), QStringLiteral("allowed"));
    QCOMPARE(readAudit(server, query).size(), 5);
}

void TestLifecycle::lockedStoreFailsClosedAndRecovers()
{
    TestServer server;
    QVERIFY2(server.start(), qPrintable(server.errorString()));
    const QJsonObject key =
        server.issueKey(policy(QStringLiteral("stripe"), QStringLiteral("charges.create"), 50,
                               QStringLiteral("tests/lifecycle/locked")));
    const QString keyId = key.value(QStringLiteral("key_id")).toString();
    const QString secret = key.value(QStringLiteral("vault_key")).toString();
    const int before = simCharges(server);

    // Another process holds the write lock (a backup tool, an operator's sqlite3 shell).
    sqlite3 *db = nullptr;
    QCOMPARE(sqlite3_open(server.storePath().toUtf8().constData(), &db), SQLITE_OK);
    QCOMPARE(sqlite3_exec(db, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr), SQLITE_OK);

    const HttpResult call =
        server.proxy("POST", QStringLiteral("/stripe/v1/charges"), stripeCharge(700), secret);
    QCOMPARE(call.status, 503);
    QCOMPARE(call.json.value(QStringLiteral("code")).toString(),
             QStringLiteral("store_unavailable"));
    QCOMPARE(call.json[QStringLiteral("error")][QStringLiteral("type")].toString(),
             QStringLiteral("api_error"));
    QCOMPARE(simCharges(server), before); // fail closed: the vendor never saw it
    const HttpResult issue =
        server.admin("POST", QStringLiteral("/v1/keys"),
                     policy(QStringLiteral("stripe"), QStringLiteral("charges.create"), 5,
                            QStringLiteral("tests/lifecycle/locked-2")));
    QCOMPARE(issue.status, 503);
    QCOMPARE(issue.json.value(QStringLiteral("code")).toString(),
             QStringLiteral("store_unavailable"));
    const HttpResult revoke = server.admin("DELETE", QStringLiteral("/v1/keys/") + keyId);
    QCOMPARE(revoke.status, 503);
    QCOMPARE(revoke.json.value(QStringLiteral("code")).toString(),
             QStringLiteral("store_unavailable"));
    const HttpResult adminKey = server.admin("POST", QStringLiteral("/v1/admin-keys"),
                                             {{QStringLiteral("name"), QStringLiteral("x")},
                                              {QStringLiteral("role"), QStringLiteral("viewer")}});
    QCOMPARE(adminKey.status, 503);
    QCOMPARE(server.request("GET", QStringLiteral("/healthz")).status, 200);

    QCOMPARE(sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr), SQLITE_OK);
    QCOMPARE(sqlite3_close(db), SQLITE_OK);

    // Everything works again, and the refused call left no hold behind.
    const HttpResult again =
        server.proxy("POST", QStringLiteral("/stripe/v1/charges"), stripeCharge(700), secret);
    QCOMPARE(again.status, 200);
    QCOMPARE(simCharges(server), before + 1);
    const QJsonObject ledger = server.admin("GET", QStringLiteral("/v1/keys/") + keyId).json;
    QCOMPARE(micros(ledger.value(QStringLiteral("spent_today_usd")).toDouble()), 7'000'000);
    QCOMPARE(micros(ledger.value(QStringLiteral("held_usd")).toDouble()), 0);
    QCOMPARE(ledger.value(QStringLiteral("status")).toString(), QStringLiteral("active"));
    QCOMPARE(server
                 .admin("POST", QStringLiteral("/v1/keys"),
                        policy(QStringLiteral("stripe"), QStringLiteral("charges.create"), 5,
                               QStringLiteral("tests/lifecycle/locked-2")))
                 .status,
             201);
    QCOMPARE(server.admin("DELETE", QStringLiteral("/v1/keys/") + keyId).status, 200);
}

void TestLifecycle::helpListsEveryVariable()
{
    const Run run = runKeybraked({QStringLiteral("--help")});
    QVERIFY(run.exited);
    QCOMPARE(run.exitCode, 0);
    // The contract's variables, and the settings tests and operators rely on.
    for (const char *variable : {"KEYBRAKE_LISTEN",
                                 "KEYBRAKE_ADMIN_LISTEN",
                                 "KEYBRAKE_STORE",
                                 "KEYBRAKE_BOOTSTRAP_ADMIN_KEY",
                                 "KEYBRAKE_SPEND_TIMEZONE",
                                 "KEYBRAKE_MAX_DAILY_CAP_USD",
                                 "KEYBRAKE_UPSTREAM_STRIPE",
                                 "KEYBRAKE_UPSTREAM_TWILIO",
                                 "KEYBRAKE_UPSTREAM_RESEND",
                                 "KEYBRAKE_STRIPE_SECRET_KEY",
                                 "KEYBRAKE_TWILIO_ACCOUNT_SID",
                                 "KEYBRAKE_TWILIO_AUTH_TOKEN",
                                 "KEYBRAKE_RESEND_API_KEY",
                                 "KEYBRAKE_RESEND_EMAIL_USD",
                                 "KEYBRAKE_TWILIO_SEGMENT_CEILING_USD",
                                 "KEYBRAKE_FX_RATES",
                                 "KEYBRAKE_CONFIG",
                                 "KEYBRAKE_UPSTREAM_TIMEOUT_MS",
                                 "KEYBRAKE_SHUTDOWN_GRACE_S",
                                 "KEYBRAKE_TWILIO_CALL_CEILING_USD",
                                 "--config",
                                 "--test-clock",
                                 "admin-keys create"})
        QVERIFY2(run.out.contains(variable), variable);
    // Every variable it lists is one the server accepts in a config file.
    const QRegularExpression name(QStringLiteral("KEYBRAKE_[A-Z_]+[A-Z]"));
    QSet<QString> listed;
    for (auto it = name.globalMatch(QString::fromUtf8(run.out)); it.hasNext();)
        listed.insert(it.next().captured(0));
    QVERIFY(listed.size() >= 25);
    listed.remove(QStringLiteral("KEYBRAKE_CONFIG"));
    for (const QString &variable : listed) {
        // An unknown name fails with "unknown setting"; a known one at worst with its value.
        const QString file = m_dir.filePath(QStringLiteral("probe.conf"));
        QVERIFY(writeFile(file, variable.toUtf8() + "=\n"));
        const Run probe =
            runKeybraked({QStringLiteral("--config"), file, QStringLiteral("--help")});
        QVERIFY2(!probe.err.contains("unknown setting"), qPrintable(variable));
    }
}

void TestLifecycle::badConfigurationIsNamed_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QMap<QString, QString>>("environment");
    QTest::addColumn<QByteArray>("file"); // written to a config file passed with --config
    QTest::addColumn<QByteArray>("named");
    QTest::addColumn<QByteArray>("notEchoed");
    using Env = QMap<QString, QString>;
    const auto flag = [](const char *name, const char *value) {
        return QStringList {QString::fromLatin1(name), QString::fromLatin1(value)};
    };
    QTest::newRow("cap flag") << flag("--max-daily-cap-usd", "-5") << Env {} << QByteArray()
                              << QByteArray("KEYBRAKE_MAX_DAILY_CAP_USD") << QByteArray();
    QTest::newRow("cap variable") << QStringList {}
                                  << Env {{QStringLiteral("KEYBRAKE_MAX_DAILY_CAP_USD"),
                                           QStringLiteral("lots")}}
                                  << QByteArray() << QByteArray("KEYBRAKE_MAX_DAILY_CAP_USD")
                                  << QByteArray();
    QTest::newRow("cap in the file, line 3")
        << QStringList {} << Env {} << QByteArray("# settings\n\nKEYBRAKE_MAX_DAILY_CAP_USD=0\n")
        << QByteArray(":3: KEYBRAKE_MAX_DAILY_CAP_USD") << QByteArray();
    QTest::newRow("listen") << flag("--listen", "nonsense") << Env {} << QByteArray()
                            << QByteArray("KEYBRAKE_LISTEN") << QByteArray();
    QTest::newRow("admin listen") << flag("--admin-listen", "127.0.0.1:99999") << Env {}
                                  << QByteArray() << QByteArray("KEYBRAKE_ADMIN_LISTEN")
                                  << QByteArray();
    QTest::newRow("upstream timeout")
        << flag("--upstream-timeout-ms", "abc") << Env {} << QByteArray()
        << QByteArray("KEYBRAKE_UPSTREAM_TIMEOUT_MS") << QByteArray();
    QTest::newRow("fx rates") << flag("--fx-rates", "eur") << Env {} << QByteArray()
                              << QByteArray("KEYBRAKE_FX_RATES") << QByteArray();
    QTest::newRow("time zone") << flag("--spend-timezone", "Mars/Olympus_Mons") << Env {}
                               << QByteArray() << QByteArray("KEYBRAKE_SPEND_TIMEZONE")
                               << QByteArray();
    QTest::newRow("upstream URL") << QStringList {}
                                  << Env {{QStringLiteral("KEYBRAKE_UPSTREAM_STRIPE"),
                                           QStringLiteral("ftp://x")}}
                                  << QByteArray() << QByteArray("KEYBRAKE_UPSTREAM_STRIPE")
                                  << QByteArray();
    QTest::newRow("store kind") << flag("--store", "mysql://db") << Env {} << QByteArray()
                                << QByteArray("KEYBRAKE_STORE") << QByteArray();
    QTest::newRow("store path") << flag("--store", "sqlite:/nonexistent/keybrake/x.db") << Env {}
                                << QByteArray() << QByteArray("/nonexistent/keybrake/x.db")
                                << QByteArray();
    QTest::newRow("bootstrap key") << QStringList {}
                                   << Env {{QStringLiteral("KEYBRAKE_BOOTSTRAP_ADMIN_KEY"),
                                            QStringLiteral("kb_tooShortSecret")}}
                                   << QByteArray() << QByteArray("KEYBRAKE_BOOTSTRAP_ADMIN_KEY")
                                   << QByteArray("kb_tooShortSecret");
    QTest::newRow("log level") << flag("--log-level", "loud") << Env {} << QByteArray()
                               << QByteArray("KEYBRAKE_LOG_LEVEL") << QByteArray();
    QTest::newRow("threads") << flag("--threads", "9999") << Env {} << QByteArray()
                             << QByteArray("KEYBRAKE_THREADS") << QByteArray();
    QTest::newRow("unknown flag") << QStringList {QStringLiteral("--colour")} << Env {}
                                  << QByteArray() << QByteArray("--colour") << QByteArray();
    QTest::newRow("flag without value") << QStringList {QStringLiteral("--fx-rates")} << Env {}
                                        << QByteArray() << QByteArray("--fx-rates") << QByteArray();
    QTest::newRow("test clock off loopback")
        << QStringList {QStringLiteral("--listen"), QStringLiteral("0.0.0.0:0"),
                        QStringLiteral("--test-clock")}
        << Env {} << QByteArray() << QByteArray("--test-clock") << QByteArray();
    QTest::newRow("missing config file")
        << QStringList {QStringLiteral("--config"), QStringLiteral("/nonexistent/keybrake.conf")}
        << Env {} << QByteArray() << QByteArray("/nonexistent/keybrake.conf") << QByteArray();
    QTest::newRow("unknown setting in the file")
        << QStringList {} << Env {} << QByteArray("KEYBRAKE_COLOUR=blue\n")
        << QByteArray(":1: unknown setting \"KEYBRAKE_COLOUR\"") << QByteArray();
    // A line that forgot its '=' must not print the secret that follows the name.
    QTest::newRow("secret line without =")
        << QStringList {} << Env {}
        << QByteArray(
               "KEYBRAKE_LISTEN=127.0.0.1:0\nKEYBRAKE_STRIPE_SECRET_KEY sk_live_doNotPrintMe42\n")
        << QByteArray(":2:") << QByteArray("sk_live_doNotPrintMe42");
}

void TestLifecycle::badConfigurationIsNamed()
{
    QFETCH(QStringList, arguments);
    using Env = QMap<QString, QString>;
    QFETCH(Env, environment);
    QFETCH(QByteArray, file);
    QFETCH(QByteArray, named);
    QFETCH(QByteArray, notEchoed);
    QTemporaryDir dir;
    QStringList all {QStringLiteral("--store"),
                     QStringLiteral("sqlite:") + dir.filePath(QStringLiteral("k.db")),
                     QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0")};
    if (!file.isNull()) {
        const QString path = dir.filePath(QStringLiteral("keybraked.conf"));
        QVERIFY(writeFile(path, file));
        all << QStringLiteral("--config") << path;
    }
    all += arguments;
    const Run run = runKeybraked(all, environment);
    QVERIFY2(run.exited, "keybraked kept running with a bad setting");
    QVERIFY(run.exitCode != 0);
    QVERIFY(!run.out.contains("listening on"));
    // The last thing it says is one sentence that names what is wrong. (A failure after the
    // store opened may follow the notice that the first admin key was created.)
    const QByteArray last = run.err.trimmed().split('\n').constLast();
    QVERIFY2(last.startsWith("keybraked: "), run.err.constData());
    QVERIFY2(last.contains(named), run.err.constData());
    if (!notEchoed.isEmpty())
        QVERIFY2(!run.err.contains(notEchoed) && !run.out.contains(notEchoed),
                 "a secret was echoed");
}

void TestLifecycle::configFileAndPrecedence()
{
    const QString file = m_dir.filePath(QStringLiteral("precedence.conf"));
    QVERIFY(writeFile(file,
                      "# keybraked settings\n"
                      "KEYBRAKE_MAX_DAILY_CAP_USD = 100\n"
                      "\n"
                      "KEYBRAKE_SPEND_TIMEZONE=\"Europe/Paris\"\n"
                      "KEYBRAKE_FX_RATES='eur=1.25'\n"));
    struct Case
    {
        const char *name;
        bool flagConfig; // --config FILE, or KEYBRAKE_CONFIG=FILE
        QString envCap;
        QString flagCap;
        double expectedCap;
    };
    for (const Case &c : {Case {"file only", true, {}, {}, 100},
                          Case {"file through KEYBRAKE_CONFIG", false, {}, {}, 100},
                          Case {"environment over file", true, QStringLiteral("200"), {}, 200},
                          Case {"flag over environment and file", true, QStringLiteral("200"),
                                QStringLiteral("300"), 300},
                          Case {"flag over file", false, {}, QStringLiteral("300"), 300}}) {
        TestServer::Options options;
        options.startSim = false;
        if (c.flagConfig)
            options.serverArgs << QStringLiteral("--config") << file;
        else
            options.serverEnv.insert(QStringLiteral("KEYBRAKE_CONFIG"), file);
        if (!c.envCap.isEmpty())
            options.serverEnv.insert(QStringLiteral("KEYBRAKE_MAX_DAILY_CAP_USD"), c.envCap);
        if (!c.flagCap.isEmpty())
            options.serverArgs << QStringLiteral("--max-daily-cap-usd") << c.flagCap;
        TestServer server(options);
        QVERIFY2(server.start(), qPrintable(QLatin1String(c.name) + server.errorString()));
        const HttpResult whoami = server.admin("GET", QStringLiteral("/v1/whoami"));
        QVERIFY2(whoami.json.value(QStringLiteral("max_daily_usd_cap")).toDouble() == c.expectedCap,
                 c.name);
        // The file's other settings hold whatever overrides the cap.
        QCOMPARE(whoami.json.value(QStringLiteral("spend_timezone")).toString(),
                 QStringLiteral("Europe/Paris"));
        // The effective maximum is enforced, not just reported.
        QJsonObject over = policy(QStringLiteral("stripe"), QStringLiteral("charges.create"),
                                  c.expectedCap + 1, QStringLiteral("tests/lifecycle/cap"));
        const HttpResult refused = server.admin("POST", QStringLiteral("/v1/keys"), over);
        QVERIFY2(refused.status == 422, c.name);
        QCOMPARE(refused.json.value(QStringLiteral("field")).toString(),
                 QStringLiteral("daily_usd_cap"));
        over.insert(QStringLiteral("daily_usd_cap"), c.expectedCap);
        QVERIFY2(server.admin("POST", QStringLiteral("/v1/keys"), over).status == 201, c.name);
    }
}

void TestLifecycle::vendorCredentialsFromConfigFile()
{
    // No credential in the environment: they come from a 0600 file only.
    const QString file = m_dir.filePath(QStringLiteral("credentials.conf"));
    QVERIFY(writeFile(file,
                      "KEYBRAKE_STRIPE_SECRET_KEY=" + QByteArray(kStripeSecret)
                          + "\n"
                            "KEYBRAKE_TWILIO_ACCOUNT_SID="
                          + QByteArray(kTwilioSid)
                          + "\n"
                            "KEYBRAKE_TWILIO_AUTH_TOKEN="
                          + QByteArray(kTwilioToken)
                          + "\n"
                            "KEYBRAKE_RESEND_API_KEY="
                          + QByteArray(kResendKey) + "\n"));
    QVERIFY(QFile::setPermissions(file, QFileDevice::ReadOwner | QFileDevice::WriteOwner));
    TestServer::Options options;
    options.serverArgs << QStringLiteral("--config") << file;
    options.unsetEnv << QStringLiteral("KEYBRAKE_STRIPE_SECRET_KEY")
                     << QStringLiteral("KEYBRAKE_TWILIO_ACCOUNT_SID")
                     << QStringLiteral("KEYBRAKE_TWILIO_AUTH_TOKEN")
                     << QStringLiteral("KEYBRAKE_RESEND_API_KEY");
    TestServer server(options);
    QVERIFY2(server.start(), qPrintable(server.errorString()));
    for (const auto &value : server.admin("GET", QStringLiteral("/v1/vendors"))
                                 .json.value(QStringLiteral("data"))
                                 .toArray())
        QVERIFY(value[QStringLiteral("credential_configured")].toBool());
    const QString secret =
        server
            .issueKey(policy(QStringLiteral("stripe"), QStringLiteral("charges.create"), 5,
                             QStringLiteral("tests/lifecycle/file-credentials")))
            .value(QStringLiteral("vault_key"))
            .toString();
    server.resetSim();
    QCOMPARE(server.proxy("POST", QStringLiteral("/stripe/v1/charges"), stripeCharge(100), secret)
                 .status,
             200);
    const QList<QJsonObject> seen = server.simRequests(1);
    QCOMPARE(seen.size(), 1);
    QCOMPARE(seen.first().value(QStringLiteral("credential_ok")).toBool(), true);

    // Without any credential the vendor is reported unconfigured and calls are refused, not sent.
    TestServer::Options bare;
    bare.unsetEnv = options.unsetEnv;
    TestServer unconfigured(bare);
    QVERIFY2(unconfigured.start(), qPrintable(unconfigured.errorString()));
    const QString orphan =
        unconfigured
            .issueKey(policy(QStringLiteral("stripe"), QStringLiteral("charges.create"), 5,
                             QStringLiteral("tests/lifecycle/no-credentials")))
            .value(QStringLiteral("vault_key"))
            .toString();
    const HttpResult refused =
        unconfigured.proxy("POST", QStringLiteral("/stripe/v1/charges"), stripeCharge(100), orphan);
    QCOMPARE(refused.status, 503);
    QCOMPARE(refused.json.value(QStringLiteral("code")).toString(),
             QStringLiteral("vendor_not_configured"));
    QCOMPARE(unconfigured.simStats().value(QStringLiteral("requests_total")).toInt(), 0);
}

QTEST_GUILESS_MAIN(TestLifecycle)
#include "tst_lifecycle.moc"
