#pragma once

#include "domain.h"

#include <boost/json/value.hpp>

#include <chrono>
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

} // namespace keybrake
