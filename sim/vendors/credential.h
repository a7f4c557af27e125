#pragma once

#include <string>
#include <string_view>

namespace keybrake::sim {

enum class AuthScheme { None, Bearer, Basic, Other };

std::string_view toString(AuthScheme scheme);

// What a request's Authorization header presents. Held only while the request is checked; the
// request log keeps the scheme and whether it matched, never the secret.
struct PresentedCredential
{
    AuthScheme scheme = AuthScheme::None;
    std::string user; // Basic: the user name; Bearer: empty
    std::string secret; // Bearer: the token; Basic: the password
};

PresentedCredential parseAuthorization(std::string_view header);

} // namespace keybrake::sim
