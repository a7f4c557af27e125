#include "vendors/stripereplies.h"

#include "json.h"

#include <boost/json/object.hpp>

namespace keybrake::sim::stripe {

namespace json = boost::json;

SimReply jsonReply(unsigned status, const json::value &body, bool storable)
{
    SimReply reply;
    reply.status = status;
    reply.body = toJsonText(body);
    reply.storable = storable;
    return reply;
}

std::string docUrl(std::string_view code)
{
    std::string url = "https://stripe.com/docs/error-codes/";
    for (char c : code)
        url += c == '_' ? '-' : c;
    return url;
}

SimReply error(unsigned status, std::string_view type, const std::string &message,
               std::string_view code, std::string_view param, bool storable)
{
    json::object details;
    if (!code.empty()) {
        details["code"] = code;
        details["doc_url"] = docUrl(code);
    }
    details["message"] = message;
    if (!param.empty())
        details["param"] = param;
    details["type"] = type;
    return jsonReply(status, json::object {{"error", std::move(details)}}, storable);
}

SimReply missingParam(std::string_view param)
{
    return error(400, "invalid_request_error",
                 "Missing required param: " + std::string(param) + ".", "parameter_missing", param);
}

SimReply noSuch(std::string_view objectName, std::string_view id)
{
    return error(404, "invalid_request_error",
                 "No such " + std::string(objectName) + ": '" + std::string(id) + "'",
                 "resource_missing", "id");
}

} // namespace keybrake::sim::stripe
