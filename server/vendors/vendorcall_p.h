#pragma once

// Internals shared by vendorcall.cpp and the per-vendor files (stripe.cpp, twilio.cpp,
// resend.cpp); not part of the public API.

#include "stripeform.h"
#include "vendorcall.h"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace keybrake::vendorcall_detail {

inline constexpr std::string_view kRedacted = "[redacted]";
inline constexpr std::string_view kFormContentType = "application/x-www-form-urlencoded";

PrepareError invalidBody(std::string message);
// 422 cost_unknown: the request cannot be read the one way the vendor would read it.
PrepareError costUnknown(std::string message);
// "multipart/form-data" from "Multipart/Form-Data; boundary=x"; empty when there is none.
std::string mediaType(std::string_view contentType);
// A parameter that is both in the query string and in the body with other values, if any.
std::optional<std::string> conflictingParameter(const std::vector<FormField> &query,
                                                const std::vector<FormField> &body);
bool isJsonContentType(std::string_view contentType);
bool isBlank(std::string_view text);
bool isRead(std::string_view method); // GET or HEAD
std::string lowerCase(std::string_view text);

// Every value of `key` among `fields`, in order.
std::vector<std::string_view> valuesOf(const std::vector<FormField> &fields, std::string_view key);

// A JSON object for the audit row: one member per parameter name (the part before the first
// '['), its value "[redacted]" unless `keep` returns one. Names that could themselves carry a
// secret are dropped and only counted ("redacted_names").
using KeepValue =
    std::function<std::optional<boost::json::value>(std::string_view name, std::string_view value)>;
boost::json::object redactedParams(const std::vector<FormField> &fields, const KeepValue &keep);
// The same for the top-level members of JSON objects (Resend bodies): values never kept.
boost::json::object redactedJsonParams(const std::vector<const boost::json::object *> &objects);

std::optional<boost::json::value> parseJson(std::string_view text);

// Per vendor: fill in body, content type, estimate, scope and redactedParams of a call whose
// common fields (method, path, operation, upstream path, fingerprint) are set.
std::optional<PrepareError> prepareStripe(const VendorRequest &request, const Pricing &pricing,
                                          PreparedCall &call);
std::optional<PrepareError> prepareTwilio(const VendorRequest &request, const Pricing &pricing,
                                          PreparedCall &call);
std::optional<PrepareError> prepareResend(const VendorRequest &request, const Pricing &pricing,
                                          PreparedCall &call);

// Per vendor: the cost of a 2xx response to a catalog operation. `cost` arrives with the
// request id set and the estimate as the fallback amount.
void parseStripeCost(const PreparedCall &call, const VendorResponseHeaders &headers,
                     std::string_view body, const Pricing &pricing, ResponseCost &cost);
void parseTwilioCost(const PreparedCall &call, std::string_view body, const Pricing &pricing,
                     ResponseCost &cost);
void parseResendCost(const PreparedCall &call, std::string_view body, ResponseCost &cost);

// Settles at the estimate and says why the vendor's figure was not used.
void markAnomaly(const PreparedCall &call, ResponseCost &cost, std::string reason);

} // namespace keybrake::vendorcall_detail
