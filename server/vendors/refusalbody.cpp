#include "refusalbody.h"

#include "json.h"

#include <array>

namespace keybrake {

namespace {

boost::json::string_view jsonView(std::string_view text)
{
    return boost::json::string_view(text.data(), text.size());
}

} // namespace

std::string refusalDocsUrl(std::string_view code)
{
    return "https://keybrake.com/docs/errors#" + std::string(code);
}

std::string refusalBody(Vendor vendor, int httpStatus, std::string_view code,
                        std::string_view message, const boost::json::object &details)
{
    static constexpr std::array<std::string_view, 7> kReserved = {
        "code", "message", "error", "status", "more_info", "name", "statusCode"};
    boost::json::object body;
    body["code"] = jsonView(code);
    body["message"] = jsonView(message);
    for (const auto &member : details) {
        const std::string_view key(member.key().data(), member.key().size());
        if (std::find(kReserved.begin(), kReserved.end(), key) == kReserved.end())
            body[member.key()] = member.value();
    }
    switch (vendor) {
    case Vendor::Stripe: {
        // Stripe's SDKs pick the exception class from the HTTP status and read error.type,
        // error.code and error.message; "api_error" is Stripe's type for its own outages.
        boost::json::object error;
        error["type"] = httpStatus == 503 ? "api_error" : "invalid_request_error";
        error["code"] = jsonView(code);
        error["message"] = jsonView(message);
        body["error"] = std::move(error);
        break;
    }
    case Vendor::Twilio:
        body["status"] = httpStatus;
        body["more_info"] = refusalDocsUrl(code);
        break;
    case Vendor::Resend:
        body["name"] = jsonView(code);
        body["statusCode"] = httpStatus;
        break;
    }
    return toJsonText(body);
}

} // namespace keybrake
