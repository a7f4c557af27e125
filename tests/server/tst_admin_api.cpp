// The admin API as the console and scripts use it: list filters and cursor paging, one key,
// revocation (single, bulk, by label prefix with a dry run), the audit log's filters and paging,
// today's stats, admin keys, whoami, vendors, health and metrics.
#include "auditreader.h"
#include "testserver.h"

#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QSet>
#include <QtTest>

using namespace keybrake::test;

namespace {

QJsonObject policy(const QString &vendor, const QString &endpoint, double cap, const QString &label,
                   const QString &expiresIn = QStringLiteral("1h"))
{
    return {{QStringLiteral("vendor"), vendor},
            {QStringLiteral("daily_usd_cap"), cap},
            {QStringLiteral("allowed_endpoints"), QJsonArray {endpoint}},
            {QStringLiteral("expires_in"), expiresIn},
            {QStringLiteral("agent_run_label"), label}};
}

QString encoded(const QString &text)
{
    return QString::fromLatin1(QUrl::toPercentEncoding(text));
}

QString twilioMessages()
{
    return QStringLiteral("/twilio/2010-04-01/Accounts/%1/Messages.json")
        .arg(QString::fromLatin1(kTwilioSid));
}

// The value of one sample line of a Prometheus text exposition, -1 when absent.
double sample(const QByteArray &metrics, const QByteArray &series)
{
    for (const QByteArray &line : metrics.split('\n')) {
        if (line.startsWith(QByteArray(series + ' ')))
            return line.mid(series.size() + 1).toDouble();
    }
    return -1;
}

} // namespace

class TestAdminApi : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void listFilters_data();
    void listFilters();
    void listRejectsBadQueries_data();
    void listRejectsBadQueries();
    void sortAndMinUtilisation();
    void cursorPagingOverHundredsOfKeys();
    void getOneKey();
    void revokeIsIdempotent();
    void bulkRevokeByIds();
    void bulkRevokeByPrefixWithDryRun();
    void recordAuditTraffic();
    void auditFilters_data();
    void auditFilters();
    void auditPagingAndShape();
    void statsToday();
    void adminKeys();
    void lastAdminKeyCannotBeRevoked();
    void whoamiAndVendors();
    void healthz();
    void metricsCountersMove();

private:
    // key_id of a new key; its secret goes to m_secrets.
    QString issue(const QJsonObject &keyPolicy);
    QStringList listIds(const QString &query);
    QStringList auditIds(const QString &query);
    int adminAuditCount();

    std::unique_ptr<TestServer> m_server;
    QMap<QString, QString> m_secrets; // key_id -> vault key
    QMap<QString, QString> m_filterKeys; // role in listFilters -> key_id
    QMap<QString, QString> m_auditKeys;
    QMap<QString, QString> m_auditTimes;
};

void TestAdminApi::initTestCase()
{
    TestServer::Options options;
    options.testClock = true;
    m_server = std::make_unique<TestServer>(options);
    QVERIFY2(m_server->start(), qPrintable(m_server->errorString()));
    QVERIFY(m_server->setClock(QStringLiteral("2026-11-28T10:00:00.000Z")));

    // The population listFilters queries.
    QJsonObject zeta = policy(QStringLiteral("stripe"), QStringLiteral("charges.create"), 50,
                              QStringLiteral("filters/stripe-active"));
    zeta.insert(QStringLiteral("name"), QStringLiteral("Billing Agent Zeta"));
    m_filterKeys.insert(QStringLiteral("stripe-active"), issue(zeta));
    m_filterKeys.insert(QStringLiteral("twilio-active"),
                        issue(policy(QStringLiteral("twilio"), QStringLiteral("messages.create"), 5,
                                     QStringLiteral("filters/twilio-active"))));
    m_filterKeys.insert(QStringLiteral("resend-revoked"),
                        issue(policy(QStringLiteral("resend"), QStringLiteral("emails.send"), 5,
                                     QStringLiteral("filters/resend-revoked"))));
    m_filterKeys.insert(QStringLiteral("stripe-capped"),
                        issue(policy(QStringLiteral("stripe"), QStringLiteral("charges.create"), 1,
                                     QStringLiteral("filters/stripe-capped"))));
    m_filterKeys.insert(
        QStringLiteral("stripe-expired"),
        issue(policy(QStringLiteral("stripe"), QStringLiteral("charges.create"), 5,
                     QStringLiteral("filters/stripe-expired"), QStringLiteral("60s"))));
    for (const QString &label : {QStringLiteral("pct/100%/a"), QStringLiteral("pct/100x/b"),
                                 QStringLiteral("us_er/1"), QStringLiteral("usXer/1")})
        m_filterKeys.insert(
            label,
            issue(policy(QStringLiteral("stripe"), QStringLiteral("charges.create"), 5, label)));
    QCOMPARE(m_server
                 ->admin("DELETE",
                         QStringLiteral("/v1/keys/")
                             + m_filterKeys.value(QStringLiteral("resend-revoked")))
                 .status,
             200);
    QCOMPARE(m_server
                 ->proxy("POST", QStringLiteral("/stripe/v1/charges"), stripeCharge(100),
                         m_secrets.value(m_filterKeys.value(QStringLiteral("stripe-capped"))))
                 .status,
             200);
    QVERIFY(m_server->advanceClock(QStringLiteral("61s")));
}

QString TestAdminApi::issue(const QJsonObject &keyPolicy)
{
    const QJsonObject key = m_server->issueKey(keyPolicy);
    const QString keyId = key.value(QStringLiteral("key_id")).toString();
    m_secrets.insert(keyId, key.value(QStringLiteral("vault_key")).toString());
    return keyId;
}

QStringList TestAdminApi::listIds(const QString &query)
{
    const HttpResult result = m_server->admin("GET", QStringLiteral("/v1/keys?") + query);
    if (result.status != 200) {
        qWarning("GET /v1/keys?%s: %d %s", qPrintable(query), result.status,
                 result.body.constData());
        return {QStringLiteral("<error>")};
    }
    QStringList ids;
    for (const auto &value : result.json.value(QStringLiteral("data")).toArray())
        ids << value[QStringLiteral("key_id")].toString();
    return ids;
}

QStringList TestAdminApi::auditIds(const QString &query)
{
    QStringList ids;
    for (const auto &row : readAudit(*m_server, QUrlQuery(query)))
        ids << row.value(QStringLiteral("id")).toString();
    return ids;
}

int TestAdminApi::adminAuditCount()
{
    return readAudit(*m_server, QUrlQuery(QStringLiteral("kind=admin"))).size();
}

