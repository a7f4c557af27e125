#include "json.h"

#include <boost/json/serialize.hpp>

#include <cmath>
#include <cstdio>

namespace keybrake {

namespace {

void appendDouble(std::string &out, double value)
{
    if (!std::isfinite(value)) {
        out += "null"; // JSON has no NaN or infinity
        return;
    }
    char buffer[64];
    const int length = std::snprintf(buffer, sizeof buffer, "%.6f", value);
    std::string_view text(buffer, static_cast<std::size_t>(length));
    while (text.back() == '0')
        text.remove_suffix(1);
    if (text.back() == '.')
        text.remove_suffix(1);
    if (text == "-0")
        text = "0";
    out += text;
}

void append(std::string &out, const boost::json::value &value)
{
    switch (value.kind()) {
    case boost::json::kind::double_:
        appendDouble(out, value.get_double());
        return;
    case boost::json::kind::object: {
        out.push_back('{');
        bool first = true;
        for (const auto &member : value.get_object()) {
            if (!first)
                out.push_back(',');
            first = false;
            out += boost::json::serialize(boost::json::string_view(member.key()));
            out.push_back(':');
            append(out, member.value());
        }
        out.push_back('}');
        return;
    }
    case boost::json::kind::array: {
        out.push_back('[');
        bool first = true;
        for (const auto &element : value.get_array()) {
            if (!first)
                out.push_back(',');
            first = false;
            append(out, element);
        }
        out.push_back(']');
        return;
    }
    default:
        out += boost::json::serialize(value);
        return;
    }
}

} // namespace

std::string toJsonText(const boost::json::value &value)
{
    std::string out;
    out.reserve(256);
    append(out, value);
    return out;
}

} // namespace keybrake
