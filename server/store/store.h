#pragma once

#include "domain.h"
#include "eventtypes.h"
#include "reporttypes.h"
#include "spendcalendar.h"

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace keybrake {

// Why a store call failed. Unavailable covers every I/O, lock or corruption failure: the proxy
// answers 503 store_unavailable and never fails open.
enum class StoreError {
    Unavailable,
    NotFound,
    Conflict,
};

template<class T>
class StoreResult
{
public:
    StoreResult(T value)
        : m_value(std::move(value))
    {
    }
    StoreResult(StoreError error)
        : m_value(error)
    {
    }
    bool ok() const { return std::holds_alternative<T>(m_value); }
    explicit operator bool() const { return ok(); }
    T &value() { return std::get<T>(m_value); }
    const T &value() const { return std::get<T>(m_value); }
    T *operator->() { return &value(); }
    const T *operator->() const { return &value(); }
    StoreError error() const { return std::get<StoreError>(m_value); }

private:
    std::variant<T, StoreError> m_value;
};

struct Done
{
};

// Callbacks run on one of the store's own threads after the transaction has committed (or
// failed); they must be short and must not call back into the store synchronously.
template<class T>
using StoreCallback = std::function<void(StoreResult<T>)>;

// An Idempotency-Key as the proxy or the issuance route sees it.
struct IdempotencyClaim
{
    std::string scope; // proxy: the vendor ("stripe"); issuance: "issue:" + admin key id
    std::string key; // the header's value
    std::string fingerprint; // SHA-256 hex of method, path and body
};

struct StoredResponse
{
    int status = 0;
    std::vector<std::pair<std::string, std::string>> headers; // content-type and vendor ids only
    std::string body;
};

struct CostEstimate
{
    enum class Outcome {
        Known,
        Unknown, // a money-moving operation whose cost cannot be estimated
        CurrencyUnsupported, // a currency with no configured rate
    };
    Outcome outcome = Outcome::Known;
    Usd amount; // the hold, when Known (0 for reads)
    std::string currency; // lower case, as sent
    std::optional<std::int64_t> originalAmount; // minor units, as sent
};

// The atomic admission of one proxied call: in one transaction the store re-checks that the key
// is neither revoked nor expired, applies the Idempotency-Key rules, and takes a hold of the
// estimate only if settled + held + estimate <= cap in the window. Any refusal is written to the
// audit log in the same transaction.
struct AdmissionRequest
{
    std::string keyId;
    TimePoint now;
    SpendWindow window;
    std::optional<IdempotencyClaim> idempotency;
    // Whether the vendor deduplicates this call by its Idempotency-Key: only then does a retry
    // of a call whose outcome is unknown resume its hold; otherwise it is a new call with its own
    // hold on this key's cap. Only a key with the recorded call's agent_run_label may replay or
    // resume it (any other: IdempotencyMismatch).
    bool vendorDeduplicates = true;
    CostEstimate estimate;
    // Pre-filled by the proxy (request id, key, label, vendor, method, path, operation, scope id,
    // idempotency key). For a refusal the store sets verdict, reason, http_status, cost and
    // cap_usage_after and writes it.
    AuditEntry audit;
};

struct AdmissionResult
{
    enum class Outcome {
        Admitted,
        Replayed, // completed duplicate: answer `replay`, no hold, no charge
        InFlight, // 409 idempotency_key_in_use
        IdempotencyMismatch, // 422 idempotency_key_reused
        UnknownKey, // 401 invalid_key (the key vanished between lookup and admission)
        Revoked, // 401 key_revoked
        Expired, // 401 key_expired
        CostUnknown, // 422 cost_unknown
        CurrencyUnsupported, // 422 currency_not_supported
        CapExhausted, // 429 cap_exhausted
        PrefixBlocked, // 403 prefix_blocked: `block`
        RateExceeded, // 429 rate_exceeded: `rate`
    };
    struct RateRefusal
    {
        std::string limit; // "calls_per_minute" | "usd_per_minute"
        std::optional<std::int64_t> maxCallsPerMinute;
        std::optional<Usd> maxUsdPerMinute;
        std::int64_t callsInWindow = 0;
        Usd usdInWindow;
        std::chrono::seconds retryAfter {1};
    };
    Outcome outcome = Outcome::Admitted;
    std::int64_t holdId = 0; // Admitted
    bool resumedHold = false; // Admitted by retrying a claim whose outcome was unknown: the
                              // earlier hold is reused, nothing new is reserved
    StoredResponse replay; // Replayed
    std::optional<TimePoint> revokedAt;
    std::optional<TimePoint> expiredAt;
    std::optional<PrefixBlock> block; // PrefixBlocked
    RateRefusal rate; // RateExceeded
    Usd cap;
    KeySpend spend; // the key's spend in the window after the decision
    std::string auditId; // the refusal's or replay's audit row
};

// How an admitted call ended. The hold is settled in the window it was taken in.
struct Settlement
{
    enum class Kind {
        Charge, // 2xx: settle at `amount` (parsed, or the estimate when the vendor is silent)
        Release, // nothing happened at the vendor (refused connection, 4xx, 429): spend 0
        KeepUnknown, // timeout or connection loss after sending, or 5xx: the hold stays, marked
                     // unknown, counting against the cap until reconciled
    };
    std::int64_t holdId = 0;
    Kind kind = Kind::Charge;
    Usd amount;
    CostSource source = CostSource::Parsed;
    // The claim taken at admission, if any. With a response it is completed (and replayed to
    // later duplicates); with Release and no response it is forgotten, so a retry is a new
    // request; with KeepUnknown and no response it stays open for a retry to resume.
    std::optional<IdempotencyClaim> idempotency;
    std::optional<StoredResponse> response;
    AuditEntry audit; // complete except id and cap_usage_after, which the store fills
};

struct SettlementResult
{
    Usd cap;
    KeySpend spend;
    std::string auditId;
};

struct IssueKeyRequest
{
    VaultKey key;
    std::optional<IdempotencyClaim> idempotency;
    std::string sealedSecret; // the vault key sealed under the master key, kept 48 h for replays
    AuditEntry audit;
};

struct IssueKeyResult
{
    enum class Outcome {
        Created,
        Replayed, // same claim and fingerprint: `key` and `sealedSecret` are the original ones
        IdempotencyMismatch,
        IdempotencyInFlight,
        PrefixBlocked, // the label is under `block`: nothing was issued
        IssuerRevoked, // the issuing admin key was revoked after it authenticated
    };
    Outcome outcome = Outcome::Created;
    std::optional<PrefixBlock> block;
    VaultKey key; // Created: with the velocity defaults applied
    std::string sealedSecret;
};

struct RevokeResult
{
    TimePoint revokedAt; // the original time when the key was already revoked
    bool alreadyRevoked = false;
    Usd heldAtRevoke; // open holds of the key when it was revoked
};

struct BulkRevokeRequest
{
    std::vector<std::string> keyIds; // either these ...
    std::optional<std::string> labelPrefix; // ... or every key whose label starts with this
    std::optional<Vendor> vendor; // narrows label_prefix
    bool dryRun = false;
    TimePoint now;
    SpendWindow window;
    AuditEntry audit; // one admin row per revoked key is derived from it (actor, reason)
    // With labelPrefix: the block created in the same transaction (not on a dry run).
    std::optional<PrefixBlock> block;
};

struct BulkRevokeResult
{
    std::vector<std::string> keyIds; // the keys revoked (or, on a dry run, that would be)
    std::vector<std::string> notFound;
    Usd held; // their open holds in the window
    TimePoint revokedAt;
    std::optional<PrefixBlock> block; // as created
};

struct KeyView
{
    VaultKey key;
    KeySpend today;
};

// The status a key shows at `now`. listKeys' status filter applies the same rule, so the admin
// API derives the field with this and never disagrees with the filter.
inline KeyStatus keyStatus(const KeyView &view, TimePoint now)
{
    if (view.key.revokedAt)
        return KeyStatus::Revoked;
    if (now >= view.key.expiresAt)
        return KeyStatus::Expired;
    if (view.today.settled + view.today.held >= view.key.dailyCap)
        return KeyStatus::Capped;
    return KeyStatus::Active;
}

struct KeyFilter
{
    std::optional<KeyStatus> status;
    std::optional<Vendor> vendor;
    std::string labelPrefix;
    std::string query; // case-insensitive substring of name or label
    int limit = 100;
    std::string cursor; // opaque, from a previous page
};

struct AuditFilter
{
    std::string kind = "call"; // "call", "admin" or "all"
    std::string actor; // admin key id of admin rows
    std::string keyId;
    std::string label;
    std::string labelPrefix;
    std::string vendor;
    std::optional<Verdict> verdict;
    std::optional<TimePoint> since; // inclusive
    std::optional<TimePoint> until; // exclusive
    int limit = 100;
    std::string cursor;
};

template<class T>
struct Page
{
    std::vector<T> data;
    std::string nextCursor; // empty on the last page
};

struct TodayStats
{
    std::int64_t activeKeys = 0;
    Usd spent;
    Usd held;
    std::int64_t calls = 0;
    std::int64_t blocked = 0;
};

// The storage interface. SQLite (one writer thread with group commit, WAL readers) implements it
// today; PostgreSQL joins later behind the same calls, without the proxy changing. Every call is
// asynchronous; results arrive through the callback once durable.
class Store
{
public:
    virtual ~Store() = default;

    virtual std::string_view kind() const = 0; // "sqlite" | "postgres"

    // --- the proxy's hot path
    virtual void findVaultKeyByHash(std::string secretHash,
                                    StoreCallback<std::optional<VaultKey>> done) = 0;
    virtual void admit(AdmissionRequest request, StoreCallback<AdmissionResult> done) = 0;
    virtual void settle(Settlement settlement, StoreCallback<SettlementResult> done) = 0;
    // A refusal decided before admission (invalid key, vendor, endpoint, scope, or revoked and
    // expired keys seen at lookup). Counts against the key's blocked_today when it has a key.
    virtual void recordRefusal(AuditEntry entry, SpendWindow window,
                               StoreCallback<std::string> done) = 0; // the audit row id

    // --- admin
    virtual void findAdminKeyByHash(std::string secretHash,
                                    StoreCallback<std::optional<AdminKey>> done) = 0;
    virtual void issueKey(IssueKeyRequest request, StoreCallback<IssueKeyResult> done) = 0;
    virtual void getKey(std::string keyId, SpendWindow window, TimePoint now,
                        StoreCallback<std::optional<KeyView>> done) = 0;
    virtual void listKeys(KeyFilter filter, SpendWindow window, TimePoint now,
                          StoreCallback<Page<KeyView>> done) = 0;
    // NotFound when the key does not exist.
    virtual void revokeKey(std::string keyId, TimePoint now, SpendWindow window, AuditEntry audit,
                           StoreCallback<RevokeResult> done) = 0;
    virtual void revokeKeys(BulkRevokeRequest request, StoreCallback<BulkRevokeResult> done) = 0;
    virtual void listAudit(AuditFilter filter, StoreCallback<Page<AuditEntry>> done) = 0;
    virtual void todayStats(SpendWindow window, TimePoint now, StoreCallback<TodayStats> done) = 0;

    // --- runs and reports (reporttypes.h says what every total counts)
    // Runs with calls in the range, latest activity first. NotFound on a foreign cursor.
    virtual void listRuns(RunFilter filter, TimePoint now,
                          StoreCallback<Page<RunSummary>> done) = 0;
    // nullopt when no key carries the label. `today` gives each key its spend today.
    virtual void getRun(std::string label, TimeRange range, SpendWindow today, TimePoint now,
                        StoreCallback<std::optional<RunDetail>> done) = 0;
    virtual void runTimeline(TimelineQuery query, StoreCallback<RunTimeline> done) = 0;
    virtual void agentReport(ReportSpan span, StoreCallback<std::vector<AgentTotals>> done) = 0;
    // Per spend window (starting in [from, to)) and vendor; days without calls are absent.
    virtual void vendorDailyReport(TimePoint windowsFrom, TimePoint windowsTo,
                                   StoreCallback<std::vector<VendorDay>> done) = 0;
    virtual void anomalyInputs(AnomalyQuery query, StoreCallback<AnomalyInputs> done) = 0;

    virtual void createAdminKey(AdminKey key, AuditEntry audit, StoreCallback<Done> done) = 0;
    // NotFound when the admin key does not exist; Conflict when it is the last active admin.
    virtual void revokeAdminKey(std::string id, TimePoint now, AuditEntry audit,
                                StoreCallback<AdminKey> done) = 0;
    virtual void listAdminKeys(StoreCallback<std::vector<AdminKey>> done) = 0;
    // Vault keys each admin key issued since `since` (ids without any are absent).
    virtual void keysIssuedSince(TimePoint since,
                                 StoreCallback<std::map<std::string, std::int64_t>> done) = 0;
    // Records that the admin key was used at `at`.
    virtual void touchAdminKey(std::string id, TimePoint at, StoreCallback<Done> done) = 0;

    // --- prefix blocks and velocity limits (contract: "Stopping an agent, not only its keys")
    // The block that refuses a call of a key with this label and vendor at `now`, if any (the
    // proxy's check at lookup; admit() checks again inside the admission).
    virtual void findActiveBlock(std::string label, Vendor vendor, TimePoint now,
                                 StoreCallback<std::optional<PrefixBlock>> done) = 0;
    virtual void createBlock(PrefixBlock block, AuditEntry audit,
                             StoreCallback<PrefixBlock> done) = 0;
    // NotFound when no block has the id; a lifted block is returned as it is. `audit` carries
    // the actor and reason.
    virtual void liftBlock(std::string id, TimePoint now, AuditEntry audit,
                           StoreCallback<PrefixBlock> done) = 0;
    virtual void listBlocks(bool all, TimePoint now,
                            StoreCallback<std::vector<PrefixBlock>> done) = 0;
    virtual void listVelocityDefaults(StoreCallback<std::vector<VelocityDefault>> done) = 0;
    virtual void putVelocityDefault(VelocityDefault value, AuditEntry audit,
                                    StoreCallback<VelocityDefault> done) = 0;
    // NotFound when the prefix has no default.
    virtual void deleteVelocityDefault(std::string labelPrefix, AuditEntry audit,
                                       StoreCallback<Done> done) = 0;
    virtual void countActiveAdminKeys(StoreCallback<std::int64_t> done) = 0;

    // --- live events (eventtypes.h)
    // Events after `afterId` that match `filter`, at most `limit`, from one snapshot; with a
    // limit of 0 only the page's latestId and oldestId.
    virtual void readEvents(std::int64_t afterId, EventFilter filter, int limit,
                            StoreCallback<EventPage> done) = 0;
    // Announces key.expired for keys whose expiry passed by `now` (once per key); the server
    // runs it every second and whenever the test clock moves. Returns how many were announced.
    virtual void expireKeys(TimePoint now, StoreCallback<std::int64_t> done) = 0;
    // Where committed events go (one sink; set before serving, or empty to stop).
    virtual void setEventSink(EventSink sink) = 0;

    // --- housekeeping
    // Drops idempotency records older than `olderThan` (48 h retention).
    virtual void purgeIdempotency(TimePoint olderThan, StoreCallback<std::int64_t> done) = 0;
    // At start-up, before serving: idempotency records left in flight by a process that died
    // (and their holds) become unknown, so a retry resumes them. Returns how many.
    virtual void reconcileInterruptedCalls(StoreCallback<std::int64_t> done) = 0;
    // Operations waiting for the writer; exported as a metric.
    virtual std::size_t pendingWrites() const = 0;
    // Finishes queued work and stops the store's threads; later calls fail with Unavailable.
    virtual void close() = 0;
};

} // namespace keybrake
