#include "vendors/idempotencycache.h"

#include "crypto.h"

namespace keybrake::sim {

namespace {
std::string entryKey(std::string_view scope, std::string_view key)
{
    std::string combined;
    combined.reserve(scope.size() + 1 + key.size());
    combined.append(scope).append(1, '\n').append(key);
    return combined;
}
} // namespace

IdempotencyCache::IdempotencyCache(std::size_t capacity, std::chrono::hours lifetime)
    : m_capacity(capacity)
    , m_lifetime(lifetime)
{
}

IdempotencyCache::Claim IdempotencyCache::claim(std::string_view scope, std::string_view key,
                                                std::string_view fingerprint)
{
    // Hashing keeps memory flat whatever the bodies weigh.
    std::string hash = sha256Hex(fingerprint);
    const auto now = std::chrono::steady_clock::now();
    std::string id = entryKey(scope, key);
    std::lock_guard lock(m_mutex);
    evictLocked(now);
    const auto it = m_entries.find(id);
    if (it == m_entries.end()) {
        m_order.emplace_back(id, now);
        m_entries.emplace(std::move(id), Entry {std::move(hash), std::nullopt, now});
        return {};
    }
    const Entry &entry = it->second;
    if (entry.fingerprintHash != hash)
        return {Verdict::Mismatch, {}};
    if (!entry.reply)
        return {Verdict::InProgress, {}};
    return {Verdict::Replay, *entry.reply};
}

void IdempotencyCache::complete(std::string_view scope, std::string_view key, const SimReply &reply)
{
    std::lock_guard lock(m_mutex);
    const auto it = m_entries.find(entryKey(scope, key));
    if (it != m_entries.end())
        it->second.reply = reply;
}

void IdempotencyCache::release(std::string_view scope, std::string_view key)
{
    std::lock_guard lock(m_mutex);
    m_entries.erase(entryKey(scope, key));
}

void IdempotencyCache::clear()
{
    std::lock_guard lock(m_mutex);
    m_entries.clear();
    m_order.clear();
}

void IdempotencyCache::evictLocked(SteadyTime now)
{
    while (!m_order.empty()
           && (m_order.size() > m_capacity || now - m_order.front().second >= m_lifetime)) {
        const auto it = m_entries.find(m_order.front().first);
        // A released key may have been claimed again later; only its own record expires it.
        if (it != m_entries.end() && it->second.createdAt == m_order.front().second)
            m_entries.erase(it);
        m_order.pop_front();
    }
}

} // namespace keybrake::sim
