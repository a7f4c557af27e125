#pragma once

#include "domain.h"

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace keybrake {

// One vendor API operation the proxy knows how to price and scope. The catalog is what
// GET /v1/vendors shows and what operation-name allowlist entries refer to.
struct Operation
{
    Vendor vendor = Vendor::Stripe;
    std::string_view name; // "charges.create"
    std::string_view method; // "POST"
    std::string_view pathPattern; // relative to the vendor base; "{name}" is one path segment
    bool moneyMoving = false;
    std::string_view costRule; // human text for GET /v1/vendors
};

std::span<const Operation> operationsOf(Vendor vendor);

// The catalog operation for a request, or null. `vendorPath` is normalised (see
// normaliseVendorPath) and relative to the vendor base, e.g. "/v1/payment_intents/pi_1/confirm".
const Operation *findOperation(Vendor vendor, std::string_view method, std::string_view vendorPath);

// Whether `method` is one of the vendor's HTTP methods, exactly as written: upper case, as
// RFC 9110 makes method names case-sensitive. Anything else is refused before it is priced.
bool isVendorMethod(Vendor vendor, std::string_view method);
// The vendor's methods, for an Allow header: "GET, HEAD, POST, DELETE".
std::string vendorMethodsList(Vendor vendor);

// Whether the vendor itself deduplicates a retry of this call by its Idempotency-Key (Stripe: every
// POST; Resend: emails.send and emails.batch; Twilio: nothing). Only then may a retry after an
// unknown outcome be forwarded again under the earlier hold.
bool honoursIdempotencyKey(Vendor vendor, std::string_view method, const Operation *operation);

// Issuance-time validation of one allowed_endpoints entry: an operation name of the vendor's
// catalog or "METHOD /path" relative to the vendor base. Returns a sentence saying what is wrong,
// or nullopt when the entry is valid.
std::optional<std::string> validateAllowedEndpoint(Vendor vendor, std::string_view entry);

// The form an entry is stored in: trimmed, and for "METHOD /path" the method in upper case with
// one space before the path. Call only on entries validateAllowedEndpoint accepted.
std::string normaliseAllowedEndpoint(std::string_view entry);

// Whether any entry admits the request. `operation` is findOperation's answer for the same
// method and path (null for calls outside the catalog, which only "METHOD /path" entries admit).
bool isAllowed(const std::vector<std::string> &allowed, Vendor vendor, std::string_view method,
               std::string_view vendorPath, const Operation *operation);

// Whether a path pattern ("/v1/customers/{id}", ".../Messages/{id}.json") matches a normalised
// vendor path. On Twilio the account segment of "/2010-04-01/Accounts/<sid>/..." matches any SID:
// the proxy substitutes the configured one, so a literal SID in a pattern cannot mean anything
// else.
bool matchesPathPattern(Vendor vendor, std::string_view pattern, std::string_view vendorPath);

} // namespace keybrake
