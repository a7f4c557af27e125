#pragma once

#include "domain.h"
#include "pricing.h"
#include "store/store.h"
#include "vendorcatalog.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace keybrake {

// A proxied request as it arrived, before anything is checked or rewritten.
struct VendorRequest
{
    Vendor vendor = Vendor::Stripe;
    std::string method;
    std::string path; // after the /stripe|/twilio|/resend prefix, before normalisation
    std::string query; // without '?'
    std::string contentType;
    std::string body;
    std::string stripeAccount; // the Stripe-Account header, empty when absent
    std::size_t stripeAccountHeaders = 0; // how many Stripe-Account headers arrived
    std::string stripeContext; // the Stripe-Context header, empty when absent
    std::size_t stripeContextHeaders = 0;
};

// What a call names that a vault key's scope can restrict.
struct CallScope
{
    // Stripe: every customer id the call names (`customer` in the body or query, or the
    // customer in a /v1/customers/{id} path). Empty when it names none.
    std::vector<std::string> stripeCustomers;
    std::string stripeAccount; // the Stripe-Account header
    // Scope headers appear at most once; a second one is out of scope whatever it says.
    std::size_t stripeAccountHeaders = 0;
    std::string stripeContext; // the Stripe-Context header
    std::size_t stripeContextHeaders = 0;
    // Twilio and Resend from-scopes restrict what a call sends; reads send nothing.
    bool sends = false;
    std::vector<std::string> resendFrom; // the `from` of every email, as sent
    bool resendFromMissing = false; // an email without a string `from`
    std::optional<std::string> twilioFrom; // `From`; nullopt for a MessagingServiceSid send
};

struct PreparedCall
{
    Vendor vendor = Vendor::Stripe;
    const Operation *operation = nullptr; // null: not in the catalog
    std::string method; // upper case
    std::string path; // normalised vendor path, without the query (audit)
    std::string operationName; // the operation's name, or "METHOD /path" outside the catalog
    std::string upstreamPath; // normalised path + "?" + query, sent upstream as is
    std::string body; // to forward: possibly rewritten (JSON to form, MaxPrice)
    std::string contentType; // to forward
    CostEstimate estimate;
    std::string customerScopeId; // audit: the Stripe customer the call names, if any
    CallScope scope;
    // JSON text for the audit row: amounts, currency, customer id and counts; every other value
    // is "[redacted]", and parameter names that could hold a secret are not kept either.
    std::string redactedParams;
    // SHA-256 hex of the method, the normalised path with its query, the content type and body
    // as received and (Stripe) the Stripe-Account and Stripe-Context headers: what the
    // Idempotency-Key rules compare.
    std::string fingerprint;
    // The vendor deduplicates a retry of this call by its Idempotency-Key
    // (honoursIdempotencyKey), so a retry after an unknown outcome may resume the earlier hold.
    bool vendorDeduplicates = false;
};

struct PrepareError
{
    int status = 400;
    // "invalid_path" | "invalid_request_body" (400), "method_not_allowed" (405), "cost_unknown"
    // (422: a body or query the proxy cannot read the one way the vendor would) or
    // "scope_violation" (403, with `field`)
    std::string code;
    std::string message;
    std::string field; // scope_violation: the field out of scope
};

// Normalises the path, parses the body, converts a JSON body on a Stripe route to form encoding,
// estimates the cost (CostEstimate::Outcome says when it cannot), injects Twilio's MaxPrice and
// collects what the scope check and the audit row need. Pure and synchronous.
std::variant<PreparedCall, PrepareError> prepareCall(const VendorRequest &request,
                                                     const Pricing &pricing,
                                                     std::string_view twilioAccountSid);

// nullopt when the call is inside the key's scope, otherwise the field that is out of it:
// "customer", "stripe_account", "stripe_context", "from" (Resend) or "From" (Twilio).
std::optional<std::string> scopeViolation(const Scope &scope, const PreparedCall &call);

// The response headers cost parsing reads.
struct VendorResponseHeaders
{
    std::string_view requestId; // Stripe Request-Id, Twilio Twilio-Request-Id, Resend x-request-id
    bool idempotentReplayed = false; // Stripe's Idempotent-Replayed: true
};

struct ResponseCost
{
    Usd amount; // what to settle the hold at
    CostSource source = CostSource::None;
    std::string currency; // lower case; the vendor's when parsed
    std::optional<std::int64_t> originalAmount; // minor units, as the vendor reported them
    std::string vendorObjectId;
    std::string vendorRequestId;
    bool vendorReplayed = false;
    // The vendor's figure could not be trusted (missing, negative, not a number, another
    // currency, more than the hold): the settlement falls back to the estimate.
    bool anomaly = false;
    std::string anomalyReason;
};

// The cost of a 2xx response (for other statuses: the ids only, amount 0, source none). The
// body is untrusted input; this never settles above the call's estimate, which was the hold.
ResponseCost parseResponseCost(const PreparedCall &call, int status,
                               const VendorResponseHeaders &headers, std::string_view body,
                               const Pricing &pricing);

} // namespace keybrake
