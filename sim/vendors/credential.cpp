#include "vendors/credential.h"

#include <boost/beast/core/detail/base64.hpp>

#include <cctype>

namespace keybrake::sim {

namespace {

bool startsWithNoCase(std::string_view text, std::string_view prefix)
{
    if (text.size() < prefix.size())
        return false;
    for (std::size_t i = 0; i < prefix.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(text[i]))
            != std::tolower(static_cast<unsigned char>(prefix[i])))
            return false;
    }
    return true;
}

std::string_view trimmed(std::string_view text)
{
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
        text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t'))
        text.remove_suffix(1);
    return text;
}

} // namespace

std::string_view toString(AuthScheme scheme)
{
    switch (scheme) {
    case AuthScheme::None:
        return "none";
    case AuthScheme::Bearer:
        return "bearer";
    case AuthScheme::Basic:
        return "basic";
    case AuthScheme::Other:
        return "other";
    }
    return "other";
}

PresentedCredential parseAuthorization(std::string_view header)
{
    PresentedCredential credential;
    header = trimmed(header);
    if (header.empty())
        return credential;
    if (startsWithNoCase(header, "bearer ")) {
        credential.scheme = AuthScheme::Bearer;
        credential.secret = trimmed(header.substr(7));
        return credential;
    }
    if (startsWithNoCase(header, "basic ")) {
        namespace base64 = boost::beast::detail::base64;
        const std::string_view encoded = trimmed(header.substr(6));
        std::string decoded(base64::decoded_size(encoded.size()), '\0');
        const auto [written, read] = base64::decode(decoded.data(), encoded.data(), encoded.size());
        decoded.resize(written);
        credential.scheme = AuthScheme::Basic;
        const auto colon = decoded.find(':');
        credential.user = decoded.substr(0, colon);
        if (colon != std::string::npos)
            credential.secret = decoded.substr(colon + 1);
        return credential;
    }
    credential.scheme = AuthScheme::Other;
    return credential;
}

} // namespace keybrake::sim
