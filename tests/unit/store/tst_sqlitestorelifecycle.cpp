// The SQLite store's file, schema and threads: a private file, versioned migrations that refuse
// a newer database, failing closed while another process locks the file, one failing write
// rolled back alone inside a group commit, read-after-write, and close().

#include "storefixture.h"

#include "store/migrations.h"

#include <QTest>

#include <sqlite3.h>

#include <mutex>
#include <set>
#include <sys/stat.h>
#include <thread>

using namespace keybrake;
using namespace keybrake::testing;

namespace {

// A second connection to the file, as another process would have.
class RawConnection
{
public:
    explicit RawConnection(const std::string &path)
    {
        if (sqlite3_open(path.c_str(), &m_db) != SQLITE_OK)
            throw std::runtime_error("cannot open " + path);
    }
    ~RawConnection() { sqlite3_close(m_db); }
    int exec(const char *sql) { return sqlite3_exec(m_db, sql, nullptr, nullptr, nullptr); }
    std::int64_t scalar(const char *sql)
    {
        sqlite3_stmt *statement = nullptr;
        sqlite3_prepare_v2(m_db, sql, -1, &statement, nullptr);
        std::int64_t value = -1;
        if (sqlite3_step(statement) == SQLITE_ROW)
            value = sqlite3_column_int64(statement, 0);
        sqlite3_finalize(statement);
        return value;
    }

private:
    sqlite3 *m_db = nullptr;
};

std::string dbPath(const QTemporaryDir &dir)
{
    return dir.filePath(QStringLiteral("keybrake.db")).toStdString();
}

unsigned permissions(const std::string &path)
{
    struct stat info = {};
    if (::stat(path.c_str(), &info) != 0)
        return 0;
    return info.st_mode & 0777;
}

template<class T>
std::shared_ptr<std::promise<StoreResult<T>>>
pending(std::vector<std::future<StoreResult<T>>> &into)
{
    auto promise = std::make_shared<std::promise<StoreResult<T>>>();
    into.push_back(promise->get_future());
    return promise;
}

IssueKeyRequest issuance(const VaultKey &key)
{
    IssueKeyRequest request;
    request.key = key;
    request.audit = adminAudit("key.issued");
    return request;
}

} // namespace

class TestSqliteStoreLifecycle : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void fileIsPrivate();
    void unopenablePathIsAClearError();
    void reopeningKeepsDataAndSchema();
    void newerDatabaseIsRefused();
    void writesFailClosedWhileTheFileIsLocked();
    void failingWriteIsRolledBackAloneInItsBatch();
    void readSeesWhatACallbackReported();
    void closeFinishesQueuedWorkThenRefuses();
};

void TestSqliteStoreLifecycle::fileIsPrivate()
{
    QTemporaryDir dir;
    auto store = openStore(dir);
    issue(*store, makeKey("vk_1", Usd::fromDollars(1)));
    QCOMPARE(permissions(dbPath(dir)), 0600u);
    QCOMPARE(permissions(dbPath(dir) + "-wal"), 0600u);
    RawConnection raw(dbPath(dir));
    QCOMPARE(raw.scalar("SELECT count(*) FROM pragma_journal_mode WHERE journal_mode = 'wal'"),
             std::int64_t(1));
}

void TestSqliteStoreLifecycle::unopenablePathIsAClearError()
{
    SqliteStore::Options options;
    options.path = "/nonexistent-keybrake-dir/keybrake.db";
    try {
        SqliteStore::open(options);
        QFAIL("opened a file in a directory that does not exist");
    } catch (const std::runtime_error &error) {
        const std::string message = error.what();
        QVERIFY2(
            message.rfind("cannot open database file /nonexistent-keybrake-dir/keybrake.db: ", 0)
                == 0,
            message.c_str());
    }
}

