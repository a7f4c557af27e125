#include "smssegments.h"

#include <vector>

namespace keybrake {

namespace {

// Non-ASCII characters of the GSM 03.38 basic table.
constexpr char32_t kGsmBasicNonAscii[] = {
    0x00A3, 0x00A5, 0x00E8, 0x00E9, 0x00F9, 0x00EC, 0x00F2, 0x00C7, 0x00D8, 0x00F8,
    0x00C5, 0x00E5, 0x0394, 0x03A6, 0x0393, 0x039B, 0x03A9, 0x03A0, 0x03A8, 0x03A3,
    0x0398, 0x039E, 0x00C6, 0x00E6, 0x00DF, 0x00C9, 0x00A4, 0x00A1, 0x00C4, 0x00D6,
    0x00D1, 0x00DC, 0x00A7, 0x00BF, 0x00E4, 0x00F6, 0x00F1, 0x00FC, 0x00E0};

// Septets a character takes in GSM-7: 1 (basic table), 2 (escape + extension table) or 0 when
// it has no GSM-7 form.
int gsmSeptets(char32_t c)
{
    switch (c) {
    case U'^':
    case U'{':
    case U'}':
    case U'\\':
    case U'[':
    case U']':
    case U'~':
    case U'|':
    case 0x20AC: // euro sign
    case 0x000C: // form feed
        return 2;
    case U'\n':
    case U'\r':
        return 1;
    case U'`':
        return 0;
    default:
        break;
    }
    if (c >= 0x20 && c <= 0x7E)
        return 1;
    for (char32_t basic : kGsmBasicNonAscii) {
        if (basic == c)
            return 1;
    }
    return 0;
}

std::optional<std::vector<char32_t>> decodeUtf8(std::string_view text)
{
    std::vector<char32_t> out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        const auto lead = static_cast<unsigned char>(text[i]);
        int length = 0;
        char32_t c = 0;
        if (lead < 0x80) {
            length = 1;
            c = lead;
        } else if (lead >= 0xC2 && lead <= 0xDF) {
            length = 2;
            c = lead & 0x1F;
        } else if (lead >= 0xE0 && lead <= 0xEF) {
            length = 3;
            c = lead & 0x0F;
        } else if (lead >= 0xF0 && lead <= 0xF4) {
            length = 4;
            c = lead & 0x07;
        } else {
            return std::nullopt;
        }
        if (i + length > text.size())
            return std::nullopt;
        for (int k = 1; k < length; ++k) {
            const auto next = static_cast<unsigned char>(text[i + k]);
            if ((next & 0xC0) != 0x80)
                return std::nullopt;
            c = (c << 6) | (next & 0x3F);
        }
        // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
        if ((length == 3 && c < 0x800) || (length == 4 && (c < 0x10000 || c > 0x10FFFF))
            || (c >= 0xD800 && c <= 0xDFFF))
            return std::nullopt;
        out.push_back(c);
        i += length;
    }
    return out;
}

template<class Size>
std::int64_t pack(const std::vector<char32_t> &text, std::int64_t total, std::int64_t single,
                  std::int64_t perSegment, Size sizeOf)
{
    if (total == 0)
        return 0;
    if (total <= single)
        return 1;
    std::int64_t segments = 1;
    std::int64_t used = 0;
    for (char32_t c : text) {
        const std::int64_t size = sizeOf(c);
        if (used + size > perSegment) {
            ++segments;
            used = 0;
        }
        used += size;
    }
    return segments;
}

} // namespace

std::optional<SmsSegments> countSmsSegments(std::string_view utf8)
{
    const auto text = decodeUtf8(utf8);
    if (!text)
        return std::nullopt;
    SmsSegments result;
    bool gsm = true;
    for (char32_t c : *text) {
        const int septets = gsmSeptets(c);
        if (septets == 0) {
            gsm = false;
            break;
        }
        result.units += septets;
    }
    if (gsm) {
        result.segments = pack(*text, result.units, 160, 153, gsmSeptets);
        return result;
    }
    const auto utf16Units = [](char32_t c) { return c > 0xFFFF ? 2 : 1; };
    result.encoding = SmsSegments::Encoding::Ucs2;
    result.units = 0;
    for (char32_t c : *text)
        result.units += utf16Units(c);
    result.segments = pack(*text, result.units, 70, 67, utf16Units);
    return result;
}

} // namespace keybrake
