// Every vendor's request preparation (path normalisation, body parsing, JSON-to-form conversion,
// the cost estimate, Twilio's MaxPrice, the scope facts) and its response cost parser, fed the
// way the proxy feeds them. Checked beyond "no crash" (vendorfuzz.h): an estimate is never
// negative, the request that leaves the proxy prepares again to the same operation and hold, and
// a settlement is never negative and never above the hold.
//
// Input: a vendor byte (bit 7: a Twilio call ceiling is configured), a method byte, then
// NUL-separated path, query, content type, body, Stripe-Account and response body, then a status
// byte (see corpus/make-seeds.py).
#include "fuzzinput.h"
#include "vendorfuzz.h"

#include <array>

using namespace keybrake;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    fuzz::FuzzInput input(data, size);
    const unsigned vendorByte = input.byte();
    const unsigned methodByte = input.byte();
    static constexpr std::array<const char *, 8> kMethods = {"POST", "GET",  "DELETE", "PATCH",
                                                             "PUT",  "HEAD", "post",   "OPTIONS"};
    VendorRequest request;
    request.vendor = static_cast<Vendor>((vendorByte & 0x7f) % 3);
    request.method = kMethods[methodByte % kMethods.size()];
    request.path = input.next();
    request.query = input.next();
    request.contentType = input.next();
    request.body = input.next();
    request.stripeAccount = input.next();
    request.stripeAccountHeaders = request.stripeAccount.empty() ? 0 : 1 + (methodByte >> 7);
    const std::string response = input.next();
    static constexpr std::array<int, 8> kStatuses = {200, 201, 202, 400, 402, 409, 429, 500};
    const unsigned statusByte = input.byte();
    const int status = kStatuses[statusByte % kStatuses.size()];

    const Pricing pricing = fuzz::fuzzPricing((vendorByte & 0x80) != 0);
    const auto call = fuzz::prepareAndCheck(request, pricing);
    if (!call)
        return 0;
    Scope scope;
    scope.stripeCustomers = {"cus_1"};
    scope.stripeAccounts = {"acct_1"};
    scope.twilioFromNumbers = {"+15005550006"};
    scope.resendFromDomains = {"example.com"};
    if (!scopeViolation(scope, *call) && call->vendor == Vendor::Stripe) {
        fuzz::require(call->scope.stripeAccount == "acct_1"
                          && call->scope.stripeAccountHeaders == 1,
                      "a call outside the account scope is refused");
        fuzz::require(!call->scope.stripeCustomers.empty(), "a call naming no customer is refused");
        for (const std::string &customer : call->scope.stripeCustomers)
            fuzz::require(customer == "cus_1", "a call naming another customer is refused");
    }
    fuzz::checkSettlement(*call, status, response, pricing, (statusByte & 0x80) != 0);
    return 0;
}