void TestSqliteStoreLifecycle::reopeningKeepsDataAndSchema()
{
    QTemporaryDir dir;
    auto store = openStore(dir);
    issue(*store, makeKey("vk_kept", Usd::fromDollars(3)));
    admit(*store, admission("vk_kept", Usd::fromDollars(2)));
    store.reset();

    store = openStore(dir);
    QCOMPARE(view(*store, "vk_kept").today.held, Usd::fromDollars(2));
    store.reset();
    RawConnection raw(dbPath(dir));
    // Every step once, none again on reopening.
    const std::int64_t latest = Migrations::latestVersion();
    QCOMPARE(raw.scalar("SELECT max(version) FROM schema_migrations"), latest);
    QCOMPARE(raw.scalar("SELECT count(*) FROM schema_migrations"), latest);
}

void TestSqliteStoreLifecycle::newerDatabaseIsRefused()
{
    QTemporaryDir dir;
    openStore(dir).reset();
    {
        RawConnection raw(dbPath(dir));
        QCOMPARE(raw.exec("INSERT INTO schema_migrations (version, description, applied_at) "
                          "VALUES (99, 'from the future', 0)"),
                 SQLITE_OK);
    }
    try {
        openStore(dir);
        QFAIL("opened a database written by a newer keybraked");
    } catch (const std::runtime_error &error) {
        const std::string message = error.what();
        QVERIFY2(message.find("schema version 99") != std::string::npos, message.c_str());
        QVERIFY2(message.find("newer keybraked") != std::string::npos, message.c_str());
    }
}

void TestSqliteStoreLifecycle::writesFailClosedWhileTheFileIsLocked()
{
    QTemporaryDir dir;
    SqliteStore::Options options;
    options.busyTimeout = 100ms;
    std::vector<std::string> logged;
    std::mutex logMutex;
    options.log = [&](const std::string &line) {
        std::lock_guard lock(logMutex);
        logged.push_back(line);
    };
    auto store = openStore(dir, options);
    issue(*store, makeKey("vk_locked", Usd::fromDollars(5)));

    RawConnection other(dbPath(dir));
    QCOMPARE(other.exec("BEGIN EXCLUSIVE"), SQLITE_OK);

    const auto refused = call<AdmissionResult>(
        [&](auto done) { store->admit(admission("vk_locked", Usd::fromDollars(1)), done); });
    QVERIFY(!refused.ok());
    QCOMPARE(refused.error(), StoreError::Unavailable);
    const auto notIssued = call<IssueKeyResult>([&](auto done) {
        store->issueKey(issuance(makeKey("vk_new", Usd::fromDollars(1))), done);
    });
    QCOMPARE(notIssued.error(), StoreError::Unavailable);
    // WAL readers are not blocked by a writer: lookups still answer.
    QCOMPARE(view(*store, "vk_locked").today.held, Usd());
    {
        std::lock_guard lock(logMutex);
        QVERIFY(!logged.empty());
        QVERIFY2(logged.front().find("locked") != std::string::npos, logged.front().c_str());
    }

    QCOMPARE(other.exec("COMMIT"), SQLITE_OK);
    const auto admitted = admit(*store, admission("vk_locked", Usd::fromDollars(1)));
    QCOMPARE(admitted.outcome, AdmissionResult::Outcome::Admitted);
    // The refused attempt left nothing behind.
    QCOMPARE(admitted.spend.held, Usd::fromDollars(1));
    QCOMPARE(admitted.spend.calls, std::int64_t(1));
}

