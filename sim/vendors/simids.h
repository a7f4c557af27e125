#pragma once

#include <string>
#include <string_view>

namespace keybrake::sim {

// Identifiers in the vendors' own formats, from OpenSSL's CSPRNG so that two simulator runs never
// hand out the same object id.
std::string stripeId(std::string_view prefix); // "ch_" + 24 base62
std::string stripeRequestId(); // "req_" + 14 base62
std::string twilioSid(std::string_view prefix); // "SM" + 32 lowercase hex = 34 characters
std::string uuidV4(); // Resend's email ids

} // namespace keybrake::sim
