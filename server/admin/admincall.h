#pragma once

#include "admin/issuekeyrequest.h"
#include "domain.h"
#include "http/httpserver.h"

#include <boost/json/value.hpp>

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <variant>

namespace keybrake {

// One authenticated admin request, as the route handlers see it.
struct AdminCall
{
    const http::Request &request;
    AdminKey caller;
    std::string path; // decoded, without the query
    std::map<std::string, std::string> query; // decoded; a repeated name keeps the last value
    std::string requestId;
    // For answers sent while they are produced (the CSV export); may be null.
    std::shared_ptr<http::ResponseStream> stream;
};

// The request's JSON body: a value, or the 400 invalid_json answer to send.
std::variant<boost::json::value, http::Response> parseJsonBody(const http::Request &request);

// Refuses query parameters outside `known` (a typo must not silently widen a filter).
std::optional<FieldError> checkQueryNames(const AdminCall &call,
                                          const std::set<std::string> &known);

// `limit`: 1..max, default `fallback`.
std::variant<int, FieldError> readLimit(const AdminCall &call, int fallback, int max);

http::Response fieldError(const FieldError &error);

// The body as a JSON object whose members are all in `known`; otherwise the field at fault.
std::variant<const boost::json::object *, FieldError>
requireObject(const boost::json::value &body, const std::set<std::string_view> &known);

} // namespace keybrake
