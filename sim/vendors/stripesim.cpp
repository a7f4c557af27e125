#include "vendors/stripesim.h"

#include "crypto.h"
#include "json.h"
#include "vendors/fault.h"
#include "vendors/simids.h"

#include <boost/json/array.hpp>

#include <cctype>
#include <charconv>

namespace keybrake::sim {

namespace json = boost::json;
using boost::beast::http::verb;

namespace {

SimReply jsonReply(unsigned status, const json::value &body, bool storable = true)
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

// Stripe's error body. Validation failures are not stored under an idempotency key (the endpoint
// never ran); refusals while running are.
SimReply stripeError(unsigned status, std::string_view type, const std::string &message,
                     std::string_view code = {}, std::string_view param = {}, bool storable = false)
{
    json::object error;
    if (!code.empty()) {
        error["code"] = code;
        error["doc_url"] = docUrl(code);
    }
    error["message"] = message;
    if (!param.empty())
        error["param"] = param;
    error["type"] = type;
    return jsonReply(status, json::object {{"error", std::move(error)}}, storable);
}

SimReply missingParam(std::string_view param)
{
    return stripeError(400, "invalid_request_error",
                       "Missing required param: " + std::string(param) + ".", "parameter_missing",
                       param);
}

SimReply noSuch(std::string_view objectName, std::string_view id)
{
    return stripeError(404, "invalid_request_error",
                       "No such " + std::string(objectName) + ": '" + std::string(id) + "'",
                       "resource_missing", "id");
}

json::value optionalString(const FormFields &form, std::string_view key)
{
    if (const std::string *value = form.find(key); value && !value->empty())
        return json::value(*value);
    return nullptr;
}

json::object metadataOf(const json::object &nested)
{
    if (const auto *metadata = nested.if_contains("metadata"); metadata && metadata->is_object())
        return metadata->as_object();
    return {};
}

// Stripe's amounts are integers in the currency's smallest unit, at least 1 and at most eight
// digits.
std::optional<SimReply> readAmount(const FormFields &form, std::int64_t &amount)
{
    const std::string *text = form.find("amount");
    if (!text || text->empty())
        return missingParam("amount");
    const auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), amount);
    if (error != std::errc() || end != text->data() + text->size())
        return stripeError(400, "invalid_request_error", "Invalid integer: " + *text,
                           "parameter_invalid_integer", "amount");
    if (amount < 1)
        return stripeError(400, "invalid_request_error",
                           "This value must be greater than or equal to 1.",
                           "parameter_invalid_integer", "amount");
    if (amount > 99'999'999)
        return stripeError(400, "invalid_request_error",
                           "Amount must be no more than 99999999 in the currency's smallest unit.",
                           "amount_too_large", "amount");
    return std::nullopt;
}

std::optional<SimReply> readCurrency(const FormFields &form, std::string &currency)
{
    const std::string *text = form.find("currency");
    if (!text || text->empty())
        return missingParam("currency");
    currency.clear();
    for (char c : *text)
        currency += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const bool threeLetters = currency.size() == 3
        && std::all_of(currency.begin(), currency.end(),
                       [](char c) { return c >= 'a' && c <= 'z'; });
    if (!threeLetters)
        return stripeError(400, "invalid_request_error",
                           "Invalid currency: " + *text
                               + ". Stripe currently supports three-letter ISO currency codes.",
                           "", "currency");
    return std::nullopt;
}

std::optional<SimReply> readMoney(const FormFields &form, std::int64_t &amount,
                                  std::string &currency)
{
    if (auto error = readAmount(form, amount))
        return error;
    return readCurrency(form, currency);
}

bool isTrue(const std::string *value)
{
    return value && (*value == "true" || *value == "1");
}

} // namespace

StripeSim::StripeSim(std::string secretKey, ObjectStore &objects)
    : m_secretKey(std::move(secretKey))
    , m_objects(objects)
{
}