void TestSqliteStoreLifecycle::failingWriteIsRolledBackAloneInItsBatch()
{
    QTemporaryDir dir;
    SqliteStore::Options options;
    options.busyTimeout = 60s;
    auto store = openStore(dir, options);

    // Hold the writer in its first batch so the next three queue up behind it and go into one
    // transaction together.
    RawConnection other(dbPath(dir));
    QCOMPARE(other.exec("BEGIN EXCLUSIVE"), SQLITE_OK);
    std::vector<std::future<StoreResult<IssueKeyResult>>> results;
    auto first = pending(results);
    store->issueKey(issuance(makeKey("vk_first", Usd::fromDollars(1))),
                    [first](StoreResult<IssueKeyResult> r) { first->set_value(r); });
    while (store->pendingWrites() != 0)
        std::this_thread::yield();

    VaultKey twin = makeKey("vk_twin", Usd::fromDollars(1));
    twin.secretHash = "hash-of-vk_a";
    for (const VaultKey &key :
         {makeKey("vk_a", Usd::fromDollars(1)), twin, makeKey("vk_c", Usd::fromDollars(1))}) {
        auto promise = pending(results);
        store->issueKey(issuance(key),
                        [promise](StoreResult<IssueKeyResult> r) { promise->set_value(r); });
    }
    QCOMPARE(store->pendingWrites(), std::size_t(3));
    QCOMPARE(other.exec("COMMIT"), SQLITE_OK);

    QVERIFY(results[0].get().ok());
    QVERIFY(results[1].get().ok());
    const auto failed = results[2].get();
    QVERIFY(!failed.ok());
    QCOMPARE(failed.error(), StoreError::Conflict);
    QVERIFY(results[3].get().ok());

    const auto keys =
        call<Page<KeyView>>([&](auto done) { store->listKeys(KeyFilter {}, kToday, kNoon, done); });
    std::set<std::string> ids;
    for (const auto &key : keys->data)
        ids.insert(key.key.id);
    QCOMPARE(ids, (std::set<std::string> {"vk_first", "vk_a", "vk_c"}));
    AuditFilter admin;
    admin.kind = "admin";
    QCOMPARE(auditOf(*store, admin).size(), std::size_t(3));
}

void TestSqliteStoreLifecycle::readSeesWhatACallbackReported()
{
    QTemporaryDir dir;
    SqliteStore::Options options;
    options.readerThreads = 4;
    auto store = openStore(dir, options);
    issue(*store, makeKey("vk_rw", Usd::fromDollars(1000)));
    for (int i = 1; i <= 200; ++i) {
        QCOMPARE(admit(*store, admission("vk_rw", Usd::fromCents(1))).outcome,
                 AdmissionResult::Outcome::Admitted);
        QCOMPARE(view(*store, "vk_rw").today.held, Usd::fromCents(i));
    }
}

void TestSqliteStoreLifecycle::closeFinishesQueuedWorkThenRefuses()
{
    QTemporaryDir dir;
    auto store = openStore(dir);
    issue(*store, makeKey("vk_close", Usd::fromDollars(1000)));

    std::vector<std::future<StoreResult<AdmissionResult>>> results;
    for (int i = 0; i < 300; ++i) {
        auto promise = pending(results);
        store->admit(admission("vk_close", Usd::fromCents(1)),
                     [promise](StoreResult<AdmissionResult> r) { promise->set_value(r); });
    }
    store->close();
    QCOMPARE(store->pendingWrites(), std::size_t(0));
    for (auto &result : results) {
        const auto answer = result.get();
        QVERIFY(answer.ok());
        QCOMPARE(answer->outcome, AdmissionResult::Outcome::Admitted);
    }

    bool called = false;
    store->admit(admission("vk_close", Usd::fromCents(1)), [&](StoreResult<AdmissionResult> r) {
        called = true;
        QCOMPARE(r.error(), StoreError::Unavailable);
    });
    QVERIFY(called);
    called = false;
    store->todayStats(kToday, kNoon, [&](StoreResult<TodayStats> r) {
        called = true;
        QCOMPARE(r.error(), StoreError::Unavailable);
    });
    QVERIFY(called);
    store.reset();

    // All 300 were committed before close returned.
    store = openStore(dir);
    QCOMPARE(view(*store, "vk_close").today.held, Usd::fromDollars(3));
}

QTEST_APPLESS_MAIN(TestSqliteStoreLifecycle)
#include "tst_sqlitestorelifecycle.moc"
