// Twilio: form-encoded parameters, prices as negative decimal strings in `price_unit`.

#include "json.h"
#include "smssegments.h"
#include "vendorcall_p.h"

#include <algorithm>
#include <cstdio>

namespace keybrake::vendorcall_detail {

namespace {

// An MMS is billed per message, not per segment, at roughly 2.5 times a US SMS segment; where
// MMS is not delivered Twilio converts it to SMS with a link. Hold the larger of this and the
// body's own segments.
constexpr std::int64_t kMmsSegments = 4;
// A content template (ContentSid without Body) can expand to Twilio's 1600-character maximum:
// 11 GSM-7 segments.
constexpr std::int64_t kTemplateSegments = 11;

std::string_view encodingName(SmsSegments::Encoding encoding)
{
    return encoding == SmsSegments::Encoding::Gsm7 ? "gsm7" : "ucs2";
}

std::optional<boost::json::value> keepTwilioValue(std::string_view name, std::string_view value)
{
    if (name == "MaxPrice" && Usd::fromDecimal(value))
        return boost::json::value(value);
    return std::nullopt;
}

std::optional<PrepareError> prepareMessage(const std::vector<FormField> &fields,
                                           const Pricing &pricing, PreparedCall &call,
                                           boost::json::object &redacted)
{
    std::int64_t textSegments = 0;
    std::string encoding = "gsm7";
    for (std::string_view body : valuesOf(fields, "Body")) {
        const auto counted = countSmsSegments(body);
        if (!counted)
            return invalidBody("The message Body is not valid UTF-8");
        if (counted->segments > textSegments || counted->encoding == SmsSegments::Encoding::Ucs2)
            encoding = encodingName(counted->encoding);
        textSegments = std::max(textSegments, counted->segments);
    }
    std::int64_t segments = std::max<std::int64_t>(textSegments, 1);
    if (!valuesOf(fields, "MediaUrl").empty()) {
        segments = std::max(textSegments, kMmsSegments);
        encoding = "mms";
    } else if (textSegments == 0 && !valuesOf(fields, "ContentSid").empty()) {
        segments = kTemplateSegments;
        encoding = "template";
    }
    Usd hold = pricing.twilioSegmentCeiling * segments;

    // Twilio fails a message whose price would exceed MaxPrice, which bounds the cost by the
    // hold. An agent's own smaller MaxPrice is kept (and held); a larger, zero or malformed one
    // is replaced.
    const auto agentMaxPrices = valuesOf(fields, "MaxPrice");
    std::optional<Usd> agentMaxPrice;
    if (agentMaxPrices.size() == 1)
        agentMaxPrice = Usd::fromDecimal(agentMaxPrices.front());
    if (agentMaxPrice && *agentMaxPrice > Usd() && *agentMaxPrice <= hold) {
        hold = *agentMaxPrice;
    } else {
        std::string body;
        for (const FormField &field : fields) {
            if (field.key == "MaxPrice")
                continue;
            body += field.raw;
            body.push_back('&');
        }
        body += "MaxPrice=" + hold.toDecimal();
        call.body = std::move(body);
        if (call.contentType.empty())
            call.contentType = std::string(kFormContentType);
    }
    call.estimate.outcome = CostEstimate::Outcome::Known;
    call.estimate.amount = hold;
    call.estimate.currency = "usd";
    redacted["segments"] = segments;
    redacted["encoding"] = encoding;
    redacted["max_price"] = hold.toDecimal();
    return std::nullopt;
}

} // namespace

std::optional<PrepareError> prepareTwilio(const VendorRequest &request, const Pricing &pricing,
                                          PreparedCall &call)
{
    call.scope.sends = !isRead(call.method);
    std::vector<FormField> fields;
    if (call.scope.sends) {
        if (isJsonContentType(request.contentType) && !isBlank(request.body))
            return invalidBody("Twilio takes form-encoded parameters "
                               "(application/x-www-form-urlencoded), not JSON");
        auto parsed = parseFormBody(request.body);
        if (!parsed)
            return invalidBody("The request body is not valid form encoding (a malformed "
                               "percent-escape)");
        fields = std::move(*parsed);
        if (const auto from = valuesOf(fields, "From"); !from.empty())
            call.scope.twilioFrom = std::string(from.back());
    }
    const auto queryFields = parseFormBody(request.query);
    if (!queryFields)
        return PrepareError {400, "invalid_path",
                             "Invalid request target: the query string has a malformed "
                             "percent-escape"};

    std::vector<FormField> all = *queryFields;
    all.insert(all.end(), fields.begin(), fields.end());
    boost::json::object redacted = redactedParams(all, keepTwilioValue);

    if (call.operation) {
        call.estimate = CostEstimate {};
        if (call.operation->name == "messages.create") {
            if (auto failure = prepareMessage(fields, pricing, call, redacted))
                return failure;
        } else if (call.operation->name == "calls.create") {
            // A call's price depends on its length; only a configured ceiling prices it.
            if (pricing.twilioCallCeiling) {
                call.estimate.amount = *pricing.twilioCallCeiling;
                call.estimate.currency = "usd";
            } else {
                call.estimate.outcome = CostEstimate::Outcome::Unknown;
            }
        }
    }
    call.redactedParams = toJsonText(redacted);
    return std::nullopt;
}

void parseTwilioCost(const PreparedCall &call, std::string_view body, const Pricing &pricing,
                     ResponseCost &cost)
{
    const auto parsed = parseJson(body);
    const boost::json::object *object = parsed ? parsed->if_object() : nullptr;
    if (object) {
        if (const auto *sid = object->if_contains("sid"); sid && sid->is_string())
            cost.vendorObjectId = std::string(sid->get_string());
    }
    if (!call.operation->moneyMoving)
        return;
    if (!object)
        return markAnomaly(call, cost, "the response body is not a JSON object");
    const auto *price = object->if_contains("price");
    if (!price)
        return markAnomaly(call, cost, "the response has no price field");
    if (price->is_null()) {
        // Twilio prices a message once a carrier reports back; until then the hold stands.
        cost.amount = call.estimate.amount;
        cost.source = CostSource::Estimated;
        cost.currency = call.estimate.currency;
        return;
    }
    std::string priceText;
    if (price->is_string()) {
        priceText = std::string(price->get_string());
    } else if (price->is_int64() || price->is_uint64() || price->is_double()) {
        // Printed in fixed notation, so 1e30 becomes a 31-digit number decimalToUsd refuses.
        const double number = price->is_double() ? price->get_double()
            : price->is_int64()                  ? static_cast<double>(price->get_int64())
                                                 : static_cast<double>(price->get_uint64());
        char buffer[400];
        std::snprintf(buffer, sizeof buffer, "%.7f", number);
        priceText = buffer;
    } else {
        return markAnomaly(call, cost, "the response price is not a number");
    }
    std::string unit = "usd";
    if (const auto *priceUnit = object->if_contains("price_unit");
        priceUnit && priceUnit->is_string())
        unit = lowerCase(priceUnit->get_string());
    const auto usd = decimalToUsd(pricing, unit, priceText);
    if (!usd)
        return markAnomaly(call, cost,
                           "the response price \"" + priceText + "\" " + unit
                               + " is not a decimal in a configured currency");
    if (*usd > call.estimate.amount)
        return markAnomaly(call, cost,
                           "the response price " + usd->toDecimal() + " USD exceeds the hold of "
                               + call.estimate.amount.toDecimal() + " USD");
    cost.amount = *usd;
    cost.source = CostSource::Parsed;
    cost.currency = unit;
}

} // namespace keybrake::vendorcall_detail
