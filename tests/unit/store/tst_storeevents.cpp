// The live event log in the store (every backend): events commit with their change and reach the
// sink after the commit and before the answer; thresholds, key.capped and key.expired once, also
// across a reopen; retention keeps ids increasing; the backlog's SQL filter agrees with the
// in-memory one the live stream uses.

#include "storefixture.h"

#include <QTest>

#include <mutex>

using namespace keybrake;
using namespace keybrake::testing;

namespace {

std::vector<StoredEvent> readAll(Store &store, const EventFilter &filter = {},
                                 std::int64_t after = 0)
{
    auto page = call<EventPage>([&](auto done) { store.readEvents(after, filter, 100000, done); });
    if (!page.ok())
        throw std::runtime_error("cannot read events");
    return std::move(page->events);
}

std::vector<StoredEvent> ofType(const std::vector<StoredEvent> &events, std::string_view type)
{
    std::vector<StoredEvent> matching;
    for (const auto &event : events) {
        if (event.type == type)
            matching.push_back(event);
    }
    return matching;
}

// Admits and charges `dollars` at `now` on key `keyId`.
void spend(Store &store, const std::string &keyId, Usd amount, TimePoint now = kNoon)
{
    const auto admitted = admit(store, admission(keyId, amount, now));
    if (admitted.outcome != AdmissionResult::Outcome::Admitted)
        throw std::runtime_error("not admitted");
    Settlement charge = settlement(admitted.holdId, Settlement::Kind::Charge, amount, now);
    charge.audit.keyId = keyId;
    if (!settle(store, std::move(charge)).ok())
        throw std::runtime_error("not settled");
}

} // namespace

class TestStoreEvents : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void eventsReachTheSinkAfterCommitBeforeTheAnswer();
    void callEventIsTheAuditRow();
    void issuanceReplayAddsNoEvent();
    void thresholdsOncePerWindowAcrossReopen();
    void cappedOncePerWindow();
    void expiryAnnouncedOnceAndNeverForRevokedKeys();
    void retentionDropsTheOldestAndIdsKeepIncreasing();
    void backlogFilterAgreesWithLiveFilter();

private:
    void reopen(StoreBackend::Options options = {});

    std::unique_ptr<Store> m_store;
};

void TestStoreEvents::init()
{
    m_store = backend().open();
}

void TestStoreEvents::cleanup()
{
    m_store.reset();
}

void TestStoreEvents::reopen(StoreBackend::Options options)
{
    m_store.reset();
    m_store = backend().reopen(options);
}

void TestStoreEvents::eventsReachTheSinkAfterCommitBeforeTheAnswer()
{
    std::mutex mutex;
    std::vector<std::string> sequence;
    std::vector<StoredEvent> published;
    bool allCommitted = true;
    m_store->setEventSink([&](std::vector<StoredEvent> events) {
        // Committed: a read connection already sees them.
        const auto committed = readAll(*m_store);
        std::lock_guard lock(mutex);
        for (const auto &event : events) {
            sequence.push_back("sink " + event.type);
            allCommitted = allCommitted
                && std::any_of(committed.begin(), committed.end(),
                               [&](const StoredEvent &e) { return e.id == event.id; });
            published.push_back(event);
        }
    });
    IssueKeyRequest request;
    request.key = makeKey("vk_a", Usd::fromDollars(10));
    request.audit = adminAudit("key.issued", request.key.createdAt);
    const auto issued = call<IssueKeyResult>([&](auto done) {
        m_store->issueKey(std::move(request), [&, done](StoreResult<IssueKeyResult> result) {
            {
                std::lock_guard lock(mutex);
                sequence.push_back("answer");
            }
            done(std::move(result));
        });
    });
    QVERIFY(issued.ok());
    QCOMPARE(sequence, (std::vector<std::string> {"sink key.issued", "answer"}));
    QVERIFY(allCommitted);
    QCOMPARE(published.size(), std::size_t(1));
    QCOMPARE(published[0].keyId, std::string("vk_a"));
    QCOMPARE(published[0].label, std::string("run/1"));
    QVERIFY(published[0].payload.find("\"key_id\":\"vk_a\"") != std::string::npos);
    QCOMPARE(readAll(*m_store).size(), std::size_t(1));
}

