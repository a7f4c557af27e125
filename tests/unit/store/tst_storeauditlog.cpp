// The audit log in the store (every backend): every field survives, ids increase, and each filter
// and combination pages through exactly the rows it should, newest first, without duplicates or
// gaps.

#include "storefixture.h"

#include <QTest>

#include <random>

using namespace keybrake;
using namespace keybrake::testing;

namespace {

const std::vector<std::string> kKeys {"", "vk_1", "vk_2", "vk_3", "vk_4"};
const std::vector<std::string> kLabelStems {"team-a/run-", "team-b/run-", "team_a/run-",
                                            "teamXa/run-"};
const std::vector<std::string> kVendors {"stripe", "twilio", "resend"};
const std::vector<Verdict> kVerdicts {
    Verdict::Allowed,  Verdict::Allowed,     Verdict::Allowed,       Verdict::DeniedCap,
    Verdict::Replayed, Verdict::DeniedScope, Verdict::DeniedRevoked, Verdict::UpstreamError};

bool matches(const AuditEntry &row, const AuditFilter &filter)
{
    if (filter.kind != "all" && row.kind != filter.kind)
        return false;
    if (!filter.keyId.empty() && row.keyId != filter.keyId)
        return false;
    if (!filter.label.empty() && row.agentRunLabel != filter.label)
        return false;
    if (!filter.labelPrefix.empty() && row.agentRunLabel.rfind(filter.labelPrefix, 0) != 0)
        return false;
    if (!filter.vendor.empty() && row.vendor != filter.vendor)
        return false;
    if (filter.verdict && verdictName(row.verdict) != verdictName(*filter.verdict))
        return false;
    if (filter.since && row.ts < *filter.since)
        return false;
    if (filter.until && row.ts >= *filter.until)
        return false;
    return true;
}

} // namespace

class TestStoreAuditLog : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void everyFieldSurvives();
    void filtersAndPaging_data();
    void filtersAndPaging();

private:
    std::unique_ptr<Store> m_store;
    std::vector<AuditEntry> m_rows; // as written, with their ids; oldest first
};

void TestStoreAuditLog::initTestCase()
{
    m_store = backend().open();
    for (std::size_t i = 1; i < kKeys.size(); ++i)
        issue(*m_store, makeKey(kKeys[i], Usd::fromDollars(100)));
    // The issuances wrote admin rows of their own.
    AuditFilter all;
    all.kind = "all";
    m_rows = auditOf(*m_store, all);
    std::reverse(m_rows.begin(), m_rows.end());

    // 6,000 rows over almost three days, with times that wander against the id order, so time
    // filters cannot lean on it.
    std::mt19937 random(7);
    const auto pick = [&random](const auto &values) {
        return values[std::uniform_int_distribution<std::size_t>(0, values.size() - 1)(random)];
    };
    std::vector<std::future<StoreResult<std::string>>> ids;
    std::vector<AuditEntry> written;
    for (int i = 0; i < 6000; ++i) {
        AuditEntry entry;
        entry.kind = i % 29 == 0 ? "admin" : "call";
        entry.ts = kToday.start + std::chrono::seconds(i * 40)
            + std::chrono::seconds(std::uniform_int_distribution<int>(-900, 900)(random));
        entry.requestId = "req_" + std::to_string(i);
        entry.keyId = pick(kKeys);
        entry.agentRunLabel = pick(kLabelStems) + std::to_string(i % 40);
        entry.vendor = pick(kVendors);
        entry.verdict = pick(kVerdicts);
        entry.httpStatus = entry.verdict == Verdict::DeniedCap ? 429 : 200;
        entry.cost = Usd::fromMicros(i);
        auto promise = std::make_shared<std::promise<StoreResult<std::string>>>();
        ids.push_back(promise->get_future());
        m_store->recordRefusal(entry, dayOf(entry.ts),
                               [promise](StoreResult<std::string> id) { promise->set_value(id); });
        written.push_back(std::move(entry));
    }
    for (std::size_t i = 0; i < written.size(); ++i) {
        auto id = ids[i].get();
        QVERIFY(id.ok());
        written[i].id = id.value();
        m_rows.push_back(written[i]);
    }
}

void TestStoreAuditLog::cleanupTestCase()
{
    m_store.reset();
}