RouteMatch StripeSim::route(const SimCall &call) const
{
    const auto &s = call.segments;
    const bool get = call.method == verb::get;
    const bool post = call.method == verb::post;
    if (s.size() < 2 || s[0] != "v1")
        return {};
    const std::string_view collection = s[1];
    const std::string_view id = s.size() > 2 ? s[2] : std::string_view {};
    struct Family
    {
        std::string_view collection;
        SimOperation create, list, retrieve, update;
    };
    constexpr auto none = SimOperation::Unknown;
    constexpr Family families[] = {
        {"charges", SimOperation::StripeChargesCreate, SimOperation::StripeChargesList,
         SimOperation::StripeChargesRetrieve, none},
        {"payment_intents", SimOperation::StripePaymentIntentsCreate, none,
         SimOperation::StripePaymentIntentsRetrieve, none},
        {"refunds", SimOperation::StripeRefundsCreate, none, SimOperation::StripeRefundsRetrieve,
         none},
        {"payouts", SimOperation::StripePayoutsCreate, none, SimOperation::StripePayoutsRetrieve,
         none},
        {"transfers", SimOperation::StripeTransfersCreate, none,
         SimOperation::StripeTransfersRetrieve, none},
        {"customers", SimOperation::StripeCustomersCreate, SimOperation::StripeCustomersList,
         SimOperation::StripeCustomersRetrieve, SimOperation::StripeCustomersUpdate},
    };
    if (collection == "balance" && s.size() == 2 && get)
        return {SimOperation::StripeBalanceRetrieve};
    if (collection == "payment_intents" && s.size() == 4 && post) {
        if (s[3] == "confirm")
            return {SimOperation::StripePaymentIntentsConfirm, id};
        if (s[3] == "capture")
            return {SimOperation::StripePaymentIntentsCapture, id};
        return {};
    }
    for (const Family &family : families) {
        if (family.collection != collection)
            continue;
        SimOperation operation = none;
        if (s.size() == 2)
            operation = post ? family.create : get ? family.list : none;
        else if (s.size() == 3)
            operation = get ? family.retrieve : post ? family.update : none;
        return {operation, operation == none ? std::string_view {} : id};
    }
    return {};
}

bool StripeSim::accepts(const PresentedCredential &credential, const SimCall &) const
{
    // Stripe's SDKs send Bearer; curl -u sk_...: and older clients send the key as the Basic user.
    if (credential.scheme == AuthScheme::Bearer)
        return constantTimeEquals(credential.secret, m_secretKey);
    if (credential.scheme == AuthScheme::Basic)
        return constantTimeEquals(credential.user, m_secretKey);
    return false;
}

SimReply StripeSim::unauthorized(const PresentedCredential &credential) const
{
    // Unlike Stripe, the presented key is not echoed even masked: it may be a vault key that a
    // misconfigured proxy let through, and it would end up in logs.
    SimReply reply = credential.scheme == AuthScheme::None
        ? stripeError(401, "invalid_request_error",
                      "You did not provide an API key. You need to provide your API key in "
                      "the Authorization header, using Bearer auth (e.g. 'Authorization: "
                      "Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication "
                      "for details, or we can help at https://support.stripe.com/.")
        : stripeError(401, "invalid_request_error", "Invalid API Key provided.");
    reply.headers.emplace_back("WWW-Authenticate", "Basic realm=\"Stripe\"");
    return reply;
}

SimReply StripeSim::notFound(const SimCall &call) const
{
    return stripeError(404, "invalid_request_error",
                       "Unrecognized request URL (" + std::string(to_string(call.method)) + ": "
                           + std::string(call.path)
                           + "). Please see https://stripe.com/docs or we can help at "
                             "https://support.stripe.com/.");
}

SimReply StripeSim::failure(unsigned status, const SimCall &, const RouteMatch &match) const
{
    switch (status) {
    case FaultPlan::kVendorError:
    case 402: {
        json::object error;
        if (match.operation == SimOperation::StripeChargesCreate)
            error["charge"] = stripeId("ch_");
        error["code"] = "card_declined";
        error["decline_code"] = "generic_decline";
        error["doc_url"] = docUrl("card_declined");
        error["message"] = "Your card was declined.";
        error["type"] = "card_error";
        // A decline is the endpoint's answer: Stripe replays it for the same idempotency key.
        return jsonReply(402, json::object {{"error", std::move(error)}}, true);
    }
    case 400:
        return stripeError(400, "invalid_request_error",
                           "Invalid request (simulated by keybrake-sim).",
                           "parameter_invalid_empty");
    case 429:
        return stripeError(429, "invalid_request_error",
                           "Request rate limit exceeded. Learn more about rate limits here "
                           "https://stripe.com/docs/rate-limits.",
                           "rate_limit");
    case 503:
        return stripeError(503, "api_error", "Stripe is temporarily unavailable. Please retry.");
    default:
        return stripeError(500, "api_error", "An unknown error occurred");
    }
}