void TestAdminApi::listFilters_data()
{
    QTest::addColumn<QString>("query");
    QTest::addColumn<QStringList>("expected"); // keys of m_filterKeys
    QTest::addColumn<QString>("status"); // every listed key shows it, when set
    QTest::newRow("active") << QStringLiteral("status=active&label_prefix=filters/")
                            << QStringList {QStringLiteral("stripe-active"),
                                            QStringLiteral("twilio-active")}
                            << QStringLiteral("active");
    QTest::newRow("revoked") << QStringLiteral("status=revoked&label_prefix=filters/")
                             << QStringList {QStringLiteral("resend-revoked")}
                             << QStringLiteral("revoked");
    QTest::newRow("capped") << QStringLiteral("status=capped&label_prefix=filters/")
                            << QStringList {QStringLiteral("stripe-capped")}
                            << QStringLiteral("capped");
    QTest::newRow("expired") << QStringLiteral("status=expired&label_prefix=filters/")
                             << QStringList {QStringLiteral("stripe-expired")}
                             << QStringLiteral("expired");
    QTest::newRow("vendor twilio") << QStringLiteral("vendor=twilio&label_prefix=filters/")
                                   << QStringList {QStringLiteral("twilio-active")} << QString();
    QTest::newRow("vendor stripe")
        << QStringLiteral("vendor=stripe&label_prefix=filters/")
        << QStringList {QStringLiteral("stripe-active"), QStringLiteral("stripe-capped"),
                        QStringLiteral("stripe-expired")}
        << QString();
    QTest::newRow("status and vendor")
        << QStringLiteral("status=active&vendor=stripe&label_prefix=filters/")
        << QStringList {QStringLiteral("stripe-active")} << QStringLiteral("active");
    QTest::newRow("label_prefix with a literal %")
        << QStringLiteral("label_prefix=") + encoded(QStringLiteral("pct/100%"))
        << QStringList {QStringLiteral("pct/100%/a")} << QString();
    QTest::newRow("label_prefix with a literal _")
        << QStringLiteral("label_prefix=") + encoded(QStringLiteral("us_"))
        << QStringList {QStringLiteral("us_er/1")} << QString();
    QTest::newRow("q in the name, any case")
        << QStringLiteral("q=zETA") << QStringList {QStringLiteral("stripe-active")} << QString();
    QTest::newRow("q in the label") << QStringLiteral("q=") + encoded(QStringLiteral("TWILIO-act"))
                                    << QStringList {QStringLiteral("twilio-active")} << QString();
    QTest::newRow("q with a literal %") << QStringLiteral("q=") + encoded(QStringLiteral("100%"))
                                        << QStringList {QStringLiteral("pct/100%/a")} << QString();
    QTest::newRow("q with a literal _") << QStringLiteral("q=") + encoded(QStringLiteral("s_e"))
                                        << QStringList {QStringLiteral("us_er/1")} << QString();
    QTest::newRow("nothing matches")
        << QStringLiteral("label_prefix=nobody/") << QStringList {} << QString();
}

void TestAdminApi::listFilters()
{
    QFETCH(QString, query);
    QFETCH(QStringList, expected);
    QFETCH(QString, status);
    const HttpResult result = m_server->admin("GET", QStringLiteral("/v1/keys?") + query);
    QCOMPARE(result.status, 200);
    QSet<QString> ids;
    for (const auto &value : result.json.value(QStringLiteral("data")).toArray()) {
        ids.insert(value[QStringLiteral("key_id")].toString());
        if (!status.isEmpty())
            QCOMPARE(value[QStringLiteral("status")].toString(), status);
    }
    QSet<QString> wanted;
    for (const QString &name : expected)
        wanted.insert(m_filterKeys.value(name));
    QCOMPARE(ids, wanted);
    QVERIFY(result.json.value(QStringLiteral("next_cursor")).isNull());
}

void TestAdminApi::listRejectsBadQueries_data()
{
    QTest::addColumn<QString>("query");
    QTest::addColumn<QString>("field");
    QTest::newRow("status") << QStringLiteral("status=sleeping") << QStringLiteral("status");
    QTest::newRow("vendor") << QStringLiteral("vendor=paypal") << QStringLiteral("vendor");
    QTest::newRow("limit 0") << QStringLiteral("limit=0") << QStringLiteral("limit");
    QTest::newRow("limit 1001") << QStringLiteral("limit=1001") << QStringLiteral("limit");
    QTest::newRow("limit text") << QStringLiteral("limit=ten") << QStringLiteral("limit");
    QTest::newRow("cursor") << QStringLiteral("cursor=not-a-cursor") << QStringLiteral("cursor");
    QTest::newRow("unknown") << QStringLiteral("colour=red") << QStringLiteral("colour");
    QTest::newRow("sort") << QStringLiteral("sort=cost") << QStringLiteral("sort");
    QTest::newRow("min_utilisation text")
        << QStringLiteral("min_utilisation=most") << QStringLiteral("min_utilisation");
    QTest::newRow("min_utilisation negative")
        << QStringLiteral("min_utilisation=-0.5") << QStringLiteral("min_utilisation");
    QTest::newRow("min_utilisation above 10")
        << QStringLiteral("min_utilisation=10.5") << QStringLiteral("min_utilisation");
    QTest::newRow("min_utilisation 7 decimals")
        << QStringLiteral("min_utilisation=0.1234567") << QStringLiteral("min_utilisation");
    QTest::newRow("min_utilisation dot")
        << QStringLiteral("min_utilisation=.8") << QStringLiteral("min_utilisation");
    QTest::newRow("ranked cursor")
        << QStringLiteral("sort=spend&cursor=not-a-cursor") << QStringLiteral("cursor");
}

void TestAdminApi::listRejectsBadQueries()
{
    QFETCH(QString, query);
    QFETCH(QString, field);
    const HttpResult result = m_server->admin("GET", QStringLiteral("/v1/keys?") + query);
    QCOMPARE(result.status, 422);
    QCOMPARE(result.json.value(QStringLiteral("code")).toString(), QStringLiteral("invalid_field"));
    QCOMPARE(result.json.value(QStringLiteral("field")).toString(), field);
}