void TestStoreEvents::callEventIsTheAuditRow()
{
    issue(*m_store, makeKey("vk_a", Usd::fromDollars(10)));
    spend(*m_store, "vk_a", Usd::fromDollars(2));
    const auto calls = ofType(readAll(*m_store), "call");
    QCOMPARE(calls.size(), std::size_t(1));
    AuditFilter filter;
    const auto rows = auditOf(*m_store, filter);
    QCOMPARE(rows.size(), std::size_t(1));
    QVERIFY(calls[0].payload.find("\"id\":\"" + rows[0].id + "\"") != std::string::npos);
    QVERIFY(calls[0].payload.find("\"cost_usd\":2,") != std::string::npos);
    QCOMPARE(calls[0].keyId, std::string("vk_a"));
}

void TestStoreEvents::issuanceReplayAddsNoEvent()
{
    IssueKeyRequest request;
    request.key = makeKey("vk_a", Usd::fromDollars(10));
    request.idempotency = claim("issue-1", "fp", "issue:ak_test");
    request.audit = adminAudit("key.issued");
    for (int i = 0; i < 2; ++i) {
        IssueKeyRequest copy = request;
        QVERIFY(call<IssueKeyResult>([&](auto done) { m_store->issueKey(copy, done); }).ok());
    }
    QCOMPARE(ofType(readAll(*m_store), "key.issued").size(), std::size_t(1));
}

