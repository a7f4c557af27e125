#pragma once

#include "usd.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace keybrake {

// What the proxy charges against a cap when the vendor's own price is not known yet.
struct Pricing
{
    // Lower-case ISO currency -> USD per one major unit ("eur" -> 1.08). "usd" is implicit; a
    // currency missing here is refused (currency_not_supported), never guessed.
    std::map<std::string, Usd> usdPerUnit;
    // Resend's published pay-as-you-go rate, $0.0004 per email.
    Usd resendEmail = Usd::fromMicros(400);
    // US list price plus carrier fees, with margin; also sent to Twilio as MaxPrice.
    Usd twilioSegmentCeiling = Usd::fromMicros(15'000);
    // A call's price depends on its duration, which nobody knows in advance: without a configured
    // ceiling calls.create is refused (cost_unknown).
    std::optional<Usd> twilioCallCeiling;
};

// KEYBRAKE_FX_RATES: "eur=1.08,gbp=1.27" (USD per unit). Currency codes are three letters in
// either case, rates positive decimals; rates with more than six decimals are rounded up to the
// micro-dollar. nullopt for anything malformed, a duplicate, or a "usd" entry.
std::optional<std::map<std::string, Usd>> parseFxRates(std::string_view text);

// Decimal places of a currency's minor unit as Stripe counts them: 0 for Stripe's zero-decimal
// currencies (JPY, KRW, ...), 3 for BHD, JOD, KWD, OMR and TND, otherwise 2. Case-insensitive.
int minorUnitDigits(std::string_view currency);

// Whether the currency is priced: "usd" or a currency of the rate table.
bool isCurrencySupported(const Pricing &pricing, std::string_view currency);

// An amount in the currency's minor units as USD, rounded up to the micro-dollar so a hold is
// never too small. Saturates at about nine billion dollars (above any cap) instead of
// overflowing. nullopt when the currency is not supported or the amount is negative.
std::optional<Usd> minorUnitsToUsd(const Pricing &pricing, std::string_view currency,
                                   std::int64_t minorUnits);

// A decimal amount in major units ("0.00750", "-1.2") as USD, sign ignored, rounded up to the
// micro-dollar. nullopt when the text is not a plain decimal or the currency is not supported.
std::optional<Usd> decimalToUsd(const Pricing &pricing, std::string_view currency,
                                std::string_view decimal);

} // namespace keybrake
