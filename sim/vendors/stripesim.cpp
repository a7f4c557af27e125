#include "vendors/stripesim.h"

#include "crypto.h"
#include "vendors/fault.h"
#include "vendors/simids.h"
#include "vendors/stripereplies.h"

#include <boost/json/object.hpp>

namespace keybrake::sim {

namespace json = boost::json;
using boost::beast::http::verb;

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
        ? stripe::error(401, "invalid_request_error",
                        "You did not provide an API key. You need to provide your API key in "
                        "the Authorization header, using Bearer auth (e.g. 'Authorization: "
                        "Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication "
                        "for details, or we can help at https://support.stripe.com/.")
        : stripe::error(401, "invalid_request_error", "Invalid API Key provided.");
    reply.headers.emplace_back("WWW-Authenticate", "Basic realm=\"Stripe\"");
    return reply;
}

SimReply StripeSim::notFound(const SimCall &call) const
{
    return stripe::error(404, "invalid_request_error",
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
        error["doc_url"] = stripe::docUrl("card_declined");
        error["message"] = "Your card was declined.";
        error["type"] = "card_error";
        // A decline is the endpoint's answer: Stripe replays it for the same idempotency key.
        return stripe::jsonReply(402, json::object {{"error", std::move(error)}}, true);
    }
    case 400:
        return stripe::error(400, "invalid_request_error",
                             "Invalid request (simulated by keybrake-sim).",
                             "parameter_invalid_empty");
    case 429:
        return stripe::error(429, "invalid_request_error",
                             "Request rate limit exceeded. Learn more about rate limits here "
                             "https://stripe.com/docs/rate-limits.",
                             "rate_limit");
    case 503:
        return stripe::error(503, "api_error", "Stripe is temporarily unavailable. Please retry.");
    default:
        return stripe::error(500, "api_error", "An unknown error occurred");
    }
}

bool StripeSim::honoursIdempotencyKey(const SimCall &call) const
{
    return call.method == verb::post;
}

SimReply StripeSim::idempotencyMismatch(std::string_view key) const
{
    return stripe::error(400, "idempotency_error",
                         "Keys for idempotent requests can only be used with the same parameters "
                         "they were first used with. Try using a key other than '"
                             + std::string(key) + "' if you meant to execute a different request.");
}

SimReply StripeSim::idempotencyInProgress(std::string_view key) const
{
    return stripe::error(409, "invalid_request_error",
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
        return stripe::error(400, "invalid_request_error",
                             "Invalid request: the parameters are not valid form encoding.");
    switch (match.operation) {
    case SimOperation::StripeChargesCreate:
        return m_objects.createCharge(call.nowSeconds, *form);
    case SimOperation::StripeChargesList:
        return m_objects.list("ch_", "/v1/charges", *form, "customer");
    case SimOperation::StripeChargesRetrieve:
        return m_objects.retrieve(match.id, "charge");
    case SimOperation::StripePaymentIntentsCreate:
        return m_objects.createPaymentIntent(call.nowSeconds, *form);
    case SimOperation::StripePaymentIntentsRetrieve:
        return m_objects.retrieve(match.id, "payment_intent");
    case SimOperation::StripePaymentIntentsConfirm:
        return m_objects.confirmPaymentIntent(match.id, false);
    case SimOperation::StripePaymentIntentsCapture:
        return m_objects.confirmPaymentIntent(match.id, true);
    case SimOperation::StripeRefundsCreate:
        return m_objects.createRefund(call.nowSeconds, *form);
    case SimOperation::StripeRefundsRetrieve:
        return m_objects.retrieve(match.id, "refund");
    case SimOperation::StripePayoutsCreate:
        return m_objects.createPayout(call.nowSeconds, *form);
    case SimOperation::StripePayoutsRetrieve:
        return m_objects.retrieve(match.id, "payout");
    case SimOperation::StripeTransfersCreate:
        return m_objects.createTransfer(call.nowSeconds, *form);
    case SimOperation::StripeTransfersRetrieve:
        return m_objects.retrieve(match.id, "transfer");
    case SimOperation::StripeCustomersCreate:
        return m_objects.createCustomer(call.nowSeconds, *form);
    case SimOperation::StripeCustomersList:
        return m_objects.list("cus_", "/v1/customers", *form, "email");
    case SimOperation::StripeCustomersRetrieve:
        return m_objects.retrieve(match.id, "customer");
    case SimOperation::StripeCustomersUpdate:
        return m_objects.updateCustomer(match.id, *form);
    case SimOperation::StripeBalanceRetrieve:
        return m_objects.balance();
    default:
        return notFound(call);
    }
}

} // namespace keybrake::sim