void TestAdminApi::sortAndMinUtilisation()
{
    // Overview's "keys at or near their cap" and the keys table's sort come from the server,
    // whatever the console loaded (issue 13). Spend today (settled) and utilisation (spent +
    // held of the cap), highest first, ties newest first.
    struct Rank
    {
        const char *name;
        double cap;
        qint64 cents;
    };
    QHash<QString, QString> ids;
    for (const Rank &r : {Rank {"a", 10, 200}, Rank {"b", 10, 900}, Rank {"c", 100, 3000},
                          Rank {"d", 10, 800}, Rank {"e", 10, 0}}) {
        const QString id = issue(policy(QStringLiteral("stripe"), QStringLiteral("charges.create"),
                                        r.cap, QStringLiteral("rank/") + QLatin1String(r.name)));
        ids.insert(QLatin1String(r.name), id);
        if (r.cents > 0)
            QCOMPARE(m_server
                         ->proxy("POST", QStringLiteral("/stripe/v1/charges"),
                                 stripeCharge(r.cents), m_secrets.value(id))
                         .status,
                     200);
    }
    const auto named = [&](const QStringList &keyIds) {
        QStringList names;
        for (const QString &id : keyIds)
            names << ids.key(id, id);
        return names.join(u',');
    };
    const QString rank = QStringLiteral("label_prefix=rank/&");
    QCOMPARE(named(listIds(rank + QStringLiteral("sort=spend"))), QStringLiteral("c,b,d,a,e"));
    QCOMPARE(named(listIds(rank + QStringLiteral("sort=utilisation"))),
             QStringLiteral("b,d,c,a,e"));
    // The test clock stands still: issued in the same millisecond, "newest" has no order to
    // check here, only the members.
    const auto members = [&](const QString &query) {
        QStringList names = named(listIds(rank + query)).split(u',', Qt::SkipEmptyParts);
        names.sort();
        return names.join(u',');
    };
    QCOMPARE(members(QStringLiteral("sort=newest")), QStringLiteral("a,b,c,d,e"));
    // At or above 80 %: exactly at the floor counts.
    QCOMPARE(members(QStringLiteral("min_utilisation=0.8")), QStringLiteral("b,d"));
    QCOMPARE(named(listIds(rank + QStringLiteral("min_utilisation=0.8&sort=utilisation"))),
             QStringLiteral("b,d"));
    QCOMPARE(named(listIds(rank + QStringLiteral("min_utilisation=0.81"))), QStringLiteral("b"));
    QCOMPARE(named(listIds(rank + QStringLiteral("min_utilisation=1"))), QString());
    QCOMPARE(named(listIds(rank + QStringLiteral("min_utilisation=0&sort=spend"))),
             QStringLiteral("c,b,d,a,e"));
    // Paging a ranked list: positions, and the other filters still apply.
    QStringList paged;
    QString cursor;
    int pages = 0;
    do {
        const HttpResult page = m_server->admin(
            "GET",
            QStringLiteral("/v1/keys?label_prefix=rank/&sort=spend&limit=2")
                + (cursor.isEmpty() ? QString() : QStringLiteral("&cursor=") + cursor));
        QCOMPARE(page.status, 200);
        for (const auto &row : page.json.value(QStringLiteral("data")).toArray())
            paged << row[QStringLiteral("key_id")].toString();
        cursor = page.json.value(QStringLiteral("next_cursor")).toString();
        ++pages;
    } while (!cursor.isEmpty() && pages < 10);
    QCOMPARE(pages, 3);
    QCOMPARE(named(paged), QStringLiteral("c,b,d,a,e"));
    QCOMPARE(named(listIds(rank + QStringLiteral("sort=spend&vendor=twilio"))), QString());
}

void TestAdminApi::cursorPagingOverHundredsOfKeys()
{
    // 300 keys in six bursts of 50 created in the same millisecond: ties in created_at are the
    // case a cursor on time alone would get wrong.
    QSet<QString> issued;
    for (int burst = 0; burst < 6; ++burst) {
        for (int i = 0; i < 50; ++i) {
            const QString keyId =
                issue(policy(QStringLiteral("stripe"), QStringLiteral("charges.create"), 1,
                             QStringLiteral("page/%1-%2").arg(burst).arg(i)));
            QVERIFY(!keyId.isEmpty());
            issued.insert(keyId);
        }
        QVERIFY(m_server->advanceClock(QStringLiteral("1s")));
    }
    QCOMPARE(issued.size(), 300);

    QStringList seen;
    QString previousCreated;
    QString cursor;
    int pages = 0;
    do {
        QString query = QStringLiteral("/v1/keys?label_prefix=page/&limit=37");
        if (!cursor.isEmpty())
            query += QStringLiteral("&cursor=") + encoded(cursor);
        const HttpResult page = m_server->admin("GET", query);
        QCOMPARE(page.status, 200);
        const QJsonArray data = page.json.value(QStringLiteral("data")).toArray();
        QVERIFY(data.size() <= 37);
        for (const auto &value : data) {
            const QString created = value[QStringLiteral("created_at")].toString();
            // Newest first.
            if (!previousCreated.isEmpty())
                QVERIFY2(created <= previousCreated,
                         qPrintable(created + " after " + previousCreated));
            previousCreated = created;
            seen << value[QStringLiteral("key_id")].toString();
        }
        cursor = page.json.value(QStringLiteral("next_cursor")).toString();
        ++pages;
        QVERIFY(pages <= 20);
    } while (!cursor.isEmpty());
    QCOMPARE(pages, 9); // 8 x 37 + 4
    QCOMPARE(seen.size(), 300);
    const QSet<QString> unique(seen.begin(), seen.end());
    QCOMPARE(unique.size(), 300); // no duplicates
    QCOMPARE(unique, issued); // no gaps

    // The default page is 100, with a cursor; a page of 1000 holds them all.
    const HttpResult first = m_server->admin("GET", QStringLiteral("/v1/keys?label_prefix=page/"));
    QCOMPARE(first.json.value(QStringLiteral("data")).toArray().size(), 100);
    QVERIFY(first.json.value(QStringLiteral("next_cursor")).isString());
    QCOMPARE(listIds(QStringLiteral("label_prefix=page/&limit=1000")), seen);

    // A cursor keeps its place when newer keys arrive between pages.
    const HttpResult page1 =
        m_server->admin("GET", QStringLiteral("/v1/keys?label_prefix=page/&limit=150"));
    issue(policy(QStringLiteral("stripe"), QStringLiteral("charges.create"), 1,
                 QStringLiteral("page/late")));
    const HttpResult page2 =
        m_server->admin("GET",
                        QStringLiteral("/v1/keys?label_prefix=page/&limit=150&cursor=")
                            + encoded(page1.json.value(QStringLiteral("next_cursor")).toString()));
    QStringList both;
    for (const auto &page : {page1, page2}) {
        for (const auto &value : page.json.value(QStringLiteral("data")).toArray())
            both << value[QStringLiteral("key_id")].toString();
    }
    QCOMPARE(both, seen);
}

