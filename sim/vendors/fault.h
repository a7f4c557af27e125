#pragma once

#include "vendors/seededrandom.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace keybrake::sim {

// What goes wrong with one request, on purpose.
struct Fault
{
    enum class Kind {
        None,
        Status, // answer `status` in the vendor's error shape (400, 402, 429, 500, 503)
        Drop, // read the request, run it, close the connection without answering
        Hang, // read the request, run it, never answer
    };
    Kind kind = Kind::None;
    unsigned status = 0;
    std::chrono::milliseconds delay {0}; // before anything else happens

    std::string describe() const; // "500", "drop", "delay=250", "" for none
};

// The fault flags of `keybrake-sim vendors`; probabilities in [0, 1].
struct FaultRates
{
    std::chrono::milliseconds latency {0};
    std::chrono::milliseconds latencyJitter {0};
    double errorRate = 0; // the vendor's own 4xx (Stripe's card_declined 402)
    double rate429 = 0;
    double rate5xx = 0;
    double dropRate = 0;
};

// Decides each request's fault: the X-Sim-Fault header when present (deterministic tests), the
// flags' probabilities otherwise.
class FaultPlan
{
public:
    FaultPlan(FaultRates rates, std::uint64_t seed);

    // nullopt when the header's value is not one of 500, 503, 429, 402, 400, drop, hang,
    // delay=<ms>.
    static std::optional<Fault> parseHeader(std::string_view value);

    Fault next();

    // The vendor's 4xx for --error-rate differs by vendor; the plan only says "error".
    static constexpr unsigned kVendorError = 1;

private:
    FaultRates m_rates;
    SeededRandom m_random;
};

} // namespace keybrake::sim
