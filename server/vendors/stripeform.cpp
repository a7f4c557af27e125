#include "stripeform.h"

#include <boost/core/detail/string_view.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/pct_string_view.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include <charconv>

namespace keybrake {

namespace {

std::optional<std::string> decodeComponent(std::string_view text)
{
    const auto checked =
        boost::urls::make_pct_string_view(boost::core::string_view(text.data(), text.size()));
    if (!checked)
        return std::nullopt;
    boost::urls::encoding_opts options;
    options.space_as_plus = true;
    return checked->decode(options);
}

void appendField(std::string &out, const std::string &key, std::string_view encodedValue)
{
    if (!out.empty())
        out.push_back('&');
    out += key;
    out.push_back('=');
    out += encodedValue;
}

std::string numberText(double value)
{
    char buffer[64];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    return std::string(buffer, result.ptr);
}

void appendValue(std::string &out, const std::string &key, const boost::json::value &value)
{
    switch (value.kind()) {
    case boost::json::kind::object:
        for (const auto &member : value.get_object()) {
            const std::string_view name(member.key().data(), member.key().size());
            appendValue(out, key + "[" + encodeFormComponent(name) + "]", member.value());
        }
        return;
    case boost::json::kind::array: {
        std::size_t index = 0;
        for (const auto &element : value.get_array())
            appendValue(out, key + "[" + std::to_string(index++) + "]", element);
        return;
    }
    case boost::json::kind::string: {
        const auto &text = value.get_string();
        appendField(out, key, encodeFormComponent(std::string_view(text.data(), text.size())));
        return;
    }
    case boost::json::kind::int64:
        appendField(out, key, std::to_string(value.get_int64()));
        return;
    case boost::json::kind::uint64:
        appendField(out, key, std::to_string(value.get_uint64()));
        return;
    case boost::json::kind::double_:
        // Stripe's decimal fields (unit_amount_decimal, ...) take the shortest text that reads
        // back as the same number.
        appendField(out, key, numberText(value.get_double()));
        return;
    case boost::json::kind::bool_:
        appendField(out, key, value.get_bool() ? "true" : "false");
        return;
    case boost::json::kind::null:
        appendField(out, key, "");
        return;
    }
}

} // namespace

std::optional<std::vector<FormField>> parseFormBody(std::string_view body)
{
    std::vector<FormField> fields;
    while (!body.empty()) {
        const auto ampersand = body.find('&');
        const std::string_view raw = body.substr(0, ampersand);
        body =
            ampersand == std::string_view::npos ? std::string_view {} : body.substr(ampersand + 1);
        if (raw.empty())
            continue;
        const auto equals = raw.find('=');
        auto key = decodeComponent(raw.substr(0, equals));
        auto value = decodeComponent(equals == std::string_view::npos ? std::string_view {}
                                                                      : raw.substr(equals + 1));
        if (!key || !value)
            return std::nullopt;
        fields.push_back({std::move(*key), std::move(*value), raw});
    }
    return fields;
}

std::string encodeFormComponent(std::string_view text)
{
    return boost::urls::encode(boost::core::string_view(text.data(), text.size()),
                               boost::urls::unreserved_chars);
}

std::optional<std::string> jsonToStripeForm(std::string_view json, std::string &error)
{
    boost::system::error_code ec;
    const boost::json::value parsed =
        boost::json::parse(boost::json::string_view(json.data(), json.size()), ec);
    if (ec) {
        error = "The request body is not valid JSON: " + ec.message();
        return std::nullopt;
    }
    if (!parsed.is_object()) {
        error = "A JSON body on a Stripe route must be an object of parameters";
        return std::nullopt;
    }
    std::string form;
    for (const auto &member : parsed.get_object()) {
        const std::string_view name(member.key().data(), member.key().size());
        appendValue(form, encodeFormComponent(name), member.value());
    }
    return form;
}

} // namespace keybrake
