#pragma once

#include "vendors/simreply.h"

#include <boost/json/value.hpp>

#include <string>
#include <string_view>

namespace keybrake::sim::stripe {

// Stripe's answer bodies, shared by the API surface (StripeSim) and its objects (StripeObjects).
SimReply jsonReply(unsigned status, const boost::json::value &body, bool storable = true);
std::string docUrl(std::string_view code);
// Stripe's error body. Validation failures are not stored under an idempotency key (the endpoint
// never ran); refusals while running are.
SimReply error(unsigned status, std::string_view type, const std::string &message,
               std::string_view code = {}, std::string_view param = {}, bool storable = false);
SimReply missingParam(std::string_view param);
SimReply noSuch(std::string_view objectName, std::string_view id);

} // namespace keybrake::sim::stripe
