#pragma once

#include "vendors/credential.h"
#include "vendors/simoperation.h"
#include "vendors/simreply.h"

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/verb.hpp>

#include <cstdint>
#include <string_view>
#include <vector>

namespace keybrake::sim {

// One vendor request as the simulated vendors see it.
struct SimCall
{
    boost::beast::http::verb method = boost::beast::http::verb::get;
    std::string_view path; // without the query
    std::string_view query;
    std::vector<std::string_view> segments; // of path, without empty ones
    const boost::beast::http::request<boost::beast::http::string_body> *request = nullptr;
    std::int64_t nowSeconds = 0; // Unix time

    std::string_view header(std::string_view name) const;
    std::string_view body() const { return request->body(); }
};

struct RouteMatch
{
    SimOperation operation = SimOperation::Unknown;
    std::string_view id; // the object id in the path, when the route has one
};

// A vendor API shape: its routes, its credentials, its objects and its error bodies. VendorSim
// runs the parts common to all (faults, idempotency, statistics) around these.
class SimulatedVendor
{
public:
    virtual ~SimulatedVendor() = default;

    virtual std::string_view name() const = 0;
    virtual std::string_view contentType() const { return "application/json"; }
    virtual RouteMatch route(const SimCall &call) const = 0;
    // Whether the credential is the configured one (and, for Twilio, the path's account).
    virtual bool accepts(const PresentedCredential &credential, const SimCall &call) const = 0;
    virtual SimReply unauthorized(const PresentedCredential &credential) const = 0;
    virtual SimReply notFound(const SimCall &call) const = 0;
    // An injected failure in the vendor's shape: 400, 402, 429, 500, 503, or
    // FaultPlan::kVendorError for the vendor's most typical refusal of a valid-looking call.
    virtual SimReply failure(unsigned status, const SimCall &call,
                             const RouteMatch &match) const = 0;

    // Whether an Idempotency-Key header is honoured on this call (Stripe and Resend POSTs).
    virtual bool honoursIdempotencyKey(const SimCall &call) const = 0;
    virtual SimReply idempotencyMismatch(std::string_view key) const = 0;
    virtual SimReply idempotencyInProgress(std::string_view key) const = 0;
    // Marks a stored answer as replayed (Stripe: Idempotent-Replayed, Original-Request).
    virtual void markReplayed(SimReply &) const { }

    virtual SimReply execute(const SimCall &call, const RouteMatch &match) = 0;
    // Headers every answer of this vendor carries (Stripe's Request-Id).
    virtual void stamp(SimReply &) const { }
};

} // namespace keybrake::sim
