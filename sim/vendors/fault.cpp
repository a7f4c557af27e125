#include "vendors/fault.h"

#include <charconv>

namespace keybrake::sim {

std::string Fault::describe() const
{
    switch (kind) {
    case Kind::None:
        return delay.count() > 0 ? "delay=" + std::to_string(delay.count()) : std::string();
    case Kind::Status:
        return status == FaultPlan::kVendorError ? "vendor_error" : std::to_string(status);
    case Kind::Drop:
        return "drop";
    case Kind::Hang:
        return "hang";
    }
    return {};
}

FaultPlan::FaultPlan(FaultRates rates, std::uint64_t seed)
    : m_rates(rates)
    , m_random(seed)
{
}

std::optional<Fault> FaultPlan::parseHeader(std::string_view value)
{
    while (!value.empty() && value.front() == ' ')
        value.remove_prefix(1);
    while (!value.empty() && value.back() == ' ')
        value.remove_suffix(1);
    Fault fault;
    if (value == "drop") {
        fault.kind = Fault::Kind::Drop;
        return fault;
    }
    if (value == "hang") {
        fault.kind = Fault::Kind::Hang;
        return fault;
    }
    if (value.starts_with("delay=")) {
        const std::string_view number = value.substr(6);
        std::int64_t ms = -1;
        const auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), ms);
        if (error != std::errc() || end != number.data() + number.size() || ms < 0
            || ms > 3'600'000)
            return std::nullopt;
        fault.delay = std::chrono::milliseconds(ms);
        return fault;
    }
    for (unsigned status : {400u, 402u, 429u, 500u, 503u}) {
        if (value == std::to_string(status)) {
            fault.kind = Fault::Kind::Status;
            fault.status = status;
            return fault;
        }
    }
    return std::nullopt;
}

Fault FaultPlan::next()
{
    Fault fault;
    fault.delay = m_rates.latency;
    if (m_rates.latencyJitter.count() > 0) {
        const auto jitter = static_cast<std::int64_t>(
            m_random.uniform() * static_cast<double>(m_rates.latencyJitter.count() + 1));
        fault.delay += std::chrono::milliseconds(jitter);
    }
    if (m_rates.rate429 > 0 && m_random.uniform() < m_rates.rate429) {
        fault.kind = Fault::Kind::Status;
        fault.status = 429;
    } else if (m_rates.rate5xx > 0 && m_random.uniform() < m_rates.rate5xx) {
        fault.kind = Fault::Kind::Status;
        fault.status = m_random.uniform() < 0.5 ? 500 : 503;
    } else if (m_rates.errorRate > 0 && m_random.uniform() < m_rates.errorRate) {
        fault.kind = Fault::Kind::Status;
        fault.status = kVendorError;
    } else if (m_rates.dropRate > 0 && m_random.uniform() < m_rates.dropRate) {
        fault.kind = Fault::Kind::Drop;
    }
    return fault;
}

} // namespace keybrake::sim
