#include "usd.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace keybrake {

namespace {
// About nine trillion dollars: far beyond any cap, far below int64 overflow in sums.
constexpr std::int64_t kMaxMicros = 9'000'000'000'000'000'000LL / 1000;
} // namespace

std::optional<Usd> Usd::fromDecimal(std::string_view text)
{
    if (text.empty())
        return std::nullopt;
    bool negative = false;
    if (text.front() == '-' || text.front() == '+') {
        negative = text.front() == '-';
        text.remove_prefix(1);
    }
    const auto dot = text.find('.');
    const std::string_view whole = text.substr(0, dot);
    const std::string_view fraction =
        dot == std::string_view::npos ? std::string_view {} : text.substr(dot + 1);
    if (whole.empty() || whole.size() > 13 || fraction.size() > 6
        || (dot != std::string_view::npos && fraction.empty()))
        return std::nullopt;
    std::int64_t micros = 0;
    for (char c : whole) {
        if (c < '0' || c > '9')
            return std::nullopt;
        micros = micros * 10 + (c - '0');
    }
    micros *= 1'000'000;
    std::int64_t scale = 100'000;
    for (char c : fraction) {
        if (c < '0' || c > '9')
            return std::nullopt;
        micros += (c - '0') * scale;
        scale /= 10;
    }
    if (micros > kMaxMicros)
        return std::nullopt;
    return Usd(negative ? -micros : micros);
}

std::optional<Usd> Usd::fromJsonNumber(double value)
{
    if (!std::isfinite(value) || std::fabs(value) > static_cast<double>(kMaxMicros) / 1e6)
        return std::nullopt;
    const double scaled = value * 1e6;
    const double rounded = std::nearbyint(scaled);
    // A number written with at most six decimals lands within double rounding noise of an integer
    // once scaled; anything further away carried a seventh decimal.
    if (std::fabs(scaled - rounded) > 1e-3 * std::max(1.0, std::fabs(scaled) * 1e-9))
        return std::nullopt;
    return Usd(static_cast<std::int64_t>(rounded));
}

std::string Usd::toDecimal() const
{
    const std::int64_t absolute = m_micros < 0 ? -m_micros : m_micros;
    char buffer[48];
    std::snprintf(buffer, sizeof buffer, "%s%lld.%06lld", m_micros < 0 ? "-" : "",
                  static_cast<long long>(absolute / 1'000'000),
                  static_cast<long long>(absolute % 1'000'000));
    std::string text(buffer);
    while (text.back() == '0')
        text.pop_back();
    if (text.back() == '.')
        text.pop_back();
    return text;
}

std::string Usd::toDisplay() const
{
    const std::int64_t absolute = m_micros < 0 ? -m_micros : m_micros;
    char buffer[48];
    std::snprintf(buffer, sizeof buffer, "%s$%lld.%06lld", m_micros < 0 ? "-" : "",
                  static_cast<long long>(absolute / 1'000'000),
                  static_cast<long long>(absolute % 1'000'000));
    std::string text(buffer);
    // Two decimals always; more only while they carry a non-zero digit below a cent.
    const auto dot = text.find('.');
    while (text.size() > dot + 3 && text.back() == '0')
        text.pop_back();
    return text;
}

} // namespace keybrake