bool StripeSim::honoursIdempotencyKey(const SimCall &call) const
{
    return call.method == verb::post;
}

SimReply StripeSim::idempotencyMismatch(std::string_view key) const
{
    return stripeError(400, "idempotency_error",
                       "Keys for idempotent requests can only be used with the same parameters "
                       "they were first used with. Try using a key other than '"
                           + std::string(key) + "' if you meant to execute a different request.");
}

SimReply StripeSim::idempotencyInProgress(std::string_view key) const
{
    return stripeError(409, "invalid_request_error",
                       "There is currently another in-progress request using this idempotent key "
                       "(that probably means you submitted twice, and the other request is still "
                       "going through): "
                           + std::string(key) + ". Please try again later.",
                       "idempotency_key_in_use");
}

void StripeSim::markReplayed(SimReply &reply) const
{
    for (auto &[name, value] : reply.headers) {
        if (name == "Request-Id")
            name = "Original-Request";
    }
    reply.headers.emplace_back("Request-Id", stripeRequestId());
    reply.headers.emplace_back("Idempotent-Replayed", "true");
}

void StripeSim::stamp(SimReply &reply) const
{
    reply.headers.emplace_back("Request-Id", stripeRequestId());
}

SimReply StripeSim::execute(const SimCall &call, const RouteMatch &match)
{
    // Stripe reads parameters from a form body on POST and from the query on GET; a JSON body is
    // not parsed at all, so its fields are simply missing (which the proxy must prevent).
    const bool formBody = call.method == verb::post
        && call.header("Content-Type").starts_with("application/x-www-form-urlencoded");
    const auto form = FormFields::parse(
        call.method == verb::post ? (formBody ? call.body() : std::string_view {}) : call.query);
    if (!form)
        return stripeError(400, "invalid_request_error",
                           "Invalid request: the parameters are not valid form encoding.");
    switch (match.operation) {
    case SimOperation::StripeChargesCreate:
        return createCharge(call, *form);
    case SimOperation::StripeChargesList:
        return list("ch_", "/v1/charges", *form, "customer");
    case SimOperation::StripeChargesRetrieve:
        return retrieve(match.id, "charge");
    case SimOperation::StripePaymentIntentsCreate:
        return createPaymentIntent(call, *form);
    case SimOperation::StripePaymentIntentsRetrieve:
        return retrieve(match.id, "payment_intent");
    case SimOperation::StripePaymentIntentsConfirm:
        return confirmPaymentIntent(call, match.id, false);
    case SimOperation::StripePaymentIntentsCapture:
        return confirmPaymentIntent(call, match.id, true);
    case SimOperation::StripeRefundsCreate:
        return createRefund(call, *form);
    case SimOperation::StripeRefundsRetrieve:
        return retrieve(match.id, "refund");
    case SimOperation::StripePayoutsCreate:
        return createPayout(call, *form);
    case SimOperation::StripePayoutsRetrieve:
        return retrieve(match.id, "payout");
    case SimOperation::StripeTransfersCreate:
        return createTransfer(call, *form);
    case SimOperation::StripeTransfersRetrieve:
        return retrieve(match.id, "transfer");
    case SimOperation::StripeCustomersCreate:
        return createCustomer(call, *form);
    case SimOperation::StripeCustomersList:
        return list("cus_", "/v1/customers", *form, "email");
    case SimOperation::StripeCustomersRetrieve:
        return retrieve(match.id, "customer");
    case SimOperation::StripeCustomersUpdate:
        return updateCustomer(match.id, *form);
    case SimOperation::StripeBalanceRetrieve:
        return balance();
    default:
        return notFound(call);
    }
}

SimReply StripeSim::createCharge(const SimCall &call, const FormFields &form)
{
    std::int64_t amount = 0;
    std::string currency;
    if (auto error = readMoney(form, amount, currency))
        return std::move(*error);
    const json::object nested = form.nested();
    const bool capture = !form.find("capture") || isTrue(form.find("capture"));
    const std::string id = stripeId("ch_");
    json::object charge;
    charge["id"] = id;
    charge["object"] = "charge";
    charge["amount"] = amount;
    charge["amount_captured"] = capture ? amount : 0;
    charge["amount_refunded"] = 0;
    charge["balance_transaction"] = stripeId("txn_");
    charge["captured"] = capture;
    charge["created"] = call.nowSeconds;
    charge["currency"] = currency;
    charge["customer"] = optionalString(form, "customer");
    charge["description"] = optionalString(form, "description");
    charge["failure_code"] = nullptr;
    charge["failure_message"] = nullptr;
    charge["livemode"] = false;
    charge["metadata"] = metadataOf(nested);
    charge["on_behalf_of"] = optionalString(form, "on_behalf_of");
    charge["paid"] = true;
    charge["payment_intent"] = nullptr;
    const json::value source = optionalString(form, "source");
    charge["payment_method"] = source.is_null() ? optionalString(form, "payment_method") : source;
    charge["receipt_email"] = optionalString(form, "receipt_email");
    charge["refunded"] = false;
    charge["statement_descriptor"] = optionalString(form, "statement_descriptor");
    charge["status"] = "succeeded";
    m_objects.put(id, charge);
    return jsonReply(200, charge);
}

