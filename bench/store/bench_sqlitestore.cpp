// The SQLite store measured side by side in one run:
//  1. group commit: admit+settle pairs per second from many client threads with
//     synchronous=FULL, batching on (maxBatch 512) against one transaction per write (maxBatch 1);
//  2. list pages at scale: 100,000 vault keys and 1,000,000 audit rows.
// Usage: bench_sqlitestore [DIR] [--quick] [--commit-only]
//        (DIR defaults to a new directory under /tmp; --commit-only skips the lists)

#include "store/sqliteauditlog.h"
#include "store/sqlitedatabase.h"
#include "store/sqlitestore.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <string>
#include <thread>
#include <vector>

using namespace keybrake;
using namespace std::chrono_literals;
using Stopwatch = std::chrono::steady_clock;

namespace {

const TimePoint kNow = fromUnixMillis(1'795'867'200'000); // 2026-11-28T12:00:00Z
const SpendWindow kWindow {fromUnixMillis(1'795'824'000'000), fromUnixMillis(1'795'910'400'000)};

template<class T, class Start>
StoreResult<T> call(Start start)
{
    auto promise = std::make_shared<std::promise<StoreResult<T>>>();
    auto future = promise->get_future();
    start(StoreCallback<T>([promise](StoreResult<T> r) { promise->set_value(std::move(r)); }));
    return future.get();
}

VaultKey makeKey(int i, Usd cap)
{
    VaultKey key;
    key.id = "vk_bench_" + std::to_string(i);
    key.name = "bench key " + std::to_string(i);
    key.secretHash = "hash-" + key.id;
    key.keyHint = "vault_key_…" + std::to_string(i % 10000);
    key.dailyCap = cap;
    key.allowedEndpoints = {"payment_intents.create"};
    key.agentRunLabel = "lambda/agent-" + std::to_string(i % 50) + "/msg-" + std::to_string(i);
    key.createdAt = kNow - std::chrono::seconds(200'000 - i);
    // Most keys of a long-running deployment have expired; a few are live.
    key.expiresAt = i % 100 == 0 ? kNow + 1h : kNow - 1h;
    key.createdBy = "ak_bench";
    return key;
}

void issue(SqliteStore &store, const VaultKey &key)
{
    IssueKeyRequest request;
    request.key = key;
    request.audit.kind = "admin";
    request.audit.ts = key.createdAt;
    request.audit.action = "key.issued";
    call<IssueKeyResult>([&](auto done) { store.issueKey(std::move(request), done); });
}

double groupCommit(const std::string &path, std::size_t maxBatch, int clients, int pairs)
{
    std::filesystem::remove(path);
    std::filesystem::remove(path + "-wal");
    std::filesystem::remove(path + "-shm");
    SqliteStore::Options options;
    options.path = path;
    options.maxBatch = maxBatch;
    auto store = SqliteStore::open(options);
    for (int k = 0; k < clients; ++k) {
        VaultKey key = makeKey(k, Usd::fromDollars(1'000'000));
        key.expiresAt = kNow + 1h;
        issue(*store, key);
    }

    std::atomic<int> failures = 0;
    const auto start = Stopwatch::now();
    std::vector<std::thread> threads;
    for (int k = 0; k < clients; ++k) {
        threads.emplace_back([&, k] {
            for (int i = 0; i < pairs; ++i) {
                AdmissionRequest request;
                request.keyId = "vk_bench_" + std::to_string(k);
                request.now = kNow;
                request.window = kWindow;
                request.estimate.amount = Usd::fromCents(25);
                request.audit.requestId = "req";
                const auto admitted = call<AdmissionResult>(
                    [&](auto done) { store->admit(std::move(request), done); });
                if (!admitted.ok() || admitted->outcome != AdmissionResult::Outcome::Admitted) {
                    ++failures;
                    continue;
                }
                Settlement settlement;
                settlement.holdId = admitted->holdId;
                settlement.kind = Settlement::Kind::Charge;
                settlement.amount = Usd::fromCents(25);
                settlement.audit.ts = kNow;
                settlement.audit.keyId = "vk_bench_" + std::to_string(k);
                settlement.audit.httpStatus = 200;
                settlement.audit.cost = settlement.amount;
                if (!call<SettlementResult>([&](auto done) {
                         store->settle(std::move(settlement), done);
                     }).ok()) {
                    ++failures;
                }
            }
        });
    }
    for (auto &thread : threads)
        thread.join();
    const double seconds = std::chrono::duration<double>(Stopwatch::now() - start).count();
    if (failures)
        std::printf("  (%d failures)\n", failures.load());
    return clients * pairs / seconds;
}

template<class Work>
double millis(Work work, int repeat = 5)
{
    work(); // warm the page cache and the statement cache
    const auto start = Stopwatch::now();
    for (int i = 0; i < repeat; ++i)
        work();
    return std::chrono::duration<double, std::milli>(Stopwatch::now() - start).count() / repeat;
}

void listsAtScale(const std::string &path, int keys, int auditRows)
{
    std::filesystem::remove(path);
    std::filesystem::remove(path + "-wal");
    std::filesystem::remove(path + "-shm");
    SqliteStore::Options options;
    options.path = path;
    options.synchronous = SqliteStore::Synchronous::Normal; // only to fill it quickly
    auto store = SqliteStore::open(options);

    const auto fillStart = Stopwatch::now();
    std::vector<std::future<StoreResult<IssueKeyResult>>> issued;
    for (int i = 0; i < keys; ++i) {
        IssueKeyRequest request;
        request.key = makeKey(i, Usd::fromDollars(50));
        request.audit.kind = "admin";
        request.audit.ts = request.key.createdAt;
        auto promise = std::make_shared<std::promise<StoreResult<IssueKeyResult>>>();
        issued.push_back(promise->get_future());
        store->issueKey(std::move(request),
                        [promise](StoreResult<IssueKeyResult> r) { promise->set_value(r); });
    }
    for (auto &result : issued)
        result.get();
    store.reset();
    {
        // Audit rows straight through the table class in large transactions: the writer queue
        // would take minutes for a million.
        SqliteDatabase db(path, SqliteDatabase::Access::ReadWrite);
        SqliteAuditLog log(db);
        const char *verdicts[] = {"allowed", "allowed", "allowed", "allowed", "denied_cap"};
        for (int i = 0; i < auditRows;) {
            SqliteTransaction transaction(db, SqliteTransaction::Kind::Immediate);
            for (int n = 0; n < 50'000 && i < auditRows; ++n, ++i) {
                AuditEntry entry;
                entry.ts = kNow - std::chrono::milliseconds((auditRows - i) * 80);
                entry.requestId = "req_" + std::to_string(i);
                const int k = i % keys;
                entry.keyId = "vk_bench_" + std::to_string(k);
                entry.agentRunLabel =
                    "lambda/agent-" + std::to_string(k % 50) + "/msg-" + std::to_string(k);
                entry.vendor = i % 3 == 0 ? "twilio" : "stripe";
                entry.verdict =
                    i % 997 == 0 ? Verdict::DeniedScope : *parseVerdict(verdicts[i % 5]);
                entry.httpStatus = 200;
                entry.cost = Usd::fromCents(25);
                log.insert(entry);
            }
            transaction.commit();
        }
    }
    std::printf("  filled %d keys and %d audit rows in %.1f s\n", keys, auditRows,
                std::chrono::duration<double>(Stopwatch::now() - fillStart).count());
    store = SqliteStore::open(options);

    const auto keyPage = [&](KeyFilter filter) {
        return millis([&] {
            const auto page = call<Page<KeyView>>(
                [&](auto done) { store->listKeys(filter, kWindow, kNow, done); });
            if (!page.ok())
                std::abort();
        });
    };
    const auto auditPage = [&](AuditFilter filter) {
        return millis([&] {
            const auto page =
                call<Page<AuditEntry>>([&](auto done) { store->listAudit(filter, done); });
            if (!page.ok())
                std::abort();
        });
    };

    KeyFilter keys100;
    std::printf("  listKeys, 100 per page:\n");
    std::printf("    newest                   %7.2f ms\n", keyPage(keys100));
    {
        KeyFilter deep = keys100;
        for (int i = 0; i < 500; ++i) {
            deep.cursor = call<Page<KeyView>>([&](auto done) {
                              store->listKeys(deep, kWindow, kNow, done);
                          })->nextCursor;
        }
        std::printf("    page 501 by cursor       %7.2f ms\n", keyPage(deep));
    }
    KeyFilter active = keys100;
    active.status = KeyStatus::Active;
    std::printf("    status=active (1%%)       %7.2f ms\n", keyPage(active));
    KeyFilter revoked = keys100;
    revoked.status = KeyStatus::Revoked;
    std::printf("    status=revoked (none)    %7.2f ms\n", keyPage(revoked));
    KeyFilter prefix = keys100;
    prefix.labelPrefix = "lambda/agent-7/";
    std::printf("    label_prefix (2%%)        %7.2f ms\n", keyPage(prefix));
    KeyFilter wide = keys100;
    wide.labelPrefix = "lambda/";
    std::printf("    label_prefix (all)       %7.2f ms\n", keyPage(wide));
    KeyFilter query = keys100;
    query.query = "MSG-4242";
    std::printf("    q (substring)            %7.2f ms\n", keyPage(query));

    AuditFilter audit100;
    std::printf("  listAudit, 100 per page:\n");
    std::printf("    newest                   %7.2f ms\n", auditPage(audit100));
    AuditFilter byKey = audit100;
    byKey.keyId = "vk_bench_4242";
    std::printf("    key_id                   %7.2f ms\n", auditPage(byKey));
    AuditFilter byLabel = audit100;
    byLabel.label = "lambda/agent-42/msg-4242";
    std::printf("    label                    %7.2f ms\n", auditPage(byLabel));
    AuditFilter narrowPrefix = audit100;
    narrowPrefix.labelPrefix = "lambda/agent-42/msg-424";
    std::printf("    label_prefix (narrow)    %7.2f ms\n", auditPage(narrowPrefix));
    AuditFilter widePrefix = audit100;
    widePrefix.labelPrefix = "lambda/";
    std::printf("    label_prefix (all)       %7.2f ms\n", auditPage(widePrefix));
    AuditFilter rare = audit100;
    rare.verdict = Verdict::DeniedScope;
    std::printf("    verdict (0.1%%)           %7.2f ms\n", auditPage(rare));
    AuditFilter vendor = audit100;
    vendor.vendor = "twilio";
    std::printf("    vendor (no index)        %7.2f ms\n", auditPage(vendor));
    AuditFilter oldHour = audit100;
    oldHour.since = kNow - std::chrono::milliseconds(auditRows * 80LL) + 1h;
    oldHour.until = *oldHour.since + 1h;
    std::printf("    since/until, oldest hour %7.2f ms\n", auditPage(oldHour));
    AuditFilter today = audit100;
    today.since = kWindow.start;
    std::printf("    since today              %7.2f ms\n", auditPage(today));
    AuditFilter admin = audit100;
    admin.kind = "admin";
    std::printf("    kind=admin               %7.2f ms\n", auditPage(admin));
}

} // namespace

int main(int argc, char **argv)
{
    std::string dir;
    bool quick = false;
    bool commitOnly = false;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--quick")
            quick = true;
        else if (arg == "--commit-only")
            commitOnly = true;
        else
            dir = arg;
    }
    if (dir.empty()) {
        char pattern[] = "/tmp/bench_sqlitestore.XXXXXX";
        dir = mkdtemp(pattern);
    }

    const int clients = 64;
    const int pairs = quick ? 50 : 300;
    std::printf("group commit, synchronous=FULL, %d client threads x %d admit+settle pairs:\n",
                clients, pairs);
    const double batched = groupCommit(dir + "/commit.db", 512, clients, pairs);
    std::printf("  maxBatch 512: %9.0f pairs/s\n", batched);
    const double single = groupCommit(dir + "/commit.db", 1, clients, pairs / 5);
    std::printf("  maxBatch 1:   %9.0f pairs/s\n", single);
    std::printf("  ratio: %.1fx\n", batched / single);

    if (commitOnly) {
        std::filesystem::remove_all(dir);
        return 0;
    }
    std::printf("lists at scale:\n");
    listsAtScale(dir + "/lists.db", quick ? 10'000 : 100'000, quick ? 100'000 : 1'000'000);
    std::filesystem::remove_all(dir);
    return 0;
}