void TestStoreEvents::thresholdsOncePerWindowAcrossReopen()
{
    issue(*m_store, makeKey("vk_a", Usd::fromDollars(10), "run/1", kNoon - 1h, kNoon + 72h));
    spend(*m_store, "vk_a", Usd::fromDollars(8));
    spend(*m_store, "vk_a", Usd::fromDollars(1));
    reopen();
    spend(*m_store, "vk_a", Usd::fromMicros(400'000)); // $9.40: not yet 95 %
    spend(*m_store, "vk_a", Usd::fromMicros(100'000)); // $9.50: 95 % exactly
    const auto thresholds = ofType(readAll(*m_store), "cap.threshold");
    QCOMPARE(thresholds.size(), std::size_t(2));
    QVERIFY(thresholds[0].payload.find("\"threshold\":0.8}") != std::string::npos);
    QVERIFY(thresholds[0].payload.find("\"spent_today_usd\":8,") != std::string::npos);
    QVERIFY(thresholds[1].payload.find("\"threshold\":0.95}") != std::string::npos);
    QVERIFY(thresholds[1].payload.find("\"spent_today_usd\":9.5,") != std::string::npos);

    const TimePoint tomorrow = kNoon + 24h;
    spend(*m_store, "vk_a", Usd::fromDollars(8), tomorrow);
    const auto later = ofType(readAll(*m_store), "cap.threshold");
    QCOMPARE(later.size(), std::size_t(3));
    QVERIFY(later[2].payload.find("\"threshold\":0.8}") != std::string::npos);
    QVERIFY(later[2].payload.find("\"window_start\":\"2026-11-29T00:00:00.000Z\"")
            != std::string::npos);
}

void TestStoreEvents::cappedOncePerWindow()
{
    issue(*m_store, makeKey("vk_a", Usd::fromDollars(10)));
    // Holding the whole cap makes the key capped before anything settles.
    const auto admitted = admit(*m_store, admission("vk_a", Usd::fromDollars(10)));
    QCOMPARE(ofType(readAll(*m_store), "key.capped").size(), std::size_t(1));
    QVERIFY(ofType(readAll(*m_store), "cap.threshold").empty());
    // Released (a vendor 4xx), then held again: still one key.capped in this window.
    QVERIFY(settle(*m_store, settlement(admitted.holdId, Settlement::Kind::Release, Usd())).ok());
    admit(*m_store, admission("vk_a", Usd::fromDollars(10)));
    QCOMPARE(ofType(readAll(*m_store), "key.capped").size(), std::size_t(1));
}

void TestStoreEvents::expiryAnnouncedOnceAndNeverForRevokedKeys()
{
    issue(*m_store, makeKey("vk_a", Usd::fromDollars(10), "run/1", kNoon - 1h, kNoon + 1h));
    issue(*m_store, makeKey("vk_b", Usd::fromDollars(10), "run/1", kNoon - 1h, kNoon + 1h));
    QVERIFY(call<RevokeResult>([&](auto done) {
                m_store->revokeKey("vk_b", kNoon, kToday, adminAudit("key.revoked"), done);
            }).ok());
    const auto expire = [&](TimePoint now) {
        return call<std::int64_t>([&](auto done) { m_store->expireKeys(now, done); }).value();
    };
    QCOMPARE(expire(kNoon), std::int64_t(0));
    QCOMPARE(expire(kNoon + 1h), std::int64_t(1)); // at the expiry instant, as admission refuses
    QCOMPARE(expire(kNoon + 2h), std::int64_t(0));
    reopen();
    QCOMPARE(expire(kNoon + 3h), std::int64_t(0));
    const auto expired = ofType(readAll(*m_store), "key.expired");
    QCOMPARE(expired.size(), std::size_t(1));
    QCOMPARE(expired[0].keyId, std::string("vk_a"));
    QVERIFY(expired[0].payload.find("\"expired_at\":\"2026-11-28T13:00:00.000Z\"")
            != std::string::npos);
}

void TestStoreEvents::retentionDropsTheOldestAndIdsKeepIncreasing()
{
    StoreBackend::Options options;
    options.eventRetention = 20;
    reopen(options);
    for (int i = 0; i < 60; ++i)
        issue(*m_store, makeKey("vk_" + std::to_string(100 + i), Usd::fromDollars(1)));
    auto page = call<EventPage>([&](auto done) { m_store->readEvents(0, {}, 1000, done); });
    QVERIFY(page.ok());
    QCOMPARE(page->latestId, std::int64_t(60));
    // At least the retention, at most a tenth more (the writer trims now and then).
    QVERIFY(page->events.size() >= 20 && page->events.size() <= 22);
    QCOMPARE(page->oldestId, page->events.front().id);
    QCOMPARE(page->events.back().id, std::int64_t(60));

    reopen(options);
    issue(*m_store, makeKey("vk_200", Usd::fromDollars(1)));
    const auto events = readAll(*m_store);
    QCOMPARE(events.back().id, std::int64_t(61));
}

void TestStoreEvents::backlogFilterAgreesWithLiveFilter()
{
    // Labels with LIKE wildcards and non-ASCII bytes: the prefix is byte-wise in both places.
    const std::vector<std::string> labels {"fleet/a%1", "fleet/a_1", "fleet/ab",
                                           "fleet/é",   "fleet",     "other/a"};
    for (std::size_t i = 0; i < labels.size(); ++i) {
        const std::string id = "vk_" + std::to_string(i);
        issue(*m_store, makeKey(id, Usd::fromDollars(10), labels[i]));
        spend(*m_store, id, Usd::fromDollars(9));
    }
    QVERIFY(call<RevokeResult>([&](auto done) {
                m_store->revokeKey("vk_2", kNoon, kToday, adminAudit("key.revoked"), done);
            }).ok());
    const auto all = readAll(*m_store);

    std::vector<EventFilter> filters(7);
    filters[1].types = {"call"};
    filters[2].types = {"key.issued", "key.revoked"};
    filters[3].keyId = "vk_2";
    filters[4].labelPrefix = "fleet/a%";
    filters[5].labelPrefix = "fleet/\xc3";
    filters[6].types = {"cap.threshold"};
    filters[6].labelPrefix = "fleet/a";
    for (const EventFilter &filter : filters) {
        std::vector<std::int64_t> expected;
        for (const auto &event : all) {
            if (filter.matches(event))
                expected.push_back(event.id);
        }
        std::vector<std::int64_t> fromSql;
        for (const auto &event : readAll(*m_store, filter))
            fromSql.push_back(event.id);
        QCOMPARE(fromSql, expected);
        QVERIFY(!expected.empty());
    }

    // Paging: a full page ends at its last event, the last page at the newest id.
    EventFilter calls;
    calls.types = {"call"};
    auto first = call<EventPage>([&](auto done) { m_store->readEvents(0, calls, 2, done); });
    QCOMPARE(first->events.size(), std::size_t(2));
    QCOMPARE(first->scannedThrough, first->events.back().id);
    auto rest = call<EventPage>(
        [&](auto done) { m_store->readEvents(first->scannedThrough, calls, 100, done); });
    QCOMPARE(rest->events.size(), labels.size() - 2);
    QCOMPARE(rest->scannedThrough, all.back().id);
}

KEYBRAKE_STORE_CONTRACT_MAIN(TestStoreEvents)
#include "tst_storeevents.moc"
