#pragma once

#include "domain.h"

#include <boost/json/object.hpp>

#include <string>
#include <string_view>

namespace keybrake {

// The JSON text of a refusal on a proxy route (contract, "Refusal bodies"). Two kinds of client
// read it: agents that test Keybrake's top-level `code`, `message` and details, and the vendors'
// SDKs, which raise their proper typed error only when the body has the vendor's own error shape.
// So the body carries both:
//   Stripe  "error": {"type": "invalid_request_error" ("api_error" for 503), "code", "message"}
//   Twilio  numeric "status" and "more_info" (a documentation URL for the code)
//   Resend  "name" (the code) and numeric "statusCode"
// Details never override `code`, `message` or the vendor's fields. Money in details prints as a
// plain decimal.
std::string refusalBody(Vendor vendor, int httpStatus, std::string_view code,
                        std::string_view message, const boost::json::object &details);

// Where a refusal code is documented (Twilio's `more_info`).
std::string refusalDocsUrl(std::string_view code);

} // namespace keybrake