SimReply StripeSim::createPaymentIntent(const SimCall &call, const FormFields &form)
{
    std::int64_t amount = 0;
    std::string currency;
    if (auto error = readMoney(form, amount, currency))
        return std::move(*error);
    const json::object nested = form.nested();
    const bool manualCapture =
        form.find("capture_method") && *form.find("capture_method") == "manual";
    const bool confirm = isTrue(form.find("confirm"));
    json::value paymentMethod = optionalString(form, "payment_method");
    if (confirm && paymentMethod.is_null())
        paymentMethod = "pm_card_visa";
    const std::string id = stripeId("pi_");
    json::object intent;
    intent["id"] = id;
    intent["object"] = "payment_intent";
    intent["amount"] = amount;
    intent["amount_capturable"] = 0;
    intent["amount_received"] = 0;
    intent["capture_method"] = manualCapture ? "manual" : "automatic";
    intent["client_secret"] = id + "_secret_" + randomBase62(24);
    intent["confirmation_method"] = "automatic";
    intent["created"] = call.nowSeconds;
    intent["currency"] = currency;
    intent["customer"] = optionalString(form, "customer");
    intent["description"] = optionalString(form, "description");
    intent["latest_charge"] = nullptr;
    intent["livemode"] = false;
    intent["metadata"] = metadataOf(nested);
    intent["payment_method"] = paymentMethod;
    intent["payment_method_types"] = json::array {"card"};
    intent["receipt_email"] = optionalString(form, "receipt_email");
    intent["status"] =
        paymentMethod.is_null() ? "requires_payment_method" : "requires_confirmation";
    if (confirm) {
        intent["latest_charge"] = stripeId("ch_");
        if (manualCapture) {
            intent["status"] = "requires_capture";
            intent["amount_capturable"] = amount;
        } else {
            intent["status"] = "succeeded";
            intent["amount_received"] = amount;
        }
    }
    m_objects.put(id, intent);
    return jsonReply(200, intent);
}

SimReply StripeSim::confirmPaymentIntent(const SimCall &call, std::string_view id, bool capture)
{
    std::string refusedStatus;
    const auto intent = m_objects.update(id, [&](json::object &pi) {
        const std::string status(pi["status"].as_string());
        const bool manual = pi["capture_method"].as_string() == "manual";
        if (capture
                ? status != "requires_capture"
                : (status == "succeeded" || status == "requires_capture" || status == "canceled")) {
            refusedStatus = status;
            return false;
        }
        if (pi["payment_method"].is_null())
            pi["payment_method"] = "pm_card_visa";
        if (!capture) {
            pi["latest_charge"] = stripeId("ch_");
            if (manual) {
                pi["status"] = "requires_capture";
                pi["amount_capturable"] = pi["amount"];
                return true;
            }
        }
        pi["status"] = "succeeded";
        pi["amount_capturable"] = 0;
        pi["amount_received"] = pi["amount"];
        return true;
    });
    (void)call;
    if (!intent)
        return noSuch("payment_intent", id);
    if (!refusedStatus.empty())
        return stripeError(400, "invalid_request_error",
                           "This PaymentIntent's " + std::string(capture ? "capture" : "confirm")
                               + " could not be performed because it has a status of "
                               + refusedStatus + ".",
                           "payment_intent_unexpected_state", "", true);
    return jsonReply(200, *intent);
}

