#pragma once

#include "clock.h"
#include "store/sqlitestore.h"

#include <QCoreApplication>
#include <QTemporaryDir>
#include <QTest>

#include <chrono>
#include <cstdio>
#include <future>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

// What the store suites share: the backends they run against, a way to wait for one call, and
// builders for keys and requests.
//
// The contract suites (tst_store*) are typed on the Store interface only and run once per
// backend (KEYBRAKE_STORE_CONTRACT_MAIN): whatever they assert holds for every store keybraked
// can run on. Suites of one backend's own behaviour (file modes, locking) use it directly.
namespace keybrake::testing {

using namespace std::chrono_literals;

inline TimePoint at(const char *rfc3339)
{
    const auto when = parseRfc3339(rfc3339);
    if (!when)
        throw std::invalid_argument(rfc3339);
    return *when;
}

// Noon on a day of the tests, and that UTC day as the spend window.
inline const TimePoint kNoon = at("2026-11-28T12:00:00.000Z");
inline SpendWindow dayOf(TimePoint when)
{
    const auto start = std::chrono::floor<std::chrono::days>(when);
    return SpendWindow {start, start + 24h};
}
inline const SpendWindow kToday = dayOf(kNoon);

// Runs one store call and waits for its callback. A store that never answers fails the test
// instead of hanging it.
template<class T, class Start>
StoreResult<T> call(Start start)
{
    auto promise = std::make_shared<std::promise<StoreResult<T>>>();
    auto future = promise->get_future();
    start(StoreCallback<T>(
        [promise](StoreResult<T> result) { promise->set_value(std::move(result)); }));
    if (future.wait_for(60s) != std::future_status::ready)
        throw std::runtime_error("the store never answered");
    return future.get();
}

// The knobs the suites set, in backend-neutral terms.
struct StoreBackendOptions
{
    std::int64_t eventRetention = 50'000;
};

// A database a contract suite runs against.
class StoreBackend
{
public:
    using Options = StoreBackendOptions;

