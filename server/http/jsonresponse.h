#pragma once

#include "http/httpserver.h"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <string_view>

namespace keybrake::http {

// A JSON answer (money printed as plain decimals, see json.h).
Response jsonResponse(unsigned status, const boost::json::value &body);

// The flat error shape of the admin routes: {"error": "<sentence>", "code": "<code>", ...extra}.
Response adminError(unsigned status, std::string_view code, std::string_view message,
                    boost::json::object extra = {});

} // namespace keybrake::http
