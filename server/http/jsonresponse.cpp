#include "http/jsonresponse.h"

#include "json.h"

namespace keybrake::http {

namespace bhttp = boost::beast::http;

Response jsonResponse(unsigned status, const boost::json::value &body)
{
    Response response {static_cast<bhttp::status>(status), 11};
    response.set(bhttp::field::content_type, "application/json; charset=utf-8");
    response.set(bhttp::field::cache_control, "no-store");
    response.body() = toJsonText(body);
    response.body() += '\n';
    return response;
}

Response adminError(unsigned status, std::string_view code, std::string_view message,
                    boost::json::object extra)
{
    boost::json::object body;
    body["error"] = message;
    body["code"] = code;
    for (auto &member : extra)
        body[member.key()] = std::move(member.value());
    return jsonResponse(status, body);
}

} // namespace keybrake::http
