#include "vendors/resendsim.h"

#include "crypto.h"
#include "json.h"
#include "vendors/fault.h"
#include "vendors/simids.h"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>

#include <ctime>

namespace keybrake::sim {

namespace json = boost::json;
using boost::beast::http::verb;

namespace {

constexpr std::size_t kMaxRecipients = 50;
constexpr std::size_t kMaxBatch = 100;

SimReply jsonReply(unsigned status, const json::value &body, bool storable = true)
{
    SimReply reply;
    reply.status = status;
    reply.body = toJsonText(body);
    reply.storable = storable;
    return reply;
}

SimReply resendError(unsigned status, std::string_view name, const std::string &message,
                     bool storable = false)
{
    return jsonReply(status,
                     json::object {{"statusCode", status}, {"message", message}, {"name", name}},
                     storable);
}

// Resend's timestamps: "2023-04-03 22:13:42.674981+00".
std::string resendTime(std::int64_t unixSeconds)
{
    const std::time_t time = static_cast<std::time_t>(unixSeconds);
    std::tm utc {};
    gmtime_r(&time, &utc);
    char text[40];
    std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S.000000+00", &utc);
    return text;
}

bool looksLikeAddress(std::string_view text)
{
    const auto open = text.find('<');
    if (open != std::string_view::npos) {
        if (!text.ends_with('>'))
            return false;
        text = text.substr(open + 1, text.size() - open - 2);
    }
    const auto at = text.find('@');
    return at != std::string_view::npos && at > 0 && at + 1 < text.size()
        && text.find(' ') == std::string_view::npos;
}

// `to`, `cc`, `bcc` and `reply_to` take one address or a list.
std::optional<json::array> addresses(const json::object &email, std::string_view field)
{
    const json::value *value = email.if_contains(field);
    if (!value || value->is_null())
        return json::array();
    json::array list;
    if (value->is_string()) {
        list.push_back(*value);
    } else if (value->is_array()) {
        list = value->as_array();
    } else {
        return std::nullopt;
    }
    for (const auto &entry : list) {
        if (!entry.is_string() || !looksLikeAddress(entry.as_string()))
            return std::nullopt;
    }
    return list;
}

} // namespace

ResendSim::ResendSim(std::string apiKey, ObjectStore &objects)
    : m_apiKey(std::move(apiKey))
    , m_objects(objects)
{
}

RouteMatch ResendSim::route(const SimCall &call) const
{
    const auto &s = call.segments;
    if (s.empty() || s[0] != "emails")
        return {};
    if (s.size() == 1 && call.method == verb::post)
        return {SimOperation::ResendEmailsSend};
    if (s.size() == 2 && s[1] == "batch" && call.method == verb::post)
        return {SimOperation::ResendEmailsBatch};
    if (s.size() == 2 && call.method == verb::get)
        return {SimOperation::ResendEmailsRetrieve, s[1]};
    return {};
}

bool ResendSim::accepts(const PresentedCredential &credential, const SimCall &) const
{
    return credential.scheme == AuthScheme::Bearer
        && constantTimeEquals(credential.secret, m_apiKey);
}

SimReply ResendSim::unauthorized(const PresentedCredential &credential) const
{
    // As Resend answers: 401 without a key, 403 for a key it does not know.
    if (credential.scheme == AuthScheme::None)
        return resendError(401, "missing_api_key",
                           "Missing API key in the authorization header. Include the following "
                           "header in the request: Authorization: Bearer YOUR_API_KEY");
    return resendError(403, "invalid_api_key", "API key is invalid");
}

SimReply ResendSim::notFound(const SimCall &) const
{
    return resendError(404, "not_found", "The requested endpoint does not exist.");
}

SimReply ResendSim::failure(unsigned status, const SimCall &, const RouteMatch &) const
{
    switch (status) {
    case FaultPlan::kVendorError:
        return resendError(422, "validation_error",
                           "Invalid `to` field. The email address needs to follow the "
                           "`email@example.com` or `Name <email@example.com>` format.",
                           true);
    case 400:
        return resendError(400, "validation_error", "Invalid request (simulated by keybrake-sim).");
    case 402:
        return resendError(402, "payment_required",
                           "Your plan does not allow sending more emails (simulated).", true);
    case 429:
        return resendError(429, "rate_limit_exceeded",
                           "Too many requests. You can only make 2 requests per second. See rate "
                           "limit response headers for more information. Or contact support to "
                           "increase rate limit.");
    case 503:
        return resendError(503, "service_unavailable", "Service temporarily unavailable.");
    default:
        return resendError(500, "internal_server_error", "An unexpected error occurred.");
    }
}

bool ResendSim::honoursIdempotencyKey(const SimCall &call) const
{
    return call.method == verb::post;
}

SimReply ResendSim::idempotencyMismatch(std::string_view) const
{
    return resendError(409, "invalid_idempotent_request",
                       "Same idempotency key used with a different request payload. Change your "
                       "idempotency key or payload.");
}

SimReply ResendSim::idempotencyInProgress(std::string_view) const
{
    return resendError(409, "concurrent_idempotent_requests",
                       "Same idempotency key used while original request is still in progress. "
                       "Try the request again later.");
}

std::optional<SimReply> ResendSim::validate(const json::value &value, std::string_view where) const
{
    const std::string prefix(where);
    if (!value.is_object())
        return resendError(422, "validation_error", prefix + "The email must be a JSON object.");
    const json::object &email = value.as_object();
    for (const char *field : {"from", "to", "subject"}) {
        const json::value *present = email.if_contains(field);
        if (!present || present->is_null()
            || (present->is_string() && present->as_string().empty()))
            return resendError(422, "missing_required_field",
                               prefix + "Missing `" + field + "` field.");
    }
    if (!email.at("from").is_string() || !looksLikeAddress(email.at("from").as_string()))
        return resendError(422, "validation_error",
                           prefix
                               + "Invalid `from` field. The email address needs to follow the "
                                 "`email@example.com` or `Name <email@example.com>` format.");
    for (const char *field : {"to", "cc", "bcc", "reply_to"}) {
        const auto list = addresses(email, field);
        if (!list)
            return resendError(422, "validation_error",
                               prefix + "Invalid `" + field
                                   + "` field. The email address needs to follow the "
                                     "`email@example.com` or `Name <email@example.com>` "
                                     "format.");
        if (list->size() > kMaxRecipients)
            return resendError(422, "validation_error",
                               prefix + "Too many recipients in `" + field + "`: at most "
                                   + std::to_string(kMaxRecipients) + ".");
    }
    if (!email.at("subject").is_string())
        return resendError(422, "validation_error", prefix + "Invalid `subject` field.");
    return std::nullopt;
}

json::object ResendSim::store(const json::object &email, std::int64_t nowSeconds)
{
    const std::string id = uuidV4();
    json::object stored;
    stored["object"] = "email";
    stored["id"] = id;
    stored["to"] = *addresses(email, "to");
    stored["from"] = email.at("from");
    stored["created_at"] = resendTime(nowSeconds);
    stored["subject"] = email.at("subject");
    for (const char *field : {"html", "text"}) {
        const json::value *content = email.if_contains(field);
        stored[field] = content ? *content : json::value(nullptr);
    }
    for (const char *field : {"cc", "bcc", "reply_to"}) {
        const auto list = addresses(email, field);
        stored[field] = list && !list->empty() ? json::value(*list) : json::value(nullptr);
    }
    stored["last_event"] = "delivered";
    stored["scheduled_at"] =
        email.contains("scheduled_at") ? email.at("scheduled_at") : json::value(nullptr);
    m_objects.put(id, stored);
    return json::object {{"id", id}};
}

SimReply ResendSim::execute(const SimCall &call, const RouteMatch &match)
{
    if (match.operation == SimOperation::ResendEmailsRetrieve) {
        const auto email = m_objects.get(match.id);
        if (!email || email->at("object").as_string() != "email")
            return resendError(404, "not_found", "Email not found");
        return jsonReply(200, *email);
    }
    boost::system::error_code error;
    const json::value body = json::parse(call.body(), error);
    if (error)
        return resendError(400, "validation_error",
                           "We could not parse the request body as JSON: " + error.message());
    if (match.operation == SimOperation::ResendEmailsSend) {
        if (auto refusal = validate(body, ""))
            return std::move(*refusal);
        return jsonReply(200, store(body.as_object(), call.nowSeconds));
    }
    if (!body.is_array() || body.as_array().empty())
        return resendError(422, "validation_error",
                           "The request body must be a non-empty array of emails.");
    const json::array &emails = body.as_array();
    if (emails.size() > kMaxBatch)
        return resendError(422, "validation_error",
                           "Too many emails in the batch: at most " + std::to_string(kMaxBatch)
                               + ".");
    // All or nothing, as Resend does: one invalid email refuses the whole batch.
    for (std::size_t i = 0; i < emails.size(); ++i) {
        if (auto refusal = validate(emails[i], "emails[" + std::to_string(i) + "]: "))
            return std::move(*refusal);
    }
    json::array data;
    for (const auto &email : emails)
        data.push_back(store(email.as_object(), call.nowSeconds));
    return jsonReply(200, json::object {{"data", std::move(data)}});
}

} // namespace keybrake::sim
