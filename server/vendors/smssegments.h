#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace keybrake {

// How a carrier splits an SMS body, which is what Twilio bills: per segment.
struct SmsSegments
{
    enum class Encoding {
        Gsm7, // every character in the GSM 03.38 basic or extension table
        Ucs2, // anything else: the whole message goes as UTF-16
    };
    Encoding encoding = Encoding::Gsm7;
    std::int64_t units = 0; // septets (extension characters count 2) or UTF-16 code units
    std::int64_t segments = 0; // 0 for an empty body
};

// GSM-7: up to 160 septets is one segment, longer messages carry 153 per segment. UCS-2: 70 code
// units, then 67 per segment. Segments are packed greedily without splitting an escape pair or a
// surrogate pair, as handsets require, so the count is ceil(units / 153) (or 67) or one more,
// never less. nullopt when `utf8` is not valid UTF-8.
std::optional<SmsSegments> countSmsSegments(std::string_view utf8);

} // namespace keybrake
