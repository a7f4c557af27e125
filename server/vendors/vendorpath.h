#pragma once

#include "domain.h"

#include <optional>
#include <string>
#include <string_view>

namespace keybrake {

// The one canonical form of a proxied path, so that what the allowlist, the catalog and the
// scope check see is exactly what the vendor receives. `rawPath` is what followed /stripe,
// /twilio or /resend, without the query.
//
// Refused (nullopt, with a sentence in `error`): anything but an origin-form path, "." and ".."
// segments, empty segments ("//", a trailing "/"), backslashes, control characters, blanks and
// non-ASCII bytes, and escapes that decode to '.', '/', '\', '%', '?', '#' or a control character
// (the ways to smuggle a traversal or a second request past a path check).
//
// Rewritten: escapes of characters a path may hold as they are ("%63" -> "c", "%40" -> "@") are
// decoded (Boost.URL's normalisation); on Stripe a doubled "/v1/v1" prefix becomes "/v1" (clients
// whose base URL already ends in /stripe/v1); on Twilio the account segment of
// "/2010-04-01/Accounts/<sid>/..." becomes `twilioAccountSid` when one is configured, so agents
// never need the real SID.
std::optional<std::string> normaliseVendorPath(Vendor vendor, std::string_view rawPath,
                                               std::string_view twilioAccountSid,
                                               std::string &error);

// A query string forwarded as is must not be able to break the upstream request line.
bool isSafeQuery(std::string_view query);

} // namespace keybrake
