// Every admin route against every kind of caller: no key, garbage, a vault key, a revoked admin
// key, and each of the four roles. Below its role a caller gets 401 unauthenticated or 403
// forbidden (with required_role) and changes nothing; at or above it, the route works. The
// /vault/keys aliases must answer exactly as /v1/keys does.
#include "auditreader.h"
#include "testserver.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QtTest>

using namespace keybrake::test;

namespace {

// 0: no authentication at all (health and metrics).
enum Role { None = 0, Viewer = 1, Issuer = 2, Operator = 3, Admin = 4 };

struct AdminRoute
{
    QByteArray method;
    QString path; // {key}: a vault key id, {admin}: a fresh admin key id to revoke
    Role role;
    QByteArray body;
    int success;
    bool mutates;
};

QString roleName(int role)
{
    static const char *names[] = {"none", "viewer", "issuer", "operator", "admin"};
    return QString::fromLatin1(names[role]);
}

QByteArray issueBody(const QString &label)
{
    return QJsonDocument(QJsonObject {{QStringLiteral("vendor"), QStringLiteral("stripe")},
                                      {QStringLiteral("daily_usd_cap"), 5},
                                      {QStringLiteral("allowed_endpoints"),
                                       QJsonArray {QStringLiteral("charges.create")}},
                                      {QStringLiteral("expires_in"), QStringLiteral("1h")},
                                      {QStringLiteral("agent_run_label"), label}})
        .toJson(QJsonDocument::Compact);
}

QList<AdminRoute> routes()
{
    const QByteArray issue = issueBody(QStringLiteral("tests/roles/issued"));
    const QByteArray bulk = R"({"key_ids":["{key}"]})";
    return {
        {"GET", QStringLiteral("/v1/whoami"), Viewer, {}, 200, false},
        {"GET", QStringLiteral("/v1/vendors"), Viewer, {}, 200, false},
        {"POST", QStringLiteral("/v1/keys"), Issuer, issue, 201, true},
        {"GET", QStringLiteral("/v1/keys"), Viewer, {}, 200, false},
        {"GET", QStringLiteral("/v1/keys/{key}"), Viewer, {}, 200, false},
        {"DELETE", QStringLiteral("/v1/keys/{key}"), Operator, {}, 200, true},
        {"POST", QStringLiteral("/v1/keys/revoke"), Operator, bulk, 200, true},
        {"GET", QStringLiteral("/v1/audit"), Viewer, {}, 200, false},
        {"GET", QStringLiteral("/v1/stats/today"), Viewer, {}, 200, false},
        {"GET", QStringLiteral("/v1/admin-keys"), Admin, {}, 200, false},
        {"POST", QStringLiteral("/v1/admin-keys"), Admin, R"({"name":"made","role":"viewer"})", 201,
         true},
        {"DELETE", QStringLiteral("/v1/admin-keys/{admin}"), Admin, {}, 200, true},
        {"POST", QStringLiteral("/v1/test/clock"), Admin, R"({"advance":"1s"})", 200, true},
        // The aliases.
        {"POST", QStringLiteral("/vault/keys"), Issuer, issue, 201, true},
        {"GET", QStringLiteral("/vault/keys"), Viewer, {}, 200, false},
        {"GET", QStringLiteral("/vault/keys/{key}"), Viewer, {}, 200, false},
        {"DELETE", QStringLiteral("/vault/keys/{key}"), Operator, {}, 200, true},
        {"POST", QStringLiteral("/vault/keys/revoke"), Operator, bulk, 200, true},
        // No authentication.
        {"GET", QStringLiteral("/healthz"), None, {}, 200, false},
        {"GET", QStringLiteral("/metrics"), None, {}, 200, false},
    };
}

// How a caller presents itself, and which role that gives it (0: none at all).
struct Caller
{
    QString name;
    int role;
};

const QList<Caller> &callers()
{
    static const QList<Caller> list = {
        {QStringLiteral("no key"), 0},        {QStringLiteral("garbage"), 0},
        {QStringLiteral("unknown kb_"), 0},   {QStringLiteral("vault key"), 0},
        {QStringLiteral("revoked admin"), 0}, {QStringLiteral("viewer"), Viewer},
        {QStringLiteral("issuer"), Issuer},   {QStringLiteral("operator"), Operator},
        {QStringLiteral("admin"), Admin},
    };
    return list;
}

} // namespace

