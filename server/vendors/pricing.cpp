#include "pricing.h"

#include <algorithm>
#include <array>

namespace keybrake {

namespace {

// About nine billion dollars, as Usd::fromDecimal allows: far above any cap, far below int64
// overflow when the ledger adds a few of them.
constexpr std::int64_t kSaturatedMicros = 9'000'000'000'000'000LL;

// Stripe's zero-decimal and three-decimal currencies (https://stripe.com/docs/currencies).
constexpr std::array<std::string_view, 16> kZeroDecimal = {"bif", "clp", "djf", "gnf", "jpy", "kmf",
                                                           "krw", "mga", "pyg", "rwf", "ugx", "vnd",
                                                           "vuv", "xaf", "xof", "xpf"};
constexpr std::array<std::string_view, 5> kThreeDecimal = {"bhd", "jod", "kwd", "omr", "tnd"};

std::string lowerCase(std::string_view text)
{
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; });
    return out;
}

bool isCurrencyCode(std::string_view code)
{
    return code.size() == 3 && std::all_of(code.begin(), code.end(), [](char c) {
               return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
           });
}

// ceil(value * numerator / denominator) for non-negative operands, saturating.
std::int64_t mulDivUp(std::int64_t value, std::int64_t numerator, std::int64_t denominator)
{
    std::int64_t product = 0;
    if (__builtin_mul_overflow(value, numerator, &product))
        return kSaturatedMicros;
    const std::int64_t result = product / denominator + (product % denominator != 0 ? 1 : 0);
    return std::min(result, kSaturatedMicros);
}

// "12.3456789" -> micro-units rounded up (12345679); sign ignored. Plain decimals only: no
// exponent, no blanks, at most 13 integer digits.
std::optional<std::int64_t> parseMicrosRoundingUp(std::string_view text)
{
    if (!text.empty() && (text.front() == '-' || text.front() == '+'))
        text.remove_prefix(1);
    const auto dot = text.find('.');
    const std::string_view whole = text.substr(0, dot);
    const std::string_view fraction =
        dot == std::string_view::npos ? std::string_view {} : text.substr(dot + 1);
    if (whole.empty() || whole.size() > 13 || (dot != std::string_view::npos && fraction.empty()))
        return std::nullopt;
    const auto isDigit = [](char c) { return c >= '0' && c <= '9'; };
    if (!std::all_of(whole.begin(), whole.end(), isDigit)
        || !std::all_of(fraction.begin(), fraction.end(), isDigit))
        return std::nullopt;
    std::int64_t micros = 0;
    for (char c : whole)
        micros = micros * 10 + (c - '0');
    micros *= 1'000'000;
    std::int64_t scale = 100'000;
    for (std::size_t i = 0; i < std::min<std::size_t>(fraction.size(), 6); ++i, scale /= 10)
        micros += (fraction[i] - '0') * scale;
    if (fraction.size() > 6
        && std::any_of(fraction.begin() + 6, fraction.end(), [](char c) { return c != '0'; }))
        ++micros;
    return std::min(micros, kSaturatedMicros);
}

std::optional<std::int64_t> rateMicros(const Pricing &pricing, std::string_view currency)
{
    const std::string code = lowerCase(currency);
    if (code == "usd")
        return 1'000'000;
    const auto rate = pricing.usdPerUnit.find(code);
    if (rate == pricing.usdPerUnit.end())
        return std::nullopt;
    return rate->second.micros();
}

} // namespace

std::optional<std::map<std::string, Usd>> parseFxRates(std::string_view text)
{
    std::map<std::string, Usd> rates;
    const auto trim = [](std::string_view s) {
        while (!s.empty() && s.front() == ' ')
            s.remove_prefix(1);
        while (!s.empty() && s.back() == ' ')
            s.remove_suffix(1);
        return s;
    };
    if (trim(text).empty())
        return rates;
    while (true) {
        const auto comma = text.find(',');
        const std::string_view item = trim(text.substr(0, comma));
        const auto equals = item.find('=');
        if (equals == std::string_view::npos)
            return std::nullopt;
        const std::string code = lowerCase(trim(item.substr(0, equals)));
        const std::string_view value = trim(item.substr(equals + 1));
        if (!isCurrencyCode(code) || code == "usd" || value.starts_with('-')
            || value.starts_with('+'))
            return std::nullopt;
        const auto micros = parseMicrosRoundingUp(value);
        if (!micros || *micros <= 0 || !rates.emplace(code, Usd::fromMicros(*micros)).second)
            return std::nullopt;
        if (comma == std::string_view::npos)
            return rates;
        text.remove_prefix(comma + 1);
    }
}

int minorUnitDigits(std::string_view currency)
{
    const std::string code = lowerCase(currency);
    if (std::find(kZeroDecimal.begin(), kZeroDecimal.end(), code) != kZeroDecimal.end())
        return 0;
    if (std::find(kThreeDecimal.begin(), kThreeDecimal.end(), code) != kThreeDecimal.end())
        return 3;
    return 2;
}

bool isCurrencySupported(const Pricing &pricing, std::string_view currency)
{
    return rateMicros(pricing, currency).has_value();
}

std::optional<Usd> minorUnitsToUsd(const Pricing &pricing, std::string_view currency,
                                   std::int64_t minorUnits)
{
    const auto rate = rateMicros(pricing, currency);
    if (!rate || minorUnits < 0)
        return std::nullopt;
    static constexpr std::int64_t kPowersOfTen[] = {1, 10, 100, 1000};
    return Usd::fromMicros(mulDivUp(minorUnits, *rate, kPowersOfTen[minorUnitDigits(currency)]));
}

std::optional<Usd> decimalToUsd(const Pricing &pricing, std::string_view currency,
                                std::string_view decimal)
{
    const auto rate = rateMicros(pricing, currency);
    const auto micros = parseMicrosRoundingUp(decimal);
    if (!rate || !micros)
        return std::nullopt;
    return Usd::fromMicros(mulDivUp(*micros, *rate, 1'000'000));
}

} // namespace keybrake