void TestAdminApi::getOneKey()
{
    QJsonObject full = policy(QStringLiteral("stripe"), QStringLiteral("POST /v1/charges"), 12.5,
                              QStringLiteral("get/one"));
    full.insert(QStringLiteral("scope"),
                QJsonObject {{QStringLiteral("stripe_customers"),
                              QJsonArray {QStringLiteral("cus_1"), QStringLiteral("cus_2")}}});
    full.insert(QStringLiteral("metadata"),
                QJsonObject {{QStringLiteral("ticket"), QStringLiteral("OPS-17")}});
    const QJsonObject created = m_server->issueKey(full);
    const QString keyId = created.value(QStringLiteral("key_id")).toString();
    const QString secret = created.value(QStringLiteral("vault_key")).toString();
    QVERIFY(QRegularExpression(QStringLiteral("^vk_[a-z2-7]{24}$")).match(keyId).hasMatch());
    QVERIFY(QRegularExpression(QStringLiteral("^vault_key_[A-Za-z0-9]{32,}$"))
                .match(secret)
                .hasMatch());
    QVERIFY(m_server
                ->proxy("POST", QStringLiteral("/stripe/v1/charges"),
                        stripeCharge(250, "usd", "cus_2"), secret)
                .status
            == 200);

    const HttpResult result = m_server->admin("GET", QStringLiteral("/v1/keys/") + keyId);
    QCOMPARE(result.status, 200);
    const QJsonObject &key = result.json;
    for (const char *field :
         {"key_id", "name", "vendor", "status", "key_hint", "daily_usd_cap", "allowed_endpoints",
          "scope", "agent_run_label", "metadata", "created_at", "expires_at", "revoked_at",
          "spent_today_usd", "held_usd", "calls_today", "blocked_today", "last_call_at",
          "resets_at"})
        QVERIFY2(key.contains(QLatin1String(field)), field);
    QVERIFY(!key.contains(QStringLiteral("vault_key")));
    QVERIFY(!result.body.contains(secret.toUtf8()));
    QCOMPARE(key.value(QStringLiteral("key_id")).toString(), keyId);
    QCOMPARE(key.value(QStringLiteral("name")).toString(), QStringLiteral("get/one"));
    QCOMPARE(key.value(QStringLiteral("vendor")).toString(), QStringLiteral("stripe"));
    QCOMPARE(key.value(QStringLiteral("status")).toString(), QStringLiteral("active"));
    QCOMPARE(key.value(QStringLiteral("key_hint")).toString(),
             QStringLiteral("vault_key_…") + secret.right(4));
    QCOMPARE(key.value(QStringLiteral("daily_usd_cap")).toDouble(), 12.5);
    QCOMPARE(key.value(QStringLiteral("allowed_endpoints")).toArray(),
             QJsonArray {QStringLiteral("POST /v1/charges")});
    QCOMPARE(key.value(QStringLiteral("scope")).toObject(),
             full.value(QStringLiteral("scope")).toObject());
    QCOMPARE(key.value(QStringLiteral("metadata")).toObject(),
             full.value(QStringLiteral("metadata")).toObject());
    QVERIFY(key.value(QStringLiteral("revoked_at")).isNull());
    QCOMPARE(key.value(QStringLiteral("spent_today_usd")).toDouble(), 2.5);
    QCOMPARE(key.value(QStringLiteral("held_usd")).toDouble(), 0.0);
    QCOMPARE(key.value(QStringLiteral("calls_today")).toInt(), 1);
    QCOMPARE(key.value(QStringLiteral("blocked_today")).toInt(), 0);
    QCOMPARE(key.value(QStringLiteral("created_at")).toString(),
             created.value(QStringLiteral("created_at")).toString());
    QCOMPARE(key.value(QStringLiteral("last_call_at")).toString(),
             created.value(QStringLiteral("created_at")).toString());
    QCOMPARE(key.value(QStringLiteral("resets_at")).toString(),
             QStringLiteral("2026-11-29T00:00:00.000Z"));
    for (const char *time : {"created_at", "expires_at", "resets_at"}) {
        QVERIFY(QRegularExpression(
                    QStringLiteral("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z$"))
                    .match(key.value(QLatin1String(time)).toString())
                    .hasMatch());
    }
    // The list shows the same object.
    const HttpResult listed =
        m_server->admin("GET", QStringLiteral("/v1/keys?label_prefix=get/one"));
    QCOMPARE(listed.json.value(QStringLiteral("data")).toArray().at(0).toObject(), key);
}

void TestAdminApi::revokeIsIdempotent()
{
    const QString keyId = issue(policy(QStringLiteral("stripe"), QStringLiteral("charges.create"),
                                       5, QStringLiteral("revoke/one")));
    const int auditBefore = adminAuditCount();
    const HttpResult first = m_server->admin("DELETE", QStringLiteral("/v1/keys/") + keyId);
    QCOMPARE(first.status, 200);
    QCOMPARE(first.json.value(QStringLiteral("key_id")).toString(), keyId);
    QCOMPARE(first.json.value(QStringLiteral("status")).toString(), QStringLiteral("revoked"));
    const QString revokedAt = first.json.value(QStringLiteral("revoked_at")).toString();
    QVERIFY(!revokedAt.isEmpty());
    QCOMPARE(adminAuditCount(), auditBefore + 1);

    QVERIFY(m_server->advanceClock(QStringLiteral("5s")));
    const HttpResult again = m_server->admin("DELETE", QStringLiteral("/v1/keys/") + keyId);
    QCOMPARE(again.status, 200);
    QCOMPARE(again.json.value(QStringLiteral("revoked_at")).toString(), revokedAt);
    QCOMPARE(again.json.value(QStringLiteral("status")).toString(), QStringLiteral("revoked"));
    const QJsonObject key = m_server->admin("GET", QStringLiteral("/v1/keys/") + keyId).json;
    QCOMPARE(key.value(QStringLiteral("status")).toString(), QStringLiteral("revoked"));
    QCOMPARE(key.value(QStringLiteral("revoked_at")).toString(), revokedAt);
    // The secret stops working.
    const HttpResult call = m_server->proxy("POST", QStringLiteral("/stripe/v1/charges"),
                                            stripeCharge(100), m_secrets.value(keyId));
    QCOMPARE(call.status, 401);
    QCOMPARE(call.json.value(QStringLiteral("revoked_at")).toString(), revokedAt);
}

void TestAdminApi::bulkRevokeByIds()
{
    const QString a = issue(policy(QStringLiteral("stripe"), QStringLiteral("charges.create"), 5,
                                   QStringLiteral("bulk-ids/a")));
    const QString b = issue(policy(QStringLiteral("twilio"), QStringLiteral("messages.create"), 5,
                                   QStringLiteral("bulk-ids/b")));
    const QString c = issue(policy(QStringLiteral("stripe"), QStringLiteral("charges.create"), 5,
                                   QStringLiteral("bulk-ids/c")));
    const QString unknown = QStringLiteral("vk_aaaaaaaaaaaaaaaaaaaaaaaa");
    const int auditBefore = adminAuditCount();
    const HttpResult result =
        m_server->admin("POST", QStringLiteral("/v1/keys/revoke"),
                        {{QStringLiteral("key_ids"), QJsonArray {a, b, unknown}}});
    QCOMPARE(result.status, 200);
    QCOMPARE(result.json.value(QStringLiteral("revoked")).toInt(), 2);
    QCOMPARE(result.json.value(QStringLiteral("dry_run")).toBool(true), false);
    QStringList revoked;
    for (const auto &value : result.json.value(QStringLiteral("key_ids")).toArray())
        revoked << value.toString();
    revoked.sort();
    QStringList wanted {a, b};
    wanted.sort();
    QCOMPARE(revoked, wanted);
    QCOMPARE(adminAuditCount(), auditBefore + 2);
    QCOMPARE(listIds(QStringLiteral("label_prefix=bulk-ids/&status=revoked")).size(), 2);
    QCOMPARE(listIds(QStringLiteral("label_prefix=bulk-ids/&status=active")), QStringList {c});

    // Neither or both selectors: 422.
    QCOMPARE(
        m_server
            ->admin("POST", QStringLiteral("/v1/keys/revoke"), {{QStringLiteral("dry_run"), true}})
            .status,
        422);
    const HttpResult both =
        m_server->admin("POST", QStringLiteral("/v1/keys/revoke"),
                        {{QStringLiteral("key_ids"), QJsonArray {c}},
                         {QStringLiteral("label_prefix"), QStringLiteral("bulk-ids/")}});
    QCOMPARE(both.status, 422);
    QCOMPARE(both.json.value(QStringLiteral("code")).toString(), QStringLiteral("invalid_field"));
    QCOMPARE(listIds(QStringLiteral("label_prefix=bulk-ids/&status=active")), QStringList {c});
}