Q_DECLARE_METATYPE(AdminRoute)

class TestAdminRoles : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void everyRouteForEveryCaller_data();
    void everyRouteForEveryCaller();
    void aliasesAnswerIdentically();
    void notFoundAndMethodNotAllowed();

private:
    QString authorizationFor(const QString &caller) const;
    int adminAuditRows();
    int keyCount();
    int adminKeyCount();

    std::unique_ptr<TestServer> m_server;
    QMap<QString, QString> m_secrets; // caller name -> secret
    QString m_keyId;
};

void TestAdminRoles::initTestCase()
{
    TestServer::Options options;
    options.testClock = true; // so POST /v1/test/clock is a route to check too
    m_server = std::make_unique<TestServer>(options);
    QVERIFY2(m_server->start(), qPrintable(m_server->errorString()));
    for (const QString &role :
         {QStringLiteral("viewer"), QStringLiteral("issuer"), QStringLiteral("operator")}) {
        m_secrets.insert(role, m_server->createAdminKey(role, role));
        QVERIFY(!m_secrets.value(role).isEmpty());
    }
    m_secrets.insert(QStringLiteral("admin"), m_server->adminKey());
    const HttpResult revokedKey =
        m_server->admin("POST", QStringLiteral("/v1/admin-keys"),
                        {{QStringLiteral("name"), QStringLiteral("gone")},
                         {QStringLiteral("role"), QStringLiteral("admin")}});
    QCOMPARE(revokedKey.status, 201);
    QCOMPARE(m_server
                 ->admin("DELETE",
                         QStringLiteral("/v1/admin-keys/")
                             + revokedKey.json.value(QStringLiteral("id")).toString())
                 .status,
             200);
    m_secrets.insert(QStringLiteral("revoked admin"),
                     revokedKey.json.value(QStringLiteral("api_key")).toString());
    const QJsonObject vaultKey = m_server->issueKey(
        QJsonDocument::fromJson(issueBody(QStringLiteral("tests/roles/target"))).object());
    QVERIFY(!vaultKey.isEmpty());
    m_keyId = vaultKey.value(QStringLiteral("key_id")).toString();
    m_secrets.insert(QStringLiteral("vault key"),
                     vaultKey.value(QStringLiteral("vault_key")).toString());
}

QString TestAdminRoles::authorizationFor(const QString &caller) const
{
    if (caller == QLatin1String("no key"))
        return {};
    if (caller == QLatin1String("garbage"))
        return QStringLiteral("not-a-key");
    if (caller == QLatin1String("unknown kb_"))
        return QStringLiteral("kb_") + QString(44, QLatin1Char('Z'));
    return m_secrets.value(caller);
}

int TestAdminRoles::adminAuditRows()
{
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("kind"), QStringLiteral("admin"));
    return readAudit(*m_server, query).size();
}

int TestAdminRoles::keyCount()
{
    return m_server->admin("GET", QStringLiteral("/v1/keys?limit=1000"))
        .json.value(QStringLiteral("data"))
        .toArray()
        .size();
}

int TestAdminRoles::adminKeyCount()
{
    return m_server->admin("GET", QStringLiteral("/v1/admin-keys"))
        .json.value(QStringLiteral("data"))
        .toArray()
        .size();
}

void TestAdminRoles::everyRouteForEveryCaller_data()
{
    QTest::addColumn<AdminRoute>("route");
    QTest::addColumn<QString>("caller");
    QTest::addColumn<int>("callerRole");
    for (const AdminRoute &route : routes()) {
        for (const Caller &caller : callers()) {
            QTest::newRow(
                qPrintable(QStringLiteral("%1 %2 as %3")
                               .arg(QString::fromLatin1(route.method), route.path, caller.name)))
                << route << caller.name << caller.role;
        }
    }
}