void TestStoreAuditLog::everyFieldSurvives()
{
    AuditEntry entry;
    entry.ts = kNoon + 17ms;
    entry.requestId = "req_full";
    entry.keyId = "vk_1";
    entry.keyName = "billing agent run";
    entry.agentRunLabel = "full/one";
    entry.vendor = "stripe";
    entry.method = "POST";
    entry.path = "/v1/payment_intents";
    entry.operation = "payment_intents.create";
    entry.verdict = Verdict::UpstreamError;
    entry.reason = "upstream_timeout";
    entry.httpStatus = 504;
    entry.upstreamStatus = 502;
    entry.cost = Usd::fromMicros(25'000'001);
    entry.costSource = CostSource::Estimated;
    entry.currency = "eur";
    entry.originalAmount = 2300;
    entry.capUsageAfter = Usd::fromMicros(37'500'000);
    entry.customerScopeId = "cus_123";
    entry.vendorObjectId = "pi_1";
    entry.vendorRequestId = "req_vendor";
    entry.idempotencyKey = "msg-1";
    entry.latencyMs = 212.4;
    entry.upstreamLatencyMs = 210.9;
    entry.detail = "{\"redacted\":true}";
    const auto id =
        call<std::string>([&](auto done) { m_store->recordRefusal(entry, kToday, done); });
    QVERIFY(id.ok());
    QVERIFY(std::stoll(id.value()) > std::stoll(m_rows.back().id));
    entry.id = id.value();
    m_rows.push_back(entry);

    AuditFilter filter;
    filter.label = "full/one";
    const auto rows = auditOf(*m_store, filter);
    QCOMPARE(rows.size(), std::size_t(1));
    const AuditEntry &read = rows[0];
    QCOMPARE(read.id, id.value());
    QVERIFY(read.ts == entry.ts);
    QCOMPARE(read.kind, std::string("call"));
    QCOMPARE(read.requestId, entry.requestId);
    QCOMPARE(read.keyId, entry.keyId);
    QCOMPARE(read.keyName, entry.keyName);
    QCOMPARE(read.vendor, entry.vendor);
    QCOMPARE(read.method, entry.method);
    QCOMPARE(read.path, entry.path);
    QCOMPARE(read.operation, entry.operation);
    QVERIFY(read.verdict == Verdict::UpstreamError);
    QCOMPARE(read.reason, entry.reason);
    QCOMPARE(read.httpStatus, 504);
    QCOMPARE(read.upstreamStatus.value_or(0), 502);
    QCOMPARE(read.cost, entry.cost);
    QVERIFY(read.costSource == CostSource::Estimated);
    QCOMPARE(read.currency, entry.currency);
    QCOMPARE(read.originalAmount.value_or(0), std::int64_t(2300));
    // Kept as given: the proxy computed it.
    QCOMPARE(read.capUsageAfter.value_or(Usd()), Usd::fromMicros(37'500'000));
    QCOMPARE(read.customerScopeId, entry.customerScopeId);
    QCOMPARE(read.vendorObjectId, entry.vendorObjectId);
    QCOMPARE(read.vendorRequestId, entry.vendorRequestId);
    QCOMPARE(read.idempotencyKey, entry.idempotencyKey);
    QCOMPARE(read.latencyMs.value_or(0), 212.4);
    QCOMPARE(read.upstreamLatencyMs.value_or(0), 210.9);
    QCOMPARE(read.detail, entry.detail);

    // Rows without the optional fields read back without them.
    filter.label = "team-a/run-1";
    const auto plain = auditOf(*m_store, filter);
    QVERIFY(!plain.empty());
    QVERIFY(!plain[0].upstreamStatus && !plain[0].latencyMs && !plain[0].originalAmount);
}