void TestAdminApi::bulkRevokeByPrefixWithDryRun()
{
    const QString a = issue(policy(QStringLiteral("stripe"), QStringLiteral("charges.create"), 5,
                                   QStringLiteral("bulk/run-1/a")));
    const QString b = issue(policy(QStringLiteral("stripe"), QStringLiteral("charges.create"), 5,
                                   QStringLiteral("bulk/run-1/b")));
    const QString sms = issue(policy(QStringLiteral("twilio"), QStringLiteral("messages.create"), 5,
                                     QStringLiteral("bulk/run-1/c")));
    const QString other = issue(policy(QStringLiteral("stripe"), QStringLiteral("charges.create"),
                                       5, QStringLiteral("bulk/run-10/x")));
    QStringList wanted {a, b};
    wanted.sort();
    const QJsonObject request {{QStringLiteral("label_prefix"), QStringLiteral("bulk/run-1/")},
                               {QStringLiteral("vendor"), QStringLiteral("stripe")},
                               {QStringLiteral("dry_run"), true}};
    const int auditBefore = adminAuditCount();
    const HttpResult dryRun = m_server->admin("POST", QStringLiteral("/v1/keys/revoke"), request);
    QCOMPARE(dryRun.status, 200);
    QCOMPARE(dryRun.json.value(QStringLiteral("dry_run")).toBool(), true);
    QCOMPARE(dryRun.json.value(QStringLiteral("revoked")).toInt(), 2);
    QStringList would;
    for (const auto &value : dryRun.json.value(QStringLiteral("key_ids")).toArray())
        would << value.toString();
    would.sort();
    QCOMPARE(would, wanted);
    // Nothing was revoked, nothing was written.
    QCOMPARE(listIds(QStringLiteral("label_prefix=bulk/&status=active")).size(), 4);
    QCOMPARE(adminAuditCount(), auditBefore);
    QCOMPARE(m_server
                 ->proxy("POST", QStringLiteral("/stripe/v1/charges"), stripeCharge(100),
                         m_secrets.value(a))
                 .status,
             200);

    QJsonObject forReal = request;
    forReal.insert(QStringLiteral("dry_run"), false);
    const HttpResult revoked = m_server->admin("POST", QStringLiteral("/v1/keys/revoke"), forReal);
    QCOMPARE(revoked.status, 200);
    QCOMPARE(revoked.json.value(QStringLiteral("revoked")).toInt(), 2);
    QCOMPARE(revoked.json.value(QStringLiteral("dry_run")).toBool(true), false);
    QStringList done;
    for (const auto &value : revoked.json.value(QStringLiteral("key_ids")).toArray())
        done << value.toString();
    done.sort();
    QCOMPARE(done, wanted);
    QStringList stillActive = listIds(QStringLiteral("label_prefix=bulk/&status=active"));
    stillActive.sort();
    QStringList expectedActive {sms, other};
    expectedActive.sort();
    QCOMPARE(stillActive, expectedActive);
    QCOMPARE(adminAuditCount(), auditBefore + 2);
    QCOMPARE(m_server
                 ->proxy("POST", QStringLiteral("/stripe/v1/charges"), stripeCharge(100),
                         m_secrets.value(a))
                 .status,
             401);

    // The prefix without a vendor takes the rest of run-1, and not run-10.
    const HttpResult rest =
        m_server->admin("POST", QStringLiteral("/v1/keys/revoke"),
                        {{QStringLiteral("label_prefix"), QStringLiteral("bulk/run-1/")}});
    QCOMPARE(rest.status, 200);
    QCOMPARE(rest.json.value(QStringLiteral("key_ids")).toArray(), QJsonArray {sms});
    QCOMPARE(listIds(QStringLiteral("label_prefix=bulk/&status=active")), QStringList {other});
}

void TestAdminApi::recordAuditTraffic()
{
    // Traffic at known instants: run-a's key is allowed at T1 and refused at T2, run-b's SMS is
    // allowed at T3.
    QVERIFY(m_server->setClock(QStringLiteral("2026-11-28T11:00:00.000Z")));
    const QString a = issue(policy(QStringLiteral("stripe"), QStringLiteral("charges.create"), 50,
                                   QStringLiteral("audit/run-a/1")));
    const QString b = issue(policy(QStringLiteral("twilio"), QStringLiteral("messages.create"), 5,
                                   QStringLiteral("audit/run-b/1")));
    m_auditKeys.insert(QStringLiteral("a"), a);
    m_auditKeys.insert(QStringLiteral("b"), b);
    QCOMPARE(m_server
                 ->proxy("POST", QStringLiteral("/stripe/v1/charges"), stripeCharge(300),
                         m_secrets.value(a))
                 .status,
             200);
    QVERIFY(m_server->setClock(QStringLiteral("2026-11-28T11:00:10.000Z")));
    QCOMPARE(m_server
                 ->proxy("POST", QStringLiteral("/stripe/v1/payouts"), "amount=100&currency=usd",
                         m_secrets.value(a))
                 .status,
             403);
    QVERIFY(m_server->setClock(QStringLiteral("2026-11-28T11:00:20.000Z")));
    QCOMPARE(m_server
                 ->proxy("POST", twilioMessages(), "To=%2B15559990000&From=%2B15550001111&Body=hi",
                         m_secrets.value(b))
                 .status,
             201);
    QVERIFY(m_server->setClock(QStringLiteral("2026-11-28T11:01:00.000Z")));
}

void TestAdminApi::auditFilters_data()
{
    const QString a = m_auditKeys.value(QStringLiteral("a"));
    const QString b = m_auditKeys.value(QStringLiteral("b"));

    QTest::addColumn<QString>("query");
    QTest::addColumn<int>("rows");
    QTest::addColumn<QString>("check"); // "field=value" every row satisfies, or empty
    QTest::newRow("key_id") << QStringLiteral("key_id=") + a << 2 << QStringLiteral("key_id=") + a;
    QTest::newRow("key_id and verdict allowed")
        << QStringLiteral("key_id=%1&verdict=allowed").arg(a) << 1
        << QStringLiteral("verdict=allowed");
    QTest::newRow("verdict denied_endpoint")
        << QStringLiteral("label_prefix=audit/&verdict=denied_endpoint") << 1
        << QStringLiteral("reason=endpoint_not_allowed");
    QTest::newRow("label") << QStringLiteral("label=audit/run-a/1") << 2
                           << QStringLiteral("agent_run_label=audit/run-a/1");
    QTest::newRow("label is exact") << QStringLiteral("label=audit/run-a") << 0 << QString();
    QTest::newRow("label_prefix") << QStringLiteral("label_prefix=audit/") << 3 << QString();
    QTest::newRow("vendor") << QStringLiteral("label_prefix=audit/&vendor=twilio") << 1
                            << QStringLiteral("key_id=") + b;
    QTest::newRow("since is inclusive")
        << QStringLiteral("label_prefix=audit/&since=2026-11-28T11:00:10.000Z") << 2 << QString();
    QTest::newRow("until is exclusive")
        << QStringLiteral("label_prefix=audit/&until=2026-11-28T11:00:10.000Z") << 1
        << QStringLiteral("ts=2026-11-28T11:00:00.000Z");
    QTest::newRow("since and until")
        << QStringLiteral("label_prefix=audit/&since=2026-11-28T11:00:05.000Z"
                          "&until=2026-11-28T11:00:15.000Z")
        << 1 << QStringLiteral("verdict=denied_endpoint");
    QTest::newRow("admin rows of a key")
        << QStringLiteral("kind=admin&key_id=") + a << 1 << QStringLiteral("action=key.issued");
    QTest::newRow("all rows of a key") << QStringLiteral("kind=all&key_id=") + a << 3 << QString();
}