SimReply StripeSim::createRefund(const SimCall &call, const FormFields &form)
{
    const std::string *chargeId = form.find("charge");
    const std::string *intentId = form.find("payment_intent");
    if ((!chargeId || chargeId->empty()) && (!intentId || intentId->empty()))
        return stripeError(400, "invalid_request_error",
                           "One of the following params should be provided for this request: "
                           "payment_intent or charge.",
                           "parameter_missing", "charge");
    // What the referenced payment still holds, when this simulator created it.
    std::optional<std::int64_t> refundable;
    std::string currency;
    const std::string &referenced = chargeId && !chargeId->empty() ? *chargeId : *intentId;
    if (const auto object = m_objects.get(referenced)) {
        const bool isIntent = referenced.starts_with("pi_");
        const std::int64_t paid = (*object).at(isIntent ? "amount_received" : "amount").as_int64();
        const std::int64_t refunded =
            object->contains("amount_refunded") ? object->at("amount_refunded").as_int64() : 0;
        refundable = paid - refunded;
        currency = object->at("currency").as_string();
    }
    std::int64_t amount = 0;
    if (form.find("amount")) {
        if (auto error = readAmount(form, amount))
            return std::move(*error);
    } else if (refundable) {
        amount = *refundable;
    } else {
        return missingParam("amount");
    }
    if (currency.empty()) {
        const std::string *given = form.find("currency");
        currency = given && !given->empty() ? *given : "usd";
    }
    if (refundable && *refundable <= 0)
        return stripeError(400, "invalid_request_error",
                           "Charge " + referenced + " has already been refunded.",
                           "charge_already_refunded", "", true);
    if (refundable && amount > *refundable)
        return stripeError(400, "invalid_request_error",
                           "Refund amount (" + std::to_string(amount)
                               + ") is greater than unrefunded amount on charge ("
                               + std::to_string(*refundable) + ")",
                           "", "amount", true);
    if (refundable && !referenced.starts_with("pi_")) {
        m_objects.update(referenced, [&](json::object &charge) {
            const std::int64_t total = charge["amount_refunded"].as_int64() + amount;
            charge["amount_refunded"] = total;
            charge["refunded"] = total >= charge["amount"].as_int64();
            return true;
        });
    }
    const std::string id = stripeId("re_");
    json::object refund;
    refund["id"] = id;
    refund["object"] = "refund";
    refund["amount"] = amount;
    refund["balance_transaction"] = stripeId("txn_");
    refund["charge"] = chargeId && !chargeId->empty() ? json::value(*chargeId) : json::value();
    refund["created"] = call.nowSeconds;
    refund["currency"] = currency;
    refund["metadata"] = metadataOf(form.nested());
    refund["payment_intent"] = optionalString(form, "payment_intent");
    refund["reason"] = optionalString(form, "reason");
    refund["status"] = "succeeded";
    m_objects.put(id, refund);
    return jsonReply(200, refund);
}

SimReply StripeSim::createPayout(const SimCall &call, const FormFields &form)
{
    std::int64_t amount = 0;
    std::string currency;
    if (auto error = readMoney(form, amount, currency))
        return std::move(*error);
    const std::string id = stripeId("po_");
    json::object payout;
    payout["id"] = id;
    payout["object"] = "payout";
    payout["amount"] = amount;
    payout["arrival_date"] = call.nowSeconds + 2 * 86400;
    payout["automatic"] = false;
    payout["balance_transaction"] = stripeId("txn_");
    payout["created"] = call.nowSeconds;
    payout["currency"] = currency;
    payout["description"] = optionalString(form, "description");
    const json::value destination = optionalString(form, "destination");
    payout["destination"] = destination.is_null() ? json::value(stripeId("ba_")) : destination;
    payout["livemode"] = false;
    payout["metadata"] = metadataOf(form.nested());
    const json::value method = optionalString(form, "method");
    payout["method"] = method.is_null() ? json::value("standard") : method;
    payout["source_type"] = "card";
    payout["statement_descriptor"] = optionalString(form, "statement_descriptor");
    payout["status"] = "pending";
    payout["type"] = "bank_account";
    m_objects.put(id, payout);
    return jsonReply(200, payout);
}

