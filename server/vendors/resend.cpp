// Resend: JSON bodies, a flat price per email; the response carries no price.

#include "json.h"
#include "vendorcall_p.h"

#include <algorithm>

namespace keybrake::vendorcall_detail {

namespace {

// An address string may list several ("a@x.example, b@y.example"): count its '@'s, which a
// display name with a comma ("Doe, Jane <j@x.example>") does not inflate.
std::int64_t addressesIn(const boost::json::value &value)
{
    if (!value.is_string())
        return value.is_null() ? 0 : 1;
    const auto &text = value.get_string();
    return std::max<std::int64_t>(std::count(text.begin(), text.end(), '@'), 1);
}

std::int64_t addressCount(const boost::json::object &email, std::string_view field)
{
    const auto *value = email.if_contains(boost::json::string_view(field.data(), field.size()));
    if (!value)
        return 0;
    if (!value->is_array())
        return addressesIn(*value);
    std::int64_t count = 0;
    for (const auto &item : value->get_array())
        count += addressesIn(item);
    return count;
}

// Resend counts every To, Cc and Bcc recipient as a separate email against quota and overage
// billing, so the hold does too; an email with no recipient still counts once.
std::int64_t recipients(const boost::json::object &email)
{
    const std::int64_t count =
        addressCount(email, "to") + addressCount(email, "cc") + addressCount(email, "bcc");
    return std::max<std::int64_t>(count, 1);
}

} // namespace

std::optional<PrepareError> prepareResend(const VendorRequest &request, const Pricing &pricing,
                                          PreparedCall &call)
{
    call.scope.sends = !isRead(call.method);
    if (!call.scope.sends) {
        call.redactedParams = "{}";
        return std::nullopt;
    }
    std::vector<const boost::json::object *> emails;
    std::optional<boost::json::value> parsed;
    const std::string_view name = call.operation ? call.operation->name : std::string_view {};
    if (!isBlank(request.body)) {
        // Resend reads JSON. A body sent under another type (a multipart text can also be valid
        // JSON) could be read by the vendor otherwise than it was priced.
        const std::string media = mediaType(request.contentType);
        if (!media.empty() && !isJsonContentType(request.contentType))
            return costUnknown("Resend would read this body as \"" + media.substr(0, 100)
                               + "\", which the proxy cannot price; send it as JSON "
                                 "(application/json)");
        call.contentType = "application/json";
    }
    if (name == "emails.send" || name == "emails.batch" || !isBlank(request.body)) {
        parsed = parseJson(request.body);
        if (!parsed)
            return invalidBody("The request body is not valid JSON");
    }
    if (name == "emails.batch") {
        if (!parsed->is_array())
            return invalidBody("A batch must be a JSON array of emails");
        for (const auto &email : parsed->get_array()) {
            if (!email.is_object())
                return invalidBody("Every email of a batch must be a JSON object");
            emails.push_back(&email.get_object());
        }
    } else if (name == "emails.send") {
        if (!parsed->is_object())
            return invalidBody("An email must be a JSON object");
        emails.push_back(&parsed->get_object());
    } else if (parsed && parsed->is_object()) {
        emails.push_back(&parsed->get_object()); // a call outside the catalog may still name a from
    }

    std::int64_t recipientCount = 0;
    for (const boost::json::object *email : emails) {
        recipientCount += recipients(*email);
        const auto *from = email->if_contains("from");
        if (from && from->is_string())
            call.scope.resendFrom.emplace_back(from->get_string());
        else
            call.scope.resendFromMissing = true;
    }
    boost::json::object redacted = redactedJsonParams(emails);
    if (name == "emails.send" || name == "emails.batch") {
        call.estimate.outcome = CostEstimate::Outcome::Known;
        call.estimate.amount = pricing.resendEmail * recipientCount;
        call.estimate.currency = "usd";
        redacted["emails"] = static_cast<std::int64_t>(emails.size());
        redacted["recipients"] = recipientCount;
    } else if (call.operation) {
        call.estimate = CostEstimate {};
    }
    call.redactedParams = toJsonText(redacted);
    return std::nullopt;
}

void parseResendCost(const PreparedCall &call, std::string_view body, ResponseCost &cost)
{
    if (const auto parsed = parseJson(body); parsed && parsed->is_object()) {
        const auto &object = parsed->get_object();
        const boost::json::value *id = object.if_contains("id");
        if (const auto *data = object.if_contains("data"); !id && data && data->is_array()
            && !data->get_array().empty() && data->get_array().front().is_object())
            id = data->get_array().front().get_object().if_contains("id");
        if (id && id->is_string())
            cost.vendorObjectId = std::string(id->get_string());
    }
    if (!call.operation->moneyMoving)
        return;
    // Resend reports no price: the per-email price is the cost.
    cost.amount = call.estimate.amount;
    cost.source = CostSource::Estimated;
    cost.currency = call.estimate.currency;
}

} // namespace keybrake::vendorcall_detail
