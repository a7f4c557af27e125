#pragma once

// What the server-side targets share: the pricing every target uses and the checks of a prepared
// call and its settlement that must hold whatever the input was.
#include "vendors/vendorcall.h"

#include <boost/json/parse.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <variant>

namespace keybrake::fuzz {

inline constexpr std::string_view kTwilioSid = "AC00000000000000000000000000000000";

inline Pricing fuzzPricing(bool callCeiling)
{
    Pricing pricing;
    pricing.usdPerUnit = {{"eur", Usd::fromMicros(1'080'000)},
                          {"jpy", Usd::fromMicros(6'700)},
                          {"kwd", Usd::fromMicros(3'250'000)}};
    if (callCeiling)
        pricing.twilioCallCeiling = Usd::fromMicros(500'000);
    return pricing;
}

[[noreturn]] inline void fail(const char *what)
{
    std::fprintf(stderr, "invariant broken: %s\n", what);
    std::abort();
}

inline void require(bool condition, const char *what)
{
    if (!condition)
        fail(what);
}

// Prepares the request and checks the invariants of a prepared call; returns it (or null).
inline std::optional<PreparedCall> prepareAndCheck(const VendorRequest &request,
                                                   const Pricing &pricing)
{
    auto result = prepareCall(request, pricing, kTwilioSid);
    auto *call = std::get_if<PreparedCall>(&result);
    if (!call) {
        const auto &error = std::get<PrepareError>(result);
        require(error.status >= 400 && error.status <= 499, "a refusal is a 4xx");
        require(!error.code.empty(), "a refusal has a code");
        return std::nullopt;
    }
    require(call->estimate.amount >= Usd(), "an estimate is never negative");
    require(call->method == request.method, "the method forwarded is the one received");
    require(isVendorMethod(request.vendor, call->method), "only vendor methods are prepared");
    require(call->upstreamPath.rfind(call->path, 0) == 0, "the upstream path is the priced path");
    require(!call->path.empty() && call->path.front() == '/', "a vendor path starts with /");
    require(call->fingerprint.size() == 64, "the fingerprint is a SHA-256 in hex");
    if (!call->redactedParams.empty()) {
        boost::json::error_code error;
        (void)boost::json::parse(call->redactedParams, error);
        if (error) {
            std::fprintf(stderr, "audit detail: %s\n", call->redactedParams.c_str());
            fail("the audit row's parameters are JSON");
        }
    }
    if (call->operation)
        require(call->operation->vendor == request.vendor, "an operation of the right vendor");
    if (call->estimate.outcome == CostEstimate::Outcome::Known && call->operation
        && call->operation->moneyMoving)
        require(call->estimate.amount > Usd(), "a money-moving call is never priced at zero");

    // What leaves the proxy is what it priced: preparing the forwarded request again (the
    // rewritten body, the forwarded content type, the path it sends upstream) gives the same
    // operation and the same hold.
    VendorRequest again = request;
    const auto question = call->upstreamPath.find('?');
    again.path = call->upstreamPath.substr(0, question);
    again.query = question == std::string::npos ? "" : call->upstreamPath.substr(question + 1);
    again.body = call->body;
    again.contentType = call->contentType;
    auto second = prepareCall(again, pricing, kTwilioSid);
    auto *call2 = std::get_if<PreparedCall>(&second);
    if (!call2) {
        std::fprintf(stderr, "second refusal: %s %s\n", std::get<PrepareError>(second).code.c_str(),
                     std::get<PrepareError>(second).message.c_str());
        fail("the forwarded request is accepted when prepared again");
    }
    require(call2->operation == call->operation, "the forwarded request is the same operation");
    require(call2->estimate.outcome == call->estimate.outcome, "the same estimate outcome");
    if (call2->estimate.amount != call->estimate.amount) {
        std::fprintf(stderr, "first %lld, again %lld\n",
                     static_cast<long long>(call->estimate.amount.micros()),
                     static_cast<long long>(call2->estimate.amount.micros()));
        fail("the forwarded request holds the same amount");
    }
    require(call2->body == call->body, "preparing the forwarded body changes nothing more");
    return *call;
}

// The settlement of a response to `call`: never negative, never above the hold.
inline void checkSettlement(const PreparedCall &call, int status, std::string_view body,
                            const Pricing &pricing, bool replayed)
{
    VendorResponseHeaders headers;
    headers.requestId = "req_fuzz";
    headers.idempotentReplayed = replayed;
    const ResponseCost cost = parseResponseCost(call, status, headers, body, pricing);
    require(cost.amount >= Usd(), "a settlement is never negative");
    if (call.estimate.outcome == CostEstimate::Outcome::Known
        && cost.amount > call.estimate.amount) {
        std::fprintf(stderr, "held %lld, settled %lld\n",
                     static_cast<long long>(call.estimate.amount.micros()),
                     static_cast<long long>(cost.amount.micros()));
        fail("a settlement never exceeds the hold");
    }
    if (status < 200 || status > 299)
        require(cost.amount == Usd(), "a failed call costs nothing");
    require(cost.vendorRequestId == "req_fuzz", "the request id is kept");
}

} // namespace keybrake::fuzz