void TestAdminRoles::everyRouteForEveryCaller()
{
    QFETCH(AdminRoute, route);
    QFETCH(QString, caller);
    QFETCH(int, callerRole);

    QString path = route.path;
    QByteArray body = route.body;
    path.replace(QStringLiteral("{key}"), m_keyId);
    body.replace("{key}", m_keyId.toUtf8());
    if (path.contains(QStringLiteral("{admin}"))) {
        const HttpResult target =
            m_server->admin("POST", QStringLiteral("/v1/admin-keys"),
                            {{QStringLiteral("name"), QStringLiteral("t")},
                             {QStringLiteral("role"), QStringLiteral("viewer")}});
        QCOMPARE(target.status, 201);
        path.replace(QStringLiteral("{admin}"), target.json.value(QStringLiteral("id")).toString());
    }

    const int auditBefore = route.mutates ? adminAuditRows() : 0;
    const int keysBefore = route.mutates ? keyCount() : 0;
    const int adminKeysBefore = route.mutates ? adminKeyCount() : 0;

    const HttpResult result = m_server->request(route.method, path, body, authorizationFor(caller));
    QVERIFY(!result.header("x-request-id").isEmpty());

    const bool authenticated = callerRole > 0;
    if (route.role == None || (authenticated && callerRole >= route.role)) {
        QVERIFY2(result.status == route.success,
                 qPrintable(QString::number(result.status) + QLatin1Char(' ')
                            + QString::fromUtf8(result.body)));
        return;
    }
    if (!authenticated) {
        QCOMPARE(result.status, 401);
        QCOMPARE(result.json.value(QStringLiteral("code")).toString(),
                 QStringLiteral("unauthenticated"));
        QVERIFY(result.header("www-authenticate").startsWith("Bearer"));
    } else {
        QCOMPARE(result.status, 403);
        QCOMPARE(result.json.value(QStringLiteral("code")).toString(), QStringLiteral("forbidden"));
        QCOMPARE(result.json.value(QStringLiteral("required_role")).toString(),
                 roleName(route.role));
    }
    // A flat admin error: a human sentence in "error".
    QVERIFY(result.json.value(QStringLiteral("error")).isString());
    QVERIFY(!result.json.value(QStringLiteral("error")).toString().isEmpty());
    QVERIFY(result.header("content-type").startsWith("application/json"));
    if (route.mutates) {
        QCOMPARE(adminAuditRows(), auditBefore);
        QCOMPARE(keyCount(), keysBefore);
        QCOMPARE(adminKeyCount(), adminKeysBefore);
    }
}

void TestAdminRoles::aliasesAnswerIdentically()
{
    const QString viewer = m_secrets.value(QStringLiteral("viewer"));
    // Reads: the same body, byte for byte.
    const QList<std::pair<QString, QString>> reads = {
        {QStringLiteral("/v1/keys?limit=5"), QStringLiteral("/vault/keys?limit=5")},
        {QStringLiteral("/v1/keys/") + m_keyId, QStringLiteral("/vault/keys/") + m_keyId},
        {QStringLiteral("/v1/keys/vk_aaaaaaaaaaaaaaaaaaaaaaaa"),
         QStringLiteral("/vault/keys/vk_aaaaaaaaaaaaaaaaaaaaaaaa")},
        {QStringLiteral("/v1/keys?status=bogus"), QStringLiteral("/vault/keys?status=bogus")}};
    for (const auto &[canonical, alias] : reads) {
        const HttpResult a = m_server->request("GET", canonical, {}, viewer);
        const HttpResult b = m_server->request("GET", alias, {}, viewer);
        QCOMPARE(b.status, a.status);
        QCOMPARE(b.body, a.body);
    }
    // Writes: the same answers for the same requests.
    const QString admin = m_server->adminKey();
    const QByteArray invalid = R"({"vendor":"stripe","daily_usd_cap":-1})";
    const HttpResult a = m_server->request("POST", QStringLiteral("/v1/keys"), invalid, admin);
    const HttpResult b = m_server->request("POST", QStringLiteral("/vault/keys"), invalid, admin);
    QCOMPARE(a.status, 422);
    QCOMPARE(b.status, a.status);
    QCOMPARE(b.body, a.body);
    const HttpResult issuedViaAlias =
        m_server->request("POST", QStringLiteral("/vault/keys"),
                          issueBody(QStringLiteral("tests/roles/alias")), admin);
    QCOMPARE(issuedViaAlias.status, 201);
    const QString aliasKey = issuedViaAlias.json.value(QStringLiteral("key_id")).toString();
    QCOMPARE(m_server->request("GET", QStringLiteral("/v1/keys/") + aliasKey, {}, viewer).status,
             200);
    const HttpResult revoked =
        m_server->request("DELETE", QStringLiteral("/vault/keys/") + aliasKey, {}, admin);
    const HttpResult revokedAgain =
        m_server->request("DELETE", QStringLiteral("/v1/keys/") + aliasKey, {}, admin);
    QCOMPARE(revoked.status, 200);
    QCOMPARE(revokedAgain.json.value(QStringLiteral("revoked_at")),
             revoked.json.value(QStringLiteral("revoked_at")));
    // A trailing slash is the same route.
    QCOMPARE(m_server->request("GET", QStringLiteral("/vault/keys/"), {}, viewer).status, 200);
}