void TestAdminApi::auditFilters()
{
    QFETCH(QString, query);
    QFETCH(int, rows);
    QFETCH(QString, check);
    const QList<QJsonObject> found = readAudit(*m_server, QUrlQuery(query));
    QCOMPARE(found.size(), rows);
    if (check.isEmpty())
        return;
    const QString field = check.section(QLatin1Char('='), 0, 0);
    const QString value = check.section(QLatin1Char('='), 1);
    for (const auto &row : found)
        QCOMPARE(row.value(field).toString(), value);
}

void TestAdminApi::auditPagingAndShape()
{
    // Paging one row at a time: newest first, no row twice, the same rows as one big page.
    const QStringList all = auditIds(QStringLiteral("label_prefix=audit/"));
    QCOMPARE(all.size(), 3);
    QStringList paged;
    QString cursor;
    QString previousTs;
    do {
        QString query = QStringLiteral("/v1/audit?label_prefix=audit/&limit=1");
        if (!cursor.isEmpty())
            query += QStringLiteral("&cursor=") + encoded(cursor);
        const HttpResult page = m_server->admin("GET", query);
        QCOMPARE(page.status, 200);
        const QJsonArray data = page.json.value(QStringLiteral("data")).toArray();
        QVERIFY(data.size() <= 1);
        for (const auto &value : data) {
            paged << value[QStringLiteral("id")].toString();
            const QString ts = value[QStringLiteral("ts")].toString();
            if (!previousTs.isEmpty())
                QVERIFY(ts <= previousTs);
            previousTs = ts;
        }
        cursor = page.json.value(QStringLiteral("next_cursor")).toString();
        QVERIFY(paged.size() <= 5);
    } while (!cursor.isEmpty());
    QCOMPARE(paged, all);

    const QJsonObject row =
        readAudit(*m_server,
                  QUrlQuery(QStringLiteral("label_prefix=audit/&vendor=stripe&verdict=allowed")))
            .value(0);
    for (const char *field : {"id",
                              "ts",
                              "request_id",
                              "key_id",
                              "key_name",
                              "agent_run_label",
                              "vendor",
                              "method",
                              "path",
                              "operation",
                              "verdict",
                              "reason",
                              "http_status",
                              "upstream_status",
                              "cost_usd",
                              "cost_source",
                              "currency",
                              "original_amount",
                              "cap_usage_after_usd",
                              "customer_scope_id",
                              "vendor_object_id",
                              "vendor_request_id",
                              "idempotency_key",
                              "latency_ms",
                              "upstream_latency_ms"})
        QVERIFY2(row.contains(QLatin1String(field)), field);
    QCOMPARE(row.value(QStringLiteral("method")).toString(), QStringLiteral("POST"));
    QCOMPARE(row.value(QStringLiteral("path")).toString(), QStringLiteral("/v1/charges"));
    QCOMPARE(row.value(QStringLiteral("operation")).toString(), QStringLiteral("charges.create"));
    QCOMPARE(row.value(QStringLiteral("cost_usd")).toDouble(), 3.0);
    QCOMPARE(row.value(QStringLiteral("cap_usage_after_usd")).toDouble(), 3.0);
    QVERIFY(row.value(QStringLiteral("reason")).isNull());
    QVERIFY(row.value(QStringLiteral("latency_ms")).toDouble() > 0);

    // Bad filters are named.
    for (const auto &[query, field] : QList<std::pair<QString, QString>> {
             {QStringLiteral("verdict=maybe"), QStringLiteral("verdict")},
             {QStringLiteral("since=yesterday"), QStringLiteral("since")},
             {QStringLiteral("until=2026-13-01"), QStringLiteral("until")},
             {QStringLiteral("kind=everything"), QStringLiteral("kind")},
             {QStringLiteral("vendor=paypal"), QStringLiteral("vendor")},
             {QStringLiteral("limit=0"), QStringLiteral("limit")},
             {QStringLiteral("cursor=zzz"), QStringLiteral("cursor")},
             {QStringLiteral("sort=ts"), QStringLiteral("sort")}}) {
        const HttpResult bad = m_server->admin("GET", QStringLiteral("/v1/audit?") + query);
        QCOMPARE(bad.status, 422);
        QCOMPARE(bad.json.value(QStringLiteral("field")).toString(), field);
    }
}

void TestAdminApi::statsToday()
{
    QVERIFY(m_server->setClock(QStringLiteral("2026-11-28T12:00:00.000Z")));
    const HttpResult before = m_server->admin("GET", QStringLiteral("/v1/stats/today"));
    QCOMPARE(before.status, 200);
    for (const char *field : {"active_keys", "spend_today_usd", "held_usd", "calls_today",
                              "blocked_today", "resets_at"})
        QVERIFY2(before.json.contains(QLatin1String(field)), field);
    QCOMPARE(before.json.value(QStringLiteral("resets_at")).toString(),
             QStringLiteral("2026-11-29T00:00:00.000Z"));

    const QString keyId = issue(policy(QStringLiteral("stripe"), QStringLiteral("charges.create"),
                                       5, QStringLiteral("stats/one")));
    const QString secret = m_secrets.value(keyId);
    QCOMPARE(
        m_server->proxy("POST", QStringLiteral("/stripe/v1/charges"), stripeCharge(200), secret)
            .status,
        200);
    QCOMPARE(
        m_server->proxy("POST", QStringLiteral("/stripe/v1/charges"), stripeCharge(400), secret)
            .status,
        429);
    QCOMPARE(m_server
                 ->proxy("POST", QStringLiteral("/stripe/v1/charges"), stripeCharge(100), secret,
                         "application/x-www-form-urlencoded", {{"X-Sim-Fault", "500"}})
                 .status,
             500);
    const HttpResult after = m_server->admin("GET", QStringLiteral("/v1/stats/today"));
    const auto delta = [&](const char *field) {
        return after.json.value(QLatin1String(field)).toDouble()
            - before.json.value(QLatin1String(field)).toDouble();
    };
    QCOMPARE(micros(delta("spend_today_usd")), 2'000'000);
    QCOMPARE(micros(delta("held_usd")), 1'000'000);
    QCOMPARE(qRound(delta("calls_today")), 3);
    QCOMPARE(qRound(delta("blocked_today")), 1);
    QCOMPARE(qRound(delta("active_keys")), 1);
}

