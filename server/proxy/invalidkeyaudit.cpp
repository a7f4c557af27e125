#include "proxy/invalidkeyaudit.h"

#include "clock.h"
#include "crypto.h"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace keybrake {

namespace {

std::int64_t minuteOf(TimePoint time)
{
    return std::chrono::duration_cast<std::chrono::minutes>(time.time_since_epoch()).count();
}

} // namespace

bool InvalidKeyAudit::note(const std::string &source, const AuditEntry &refusal, TimePoint now)
{
    std::lock_guard lock(m_mutex);
    const std::int64_t minute = minuteOf(now);
    auto it = m_buckets.find(Key {source, refusal.reason, minute});
    const bool full = it == m_buckets.end() && m_buckets.size() >= kMaxBuckets;
    Key key {full ? std::string(1, '*') : source, refusal.reason, minute};
    if (full)
        it = m_buckets.find(key);
    if (it != m_buckets.end()) {
        ++it->second.repeated;
        return false;
    }
    Summary summary;
    summary.source = std::get<0>(key);
    summary.reason = refusal.reason;
    summary.minute = TimePoint(std::chrono::minutes(minute));
    summary.first = refusal;
    m_buckets.emplace(std::move(key), std::move(summary));
    return true;
}

std::vector<InvalidKeyAudit::Summary> InvalidKeyAudit::takeFinished(TimePoint now, bool everything)
{
    std::vector<Summary> finished;
    std::lock_guard lock(m_mutex);
    const std::int64_t current = minuteOf(now);
    for (auto it = m_buckets.begin(); it != m_buckets.end();) {
        if (everything || std::get<2>(it->first) < current) {
            if (it->second.repeated > 0)
                finished.push_back(std::move(it->second));
            it = m_buckets.erase(it);
        } else {
            ++it;
        }
    }
    return finished;
}

AuditEntry InvalidKeyAudit::summaryRow(const Summary &summary, TimePoint now)
{
    AuditEntry row;
    row.ts = now;
    row.requestId = newRequestId();
    row.vendor = summary.first.vendor;
    row.verdict = Verdict::DeniedInvalidKey;
    row.reason = summary.reason;
    row.httpStatus = summary.first.httpStatus;
    boost::json::object detail;
    detail["aggregated"] = true;
    detail["source"] = summary.source;
    detail["minute"] = formatRfc3339(summary.minute);
    detail["repeated"] = summary.repeated;
    row.detail = boost::json::serialize(detail);
    return row;
}

} // namespace keybrake
