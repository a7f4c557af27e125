#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace keybrake {

// Money is integer micro-dollars end to end; a double never holds money. Doubles appear only at
// the JSON edge, where the contract writes USD as a number with at most 6 decimals.
class Usd
{
public:
    constexpr Usd() = default;

    static constexpr Usd fromMicros(std::int64_t micros) { return Usd(micros); }
    static constexpr Usd fromCents(std::int64_t cents) { return Usd(cents * 10'000); }
    static constexpr Usd fromDollars(std::int64_t dollars) { return Usd(dollars * 1'000'000); }

    // "12.34", "-0.0004", "50": at most 6 decimals, nothing else; nullopt when malformed or out of
    // range.
    static std::optional<Usd> fromDecimal(std::string_view text);
    // A JSON number as parsed by Boost.JSON. Rejects values that are not finite, have more than six
    // decimals (beyond double rounding noise) or exceed about 9e12 dollars.
    static std::optional<Usd> fromJsonNumber(double value);

    constexpr std::int64_t micros() const { return m_micros; }
    // Shortest exact decimal: "12.34", "0.0004", "50".
    std::string toDecimal() const;
    // "$12.34", with more decimals only below a cent ("$0.0004").
    std::string toDisplay() const;
    // For the JSON writer, which prints doubles with at most six decimals (see json.h).
    double toJsonNumber() const { return static_cast<double>(m_micros) / 1e6; }

    constexpr Usd operator+(Usd other) const { return Usd(m_micros + other.m_micros); }
    constexpr Usd operator-(Usd other) const { return Usd(m_micros - other.m_micros); }
    constexpr Usd &operator+=(Usd other)
    {
        m_micros += other.m_micros;
        return *this;
    }
    constexpr Usd &operator-=(Usd other)
    {
        m_micros -= other.m_micros;
        return *this;
    }
    constexpr Usd operator*(std::int64_t factor) const { return Usd(m_micros * factor); }
    constexpr auto operator<=>(const Usd &) const = default;

private:
    constexpr explicit Usd(std::int64_t micros)
        : m_micros(micros)
    {
    }
    std::int64_t m_micros = 0;
};

} // namespace keybrake
