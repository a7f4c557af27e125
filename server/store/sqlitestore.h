#pragma once

#include "store.h"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace keybrake {

class SqliteDatabase;

// The embedded store: one SQLite file in WAL mode.
//
// One writer thread owns the only write connection. Writes queue up; the writer takes all that
// are waiting (up to maxBatch) into one BEGIN IMMEDIATE transaction, runs each inside its own
// savepoint (a failing operation is rolled back alone and gets its error), commits, and only
// then calls back (group commit: every answer is durable, and one fsync covers the batch). When
// the commit fails, every operation of the batch gets Unavailable and the writer goes on with the
// next batch. Reads run on a pool of threads with read-only connections, in parallel with the
// writer; a read issued after a write's callback sees that write.
class SqliteStore final : public Store
{
public:
    enum class Synchronous {
        Normal, // WAL: no corruption, but an OS crash or power loss may lose the last commits
        Full, // WAL: every commit is on disk before it is acknowledged
    };

    struct Options
    {
        std::string path;
        int readerThreads = 2;
        std::chrono::milliseconds busyTimeout {2000};
        Synchronous synchronous = Synchronous::Full; // the ledger must be durable
        std::size_t maxBatch = 512;
        // Where failures of the database go (SQLite's messages, never a bound value); standard
        // error when unset.
        std::function<void(const std::string &)> log;
        // Live events kept for Last-Event-ID resumes (the contract asks for at least 10,000).
        // The writer trims the older ones a few hundred at a time, so up to 1 % more (at most
        // 256 more) may be kept.
        std::int64_t eventRetention = 50'000;
    };

    // Opens (creating it with mode 0600 when missing) and migrates the database, then starts the
    // threads. Throws std::runtime_error saying what went wrong, e.g. "cannot open database file
    // /x/y: unable to open database file", or that the file was written by a newer keybraked.
    static std::unique_ptr<SqliteStore> open(Options options);
    ~SqliteStore() override; // closes

    std::string_view kind() const override { return "sqlite"; }

    void findVaultKeyByHash(std::string secretHash,
                            StoreCallback<std::optional<VaultKey>> done) override;
    void admit(AdmissionRequest request, StoreCallback<AdmissionResult> done) override;
    // NotFound when the hold does not exist (already settled).
    void settle(Settlement settlement, StoreCallback<SettlementResult> done) override;
    void recordRefusal(AuditEntry entry, SpendWindow window,
                       StoreCallback<std::string> done) override;

    void findAdminKeyByHash(std::string secretHash,
                            StoreCallback<std::optional<AdminKey>> done) override;
    // Conflict when the key id or secret hash already exists.
    void issueKey(IssueKeyRequest request, StoreCallback<IssueKeyResult> done) override;
    void getKey(std::string keyId, SpendWindow window, TimePoint now,
                StoreCallback<std::optional<KeyView>> done) override;
    // NotFound when the cursor is not one this store handed out.
    void listKeys(KeyFilter filter, SpendWindow window, TimePoint now,
                  StoreCallback<Page<KeyView>> done) override;
    void revokeKey(std::string keyId, TimePoint now, SpendWindow window, AuditEntry audit,
                   StoreCallback<RevokeResult> done) override;
    void revokeKeys(BulkRevokeRequest request, StoreCallback<BulkRevokeResult> done) override;
    // NotFound when the cursor is not one this store handed out.
    void listAudit(AuditFilter filter, StoreCallback<Page<AuditEntry>> done) override;
    void todayStats(SpendWindow window, TimePoint now, StoreCallback<TodayStats> done) override;

    void listRuns(RunFilter filter, TimePoint now, StoreCallback<Page<RunSummary>> done) override;
    void getRun(std::string label, TimeRange range, SpendWindow today, TimePoint now,
                StoreCallback<std::optional<RunDetail>> done) override;
    void runTimeline(TimelineQuery query, StoreCallback<RunTimeline> done) override;
    void agentReport(ReportSpan span, StoreCallback<std::vector<AgentTotals>> done) override;
    void vendorDailyReport(TimePoint windowsFrom, TimePoint windowsTo,
                           StoreCallback<std::vector<VendorDay>> done) override;
    void anomalyInputs(AnomalyQuery query, StoreCallback<AnomalyInputs> done) override;

