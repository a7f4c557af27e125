#include "admin/admincall.h"

#include "http/jsonresponse.h"

#include <boost/json/parse.hpp>

#include <charconv>

namespace keybrake {

namespace json = boost::json;

std::variant<json::value, http::Response> parseJsonBody(const http::Request &request)
{
    json::error_code error;
    json::parse_options options;
    options.max_depth = 32;
    json::value value = json::parse(request.body(), error, {}, options);
    if (error)
        return http::adminError(400, "invalid_json",
                                "The request body is not valid JSON (" + error.message() + ").");
    return value;
}

std::optional<FieldError> checkQueryNames(const AdminCall &call, const std::set<std::string> &known)
{
    for (const auto &[name, value] : call.query) {
        if (!known.count(name))
            return FieldError {name, "unknown query parameter \"" + name + "\""};
    }
    return std::nullopt;
}

std::variant<int, FieldError> readLimit(const AdminCall &call, int fallback, int max)
{
    auto it = call.query.find("limit");
    if (it == call.query.end())
        return fallback;
    int limit = 0;
    const auto &text = it->second;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), limit);
    if (error != std::errc {} || end != text.data() + text.size() || limit < 1 || limit > max)
        return FieldError {"limit",
                           "limit must be a whole number from 1 to " + std::to_string(max)};
    return limit;
}

http::Response fieldError(const FieldError &error)
{
    return http::adminError(422, "invalid_field", error.message, {{"field", error.field}});
}

std::variant<const json::object *, FieldError>
requireObject(const json::value &body, const std::set<std::string_view> &known)
{
    if (!body.is_object())
        return FieldError {"body", "the request body must be a JSON object"};
    for (const auto &member : body.get_object()) {
        if (!known.count(member.key()))
            return FieldError {std::string(member.key()),
                               "unknown field \"" + std::string(member.key()) + "\""};
    }
    return &body.get_object();
}

} // namespace keybrake
