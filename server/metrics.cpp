#include "metrics.h"

#include <cstdio>

namespace keybrake {

void LatencyHistogram::observe(double milliseconds)
{
    std::size_t bucket = 0;
    while (bucket < kBoundsMs.size() && milliseconds > kBoundsMs[bucket])
        ++bucket;
    m_buckets[bucket].fetch_add(1, std::memory_order_relaxed);
    m_count.fetch_add(1, std::memory_order_relaxed);
    m_sumMicros.fetch_add(static_cast<std::uint64_t>(milliseconds * 1000.0),
                          std::memory_order_relaxed);
}

void LatencyHistogram::render(std::string &out, const std::string &name,
                              const std::string &labels) const
{
    const std::string prefix = labels.empty() ? "{" : "{" + labels + ",";
    std::uint64_t cumulative = 0;
    char line[256];
    for (std::size_t i = 0; i < kBoundsMs.size(); ++i) {
        cumulative += m_buckets[i].load(std::memory_order_relaxed);
        std::snprintf(line, sizeof line, "%s_bucket%sle=\"%g\"} %llu\n", name.c_str(),
                      prefix.c_str(), kBoundsMs[i] / 1000.0,
                      static_cast<unsigned long long>(cumulative));
        out += line;
    }
    cumulative += m_buckets[kBoundsMs.size()].load(std::memory_order_relaxed);
    std::snprintf(line, sizeof line, "%s_bucket%sle=\"+Inf\"} %llu\n", name.c_str(), prefix.c_str(),
                  static_cast<unsigned long long>(cumulative));
    out += line;
    const std::string plain = labels.empty() ? "" : "{" + labels + "}";
    std::snprintf(line, sizeof line, "%s_sum%s %.6f\n%s_count%s %llu\n", name.c_str(),
                  plain.c_str(), static_cast<double>(m_sumMicros.load()) / 1e6, name.c_str(),
                  plain.c_str(), static_cast<unsigned long long>(m_count.load()));
    out += line;
}

void Metrics::countProxied(Vendor vendor, Verdict verdict)
{
    m_proxied[static_cast<std::size_t>(vendor)][static_cast<std::size_t>(verdict)].fetch_add(
        1, std::memory_order_relaxed);
}

void Metrics::countAdmin(unsigned status)
{
    const std::size_t index = status >= 100 && status < 600 ? status / 100 - 1 : 5;
    m_adminByClass[index].fetch_add(1, std::memory_order_relaxed);
}

std::string Metrics::render() const
{
    std::string out;
    out.reserve(8192);
    char line[256];
    out += "# HELP keybrake_proxy_requests_total Proxied requests by vendor and verdict.\n"
           "# TYPE keybrake_proxy_requests_total counter\n";
    for (Vendor vendor : {Vendor::Stripe, Vendor::Twilio, Vendor::Resend}) {
        for (std::size_t v = 0; v < kVerdicts; ++v) {
            const auto verdict = static_cast<Verdict>(v);
            if (verdict == Verdict::DeniedCurrency)
                continue; // reported under denied_cost_unknown, as on the wire
            std::uint64_t count =
                m_proxied[static_cast<std::size_t>(vendor)][v].load(std::memory_order_relaxed);
            if (verdict == Verdict::DeniedCostUnknown)
                count += m_proxied[static_cast<std::size_t>(vendor)]
                                  [static_cast<std::size_t>(Verdict::DeniedCurrency)]
                                      .load(std::memory_order_relaxed);
            std::snprintf(line, sizeof line,
                          "keybrake_proxy_requests_total{vendor=\"%s\",verdict=\"%s\"} %llu\n",
                          std::string(vendorName(vendor)).c_str(),
                          std::string(verdictName(verdict)).c_str(),
                          static_cast<unsigned long long>(count));
            out += line;
        }
    }
    out += "# HELP keybrake_admin_requests_total Admin API requests by status class.\n"
           "# TYPE keybrake_admin_requests_total counter\n";
    static constexpr const char *kClasses[] = {"1xx", "2xx", "3xx", "4xx", "5xx", "other"};
    for (std::size_t i = 0; i < m_adminByClass.size(); ++i) {
        std::snprintf(line, sizeof line, "keybrake_admin_requests_total{class=\"%s\"} %llu\n",
                      kClasses[i], static_cast<unsigned long long>(m_adminByClass[i].load()));
        out += line;
    }
    out += "# HELP keybrake_proxy_latency_seconds Time from request to answer on proxy routes.\n"
           "# TYPE keybrake_proxy_latency_seconds histogram\n";
    proxyLatency.render(out, "keybrake_proxy_latency_seconds", "");
    out += "# HELP keybrake_upstream_latency_seconds Time spent waiting for the vendor.\n"
           "# TYPE keybrake_upstream_latency_seconds histogram\n";
    upstreamLatency.render(out, "keybrake_upstream_latency_seconds", "");
    out += "# HELP keybrake_admission_latency_seconds Time to take a hold (store round trip).\n"
           "# TYPE keybrake_admission_latency_seconds histogram\n";
    admissionLatency.render(out, "keybrake_admission_latency_seconds", "");
    auto gauge = [&](const char *name, const char *help, const std::function<std::size_t()> &read) {
        if (!read)
            return;
        std::snprintf(line, sizeof line, "# HELP %s %s\n# TYPE %s gauge\n%s %zu\n", name, help,
                      name, name, read());
        out += line;
    };
    gauge("keybrake_store_pending_writes", "Operations waiting for the store's writer.",
          pendingStoreWrites);
    gauge("keybrake_open_connections", "Open client connections.", openConnections);
    gauge("keybrake_active_requests", "Requests being handled.", activeRequests);
    return out;
}

} // namespace keybrake