    void createAdminKey(AdminKey key, AuditEntry audit, StoreCallback<Done> done) override;
    void revokeAdminKey(std::string id, TimePoint now, AuditEntry audit,
                        StoreCallback<AdminKey> done) override;
    void listAdminKeys(StoreCallback<std::vector<AdminKey>> done) override;
    void countActiveAdminKeys(StoreCallback<std::int64_t> done) override;
    void keysIssuedSince(TimePoint since,
                         StoreCallback<std::map<std::string, std::int64_t>> done) override;
    void touchAdminKey(std::string id, TimePoint at, StoreCallback<Done> done) override;

    void findActiveBlock(std::string label, Vendor vendor, TimePoint now,
                         StoreCallback<std::optional<PrefixBlock>> done) override;
    void createBlock(PrefixBlock block, AuditEntry audit, StoreCallback<PrefixBlock> done) override;
    void liftBlock(std::string id, TimePoint now, AuditEntry audit,
                   StoreCallback<PrefixBlock> done) override;
    void listBlocks(bool all, TimePoint now, StoreCallback<std::vector<PrefixBlock>> done) override;
    void listVelocityDefaults(StoreCallback<std::vector<VelocityDefault>> done) override;
    void putVelocityDefault(VelocityDefault value, AuditEntry audit,
                            StoreCallback<VelocityDefault> done) override;
    void deleteVelocityDefault(std::string labelPrefix, AuditEntry audit,
                               StoreCallback<Done> done) override;

    void readEvents(std::int64_t afterId, EventFilter filter, int limit,
                    StoreCallback<EventPage> done) override;
    void expireKeys(TimePoint now, StoreCallback<std::int64_t> done) override;
    // The sink runs on the writer thread (see EventSink).
    void setEventSink(EventSink sink) override;

    void purgeIdempotency(TimePoint olderThan, StoreCallback<std::int64_t> done) override;
    void reconcileInterruptedCalls(StoreCallback<std::int64_t> done) override;
    std::size_t pendingWrites() const override;
    // Must not be called from one of the store's own callbacks (it joins their threads).
    // Calls after it fail with Unavailable, on the caller's thread.
    void close() override;

    // A queued write (defined in the .cpp; public only so its typed operations can derive).
    class WriteOp;

private:
    explicit SqliteStore(Options options);
    void start();

    using ReadOp = std::function<void(SqliteDatabase &)>;

    template<class T, class Work>
    void write(Work work, StoreCallback<T> done);
    template<class T, class Work>
    void read(Work work, StoreCallback<T> done);
    bool enqueueWrite(std::unique_ptr<WriteOp> op);
    bool enqueueRead(ReadOp op);

    void writerLoop();
    void runBatch(std::vector<std::unique_ptr<WriteOp>> &batch);
    void readerLoop(SqliteDatabase &db);
    void report(const std::string &message) const;
    // After a commit, on the writer thread: hands the new events to the sink, and trims the
    // oldest once enough have accumulated.
    void publishEvents();
    // Inside a batch's transaction, before its commit: drops events past the retention.
    void trimEvents(SqliteDatabase &db);

    enum class State {
        Closed,
        Open,
    };

    Options m_options;
    std::unique_ptr<SqliteDatabase> m_writer;
    std::vector<std::unique_ptr<SqliteDatabase>> m_readers;

    // One mutex for both queues and the state, so close() cannot slip between a check of the
    // state and an enqueue.
    mutable std::mutex m_mutex;
    State m_state = State::Closed;
    std::condition_variable m_writesWaiting;
    std::condition_variable m_readsWaiting;
    std::deque<std::unique_ptr<WriteOp>> m_writes;
    std::deque<ReadOp> m_reads;

    std::thread m_writerThread;
    std::vector<std::thread> m_readerThreads;

    // Writer thread only, except the sink, which setEventSink swaps under m_mutex.
    std::shared_ptr<const EventSink> m_eventSink;
    std::int64_t m_publishedThrough = 0; // the newest event handed to the sink
    std::int64_t m_untrimmedEvents = 0; // published since the last trim
    std::int64_t m_eventsSinceMarkSweep = 0; // trimmed past since threshold marks were swept
};

} // namespace keybrake