void TestAdminApi::adminKeys()
{
    const QRegularExpression secretShape(QStringLiteral("^kb_[A-Za-z0-9]{40,}$"));
    const QRegularExpression idShape(QStringLiteral("^ak_[a-z2-7]{24}$"));
    const int auditBefore = adminAuditCount();
    QMap<QString, QString> created; // id -> secret
    for (const QString &role : {QStringLiteral("viewer"), QStringLiteral("issuer"),
                                QStringLiteral("operator"), QStringLiteral("admin")}) {
        const HttpResult result =
            m_server->admin("POST", QStringLiteral("/v1/admin-keys"),
                            {{QStringLiteral("name"), QString(QStringLiteral("ops ") + role)},
                             {QStringLiteral("role"), role}});
        QCOMPARE(result.status, 201);
        const QString secret = result.json.value(QStringLiteral("api_key")).toString();
        const QString id = result.json.value(QStringLiteral("id")).toString();
        QVERIFY2(secretShape.match(secret).hasMatch(), qPrintable(secret.left(3)));
        QVERIFY2(idShape.match(id).hasMatch(), qPrintable(id));
        QCOMPARE(result.json.value(QStringLiteral("role")).toString(), role);
        QCOMPARE(result.json.value(QStringLiteral("key_hint")).toString(),
                 QStringLiteral("kb_…") + secret.right(4));
        QVERIFY(result.json.value(QStringLiteral("revoked_at")).isNull());
        created.insert(id, secret);
        const HttpResult whoami =
            m_server->request("GET", QStringLiteral("/v1/whoami"), {}, secret);
        QCOMPARE(whoami.status, 200);
        QCOMPARE(whoami.json.value(QStringLiteral("admin_key_id")).toString(), id);
        QCOMPARE(whoami.json.value(QStringLiteral("role")).toString(), role);
        QCOMPARE(whoami.json.value(QStringLiteral("name")).toString(),
                 QStringLiteral("ops ") + role);
    }
    QCOMPARE(adminAuditCount(), auditBefore + 4);

    // Listed without their secrets.
    const HttpResult list = m_server->admin("GET", QStringLiteral("/v1/admin-keys"));
    QCOMPARE(list.status, 200);
    QSet<QString> listed;
    for (const auto &value : list.json.value(QStringLiteral("data")).toArray()) {
        listed.insert(value[QStringLiteral("id")].toString());
        QVERIFY(!value.toObject().contains(QStringLiteral("api_key")));
    }
    for (auto it = created.cbegin(); it != created.cend(); ++it) {
        QVERIFY(listed.contains(it.key()));
        QVERIFY(!list.body.contains(it.value().toUtf8()));
    }

    // Revoked: the key stops working at once.
    const QString victim = created.firstKey();
    const HttpResult revoked =
        m_server->admin("DELETE", QStringLiteral("/v1/admin-keys/") + victim);
    QCOMPARE(revoked.status, 200);
    QCOMPARE(revoked.json.value(QStringLiteral("id")).toString(), victim);
    QVERIFY(!revoked.json.value(QStringLiteral("revoked_at")).toString().isEmpty());
    QCOMPARE(
        m_server->request("GET", QStringLiteral("/v1/whoami"), {}, created.value(victim)).status,
        401);
    QCOMPARE(adminAuditCount(), auditBefore + 5);

    // Invalid requests are named and write nothing.
    for (const auto &[body, field] : QList<std::pair<QJsonObject, QString>> {
             {{{QStringLiteral("name"), QStringLiteral("x")},
               {QStringLiteral("role"), QStringLiteral("root")}},
              QStringLiteral("role")},
             {{{QStringLiteral("role"), QStringLiteral("viewer")}}, QStringLiteral("name")},
             {{{QStringLiteral("name"), QStringLiteral("x")},
               {QStringLiteral("role"), QStringLiteral("viewer")},
               {QStringLiteral("expires"), 5}},
              QStringLiteral("expires")}}) {
        const HttpResult bad = m_server->admin("POST", QStringLiteral("/v1/admin-keys"), body);
        QCOMPARE(bad.status, 422);
        QCOMPARE(bad.json.value(QStringLiteral("field")).toString(), field);
    }
    QCOMPARE(adminAuditCount(), auditBefore + 5);
    // The audit rows of admin-key changes carry no secret.
    const QList<QJsonObject> rows = readAudit(*m_server, QUrlQuery(QStringLiteral("kind=admin")));
    QByteArray text;
    for (const auto &row : rows)
        text += QJsonDocument(row).toJson();
    for (const QString &secret : created)
        QVERIFY(!text.contains(secret.toUtf8()));
}

void TestAdminApi::lastAdminKeyCannotBeRevoked()
{
    // Revoke every admin-role key but the bootstrap one, then try the bootstrap one.
    const QString self = m_server->admin("GET", QStringLiteral("/v1/whoami"))
                             .json.value(QStringLiteral("admin_key_id"))
                             .toString();
    QVERIFY(!self.isEmpty());
    const HttpResult spare = m_server->admin("POST", QStringLiteral("/v1/admin-keys"),
                                             {{QStringLiteral("name"), QStringLiteral("spare")},
                                              {QStringLiteral("role"), QStringLiteral("admin")}});
    QCOMPARE(spare.status, 201);
    const HttpResult list = m_server->admin("GET", QStringLiteral("/v1/admin-keys"));
    for (const auto &value : list.json.value(QStringLiteral("data")).toArray()) {
        const QJsonObject key = value.toObject();
        if (key.value(QStringLiteral("role")).toString() == QLatin1String("admin")
            && key.value(QStringLiteral("revoked_at")).isNull()
            && key.value(QStringLiteral("id")).toString() != self) {
            QCOMPARE(m_server
                         ->admin("DELETE",
                                 QStringLiteral("/v1/admin-keys/")
                                     + key.value(QStringLiteral("id")).toString())
                         .status,
                     200);
        }
    }
    const int auditBefore = adminAuditCount();
    const HttpResult last = m_server->admin("DELETE", QStringLiteral("/v1/admin-keys/") + self);
    QCOMPARE(last.status, 409);
    QCOMPARE(last.json.value(QStringLiteral("code")).toString(), QStringLiteral("last_admin_key"));
    QVERIFY(!last.json.value(QStringLiteral("error")).toString().isEmpty());
    QCOMPARE(m_server->admin("GET", QStringLiteral("/v1/whoami")).status, 200);
    QCOMPARE(adminAuditCount(), auditBefore);
    // Keys of other roles are no replacement for the last admin.
    const HttpResult operatorKey =
        m_server->admin("POST", QStringLiteral("/v1/admin-keys"),
                        {{QStringLiteral("name"), QStringLiteral("o")},
                         {QStringLiteral("role"), QStringLiteral("operator")}});
    QCOMPARE(operatorKey.status, 201);
    QCOMPARE(m_server->admin("DELETE", QStringLiteral("/v1/admin-keys/") + self).status, 409);
}

