#include "vendors/formfields.h"

#include <boost/json/array.hpp>
#include <boost/url/encoding_opts.hpp>
#include <boost/url/pct_string_view.hpp>

#include <algorithm>
#include <cctype>

namespace keybrake::sim {

namespace json = boost::json;

namespace {

std::optional<std::string> decodeComponent(std::string_view text)
{
    const auto checked = boost::urls::make_pct_string_view(text);
    if (!checked)
        return std::nullopt;
    boost::urls::encoding_opts options;
    options.space_as_plus = true;
    return checked->decode(options);
}

// "a[b][]" -> {"a", "b", ""}; a key without brackets is one segment.
std::vector<std::string_view> keySegments(std::string_view key)
{
    std::vector<std::string_view> segments;
    const auto open = key.find('[');
    segments.push_back(key.substr(0, open));
    std::size_t at = open;
    while (at != std::string_view::npos && at < key.size() && key[at] == '[') {
        const auto close = key.find(']', at);
        if (close == std::string_view::npos)
            break;
        segments.push_back(key.substr(at + 1, close - at - 1));
        at = close + 1;
    }
    return segments;
}

// Objects whose keys are exactly "0".."n-1" were arrays written with explicit indexes.
json::value arraysFromIndexedObjects(json::value value)
{
    if (!value.is_object())
        return value;
    auto &object = value.as_object();
    for (auto &entry : object)
        entry.value() = arraysFromIndexedObjects(std::move(entry.value()));
    if (object.empty())
        return value;
    for (std::size_t i = 0; i < object.size(); ++i) {
        if (!object.contains(std::to_string(i)))
            return value;
    }
    json::array array;
    for (std::size_t i = 0; i < object.size(); ++i)
        array.push_back(object.at(std::to_string(i)));
    return array;
}

} // namespace

std::optional<FormFields> FormFields::parse(std::string_view text)
{
    FormFields form;
    while (!text.empty()) {
        const auto amp = text.find('&');
        const std::string_view pair = text.substr(0, amp);
        text = amp == std::string_view::npos ? std::string_view {} : text.substr(amp + 1);
        if (pair.empty())
            continue;
        const auto equals = pair.find('=');
        auto key = decodeComponent(pair.substr(0, equals));
        auto value = decodeComponent(equals == std::string_view::npos ? std::string_view {}
                                                                      : pair.substr(equals + 1));
        if (!key || !value)
            return std::nullopt;
        form.m_fields.emplace_back(std::move(*key), std::move(*value));
    }
    return form;
}

const std::string *FormFields::find(std::string_view key) const
{
    for (const auto &[name, value] : m_fields) {
        if (name == key)
            return &value;
    }
    return nullptr;
}

json::object FormFields::nested() const
{
    json::object root;
    for (const auto &[key, value] : m_fields) {
        const auto segments = keySegments(key);
        json::value *node = nullptr;
        json::object *parent = &root;
        for (std::size_t i = 0; i < segments.size(); ++i) {
            const bool last = i + 1 == segments.size();
            const std::string_view segment = segments[i];
            if (node) {
                // A node reached through an earlier segment becomes a container as needed.
                if (segment.empty()) {
                    if (!node->is_array())
                        *node = json::array();
                    auto &array = node->as_array();
                    array.push_back(last ? json::value(value) : json::value(json::object()));
                    node = &array.back();
                    parent = node->is_object() ? &node->as_object() : nullptr;
                    continue;
                }
                if (!node->is_object())
                    *node = json::object();
                parent = &node->as_object();
            }
            if (!parent)
                break;
            auto &slot = (*parent)[segment];
            if (last)
                slot = json::value(value);
            node = &slot;
        }
    }
    for (auto &entry : root)
        entry.value() = arraysFromIndexedObjects(std::move(entry.value()));
    return root;
}

} // namespace keybrake::sim
