#include "sqlitestore.h"

#include "migrations.h"
#include "sqliteadminkeys.h"
#include "sqliteauditlog.h"
#include "sqlitebrakes.h"
#include "sqlitedatabase.h"
#include "sqliteevents.h"
#include "sqliteledger.h"
#include "sqlitereports.h"
#include "sqlitevaultkeys.h"

#include <algorithm>
#include <iostream>
#include <stdexcept>

namespace keybrake {

// One queued write: its work runs inside the batch's transaction, its callback after the commit.
class SqliteStore::WriteOp
{
public:
    virtual ~WriteOp() = default;
    // False when the operation refused (NotFound, Conflict): its savepoint is rolled back.
    virtual bool run(SqliteDatabase &db) = 0;
    virtual void fail(StoreError error) = 0;
    virtual void deliver() = 0;
    virtual void deliver(StoreError error) = 0; // without running: the store is closed
};

namespace {

template<class T, class Work>
class TypedWriteOp final : public SqliteStore::WriteOp
{
public:
    TypedWriteOp(Work work, StoreCallback<T> done)
        : m_work(std::move(work))
        , m_done(std::move(done))
    {
    }
    bool run(SqliteDatabase &db) override
    {
        m_result.emplace(m_work(db));
        return m_result->ok();
    }
    void fail(StoreError error) override { m_result.emplace(error); }
    void deliver() override
    {
        if (m_done)
            m_done(std::move(*m_result));
    }
    void deliver(StoreError error) override
    {
        if (m_done)
            m_done(error);
    }

private:
    Work m_work;
    StoreCallback<T> m_done;
    std::optional<StoreResult<T>> m_result;
};

} // namespace

SqliteStore::SqliteStore(Options options)
    : m_options(std::move(options))
{
}

SqliteStore::~SqliteStore()
{
    close();
}

std::unique_ptr<SqliteStore> SqliteStore::open(Options options)
{
    std::unique_ptr<SqliteStore> store(new SqliteStore(std::move(options)));
    store->start();
    return store;
}

void SqliteStore::start()
{
    const std::string &path = m_options.path;
    try {
        m_writer = std::make_unique<SqliteDatabase>(path, SqliteDatabase::Access::ReadWrite);
        m_writer->setBusyTimeout(m_options.busyTimeout);
        {
            auto mode = m_writer->prepare("PRAGMA journal_mode=WAL");
            if (!mode.step() || mode.text(0) != "wal")
                throw std::runtime_error("it does not support WAL mode");
        }
        m_writer->exec(m_options.synchronous == Synchronous::Full ? "PRAGMA synchronous=FULL"
                                                                  : "PRAGMA synchronous=NORMAL");
        m_writer->exec("PRAGMA foreign_keys=ON");
        Migrations::apply(*m_writer);
        {
            SqliteTransaction transaction(*m_writer, SqliteTransaction::Kind::Immediate);
            SqliteEvents events(*m_writer);
            m_publishedThrough = events.latestId();
            events.trim(m_options.eventRetention, m_publishedThrough);
            events.forgetOldMarks();
            transaction.commit();
        }
        for (int i = 0; i < std::max(1, m_options.readerThreads); ++i) {
            m_readers.push_back(
                std::make_unique<SqliteDatabase>(path, SqliteDatabase::Access::ReadOnly));
            m_readers.back()->setBusyTimeout(m_options.busyTimeout);
            // Reports read hundreds of thousands of index entries: mapped pages spare a read()
            // per page. Readers only; the writer's pages stay under SQLite's own I/O.
            m_readers.back()->exec("PRAGMA mmap_size=1073741824");
        }
    } catch (const std::exception &error) {
        const std::string what = error.what();
        if (what.rfind("cannot open database file", 0) == 0)
            throw std::runtime_error(what);
        throw std::runtime_error("cannot use database file " + path + ": " + what);
    }

    m_state = State::Open;
    m_writerThread = std::thread([this] { writerLoop(); });
    for (auto &reader : m_readers)
        m_readerThreads.emplace_back([this, db = reader.get()] { readerLoop(*db); });
}

void SqliteStore::close()
{
    {
        std::lock_guard lock(m_mutex);
        m_state = State::Closed;
    }
    m_writesWaiting.notify_all();
    m_readsWaiting.notify_all();
    // The threads finish what was queued before they stop.
    if (m_writerThread.joinable())
        m_writerThread.join();
    for (auto &thread : m_readerThreads)
        thread.join();
    m_readerThreads.clear();
    m_readers.clear();
    m_writer.reset();
}

std::size_t SqliteStore::pendingWrites() const
{
    std::lock_guard lock(m_mutex);
    return m_writes.size();
}

void SqliteStore::report(const std::string &message) const
{
    if (m_options.log)
        m_options.log(message);
    else
        std::cerr << "keybraked store: " << message << '\n';
}

// --- queues and threads

bool SqliteStore::enqueueWrite(std::unique_ptr<WriteOp> op)
{
    {
        std::lock_guard lock(m_mutex);
        if (m_state == State::Open) {
            m_writes.push_back(std::move(op));
            m_writesWaiting.notify_one();
            return true;
        }
    }
    op->deliver(StoreError::Unavailable);
    return false;
}

bool SqliteStore::enqueueRead(ReadOp op)
{
    std::lock_guard lock(m_mutex);
    if (m_state != State::Open)
        return false;
    m_reads.push_back(std::move(op));
    m_readsWaiting.notify_one();
    return true;
}

template<class T, class Work>
void SqliteStore::write(Work work, StoreCallback<T> done)
{
    enqueueWrite(std::make_unique<TypedWriteOp<T, Work>>(std::move(work), std::move(done)));
}

template<class T, class Work>
void SqliteStore::read(Work work, StoreCallback<T> done)
{
    auto shared = std::make_shared<StoreCallback<T>>(std::move(done));
    const bool queued = enqueueRead([work = std::move(work), shared](SqliteDatabase &db) {
        std::optional<StoreResult<T>> result;
        try {
            // One snapshot for every statement of the read.
            SqliteTransaction transaction(db, SqliteTransaction::Kind::Deferred);
            result.emplace(work(db));
            transaction.commit();
        } catch (const std::exception &) {
            result.emplace(StoreError::Unavailable);
        }
        if (*shared)
            (*shared)(std::move(*result));
    });
    if (!queued && *shared)
        (*shared)(StoreError::Unavailable);
}

void SqliteStore::writerLoop()
{
    std::vector<std::unique_ptr<WriteOp>> batch;
    for (;;) {
        {
            std::unique_lock lock(m_mutex);
            m_writesWaiting.wait(lock,
                                 [this] { return !m_writes.empty() || m_state != State::Open; });
            if (m_writes.empty())
                return;
            const std::size_t count =
                std::min(m_writes.size(), std::max<std::size_t>(1, m_options.maxBatch));
            for (std::size_t i = 0; i < count; ++i) {
                batch.push_back(std::move(m_writes.front()));
                m_writes.pop_front();
            }
        }
        runBatch(batch);
        // Events before answers: a client never hears of a change from its answer sooner than
        // the event stream could tell it.
        publishEvents();
        // After the commit and outside every lock: a callback may queue more work at once.
        for (auto &op : batch)
            op->deliver();
        batch.clear();
    }
}

void SqliteStore::runBatch(std::vector<std::unique_ptr<WriteOp>> &batch)
{
    SqliteDatabase &db = *m_writer;
    try {
        SqliteTransaction transaction(db, SqliteTransaction::Kind::Immediate);
        for (auto &op : batch) {
            SqliteSavepoint savepoint(db);
            try {
                if (op->run(db))
                    savepoint.release();
                else
                    savepoint.rollback();
            } catch (const SqliteError &error) {
                // Some errors (I/O, full disk) make SQLite abandon the whole transaction; then
                // the batch fails as one.
                if (!db.inTransaction())
                    throw;
                savepoint.rollback();
                op->fail(error.isConstraintViolation() ? StoreError::Conflict
                                                       : StoreError::Unavailable);
                if (!error.isConstraintViolation())
                    report(std::string("write failed: ") + error.what());
            } catch (const std::exception &error) {
                savepoint.rollback();
                op->fail(StoreError::Unavailable);
                report(std::string("write failed: ") + error.what());
            }
        }
        trimEvents(db);
        transaction.commit();
    } catch (const std::exception &error) {
        report(std::string("transaction of ") + std::to_string(batch.size())
               + " writes failed: " + error.what());
        for (auto &op : batch)
            op->fail(StoreError::Unavailable);
    }
}

void SqliteStore::publishEvents()
{
    std::shared_ptr<const EventSink> sink;
    {
        std::lock_guard lock(m_mutex);
        sink = m_eventSink;
    }
    SqliteDatabase &db = *m_writer;
    try {
        SqliteEvents events(db);
        const std::int64_t latest = events.latestId();
        if (latest == m_publishedThrough)
            return;
        // Read back rather than collected while writing: only committed events exist here, so
        // a write rolled back to its savepoint can never leak one.
        if (sink && *sink) {
            std::vector<StoredEvent> fresh = events.after(m_publishedThrough);
            m_untrimmedEvents += static_cast<std::int64_t>(fresh.size());
            m_publishedThrough = latest;
            if (!fresh.empty())
                (*sink)(std::move(fresh));
        } else {
            m_untrimmedEvents += latest - m_publishedThrough;
            m_publishedThrough = latest;
        }
    } catch (const std::exception &error) {
        report(std::string("publishing events failed: ") + error.what());
    }
}

void SqliteStore::trimEvents(SqliteDatabase &db)
{
    // A few hundred rows at a time, inside a batch's own transaction: one large trim in a
    // transaction of its own stalled every admission queued behind it for tens of milliseconds
    // (and cost an fsync), which was most of the proxy's p99 at 1,000 calls a second.
    const std::int64_t step = std::clamp<std::int64_t>(m_options.eventRetention / 100, 1, 256);
    if (m_untrimmedEvents < step)
        return;
    const bool sweepMarks =
        m_eventsSinceMarkSweep >= std::max<std::int64_t>(1, m_options.eventRetention);
    SqliteSavepoint savepoint(db);
    try {
        SqliteEvents events(db);
        events.trim(m_options.eventRetention, m_publishedThrough);
        if (sweepMarks)
            events.forgetOldMarks();
        savepoint.release();
        m_eventsSinceMarkSweep = sweepMarks ? 0 : m_eventsSinceMarkSweep + m_untrimmedEvents;
        m_untrimmedEvents = 0;
    } catch (const std::exception &error) {
        // The batch's own writes stand; the trim is tried again with the next batch.
        savepoint.rollback();
        report(std::string("trimming events failed: ") + error.what());
    }
}

void SqliteStore::readerLoop(SqliteDatabase &db)
{
    for (;;) {
        ReadOp op;
        {
            std::unique_lock lock(m_mutex);
            m_readsWaiting.wait(lock,
                                [this] { return !m_reads.empty() || m_state != State::Open; });
            if (m_reads.empty())
                return;
            op = std::move(m_reads.front());
            m_reads.pop_front();
        }
        op(db);
    }
}

// --- the operations

void SqliteStore::findVaultKeyByHash(std::string secretHash,
                                     StoreCallback<std::optional<VaultKey>> done)
{
    read(
        [hash = std::move(secretHash)](SqliteDatabase &db) {
            return StoreResult<std::optional<VaultKey>>(SqliteVaultKeys(db).findByHash(hash));
        },
        std::move(done));
}

void SqliteStore::admit(AdmissionRequest request, StoreCallback<AdmissionResult> done)
{
    write(
        [request = std::move(request)](SqliteDatabase &db) {
            SqliteLedger ledger(db);
            return StoreResult<AdmissionResult>(Admission(ledger).admit(request));
        },
        std::move(done));
}

void SqliteStore::settle(Settlement settlement, StoreCallback<SettlementResult> done)
{
    write(
        [settlement = std::move(settlement)](SqliteDatabase &db) -> StoreResult<SettlementResult> {
            SqliteLedger ledger(db);
            if (auto result = Admission(ledger).settle(settlement))
                return std::move(*result);
            return StoreError::NotFound;
        },
        std::move(done));
}

void SqliteStore::recordRefusal(AuditEntry entry, SpendWindow window,
                                StoreCallback<std::string> done)
{
    write(
        [entry = std::move(entry), window](SqliteDatabase &db) {
            SqliteLedger ledger(db);
            return StoreResult<std::string>(Admission(ledger).recordRefusal(entry, window));
        },
        std::move(done));
}

void SqliteStore::findAdminKeyByHash(std::string secretHash,
                                     StoreCallback<std::optional<AdminKey>> done)
{
    read(
        [hash = std::move(secretHash)](SqliteDatabase &db) {
            return StoreResult<std::optional<AdminKey>>(SqliteAdminKeys(db).findByHash(hash));
        },
        std::move(done));
}

void SqliteStore::issueKey(IssueKeyRequest request, StoreCallback<IssueKeyResult> done)
{
    write(
        [request = std::move(request)](SqliteDatabase &db) {
            SqliteVaultKeys keys(db);
            return StoreResult<IssueKeyResult>(Issuance(keys).issue(request));
        },
        std::move(done));
}

void SqliteStore::getKey(std::string keyId, SpendWindow window, TimePoint,
                         StoreCallback<std::optional<KeyView>> done)
{
    read(
        [keyId = std::move(keyId), window](SqliteDatabase &db) {
            return StoreResult<std::optional<KeyView>>(SqliteVaultKeys(db).get(keyId, window));
        },
        std::move(done));
}

void SqliteStore::listKeys(KeyFilter filter, SpendWindow window, TimePoint now,
                           StoreCallback<Page<KeyView>> done)
{
    read(
        [filter = std::move(filter), window,
         now](SqliteDatabase &db) -> StoreResult<Page<KeyView>> {
            if (auto page = SqliteVaultKeys(db).list(filter, window, now))
                return std::move(*page);
            return StoreError::NotFound;
        },
        std::move(done));
}

void SqliteStore::revokeKey(std::string keyId, TimePoint now, SpendWindow window, AuditEntry audit,
                            StoreCallback<RevokeResult> done)
{
    write(
        [keyId = std::move(keyId), now, window,
         audit = std::move(audit)](SqliteDatabase &db) -> StoreResult<RevokeResult> {
            if (auto result = SqliteVaultKeys(db).revoke(keyId, now, window, audit))
                return *result;
            return StoreError::NotFound;
        },
        std::move(done));
}

void SqliteStore::revokeKeys(BulkRevokeRequest request, StoreCallback<BulkRevokeResult> done)
{
    write(
        [request = std::move(request)](SqliteDatabase &db) {
            return StoreResult<BulkRevokeResult>(SqliteVaultKeys(db).revokeMany(request));
        },
        std::move(done));
}

void SqliteStore::listAudit(AuditFilter filter, StoreCallback<Page<AuditEntry>> done)
{
    read(
        [filter = std::move(filter)](SqliteDatabase &db) -> StoreResult<Page<AuditEntry>> {
            if (auto page = SqliteAuditLog(db).list(filter))
                return std::move(*page);
            return StoreError::NotFound;
        },
        std::move(done));
}

void SqliteStore::todayStats(SpendWindow window, TimePoint now, StoreCallback<TodayStats> done)
{
    read(
        [window, now](SqliteDatabase &db) {
            return StoreResult<TodayStats>(SqliteVaultKeys(db).todayStats(window, now));
        },
        std::move(done));
}

void SqliteStore::listRuns(RunFilter filter, TimePoint now, StoreCallback<Page<RunSummary>> done)
{
    read(
        [filter = std::move(filter), now](SqliteDatabase &db) -> StoreResult<Page<RunSummary>> {
            if (auto page = SqliteReports(db).listRuns(filter, now))
                return std::move(*page);
            return StoreError::NotFound;
        },
        std::move(done));
}

void SqliteStore::getRun(std::string label, TimeRange range, SpendWindow today, TimePoint now,
                         StoreCallback<std::optional<RunDetail>> done)
{
    read(
        [label = std::move(label), range, today, now](SqliteDatabase &db) {
            return StoreResult<std::optional<RunDetail>>(
                SqliteReports(db).getRun(label, range, today, now));
        },
        std::move(done));
}

void SqliteStore::runTimeline(TimelineQuery query, StoreCallback<RunTimeline> done)
{
    read(
        [query = std::move(query)](SqliteDatabase &db) {
            return StoreResult<RunTimeline>(SqliteReports(db).timeline(query));
        },
        std::move(done));
}

void SqliteStore::agentReport(ReportSpan span, StoreCallback<std::vector<AgentTotals>> done)
{
    read(
        [span = std::move(span)](SqliteDatabase &db) {
            return StoreResult<std::vector<AgentTotals>>(SqliteReports(db).agents(span));
        },
        std::move(done));
}

void SqliteStore::vendorDailyReport(TimePoint windowsFrom, TimePoint windowsTo,
                                    StoreCallback<std::vector<VendorDay>> done)
{
    read(
        [windowsFrom, windowsTo](SqliteDatabase &db) {
            return StoreResult<std::vector<VendorDay>>(
                SqliteReports(db).vendorDays(windowsFrom, windowsTo));
        },
        std::move(done));
}

void SqliteStore::anomalyInputs(AnomalyQuery query, StoreCallback<AnomalyInputs> done)
{
    read(
        [query](SqliteDatabase &db) {
            return StoreResult<AnomalyInputs>(SqliteReports(db).anomalyInputs(query));
        },
        std::move(done));
}

void SqliteStore::createAdminKey(AdminKey key, AuditEntry audit, StoreCallback<Done> done)
{
    write(
        [key = std::move(key), audit = std::move(audit)](SqliteDatabase &db) {
            SqliteAdminKeys(db).create(key, audit);
            return StoreResult<Done>(Done {});
        },
        std::move(done));
}

void SqliteStore::revokeAdminKey(std::string id, TimePoint now, AuditEntry audit,
                                 StoreCallback<AdminKey> done)
{
    write([id = std::move(id), now, audit = std::move(audit)](
              SqliteDatabase &db) { return SqliteAdminKeys(db).revoke(id, now, audit); },
          std::move(done));
}

void SqliteStore::listAdminKeys(StoreCallback<std::vector<AdminKey>> done)
{
    read(
        [](SqliteDatabase &db) {
            return StoreResult<std::vector<AdminKey>>(SqliteAdminKeys(db).list());
        },
        std::move(done));
}

void SqliteStore::countActiveAdminKeys(StoreCallback<std::int64_t> done)
{
    read(
        [](SqliteDatabase &db) {
            return StoreResult<std::int64_t>(SqliteAdminKeys(db).countActive());
        },
        std::move(done));
}

void SqliteStore::keysIssuedSince(TimePoint since,
                                  StoreCallback<std::map<std::string, std::int64_t>> done)
{
    read(
        [since](SqliteDatabase &db) {
            return StoreResult<std::map<std::string, std::int64_t>>(
                SqliteAdminKeys(db).keysIssuedSince(since));
        },
        std::move(done));
}

void SqliteStore::touchAdminKey(std::string id, TimePoint at, StoreCallback<Done> done)
{
    write(
        [id = std::move(id), at](SqliteDatabase &db) {
            SqliteAdminKeys(db).touch(id, at);
            return StoreResult<Done>(Done {});
        },
        std::move(done));
}

void SqliteStore::findActiveBlock(std::string label, Vendor vendor, TimePoint now,
                                  StoreCallback<std::optional<PrefixBlock>> done)
{
    read(
        [label = std::move(label), vendor, now](SqliteDatabase &db) {
            return StoreResult<std::optional<PrefixBlock>>(
                SqliteBrakes(db).activeBlock(label, vendorName(vendor), now));
        },
        std::move(done));
}

void SqliteStore::createBlock(PrefixBlock block, AuditEntry audit, StoreCallback<PrefixBlock> done)
{
    write(
        [block = std::move(block), audit = std::move(audit)](SqliteDatabase &db) {
            return StoreResult<PrefixBlock>(SqliteBrakes(db).createBlock(block, audit));
        },
        std::move(done));
}

void SqliteStore::liftBlock(std::string id, TimePoint now, AuditEntry audit,
                            StoreCallback<PrefixBlock> done)
{
    write(
        [id = std::move(id), now,
         audit = std::move(audit)](SqliteDatabase &db) -> StoreResult<PrefixBlock> {
            if (auto block = SqliteBrakes(db).liftBlock(id, now, audit))
                return std::move(*block);
            return StoreError::NotFound;
        },
        std::move(done));
}

void SqliteStore::listBlocks(bool all, TimePoint now, StoreCallback<std::vector<PrefixBlock>> done)
{
    read(
        [all, now](SqliteDatabase &db) {
            return StoreResult<std::vector<PrefixBlock>>(
                SqliteBrakes(db).listBlocks(all, now, 1000));
        },
        std::move(done));
}

void SqliteStore::listVelocityDefaults(StoreCallback<std::vector<VelocityDefault>> done)
{
    read(
        [](SqliteDatabase &db) {
            return StoreResult<std::vector<VelocityDefault>>(SqliteBrakes(db).listDefaults());
        },
        std::move(done));
}

void SqliteStore::putVelocityDefault(VelocityDefault value, AuditEntry audit,
                                     StoreCallback<VelocityDefault> done)
{
    write(
        [value = std::move(value), audit = std::move(audit)](SqliteDatabase &db) {
            return StoreResult<VelocityDefault>(SqliteBrakes(db).putDefault(value, audit));
        },
        std::move(done));
}

void SqliteStore::deleteVelocityDefault(std::string labelPrefix, AuditEntry audit,
                                        StoreCallback<Done> done)
{
    write(
        [labelPrefix = std::move(labelPrefix),
         audit = std::move(audit)](SqliteDatabase &db) -> StoreResult<Done> {
            if (SqliteBrakes(db).deleteDefault(labelPrefix, audit))
                return Done {};
            return StoreError::NotFound;
        },
        std::move(done));
}

void SqliteStore::readEvents(std::int64_t afterId, EventFilter filter, int limit,
                             StoreCallback<EventPage> done)
{
    read(
        [afterId, filter = std::move(filter), limit](SqliteDatabase &db) {
            return StoreResult<EventPage>(SqliteEvents(db).read(afterId, filter, limit));
        },
        std::move(done));
}

void SqliteStore::expireKeys(TimePoint now, StoreCallback<std::int64_t> done)
{
    write(
        [now](SqliteDatabase &db) {
            return StoreResult<std::int64_t>(SqliteEvents(db).expireKeys(now));
        },
        std::move(done));
}

void SqliteStore::setEventSink(EventSink sink)
{
    auto shared = std::make_shared<const EventSink>(std::move(sink));
    std::lock_guard lock(m_mutex);
    m_eventSink = std::move(shared);
}

void SqliteStore::purgeIdempotency(TimePoint olderThan, StoreCallback<std::int64_t> done)
{
    write(
        [olderThan](SqliteDatabase &db) {
            return StoreResult<std::int64_t>(SqliteLedger(db).purgeIdempotency(olderThan));
        },
        std::move(done));
}

void SqliteStore::reconcileInterruptedCalls(StoreCallback<std::int64_t> done)
{
    write(
        [](SqliteDatabase &db) {
            return StoreResult<std::int64_t>(SqliteLedger(db).reconcileInterrupted());
        },
        std::move(done));
}

} // namespace keybrake