SimReply StripeSim::createTransfer(const SimCall &call, const FormFields &form)
{
    std::int64_t amount = 0;
    std::string currency;
    if (auto error = readMoney(form, amount, currency))
        return std::move(*error);
    const json::value destination = optionalString(form, "destination");
    if (destination.is_null())
        return missingParam("destination");
    const std::string id = stripeId("tr_");
    json::object transfer;
    transfer["id"] = id;
    transfer["object"] = "transfer";
    transfer["amount"] = amount;
    transfer["amount_reversed"] = 0;
    transfer["balance_transaction"] = stripeId("txn_");
    transfer["created"] = call.nowSeconds;
    transfer["currency"] = currency;
    transfer["description"] = optionalString(form, "description");
    transfer["destination"] = destination;
    transfer["destination_payment"] = stripeId("py_");
    transfer["livemode"] = false;
    transfer["metadata"] = metadataOf(form.nested());
    transfer["reversals"] = json::object {{"object", "list"},
                                          {"data", json::array()},
                                          {"has_more", false},
                                          {"total_count", 0},
                                          {"url", "/v1/transfers/" + id + "/reversals"}};
    transfer["reversed"] = false;
    transfer["source_transaction"] = optionalString(form, "source_transaction");
    transfer["transfer_group"] = optionalString(form, "transfer_group");
    m_objects.put(id, transfer);
    return jsonReply(200, transfer);
}

SimReply StripeSim::createCustomer(const SimCall &call, const FormFields &form)
{
    const std::string id = stripeId("cus_");
    json::object customer;
    customer["id"] = id;
    customer["object"] = "customer";
    customer["address"] = nullptr;
    customer["balance"] = 0;
    customer["created"] = call.nowSeconds;
    customer["currency"] = nullptr;
    customer["default_source"] = nullptr;
    customer["delinquent"] = false;
    customer["description"] = optionalString(form, "description");
    customer["email"] = optionalString(form, "email");
    customer["invoice_prefix"] = randomBase32Lower(8);
    customer["livemode"] = false;
    customer["metadata"] = metadataOf(form.nested());
    customer["name"] = optionalString(form, "name");
    customer["phone"] = optionalString(form, "phone");
    customer["preferred_locales"] = json::array();
    customer["shipping"] = nullptr;
    customer["tax_exempt"] = "none";
    m_objects.put(id, customer);
    return jsonReply(200, customer);
}

SimReply StripeSim::updateCustomer(std::string_view id, const FormFields &form)
{
    const json::object nested = form.nested();
    const auto customer = m_objects.update(id, [&](json::object &c) {
        for (const char *field : {"description", "email", "name", "phone"}) {
            if (form.find(field))
                c[field] = optionalString(form, field);
        }
        if (const auto *metadata = nested.if_contains("metadata");
            metadata && metadata->is_object()) {
            auto &current = c["metadata"].as_object();
            for (const auto &entry : metadata->as_object()) {
                if (entry.value().is_string() && entry.value().as_string().empty())
                    current.erase(entry.key()); // Stripe unsets a key given an empty value
                else
                    current[entry.key()] = entry.value();
            }
        }
        return true;
    });
    if (!customer)
        return noSuch("customer", id);
    return jsonReply(200, *customer);
}

SimReply StripeSim::list(std::string_view prefix, std::string_view url, const FormFields &query,
                         std::string_view filterField)
{
    std::int64_t limit = 10;
    if (const std::string *text = query.find("limit")) {
        const auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), limit);
        if (error != std::errc() || end != text->data() + text->size() || limit < 1 || limit > 100)
            return stripeError(400, "invalid_request_error",
                               "Invalid integer: " + *text + " (limit must be between 1 and 100)",
                               "parameter_invalid_integer", "limit");
    }
    const std::string *filter = query.find(filterField);
    const std::string *after = query.find("starting_after");
    bool more = false;
    const auto page = m_objects.newest(
        prefix, static_cast<std::size_t>(limit), after ? *after : std::string_view {},
        [&](const json::object &object) {
            if (!filter)
                return true;
            const auto *value = object.if_contains(filterField);
            return value && value->is_string() && value->as_string() == *filter;
        },
        more);
    json::array data;
    for (const auto &object : page)
        data.push_back(object);
    return jsonReply(
        200,
        json::object {
            {"object", "list"}, {"data", std::move(data)}, {"has_more", more}, {"url", url}});
}

SimReply StripeSim::retrieve(std::string_view id, std::string_view objectName) const
{
    const auto object = m_objects.get(id);
    if (!object || object->at("object").as_string() != objectName)
        return noSuch(objectName, id);
    return jsonReply(200, *object);
}

SimReply StripeSim::balance() const
{
    const json::array amounts {json::object {
        {"amount", 0}, {"currency", "usd"}, {"source_types", json::object {{"card", 0}}}}};
    return jsonReply(200,
                     json::object {{"object", "balance"},
                                   {"available", amounts},
                                   {"livemode", false},
                                   {"pending", amounts}});
}

} // namespace keybrake::sim
