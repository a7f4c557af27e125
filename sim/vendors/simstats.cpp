#include "vendors/simstats.h"

#include <algorithm>

namespace keybrake::sim {

namespace json = boost::json;

namespace {
constexpr std::array<std::string_view, 3> kVendors = {"stripe", "twilio", "resend"};

// Copies into a slot's existing string so a warm ring reuses its buffers.
void assignInto(std::string &slot, const std::string &value)
{
    slot.assign(value);
}

} // namespace

SimStats::SimStats(std::size_t logCapacity)
    : m_log(std::max<std::size_t>(logCapacity, 1))
{
}

SimStats::InFlight::InFlight(SimStats &stats)
    : m_stats(stats)
{
    const auto now = m_stats.m_inFlight.fetch_add(1, std::memory_order_relaxed) + 1;
    auto seen = m_stats.m_maxInFlight.load(std::memory_order_relaxed);
    while (now > seen
           && !m_stats.m_maxInFlight.compare_exchange_weak(seen, now, std::memory_order_relaxed)) {
    }
}

SimStats::InFlight::~InFlight()
{
    m_stats.m_inFlight.fetch_sub(1, std::memory_order_relaxed);
}

void SimStats::count(SimOperation operation, std::string_view vendor)
{
    m_total.fetch_add(1, std::memory_order_relaxed);
    m_byOperation[static_cast<std::size_t>(operation)].fetch_add(1, std::memory_order_relaxed);
    for (std::size_t i = 0; i < kVendors.size(); ++i) {
        if (kVendors[i] == vendor)
            m_byVendor[i].fetch_add(1, std::memory_order_relaxed);
    }
}

void SimStats::countStatus(unsigned status)
{
    if (status < kStatusSlots)
        m_byStatus[status].fetch_add(1, std::memory_order_relaxed);
}

void SimStats::log(const LoggedRequest &request)
{
    std::lock_guard lock(m_logMutex);
    LoggedRequest &slot = m_log[m_logNext];
    assignInto(slot.method, request.method);
    assignInto(slot.target, request.target);
    assignInto(slot.vendor, request.vendor);
    slot.operation = request.operation;
    assignInto(slot.authScheme, request.authScheme);
    slot.credentialAccepted = request.credentialAccepted;
    assignInto(slot.idempotencyKey, request.idempotencyKey);
    assignInto(slot.contentType, request.contentType);
    assignInto(slot.body, request.body);
    slot.headers = request.headers;
    assignInto(slot.fault, request.fault);
    slot.status = request.status;
    slot.replayed = request.replayed;
    slot.receivedAtMs = request.receivedAtMs;
    m_logNext = (m_logNext + 1) % m_log.size();
    m_logSize = std::min(m_logSize + 1, m_log.size());
}

json::object SimStats::toJson(std::size_t openConnections) const
{
    json::object stats;
    stats["requests_total"] = m_total.load();
    stats["in_flight"] = m_inFlight.load();
    stats["max_in_flight"] = m_maxInFlight.load();
    stats["open_connections"] = openConnections;
    stats["dropped"] = m_dropped.load();
    stats["hung"] = m_hung.load();
    stats["replayed"] = m_replayed.load();
    json::object byVendor;
    for (std::size_t i = 0; i < kVendors.size(); ++i)
        byVendor[kVendors[i]] = m_byVendor[i].load();
    stats["by_vendor"] = std::move(byVendor);
    json::object byOperation;
    for (std::size_t i = 0; i < kSimOperationCount; ++i)
        byOperation[operationName(static_cast<SimOperation>(i))] = m_byOperation[i].load();
    stats["by_operation"] = std::move(byOperation);
    json::object byStatus;
    for (std::size_t status = 0; status < kStatusSlots; ++status) {
        if (const auto n = m_byStatus[status].load())
            byStatus[std::to_string(status)] = n;
    }
    stats["by_status"] = std::move(byStatus);
    return stats;
}

json::array SimStats::recent(std::size_t limit) const
{
    json::array requests;
    std::lock_guard lock(m_logMutex);
    const std::size_t count = std::min(limit, m_logSize);
    // Oldest of the selection first, as a log reads.
    for (std::size_t i = count; i > 0; --i) {
        const LoggedRequest &entry = m_log[(m_logNext + m_log.size() - i) % m_log.size()];
        json::object row;
        row["method"] = entry.method;
        row["path"] = entry.target;
        row["vendor"] = entry.vendor;
        row["operation"] = operationName(entry.operation);
        row["auth_scheme"] = entry.authScheme;
        row["credential_ok"] = entry.credentialAccepted;
        row["idempotency_key"] =
            entry.idempotencyKey.empty() ? json::value(nullptr) : json::value(entry.idempotencyKey);
        row["content_type"] = entry.contentType;
        row["body"] = entry.body;
        json::array headers;
        for (const auto &[name, value] : entry.headers)
            headers.push_back(json::array {json::value(name), json::value(value)});
        row["headers"] = std::move(headers);
        row["fault"] = entry.fault.empty() ? json::value(nullptr) : json::value(entry.fault);
        row["status"] = entry.status;
        row["replayed"] = entry.replayed;
        row["received_at_ms"] = entry.receivedAtMs;
        requests.push_back(std::move(row));
    }
    return requests;
}

void SimStats::reset()
{
    m_total = 0;
    m_maxInFlight = m_inFlight.load();
    m_dropped = 0;
    m_hung = 0;
    m_replayed = 0;
    for (auto &counter : m_byOperation)
        counter = 0;
    for (auto &counter : m_byStatus)
        counter = 0;
    for (auto &counter : m_byVendor)
        counter = 0;
    std::lock_guard lock(m_logMutex);
    m_logNext = 0;
    m_logSize = 0;
}

} // namespace keybrake::sim
