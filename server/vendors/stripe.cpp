// Stripe: form-encoded parameters with bracketed keys, amounts in the currency's minor units.

#include "json.h"
#include "vendorcall_p.h"

#include <algorithm>
#include <array>

namespace keybrake::vendorcall_detail {

namespace {

// Operations priced from the request's `amount` and `currency`. payment_intents.confirm and
// .capture cost 0: the amount was reserved, and counted, by payment_intents.create.
constexpr std::array<std::string_view, 5> kAmountOperations = {
    "charges.create", "payment_intents.create", "refunds.create", "payouts.create",
    "transfers.create"};

bool isAmountOperation(const Operation *operation)
{
    return operation
        && std::find(kAmountOperations.begin(), kAmountOperations.end(), operation->name)
        != kAmountOperations.end();
}

// A positive integer of at most 18 digits (Stripe amounts are integers in minor units).
std::optional<std::int64_t> positiveInteger(std::string_view text)
{
    if (text.empty() || text.size() > 18
        || !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return std::nullopt;
    std::int64_t value = 0;
    for (char c : text)
        value = value * 10 + (c - '0');
    if (value <= 0)
        return std::nullopt;
    return value;
}

bool isCustomerId(std::string_view text)
{
    return text.size() > 4 && text.size() <= 68 && text.starts_with("cus_")
        && std::all_of(text.begin() + 4, text.end(), [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
           });
}

std::optional<boost::json::value> keepStripeValue(std::string_view name, std::string_view value)
{
    if (name == "amount" || name == "limit") {
        if (const auto number = positiveInteger(value))
            return boost::json::value(*number);
        return std::nullopt;
    }
    if (name == "currency" && value.size() == 3
        && std::all_of(value.begin(), value.end(),
                       [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }))
        return boost::json::value(lowerCase(value));
    if (name == "customer" && isCustomerId(value))
        return boost::json::value(value);
    return std::nullopt;
}

// The estimate of an amount operation. Every `amount` sent must be a positive integer, and the
// largest one is held: which duplicate Stripe uses is its business, a hold must cover either.
CostEstimate estimateAmount(const Operation &operation, const std::vector<FormField> &fields,
                            const Pricing &pricing)
{
    CostEstimate estimate;
    estimate.outcome = CostEstimate::Outcome::Unknown;
    const auto amounts = valuesOf(fields, "amount");
    if (amounts.empty())
        return estimate; // a full refund names no amount: its cost is not known up front
    std::int64_t amount = 0;
    for (std::string_view text : amounts) {
        const auto value = positiveInteger(text);
        if (!value)
            return estimate;
        amount = std::max(amount, *value);
    }
    estimate.originalAmount = amount;

    const auto currencies = valuesOf(fields, "currency");
    if (currencies.empty()) {
        if (operation.name != "refunds.create")
            return estimate; // Stripe requires a currency here
        // A refund is in its charge's currency, which the request does not say. Hold the amount
        // at the dearest minor unit the proxy can price; the response (amount and currency of
        // the refund) settles it exactly.
        Usd dearest = *minorUnitsToUsd(pricing, "usd", amount);
        for (const auto &[code, rate] : pricing.usdPerUnit) {
            if (const auto usd = minorUnitsToUsd(pricing, code, amount))
                dearest = std::max(dearest, *usd);
        }
        estimate.outcome = CostEstimate::Outcome::Known;
        estimate.amount = dearest;
        return estimate;
    }
    const std::string currency = lowerCase(currencies.back());
    for (std::string_view other : currencies) {
        if (lowerCase(other) != currency)
            return estimate;
    }
    estimate.currency = currency;
    const auto usd = minorUnitsToUsd(pricing, currency, amount);
    if (!usd) {
        estimate.outcome = CostEstimate::Outcome::CurrencyUnsupported;
        return estimate;
    }
    estimate.outcome = CostEstimate::Outcome::Known;
    estimate.amount = *usd;
    return estimate;
}

} // namespace

std::optional<PrepareError> prepareStripe(const VendorRequest &request, const Pricing &pricing,
                                          PreparedCall &call)
{
    // Stripe takes form encoding. A JSON body (what agents and Keybrake's own Lambda guide
    // often send, sometimes without a content type) is converted, so Stripe, the estimate and
    // the scope check all see the same parameters. Any other body (multipart, text, XML) is read
    // by the vendor in a way the proxy does not price, so it does not leave.
    const std::string media = mediaType(request.contentType);
    const bool blank = isBlank(request.body);
    const bool json = isJsonContentType(request.contentType)
        || (media.empty() && !blank
            && request.body[request.body.find_first_not_of(" \t\r\n")] == '{');
    const bool formType = media == kFormContentType;
    if (!blank && !json && !formType && !media.empty())
        return costUnknown("Stripe would read this body as \"" + media.substr(0, 100)
                           + "\", which the proxy cannot price; send it form-encoded "
                             "(application/x-www-form-urlencoded) or as JSON");
    if (json) {
        if (blank) {
            call.body.clear();
        } else {
            std::string error;
            auto form = jsonToStripeForm(request.body, error);
            if (!form)
                return invalidBody(std::move(error));
            call.body = std::move(*form);
        }
        call.contentType = std::string(kFormContentType);
    } else if (!formType) {
        // Sent as what it was read as: a form, or (no body) nothing.
        call.contentType = request.body.empty() ? std::string() : std::string(kFormContentType);
    }
    auto fields = parseFormBody(call.body);
    if (!fields)
        return invalidBody("The request body is not valid form encoding (a malformed "
                           "percent-escape)");
    const auto queryFields = parseFormBody(request.query);
    if (!queryFields)
        return PrepareError {400,
                             "invalid_path",
                             "Invalid request target: the query string has a malformed "
                             "percent-escape",
                             {}};
    // Stripe reads parameters from the query string too: one that is also in the body with
    // another value could be priced from one place and charged from the other.
    if (const auto name = conflictingParameter(*queryFields, *fields))
        return costUnknown("The parameter \"" + name->substr(0, 100)
                           + "\" is in both the query string and the body with different values; "
                             "send it once");
    std::vector<FormField> all = *queryFields;
    all.insert(all.end(), fields->begin(), fields->end());

    for (std::string_view customer : valuesOf(all, "customer")) {
        if (!customer.empty())
            call.scope.stripeCustomers.emplace_back(customer);
    }
    // Anything under /v1/customers/{id} (retrieve, update, sources, ...) acts on that customer.
    constexpr std::string_view kCustomers = "/v1/customers/";
    if (call.path.starts_with(kCustomers)) {
        const std::string_view rest = std::string_view(call.path).substr(kCustomers.size());
        call.scope.stripeCustomers.emplace_back(rest.substr(0, rest.find('/')));
    }
    // The audit row records the customer only when it looks like one: the parameter is agent
    // input and could carry anything.
    if (!call.scope.stripeCustomers.empty() && isCustomerId(call.scope.stripeCustomers.front()))
        call.customerScopeId = call.scope.stripeCustomers.front();
    call.scope.stripeAccount = request.stripeAccount;

    if (call.operation) {
        if (isAmountOperation(call.operation))
            call.estimate = estimateAmount(*call.operation, all, pricing);
        else
            call.estimate = CostEstimate {}; // reads and non-money operations cost 0
    }

    call.redactedParams = toJsonText(redactedParams(all, keepStripeValue));
    return std::nullopt;
}

void parseStripeCost(const PreparedCall &call, const VendorResponseHeaders &headers,
                     std::string_view body, const Pricing &pricing, ResponseCost &cost)
{
    const auto parsed = parseJson(body);
    const boost::json::object *object = parsed ? parsed->if_object() : nullptr;
    if (object) {
        if (const auto *id = object->if_contains("id"); id && id->is_string())
            cost.vendorObjectId = std::string(id->get_string());
    }
    if (headers.idempotentReplayed) {
        // Stripe answered from its own idempotency store: the money moved (and was counted)
        // the first time.
        cost.vendorReplayed = true;
        cost.source = CostSource::Parsed;
        return;
    }
    if (!isAmountOperation(call.operation))
        return;
    if (!object)
        return markAnomaly(call, cost, "the response body is not a JSON object");

    const auto *amount = object->if_contains("amount");
    if (!amount)
        return markAnomaly(call, cost, "the response has no amount");
    if (!amount->is_int64() && !amount->is_uint64())
        return markAnomaly(call, cost, "the response amount is not an integer");
    if (amount->is_uint64() || amount->get_int64() < 0)
        return markAnomaly(call, cost, "the response amount is negative or out of range");
    const auto *currencyValue = object->if_contains("currency");
    if (!currencyValue || !currencyValue->is_string())
        return markAnomaly(call, cost, "the response has no currency");
    const std::string currency = lowerCase(currencyValue->get_string());
    if (!call.estimate.currency.empty() && currency != call.estimate.currency)
        return markAnomaly(call, cost,
                           "the response currency \"" + currency + "\" differs from the request's");
    const auto usd = minorUnitsToUsd(pricing, currency, amount->get_int64());
    if (!usd)
        return markAnomaly(call, cost,
                           "the response currency \"" + currency + "\" has no configured rate");
    if (*usd > call.estimate.amount)
        return markAnomaly(call, cost,
                           "the response amount " + usd->toDecimal() + " USD exceeds the hold of "
                               + call.estimate.amount.toDecimal() + " USD");
    cost.amount = *usd;
    cost.source = CostSource::Parsed;
    cost.currency = currency;
    cost.originalAmount = amount->get_int64();
}

} // namespace keybrake::vendorcall_detail