void TestAdminRoles::notFoundAndMethodNotAllowed()
{
    const QString admin = m_server->adminKey();
    const auto checkError = [](const HttpResult &result, int status, const QString &code) {
        QCOMPARE(result.status, status);
        QCOMPARE(result.json.value(QStringLiteral("code")).toString(), code);
        QVERIFY(!result.json.value(QStringLiteral("error")).toString().isEmpty());
        QVERIFY(!result.header("x-request-id").isEmpty());
    };
    checkError(m_server->request("GET", QStringLiteral("/v1/nothing-here"), {}, admin), 404,
               QStringLiteral("not_found"));
    checkError(m_server->request("GET", QStringLiteral("/nothing-here")), 404,
               QStringLiteral("not_found"));
    checkError(
        m_server->request("GET", QStringLiteral("/v1/keys/vk_aaaaaaaaaaaaaaaaaaaaaaaa"), {}, admin),
        404, QStringLiteral("not_found"));
    checkError(m_server->request("GET", QStringLiteral("/v1/keys/not-an-id"), {}, admin), 404,
               QStringLiteral("not_found"));
    checkError(m_server->request("DELETE", QStringLiteral("/v1/keys/vk_aaaaaaaaaaaaaaaaaaaaaaaa"),
                                 {}, admin),
               404, QStringLiteral("not_found"));
    checkError(m_server->request("DELETE",
                                 QStringLiteral("/v1/admin-keys/ak_aaaaaaaaaaaaaaaaaaaaaaaa"), {},
                                 admin),
               404, QStringLiteral("not_found"));
    // An unknown admin path still wants an admin key first: nothing about the API leaks.
    checkError(m_server->request("GET", QStringLiteral("/v1/nothing-here")), 401,
               QStringLiteral("unauthenticated"));

    const HttpResult put = m_server->request("PUT", QStringLiteral("/v1/keys"), "{}", admin);
    checkError(put, 405, QStringLiteral("method_not_allowed"));
    QList<QByteArray> allowed = put.header("allow").split(',');
    for (auto &method : allowed)
        method = method.trimmed();
    std::sort(allowed.begin(), allowed.end());
    QCOMPARE(allowed, QList<QByteArray>({"GET", "POST"}));
    const HttpResult patch =
        m_server->request("PATCH", QStringLiteral("/vault/keys/") + m_keyId, "{}", admin);
    checkError(patch, 405, QStringLiteral("method_not_allowed"));
    allowed = patch.header("allow").split(',');
    for (auto &method : allowed)
        method = method.trimmed();
    std::sort(allowed.begin(), allowed.end());
    QCOMPARE(allowed, QList<QByteArray>({"DELETE", "GET"}));
    checkError(m_server->request("POST", QStringLiteral("/v1/whoami"), "{}", admin), 405,
               QStringLiteral("method_not_allowed"));
    checkError(m_server->request("DELETE", QStringLiteral("/v1/audit"), {}, admin), 405,
               QStringLiteral("method_not_allowed"));
}

QTEST_GUILESS_MAIN(TestAdminRoles)
#include "tst_admin_roles.moc"
