// The libpq connection the PostgreSQL store is built on, against a real private server: values
// go as parameters and come back exact (64-bit micro-dollars, NULL, bytes with zeros), errors
// are classified and never carry the password or a bound value, a transaction rolls back unless
// committed (and a failed one does not pretend to commit), and a stopped server is a lost
// connection, not a hang.

#include "pgconnection.h"
#include "postgrescluster.h"

#include <QTest>

#include <limits>
#include <memory>

using namespace keybrake;
using namespace keybrake::testing;

class TestPgConnection : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void valuesRoundTripAsParameters();
    void constraintErrorsAreClassifiedWithoutValues();
    void transactionRollsBackUnlessCommitted();
    void failedTransactionDoesNotPretendToCommit();
    void wrongPasswordIsAClearErrorWithoutThePassword();
    void stoppedServerIsALostConnection();

private:
    std::unique_ptr<PostgresCluster> m_cluster;
    std::string m_url;
};

void TestPgConnection::initTestCase()
{
    m_cluster = std::make_unique<PostgresCluster>();
    m_url = m_cluster->createDatabase("connection");
    auto db = PgConnection::connect(m_url);
    db->execScript("CREATE TABLE t (id bigint PRIMARY KEY, name text, body bytea);"
                   "CREATE TABLE secrets (token text UNIQUE)");
}

void TestPgConnection::cleanupTestCase()
{
    m_cluster.reset();
}

void TestPgConnection::valuesRoundTripAsParameters()
{
    auto db = PgConnection::connect(m_url);
    const std::int64_t big = std::numeric_limits<std::int64_t>::max() - 7;
    const std::string body("a\0b\xff\x01'\";--", 10);
    const std::string quote = "Robert'); DROP TABLE t;--";
    auto inserted = db->exec("INSERT INTO t (id, name, body) VALUES ($1, $2, $3)",
                             {big, quote, PgParam::bytes(body)});
    QCOMPARE(inserted.affected(), std::int64_t(1));
    db->exec("INSERT INTO t (id, name, body) VALUES ($1, $2, $3)",
             {std::int64_t(-5), std::optional<std::string>(), PgParam::null()});

    auto rows = db->exec("SELECT id, name, body FROM t ORDER BY id");
    QCOMPARE(rows.rows(), 2);
    QCOMPARE(rows.int64(0, 0), std::int64_t(-5));
    QVERIFY(rows.isNull(0, 1));
    QVERIFY(rows.isNull(0, 2));
    QCOMPARE(rows.optionalInt64(0, 2), std::optional<std::int64_t>());
    QCOMPARE(rows.int64(1, 0), big);
    QCOMPARE(rows.text(1, 1), quote);
    QCOMPARE(rows.bytes(1, 2), body);
    db->exec("DELETE FROM t");
}

void TestPgConnection::constraintErrorsAreClassifiedWithoutValues()
{
    auto db = PgConnection::connect(m_url);
    const std::string secret = "tok_very_secret_value";
    db->exec("INSERT INTO secrets (token) VALUES ($1)", {secret});
    try {
        db->exec("INSERT INTO secrets (token) VALUES ($1)", {secret});
        QFAIL("a duplicate was accepted");
    } catch (const PgError &error) {
        QVERIFY(error.isUniqueViolation());
        QVERIFY(!error.isConnectionLost());
        QCOMPARE(error.sqlState(), std::string("23505"));
        // PostgreSQL's DETAIL quotes the duplicate value; the message must not.
        QVERIFY2(std::string(error.what()).find(secret) == std::string::npos, error.what());
    }
    try {
        db->exec("SELEC 1");
        QFAIL("bad SQL was accepted");
    } catch (const PgError &error) {
        QCOMPARE(error.sqlState(), std::string("42601"));
    }
    QVERIFY(db->healthy());
}

void TestPgConnection::transactionRollsBackUnlessCommitted()
{
    auto db = PgConnection::connect(m_url);
    {
        PgTransaction transaction(*db);
        db->exec("INSERT INTO t (id) VALUES (1)");
    }
    QCOMPARE(db->exec("SELECT count(*) FROM t").int64(0, 0), std::int64_t(0));
    {
        PgTransaction transaction(*db, "ISOLATION LEVEL SERIALIZABLE");
        db->exec("INSERT INTO t (id) VALUES (2)");
        transaction.commit();
    }
    auto other = PgConnection::connect(m_url);
    QCOMPARE(other->exec("SELECT id FROM t").int64(0, 0), std::int64_t(2));
    db->exec("DELETE FROM t");
}

void TestPgConnection::failedTransactionDoesNotPretendToCommit()
{
    auto db = PgConnection::connect(m_url);
    PgTransaction transaction(*db);
    db->exec("INSERT INTO t (id) VALUES (3)");
    QVERIFY_THROWS_EXCEPTION(PgError, db->exec("INSERT INTO t (id) VALUES (3)"));
    QVERIFY_THROWS_EXCEPTION(PgError, transaction.commit());
    QCOMPARE(db->exec("SELECT count(*) FROM t").int64(0, 0), std::int64_t(0));
}

void TestPgConnection::wrongPasswordIsAClearErrorWithoutThePassword()
{
    const std::string wrong = "postgres://" + m_cluster->user() + ":not-" + m_cluster->password()
        + "@127.0.0.1:" + std::to_string(m_cluster->port()) + "/connection";
    try {
        PgConnection::connect(wrong);
        QFAIL("a wrong password was accepted");
    } catch (const PgError &error) {
        const std::string message = error.what();
        QVERIFY2(message.find("password authentication failed") != std::string::npos,
                 message.c_str());
        QVERIFY(message.find(m_cluster->password()) == std::string::npos);
        QVERIFY(error.isConnectionLost());
    }
}

void TestPgConnection::stoppedServerIsALostConnection()
{
    auto db = PgConnection::connect(m_url);
    QCOMPARE(db->exec("SELECT 1").int64(0, 0), std::int64_t(1));
    m_cluster->stop();
    try {
        db->exec("SELECT 1");
        QFAIL("a statement succeeded on a stopped server");
    } catch (const PgError &error) {
        QVERIFY2(error.isConnectionLost(), error.what());
    }
    QVERIFY(!db->healthy());
    QVERIFY_THROWS_EXCEPTION(PgError, PgConnection::connect(m_url));
    m_cluster->start();
    auto again = PgConnection::connect(m_url);
    QCOMPARE(again->exec("SELECT 2").int64(0, 0), std::int64_t(2));
}

QTEST_APPLESS_MAIN(TestPgConnection)
#include "tst_pgconnection.moc"