void TestStoreAuditLog::filtersAndPaging_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("keyId");
    QTest::addColumn<QString>("label");
    QTest::addColumn<QString>("labelPrefix");
    QTest::addColumn<QString>("vendor");
    QTest::addColumn<QString>("verdict");
    QTest::addColumn<int>("sinceMinutes"); // from the start of the day; -1 for none
    QTest::addColumn<int>("untilMinutes");
    QTest::addColumn<int>("pageSize");

    const QString none;
    QTest::newRow("calls") << "call" << none << none << none << none << none << -1 << -1 << 97;
    QTest::newRow("admin") << "admin" << none << none << none << none << none << -1 << -1 << 13;
    QTest::newRow("all") << "all" << none << none << none << none << none << -1 << -1 << 1000;
    QTest::newRow("key") << "call"
                         << "vk_2" << none << none << none << none << -1 << -1 << 50;
    QTest::newRow("revoked") << "all" << none << none << none << none << "denied_revoked" << -1
                             << -1 << 10;
    QTest::newRow("label") << "call" << none << "team-b/run-7" << none << none << none << -1 << -1
                           << 5;
    QTest::newRow("literal prefix")
        << "call" << none << none << "team_a/" << none << none << -1 << -1 << 97;
    QTest::newRow("narrow prefix")
        << "all" << none << none << "teamXa/run-3" << none << none << -1 << -1 << 7;
    QTest::newRow("vendor") << "call" << none << none << none << "twilio" << none << -1 << -1
                            << 200;
    QTest::newRow("verdict") << "call" << none << none << none << none << "denied_cap" << -1 << -1
                             << 33;
    QTest::newRow("hour") << "call" << none << none << none << none << none << 600 << 660 << 9;
    QTest::newRow("wide old window")
        << "call" << none << none << none << none << none << 0 << 1500 << 100;
    QTest::newRow("wide old window, all kinds")
        << "all" << none << none << none << none << none << 60 << 1600 << 1000;
    QTest::newRow("since") << "call" << none << none << none << none << none << 1500 << -1 << 100;
    QTest::newRow("until") << "call" << none << none << none << none << none << -1 << 120 << 11;
    QTest::newRow("prefix verdict since")
        << "call" << none << none << "team-a/" << none << "allowed" << 300 << -1 << 20;
    QTest::newRow("key vendor until")
        << "call"
        << "vk_3" << none << none << "resend" << none << -1 << 1200 << 8;
    QTest::newRow("everything") << "call"
                                << "vk_1" << none << "team"
                                << "stripe"
                                << "allowed" << 100 << 1900 << 3;
    QTest::newRow("nothing") << "call"
                             << "vk_9" << none << none << none << none << -1 << -1 << 10;
}

void TestStoreAuditLog::filtersAndPaging()
{
    QFETCH(QString, kind);
    QFETCH(QString, keyId);
    QFETCH(QString, label);
    QFETCH(QString, labelPrefix);
    QFETCH(QString, vendor);
    QFETCH(QString, verdict);
    QFETCH(int, sinceMinutes);
    QFETCH(int, untilMinutes);
    QFETCH(int, pageSize);

    AuditFilter filter;
    filter.kind = kind.toStdString();
    filter.keyId = keyId.toStdString();
    filter.label = label.toStdString();
    filter.labelPrefix = labelPrefix.toStdString();
    filter.vendor = vendor.toStdString();
    if (!verdict.isEmpty())
        filter.verdict = parseVerdict(verdict.toStdString());
    if (sinceMinutes >= 0)
        filter.since = kToday.start + std::chrono::minutes(sinceMinutes);
    if (untilMinutes >= 0)
        filter.until = kToday.start + std::chrono::minutes(untilMinutes);

    std::vector<std::string> expected;
    for (auto row = m_rows.rbegin(); row != m_rows.rend(); ++row) {
        if (matches(*row, filter))
            expected.push_back(row->id);
    }

    std::vector<std::string> seen;
    filter.limit = pageSize;
    for (int pages = 0;; ++pages) {
        QVERIFY(pages <= 6100);
        auto page = call<Page<AuditEntry>>([&](auto done) { m_store->listAudit(filter, done); });
        QVERIFY(page.ok());
        QVERIFY(static_cast<int>(page->data.size()) <= pageSize);
        for (const auto &row : page->data) {
            QVERIFY(matches(row, filter));
            seen.push_back(row.id);
        }
        if (page->nextCursor.empty())
            break;
        QCOMPARE(static_cast<int>(page->data.size()), pageSize);
        filter.cursor = page->nextCursor;
    }
    QCOMPARE(seen.size(), expected.size());
    QCOMPARE(seen, expected);
}

KEYBRAKE_STORE_CONTRACT_MAIN(TestStoreAuditLog)
#include "tst_storeauditlog.moc"
