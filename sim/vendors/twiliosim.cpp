#include "vendors/twiliosim.h"

#include "crypto.h"
#include "json.h"
#include "vendors/fault.h"
#include "vendors/simids.h"

#include <boost/json/array.hpp>

#include <charconv>
#include <ctime>

namespace keybrake::sim {

namespace json = boost::json;
using boost::beast::http::verb;

namespace {

constexpr std::string_view kApiVersion = "2010-04-01";

SimReply jsonReply(unsigned status, const json::value &body)
{
    SimReply reply;
    reply.status = status;
    reply.body = toJsonText(body);
    return reply;
}

SimReply twilioError(unsigned status, int code, const std::string &message)
{
    return jsonReply(
        status,
        json::object {{"code", code},
                      {"message", message},
                      {"more_info", "https://www.twilio.com/docs/errors/" + std::to_string(code)},
                      {"status", status}});
}

// Twilio's dates: "Thu, 30 Jul 2015 20:12:31 +0000".
std::string rfc2822(std::int64_t unixSeconds)
{
    const std::time_t time = static_cast<std::time_t>(unixSeconds);
    std::tm utc {};
    gmtime_r(&time, &utc);
    char text[40];
    std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S +0000", &utc);
    return text;
}

json::value optionalString(const FormFields &form, std::string_view key)
{
    if (const std::string *value = form.find(key); value && !value->empty())
        return json::value(*value);
    return nullptr;
}

std::size_t countOf(const FormFields &form, std::string_view key)
{
    std::size_t n = 0;
    for (const auto &[name, value] : form.fields())
        n += name == key;
    return n;
}

// Decodes UTF-8; malformed bytes come out as U+FFFD, which is outside GSM-7 as it should be.
std::u32string codePoints(std::string_view utf8)
{
    std::u32string out;
    for (std::size_t i = 0; i < utf8.size();) {
        const auto lead = static_cast<unsigned char>(utf8[i]);
        int length = lead < 0x80  ? 1
            : (lead >> 5) == 0x6  ? 2
            : (lead >> 4) == 0xe  ? 3
            : (lead >> 3) == 0x1e ? 4
                                  : 0;
        if (length == 0 || i + length > utf8.size()) {
            out += U'\uFFFD';
            ++i;
            continue;
        }
        char32_t cp = length == 1 ? lead : lead & (0x7f >> length);
        bool valid = true;
        for (int k = 1; k < length; ++k) {
            const auto next = static_cast<unsigned char>(utf8[i + k]);
            valid = valid && (next >> 6) == 0x2;
            cp = (cp << 6) | (next & 0x3f);
        }
        out += valid ? cp : U'\uFFFD';
        i += valid ? length : 1;
    }
    return out;
}

// 0: not in GSM 03.38, 1: basic table, 2: extension table (sent as escape + character).
int gsmSeptets(char32_t cp)
{
    constexpr std::u32string_view extension = U"\f^{}\\[~]|\u20AC";
    constexpr std::u32string_view basicNonAscii =
        U"\u00A3\u00A5\u00E8\u00E9\u00F9\u00EC\u00F2\u00C7\u00D8\u00F8\u00C5\u00E5\u0394"
        U"\u03A6\u0393\u039B\u03A9\u03A0\u03A8\u03A3\u0398\u039E\u00C6\u00E6\u00DF\u00C9"
        U"\u00A4\u00A1\u00C4\u00D6\u00D1\u00DC\u00A7\u00BF\u00E4\u00F6\u00F1\u00FC\u00E0";
    if (extension.find(cp) != std::u32string_view::npos)
        return 2;
    if (cp == U'\n' || cp == U'\r')
        return 1;
    if (cp >= 0x20 && cp <= 0x7e)
        return cp == U'`' ? 0 : 1;
    return basicNonAscii.find(cp) != std::u32string_view::npos ? 1 : 0;
}

} // namespace

TwilioSim::TwilioSim(std::string accountSid, std::string authToken, TwilioPricing pricing,
                     std::uint64_t seed, ObjectStore &objects)
    : m_accountSid(std::move(accountSid))
    , m_authToken(std::move(authToken))
    , m_pricing(pricing)
    , m_random(seed ^ 0x7477696c696fULL)
    , m_objects(objects)
{
}

int TwilioSim::segmentsOf(std::string_view utf8)
{
    const std::u32string text = codePoints(utf8);
    std::size_t septets = 0;
    bool gsm = true;
    for (char32_t cp : text) {
        const int n = gsmSeptets(cp);
        if (n == 0) {
            gsm = false;
            break;
        }
        septets += static_cast<std::size_t>(n);
    }
    if (gsm)
        return septets <= 160 ? 1 : static_cast<int>((septets + 152) / 153);
    std::size_t units = 0;
    for (char32_t cp : text)
        units += cp > 0xffff ? 2 : 1;
    return units <= 70 ? 1 : static_cast<int>((units + 66) / 67);
}

RouteMatch TwilioSim::route(const SimCall &call) const
{
    const auto &s = call.segments;
    if (s.size() < 4 || s[0] != kApiVersion || s[1] != "Accounts")
        return {};
    const bool get = call.method == verb::get;
    const bool post = call.method == verb::post;
    if (s.size() == 4) {
        if (s[3] == "Messages.json")
            return {post      ? SimOperation::TwilioMessagesCreate
                        : get ? SimOperation::TwilioMessagesList
                              : SimOperation::Unknown};
        if (s[3] == "Calls.json")
            return {post      ? SimOperation::TwilioCallsCreate
                        : get ? SimOperation::TwilioCallsList
                              : SimOperation::Unknown};
        return {};
    }
    if (s.size() == 5 && get && s[4].ends_with(".json")) {
        const std::string_view sid = s[4].substr(0, s[4].size() - 5);
        if (s[3] == "Messages")
            return {SimOperation::TwilioMessagesRetrieve, sid};
        if (s[3] == "Calls")
            return {SimOperation::TwilioCallsRetrieve, sid};
    }
    return {};
}

bool TwilioSim::accepts(const PresentedCredential &credential, const SimCall &call) const
{
    if (credential.scheme != AuthScheme::Basic)
        return false;
    const bool credentialOk = constantTimeEquals(credential.user, m_accountSid)
        & constantTimeEquals(credential.secret, m_authToken);
    // The account in the path must be the authenticated one.
    const bool accountOk = call.segments.size() < 3 || call.segments[1] != "Accounts"
        || call.segments[2] == m_accountSid;
    return credentialOk && accountOk;
}

SimReply TwilioSim::unauthorized(const PresentedCredential &) const
{
    SimReply reply = twilioError(401, 20003, "Authenticate");
    reply.headers.emplace_back("WWW-Authenticate", "Basic realm=\"Twilio API\"");
    return reply;
}

SimReply TwilioSim::notFound(const SimCall &call) const
{
    return twilioError(404, 20404,
                       "The requested resource " + std::string(call.path) + " was not found");
}

SimReply TwilioSim::failure(unsigned status, const SimCall &call, const RouteMatch &) const
{
    switch (status) {
    case FaultPlan::kVendorError:
    case 400: {
        const auto form = FormFields::parse(call.body());
        const std::string *to = form ? form->find("To") : nullptr;
        return twilioError(400, 21211,
                           "Invalid 'To' Phone Number: " + (to ? *to : std::string("(none)")));
    }
    case 402:
        return twilioError(402, 20005, "Account not active");
    case 429:
        return twilioError(429, 20429, "Too Many Requests");
    case 503:
        return twilioError(503, 20503, "Service Unavailable");
    default:
        return twilioError(500, 20500, "Internal Server Error");
    }
}

SimReply TwilioSim::idempotencyMismatch(std::string_view) const
{
    return twilioError(409, 20409, "Conflict");
}

SimReply TwilioSim::idempotencyInProgress(std::string_view) const
{
    return twilioError(409, 20409, "Conflict");
}

void TwilioSim::stamp(SimReply &reply) const
{
    reply.headers.emplace_back("Twilio-Request-Id", twilioSid("RQ"));
}

SimReply TwilioSim::execute(const SimCall &call, const RouteMatch &match)
{
    const auto form = FormFields::parse(call.method == verb::post ? call.body() : call.query);
    if (!form)
        return twilioError(400, 20001, "Invalid parameter encoding");
    switch (match.operation) {
    case SimOperation::TwilioMessagesCreate:
        return createMessage(call, *form);
    case SimOperation::TwilioMessagesList:
        return list(call, *form, "SM", "messages");
    case SimOperation::TwilioMessagesRetrieve:
    case SimOperation::TwilioCallsRetrieve:
        return retrieve(call, match.id);
    case SimOperation::TwilioCallsCreate:
        return createCall(call, *form);
    case SimOperation::TwilioCallsList:
        return list(call, *form, "CA", "calls");
    default:
        return notFound(call);
    }
}

std::string TwilioSim::resourceUri(std::string_view collection, std::string_view sid) const
{
    return "/2010-04-01/Accounts/" + m_accountSid + "/" + std::string(collection) + "/"
        + std::string(sid) + ".json";
}

SimReply TwilioSim::createMessage(const SimCall &call, const FormFields &form)
{
    const json::value to = optionalString(form, "To");
    const json::value from = optionalString(form, "From");
    const json::value service = optionalString(form, "MessagingServiceSid");
    const std::string *body = form.find("Body");
    const std::size_t media = countOf(form, "MediaUrl");
    if (to.is_null())
        return twilioError(400, 21604, "A 'To' phone number is required.");
    if (from.is_null() && service.is_null())
        return twilioError(400, 21603, "A 'From' phone number is required.");
    if ((!body || body->empty()) && media == 0 && !form.find("ContentSid"))
        return twilioError(400, 21602, "Message body is required.");
    if (body && codePoints(*body).size() > 1600)
        return twilioError(400, 21617,
                           "The concatenated message body exceeds the 1600 character limit.");

    const int segments = body && !body->empty() ? segmentsOf(*body) : 1;
    std::optional<Usd> price;
    if (m_pricing.mode == TwilioPricing::Mode::Fixed) {
        price = m_pricing.perSegment * segments;
    } else if (m_pricing.mode == TwilioPricing::Mode::Random) {
        // Between $0.0050 and $0.0100 a segment: the spread of US carrier-fee-inclusive prices.
        const auto micros = 5000 + static_cast<std::int64_t>(m_random.next() % 5001);
        price = Usd::fromMicros(-micros) * segments;
    }
    std::string status = from.is_null() ? "accepted" : "queued";
    json::value errorCode = nullptr;
    json::value errorMessage = nullptr;
    const std::string *maxPrice = form.find("MaxPrice");
    if (maxPrice && price) {
        // Twilio fails a message whose price would exceed MaxPrice (error 30010) instead of
        // charging it.
        if (const auto ceiling = Usd::fromDecimal(*maxPrice);
            ceiling && Usd() - *price > *ceiling) {
            status = "failed";
            errorCode = 30010;
            errorMessage = "Message price exceeds max price.";
            price.reset();
        }
    }

    const std::string sid = twilioSid("SM");
    const std::string date = rfc2822(call.nowSeconds);
    json::object message;
    message["account_sid"] = m_accountSid;
    message["api_version"] = kApiVersion;
    message["body"] = body ? json::value(*body) : json::value("");
    message["date_created"] = date;
    message["date_sent"] = nullptr;
    message["date_updated"] = date;
    message["direction"] = "outbound-api";
    message["error_code"] = errorCode;
    message["error_message"] = errorMessage;
    message["from"] = from;
    if (maxPrice)
        message["max_price"] = *maxPrice;
    message["messaging_service_sid"] = service;
    message["num_media"] = std::to_string(media);
    message["num_segments"] = std::to_string(segments);
    message["price"] = price ? json::value(price->toDecimal()) : json::value(nullptr);
    message["price_unit"] = "USD";
    message["sid"] = sid;
    message["status"] = status;
    message["subresource_uris"] = json::object {
        {"media", "/2010-04-01/Accounts/" + m_accountSid + "/Messages/" + sid + "/Media.json"}};
    message["to"] = to;
    message["uri"] = resourceUri("Messages", sid);
    m_objects.put(sid, message);
    return jsonReply(201, message);
}

SimReply TwilioSim::createCall(const SimCall &call, const FormFields &form)
{
    const json::value to = optionalString(form, "To");
    const json::value from = optionalString(form, "From");
    if (to.is_null())
        return twilioError(400, 21201, "No 'To' number is specified");
    if (from.is_null())
        return twilioError(400, 21213, "No 'From' number is specified");
    if (!form.find("Url") && !form.find("Twiml") && !form.find("ApplicationSid"))
        return twilioError(400, 21205, "Url parameter is required.");
    const std::string sid = twilioSid("CA");
    const std::string date = rfc2822(call.nowSeconds);
    json::object created;
    created["account_sid"] = m_accountSid;
    created["annotation"] = nullptr;
    created["answered_by"] = nullptr;
    created["api_version"] = kApiVersion;
    created["caller_name"] = nullptr;
    created["date_created"] = date;
    created["date_updated"] = date;
    created["direction"] = "outbound-api";
    created["duration"] = nullptr;
    created["end_time"] = nullptr;
    created["forwarded_from"] = nullptr;
    created["from"] = from;
    created["from_formatted"] = from;
    created["group_sid"] = nullptr;
    created["parent_call_sid"] = nullptr;
    created["phone_number_sid"] = nullptr;
    created["price"] = nullptr;
    created["price_unit"] = "USD";
    created["queue_time"] = "0";
    created["sid"] = sid;
    created["start_time"] = nullptr;
    created["status"] = "queued";
    created["subresource_uris"] = json::object {
        {"recordings",
         "/2010-04-01/Accounts/" + m_accountSid + "/Calls/" + sid + "/Recordings.json"}};
    created["to"] = to;
    created["to_formatted"] = to;
    created["trunk_sid"] = nullptr;
    created["uri"] = resourceUri("Calls", sid);
    m_objects.put(sid, created);
    return jsonReply(201, created);
}

SimReply TwilioSim::list(const SimCall &call, const FormFields &query, std::string_view prefix,
                         std::string_view key)
{
    std::int64_t pageSize = 50;
    if (const std::string *text = query.find("PageSize")) {
        const auto [end, error] =
            std::from_chars(text->data(), text->data() + text->size(), pageSize);
        if (error != std::errc() || end != text->data() + text->size() || pageSize < 1
            || pageSize > 1000)
            return twilioError(400, 20001, "Invalid PageSize");
    }
    const std::string *to = query.find("To");
    const std::string *from = query.find("From");
    bool more = false;
    const auto page = m_objects.newest(
        prefix, static_cast<std::size_t>(pageSize), {},
        [&](const json::object &object) {
            return (!to || object.at("to") == json::value(*to))
                && (!from || object.at("from") == json::value(*from));
        },
        more);
    json::array items;
    for (const auto &object : page)
        items.push_back(object);
    const std::string uri(call.path);
    const std::string firstPage = uri + "?PageSize=" + std::to_string(pageSize) + "&Page=0";
    json::object body;
    body["end"] = page.empty() ? 0 : static_cast<std::int64_t>(page.size()) - 1;
    body["first_page_uri"] = firstPage;
    body[key] = std::move(items);
    body["next_page_uri"] = nullptr;
    body["page"] = 0;
    body["page_size"] = pageSize;
    body["previous_page_uri"] = nullptr;
    body["start"] = 0;
    body["uri"] = firstPage;
    return jsonReply(200, body);
}

SimReply TwilioSim::retrieve(const SimCall &call, std::string_view sid) const
{
    const auto object = m_objects.get(sid);
    if (!object || !(sid.starts_with("SM") || sid.starts_with("CA")))
        return notFound(call);
    return jsonReply(200, *object);
}

} // namespace keybrake::sim
