#pragma once

#include <string>
#include <utility>
#include <vector>

namespace keybrake::sim {

// A vendor's answer before it becomes an HTTP response; what an idempotency key stores.
struct SimReply
{
    unsigned status = 200;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers; // besides Content-Type
    // Stored under an Idempotency-Key and replayed. Like Stripe, a request that failed validation
    // or never reached the endpoint (rate limited, 5xx) stores nothing, so a retry runs afresh.
    bool storable = true;
};

} // namespace keybrake::sim
