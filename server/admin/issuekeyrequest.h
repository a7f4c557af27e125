#pragma once

#include "domain.h"

#include <boost/json/value.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <variant>

namespace keybrake {

struct IssueLimits
{
    Usd maxDailyCap;
    std::chrono::seconds maxLifetime;
};

// A refusal that names the field at fault: 422 invalid_field with "field".
struct FieldError
{
    std::string field;
    std::string message;
};

// Validates the body of POST /v1/keys and turns it into a key policy (id, secret and creator are
// filled by the caller). Unknown fields are refused, so nobody can mass-assign spend or status.
std::variant<VaultKey, FieldError> parseIssueKeyRequest(const boost::json::value &body,
                                                        const IssueLimits &limits, TimePoint now);

// max_calls_per_minute (an integer 1..1,000,000) and max_usd_per_minute (USD > 0, at most 6
// decimals, at most 1,000,000) of `body`; absent or null leaves the value unset.
std::optional<FieldError> readVelocityLimits(const boost::json::object &body,
                                             std::optional<std::int64_t> &maxCalls,
                                             std::optional<Usd> &maxUsd);

// A positive duration ("15m", "2h", "1d", "90s" or a number of seconds) of at most `max`.
std::variant<std::chrono::seconds, FieldError>
readDuration(const boost::json::value &value, const std::string &field, std::chrono::seconds max);

} // namespace keybrake