void TestAdminApi::whoamiAndVendors()
{
    const HttpResult whoami = m_server->admin("GET", QStringLiteral("/v1/whoami"));
    QCOMPARE(whoami.status, 200);
    QVERIFY(QRegularExpression(QStringLiteral("^ak_[a-z2-7]{24}$"))
                .match(whoami.json.value(QStringLiteral("admin_key_id")).toString())
                .hasMatch());
    QCOMPARE(whoami.json.value(QStringLiteral("name")).toString(), QStringLiteral("bootstrap"));
    QCOMPARE(whoami.json.value(QStringLiteral("role")).toString(), QStringLiteral("admin"));
    QVERIFY(!whoami.json.value(QStringLiteral("server_version")).toString().isEmpty());
    QCOMPARE(whoami.json.value(QStringLiteral("spend_timezone")).toString(), QStringLiteral("UTC"));

    const HttpResult vendors = m_server->admin("GET", QStringLiteral("/v1/vendors"));
    QCOMPARE(vendors.status, 200);
    const QMap<QString, QStringList> catalog {
        {QStringLiteral("stripe"),
         {QStringLiteral("charges.create"), QStringLiteral("payment_intents.create"),
          QStringLiteral("payment_intents.confirm"), QStringLiteral("refunds.create"),
          QStringLiteral("payouts.create"), QStringLiteral("transfers.create"),
          QStringLiteral("customers.create"), QStringLiteral("customers.list"),
          QStringLiteral("customers.retrieve")}},
        {QStringLiteral("twilio"),
         {QStringLiteral("messages.create"), QStringLiteral("messages.list"),
          QStringLiteral("messages.retrieve"), QStringLiteral("calls.create")}},
        {QStringLiteral("resend"),
         {QStringLiteral("emails.send"), QStringLiteral("emails.batch"),
          QStringLiteral("emails.retrieve")}}};
    QSet<QString> seenVendors;
    for (const auto &value : vendors.json.value(QStringLiteral("data")).toArray()) {
        const QJsonObject vendor = value.toObject();
        const QString name = vendor.value(QStringLiteral("vendor")).toString();
        seenVendors.insert(name);
        QCOMPARE(vendor.value(QStringLiteral("credential_configured")).toBool(), true);
        QMap<QString, QJsonObject> operations;
        for (const auto &operation : vendor.value(QStringLiteral("operations")).toArray()) {
            const QJsonObject op = operation.toObject();
            QVERIFY(op.value(QStringLiteral("method")).isString());
            QVERIFY(op.value(QStringLiteral("path")).toString().startsWith(QLatin1Char('/')));
            QVERIFY(op.value(QStringLiteral("money_moving")).isBool());
            QVERIFY(!op.value(QStringLiteral("cost_rule")).toString().isEmpty());
            operations.insert(op.value(QStringLiteral("name")).toString(), op);
        }
        for (const QString &operation : catalog.value(name))
            QVERIFY2(operations.contains(operation), qPrintable(operation));
        if (name == QLatin1String("stripe")) {
            QCOMPARE(operations.value(QStringLiteral("charges.create"))
                         .value(QStringLiteral("money_moving"))
                         .toBool(),
                     true);
            QCOMPARE(operations.value(QStringLiteral("charges.create"))
                         .value(QStringLiteral("method"))
                         .toString(),
                     QStringLiteral("POST"));
            QCOMPARE(operations.value(QStringLiteral("charges.create"))
                         .value(QStringLiteral("path"))
                         .toString(),
                     QStringLiteral("/v1/charges"));
            QCOMPARE(operations.value(QStringLiteral("customers.list"))
                         .value(QStringLiteral("money_moving"))
                         .toBool(true),
                     false);
        }
    }
    QCOMPARE(seenVendors,
             QSet<QString>(
                 {QStringLiteral("stripe"), QStringLiteral("twilio"), QStringLiteral("resend")}));
    // No vendor credential appears in the catalog.
    for (const char *secret : {kStripeSecret, kTwilioToken, kResendKey})
        QVERIFY(!vendors.body.contains(secret));
}

void TestAdminApi::healthz()
{
    const HttpResult health = m_server->request("GET", QStringLiteral("/healthz"));
    QCOMPARE(health.status, 200);
    QCOMPARE(health.json.value(QStringLiteral("status")).toString(), QStringLiteral("ok"));
    QCOMPARE(health.json.value(QStringLiteral("store")).toString(), QStringLiteral("sqlite"));
    QVERIFY(health.header("content-type").startsWith("application/json"));
    QVERIFY(!health.header("x-request-id").isEmpty());
}

void TestAdminApi::metricsCountersMove()
{
    const HttpResult before = m_server->request("GET", QStringLiteral("/metrics"));
    QCOMPARE(before.status, 200);
    QVERIFY(before.header("content-type").startsWith("text/plain"));
    QVERIFY(before.body.contains("# TYPE keybrake_proxy_requests_total counter"));
    QVERIFY(before.body.contains("# TYPE keybrake_proxy_latency_seconds histogram"));
    const QByteArray allowed =
        R"(keybrake_proxy_requests_total{vendor="stripe",verdict="allowed"})";
    const QByteArray capped =
        R"(keybrake_proxy_requests_total{vendor="stripe",verdict="denied_cap"})";
    const QByteArray admin2xx = R"(keybrake_admin_requests_total{class="2xx"})";
    const QByteArray latencyCount = "keybrake_proxy_latency_seconds_count";
    for (const QByteArray &series : {allowed, capped, admin2xx, latencyCount})
        QVERIFY2(sample(before.body, series) >= 0, series.constData());

    const QString keyId = issue(policy(QStringLiteral("stripe"), QStringLiteral("charges.create"),
                                       1, QStringLiteral("metrics/one")));
    QCOMPARE(m_server
                 ->proxy("POST", QStringLiteral("/stripe/v1/charges"), stripeCharge(100),
                         m_secrets.value(keyId))
                 .status,
             200);
    QCOMPARE(m_server
                 ->proxy("POST", QStringLiteral("/stripe/v1/charges"), stripeCharge(100),
                         m_secrets.value(keyId))
                 .status,
             429);
    const HttpResult after = m_server->request("GET", QStringLiteral("/metrics"));
    QCOMPARE(sample(after.body, allowed) - sample(before.body, allowed), 1.0);
    QCOMPARE(sample(after.body, capped) - sample(before.body, capped), 1.0);
    QCOMPARE(sample(after.body, latencyCount) - sample(before.body, latencyCount), 2.0);
    QVERIFY(sample(after.body, admin2xx) > sample(before.body, admin2xx)); // the issuance
    // Every sample line is NAME{labels} VALUE or NAME VALUE.
    const QRegularExpression line(
        QStringLiteral(R"(^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? [0-9.eE+-]+$)"));
    for (const QByteArray &text : after.body.split('\n')) {
        if (text.isEmpty() || text.startsWith('#'))
            continue;
        QVERIFY2(line.match(QString::fromUtf8(text)).hasMatch(), text.constData());
    }
}

QTEST_GUILESS_MAIN(TestAdminApi)
#include "tst_admin_api.moc"
