#include "vendorpath.h"

#include <boost/core/detail/string_view.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

namespace keybrake {

namespace {

int hexValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

bool isControlOrBlank(unsigned char c)
{
    return c <= 0x20 || c == 0x7F;
}

// Checks every byte and escape of the raw path; returns a reason or an empty view.
std::string_view rawPathProblem(std::string_view path)
{
    if (path.empty() || path.front() != '/')
        return "the vendor path must be an absolute path such as /v1/charges";
    for (std::size_t i = 0; i < path.size(); ++i) {
        const auto c = static_cast<unsigned char>(path[i]);
        if (isControlOrBlank(c) || c >= 0x80)
            return "the path contains a control character, a blank or a non-ASCII byte";
        if (c == '\\')
            return "the path contains a backslash";
        if (c == '?' || c == '#')
            return "the path contains '?' or '#'";
        if (c != '%')
            continue;
        if (i + 2 >= path.size() || hexValue(path[i + 1]) < 0 || hexValue(path[i + 2]) < 0)
            return "the path contains a malformed percent-escape";
        const auto decoded =
            static_cast<unsigned char>(hexValue(path[i + 1]) * 16 + hexValue(path[i + 2]));
        if (decoded == '.' || decoded == '/' || decoded == '\\' || decoded == '%' || decoded == '?'
            || decoded == '#' || isControlOrBlank(decoded) || decoded >= 0x80) {
            // Encoded spaces and UTF-8 are legitimate in general but not in any vendor path we
            // proxy; refusing them keeps the check simple and strict.
            return "the path contains a percent-encoded '.', '/', '\\', '%', '?', '#', blank, "
                   "control or non-ASCII byte";
        }
        i += 2;
    }
    std::string_view rest = path.substr(1);
    while (true) {
        const auto slash = rest.find('/');
        const std::string_view segment = rest.substr(0, slash);
        if (segment.empty())
            return "the path contains an empty segment (\"//\" or a trailing \"/\")";
        if (segment == "." || segment == "..")
            return "the path contains a \".\" or \"..\" segment";
        if (slash == std::string_view::npos)
            return {};
        rest.remove_prefix(slash + 1);
    }
}

} // namespace

std::optional<std::string> normaliseVendorPath(Vendor vendor, std::string_view rawPath,
                                               std::string_view twilioAccountSid,
                                               std::string &error)
{
    if (const auto problem = rawPathProblem(rawPath); !problem.empty()) {
        error = "Invalid request path: " + std::string(problem);
        return std::nullopt;
    }
    // Boost.URL rejects what remains outside RFC 3986 path characters ('"', '<', '[', '{', ...)
    // and decodes escaped unreserved characters.
    const auto parsed =
        boost::urls::parse_origin_form(boost::core::string_view(rawPath.data(), rawPath.size()));
    if (!parsed) {
        error = "Invalid request path: it contains characters that must be percent-encoded";
        return std::nullopt;
    }
    boost::urls::url url(*parsed);
    url.normalize_path();
    std::string path(url.encoded_path());

    if (vendor == Vendor::Stripe) {
        while (path == "/v1/v1" || path.starts_with("/v1/v1/"))
            path.erase(0, 3);
    }
    constexpr std::string_view kTwilioAccounts = "/2010-04-01/Accounts/";
    if (vendor == Vendor::Twilio && !twilioAccountSid.empty()
        && path.starts_with(kTwilioAccounts)) {
        const std::size_t begin = kTwilioAccounts.size();
        const std::size_t end = std::min(path.find('/', begin), path.size());
        const std::string_view account = std::string_view(path).substr(begin, end - begin);
        const bool jsonSuffix = account.ends_with(".json");
        path.replace(begin, end - begin,
                     std::string(twilioAccountSid) + (jsonSuffix ? ".json" : ""));
    }
    return path;
}

bool isSafeQuery(std::string_view query)
{
    for (char ch : query) {
        const auto c = static_cast<unsigned char>(ch);
        if (isControlOrBlank(c) || c >= 0x80 || c == '#')
            return false;
    }
    return true;
}

} // namespace keybrake