    virtual ~StoreBackend() = default;
    virtual const char *name() const = 0;
    // A store on a new, empty database of its own.
    virtual std::unique_ptr<Store> open(Options options = {}) = 0;
    // The database of the last open() again, in a new store (the old one must be gone).
    virtual std::unique_ptr<Store> reopen(Options options = {}) = 0;
    // One more store on the database of the last open() while the others stay open: another
    // keybraked instance sharing it.
    virtual std::unique_ptr<Store> another() = 0;
};

// SQLite: a file in a fresh temporary directory.
class SqliteBackend final : public StoreBackend
{
public:
    const char *name() const override { return "sqlite"; }
    std::unique_ptr<Store> open(Options options) override
    {
        m_dir = std::make_unique<QTemporaryDir>();
        if (!m_dir->isValid())
            throw std::runtime_error("no temporary directory");
        return reopen(options);
    }
    std::unique_ptr<Store> reopen(Options options) override
    {
        SqliteStore::Options sqlite;
        sqlite.path = m_dir->filePath(QStringLiteral("keybrake.db")).toStdString();
        sqlite.eventRetention = options.eventRetention;
        return SqliteStore::open(std::move(sqlite));
    }
    std::unique_ptr<Store> another() override
    {
        SqliteStore::Options sqlite;
        sqlite.path = m_dir->filePath(QStringLiteral("keybrake.db")).toStdString();
        // Writers of several stores take turns at the file's lock: on a loaded machine a turn
        // may wait long, and a test must not depend on the machine's speed.
        sqlite.busyTimeout = std::chrono::seconds(60);
        return SqliteStore::open(std::move(sqlite));
    }

private:
    std::unique_ptr<QTemporaryDir> m_dir;
};

// Every backend built and available here: SQLite always.
inline std::vector<std::unique_ptr<StoreBackend>> storeBackends()
{
    std::vector<std::unique_ptr<StoreBackend>> backends;
    backends.push_back(std::make_unique<SqliteBackend>());
    return backends;
}

// The backend the running contract suite is on.
inline StoreBackend *&currentBackend()
{
    static StoreBackend *backend = nullptr;
    return backend;
}
inline StoreBackend &backend()
{
    if (!currentBackend())
        throw std::logic_error("no store backend selected");
    return *currentBackend();
}

// Runs the test object once per backend; fails when any run failed.
template<class TestObject>
int runOnEveryBackend(int argc, char **argv)
{
    int failed = 0;
    for (const auto &each : storeBackends()) {
        currentBackend() = each.get();
        std::printf("*** store backend: %s\n", each->name());
        std::fflush(stdout);
        TestObject test;
        failed += QTest::qExec(&test, argc, argv);
    }
    currentBackend() = nullptr;
    return failed;
}

inline std::unique_ptr<SqliteStore> openStore(const QTemporaryDir &dir,
                                              SqliteStore::Options options = {})
{
    options.path = dir.filePath(QStringLiteral("keybrake.db")).toStdString();
    return SqliteStore::open(std::move(options));
}

inline VaultKey makeKey(const std::string &id, Usd cap, const std::string &label = "run/1",
                        TimePoint createdAt = kNoon - 1h, TimePoint expiresAt = kNoon + 1h,
                        Vendor vendor = Vendor::Stripe)
{
    VaultKey key;
    key.id = id;
    key.name = "key " + id;
    key.vendor = vendor;
    key.secretHash = "hash-of-" + id;
    key.keyHint = "vault_key_…" + id.substr(id.size() > 4 ? id.size() - 4 : 0);
    key.dailyCap = cap;
    key.allowedEndpoints = {"payment_intents.create"};
    key.agentRunLabel = label;
    key.createdAt = createdAt;
    key.expiresAt = expiresAt;
    key.createdBy = "ak_test";
    return key;
}

inline AuditEntry adminAudit(const std::string &action, TimePoint ts = kNoon)
{
    AuditEntry audit;
    audit.kind = "admin";
    audit.ts = ts;
    audit.requestId = "req_admin";
    audit.action = action;
    audit.actor = "ak_test";
    return audit;
}

inline void issue(Store &store, const VaultKey &key)
{
    IssueKeyRequest request;
    request.key = key;
    request.audit = adminAudit("key.issued", key.createdAt);
    const auto result =
        call<IssueKeyResult>([&](auto done) { store.issueKey(std::move(request), done); });
    if (!result.ok() || result->outcome != IssueKeyResult::Outcome::Created)
        throw std::runtime_error("cannot issue " + key.id);
}

inline AdmissionRequest admission(const std::string &keyId, Usd estimate, TimePoint now = kNoon)
{
    AdmissionRequest request;
    request.keyId = keyId;
    request.now = now;
    request.window = dayOf(now);
    request.estimate.amount = estimate;
    request.estimate.currency = "usd";
    request.audit.ts = now;
    request.audit.requestId = "req_call";
    request.audit.keyId = keyId;
    request.audit.vendor = "stripe";
    request.audit.method = "POST";
    request.audit.path = "/v1/payment_intents";
    request.audit.operation = "payment_intents.create";
    return request;
}

inline IdempotencyClaim claim(const std::string &key, const std::string &fingerprint = "fp-1",
                              const std::string &scope = "stripe")
{
    return IdempotencyClaim {scope, key, fingerprint};
}

inline Settlement settlement(std::int64_t holdId, Settlement::Kind kind, Usd amount,
                             TimePoint now = kNoon)
{
    Settlement settle;
    settle.holdId = holdId;
    settle.kind = kind;
    settle.amount = amount;
    settle.audit.ts = now;
    settle.audit.requestId = "req_call";
    settle.audit.vendor = "stripe";
    settle.audit.verdict = Verdict::Allowed;
    settle.audit.httpStatus = 200;
    settle.audit.cost = kind == Settlement::Kind::Charge ? amount : Usd();
    settle.audit.costSource = CostSource::Parsed;
    return settle;
}

inline AdmissionResult admit(Store &store, AdmissionRequest request)
{
    auto result = call<AdmissionResult>([&](auto done) { store.admit(std::move(request), done); });
    if (!result.ok())
        throw std::runtime_error("admission failed in the store");
    return std::move(result.value());
}

inline StoreResult<SettlementResult> settle(Store &store, Settlement request)
{
    return call<SettlementResult>([&](auto done) { store.settle(std::move(request), done); });
}

inline KeyView view(Store &store, const std::string &keyId, const SpendWindow &window = kToday)
{
    auto result = call<std::optional<KeyView>>(
        [&](auto done) { store.getKey(keyId, window, window.start, done); });
    if (!result.ok() || !result.value())
        throw std::runtime_error("no key " + keyId);
    return std::move(*result.value());
}

inline std::vector<AuditEntry> auditOf(Store &store, AuditFilter filter)
{
    std::vector<AuditEntry> rows;
    filter.limit = 1000;
    for (;;) {
        auto page = call<Page<AuditEntry>>([&](auto done) { store.listAudit(filter, done); });
        if (!page.ok())
            throw std::runtime_error("cannot list the audit log");
        rows.insert(rows.end(), page->data.begin(), page->data.end());
        if (page->nextCursor.empty())
            return rows;
        filter.cursor = page->nextCursor;
    }
}

} // namespace keybrake::testing

#define KEYBRAKE_STORE_CONTRACT_MAIN(TestObject)                                                   \
    int main(int argc, char **argv)                                                                \
    {                                                                                              \
        QCoreApplication app(argc, argv);                                                          \
        return keybrake::testing::runOnEveryBackend<TestObject>(argc, argv);                       \
    }

// Readable failure messages for the store's types.
namespace QTest {
template<>
inline char *toString(const keybrake::Usd &usd)
{
    return qstrdup(usd.toDisplay().c_str());
}
template<>
inline char *toString(const keybrake::AdmissionResult::Outcome &outcome)
{
    static const char *const names[] = {
        "Admitted",      "Replayed",    "InFlight",    "IdempotencyMismatch", "UnknownKey",
        "Revoked",       "Expired",     "CostUnknown", "CurrencyUnsupported", "CapExhausted",
        "PrefixBlocked", "RateExceeded"};
    return qstrdup(names[static_cast<int>(outcome)]);
}
template<>
inline char *toString(const keybrake::StoreError &error)
{
    static const char *const names[] = {"Unavailable", "NotFound", "Conflict"};
    return qstrdup(names[static_cast<int>(error)]);
}
template<>
inline char *toString(const keybrake::KeyStatus &status)
{
    return qstrdup(std::string(keyStatusName(status)).c_str());
}
template<>
inline char *toString(const std::string &text)
{
    return qstrdup(text.c_str());
}
} // namespace QTest
