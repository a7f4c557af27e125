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

// `fields` are every parameter of the send (query and body); `bodyFields` the body's, which are
// forwarded with the proxy's MaxPrice in place of any the agent sent.
std::optional<PrepareError> prepareMessage(const std::vector<FormField> &fields,
                                           const std::vector<FormField> &bodyFields,
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
    const Usd hold = pricing.twilioSegmentCeiling * segments;

    // MaxPrice is the proxy's, never the agent's: the hold is what the proxy reserved for the
    // message's segments, and an agent's smaller MaxPrice would shrink the hold while Twilio
    // (which no longer enforces MaxPrice everywhere) bills the segments.
    std::string body;
    for (const FormField &field : bodyFields) {
        if (field.key == "MaxPrice")
            continue;
        body += field.raw;
        body.push_back('&');
    }
    body += "MaxPrice=" + hold.toDecimal();
    call.body = std::move(body);
    call.contentType = std::string(kFormContentType);
    call.estimate.outcome = CostEstimate::Outcome::Known;
    call.estimate.amount = hold;
    call.estimate.currency = "usd";
    redacted["segments"] = segments;
    redacted["encoding"] = encoding;
    redacted["max_price"] = hold.toDecimal();
    return std::nullopt;
}

// The query string without its MaxPrice parameters (the proxy's goes in the body).
std::string queryWithoutMaxPrice(const std::vector<FormField> &queryFields)
{
    std::string query;
    for (const FormField &field : queryFields) {
        if (field.key == "MaxPrice")
            continue;
        if (!query.empty())
            query.push_back('&');
        query += field.raw;
    }
    return query;
}

} // namespace

std::optional<PrepareError> prepareTwilio(const VendorRequest &request, const Pricing &pricing,
                                          PreparedCall &call)
{
    call.scope.sends = !isRead(call.method);
    const auto queryFields = parseFormBody(request.query);
    if (!queryFields)
        return PrepareError {400,
                             "invalid_path",
                             "Invalid request target: the query string has a malformed "
                             "percent-escape",
                             {}};
    std::vector<FormField> fields;
    if (call.scope.sends) {
        const std::string media = mediaType(request.contentType);
        if (!isBlank(request.body)) {
            if (isJsonContentType(request.contentType))
                return invalidBody("Twilio takes form-encoded parameters "
                                   "(application/x-www-form-urlencoded), not JSON");
            if (!media.empty() && media != kFormContentType)
                return costUnknown("Twilio would read this body as \"" + media.substr(0, 100)
                                   + "\", which the proxy cannot price; send it form-encoded "
                                     "(application/x-www-form-urlencoded)");
        }
        auto parsed = parseFormBody(request.body);
        if (!parsed)
            return invalidBody("The request body is not valid form encoding (a malformed "
                               "percent-escape)");
        fields = std::move(*parsed);
        if (!isBlank(request.body))
            call.contentType = std::string(kFormContentType);
        // Parameters are read from the query string too: priced and scoped from both places,
        // and refused when the two disagree.
        if (const auto name = conflictingParameter(*queryFields, fields))
            return costUnknown("The parameter \"" + name->substr(0, 100)
                               + "\" is in both the query string and the body with different "
                                 "values; send it once");
    }

    std::vector<FormField> all = *queryFields;
    all.insert(all.end(), fields.begin(), fields.end());
    if (call.scope.sends) {
        const auto from = valuesOf(all, "From");
        if (!from.empty()) {
            // Two different senders in one request: whichever Twilio uses, one was not checked.
            if (std::any_of(from.begin(), from.end(),
                            [&](std::string_view value) { return value != from.front(); }))
                return PrepareError {403, "scope_violation",
                                     "The request names more than one From; send exactly one",
                                     "From"};
            call.scope.twilioFrom = std::string(from.front());
        }
    }
    boost::json::object redacted = redactedParams(all, keepTwilioValue);

    if (call.operation) {
        call.estimate = CostEstimate {};
        if (call.operation->name == "messages.create") {
            if (auto failure = prepareMessage(all, fields, pricing, call, redacted))
                return failure;
            if (!valuesOf(*queryFields, "MaxPrice").empty()) {
                const std::string query = queryWithoutMaxPrice(*queryFields);
                call.upstreamPath = call.path + (query.empty() ? "" : "?" + query);
            }
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
