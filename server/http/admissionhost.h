#pragma once

#include "http/httpserver.h"

#include <optional>
#include <string>
#include <vector>

namespace keybrake::http {

// The DNS-rebinding and cross-site defence of the admin routes. A web page can make a browser
// send requests to a loopback or LAN keybraked: with a rebound DNS name the request carries that
// name in Host; cross-site it carries Origin (and Sec-Fetch-Site). Agents' SDKs and the console
// send neither, so the admin routes answer only requests whose Host is one of the server's names
// and that carry no browser marker. Proxy routes are not checked: vault keys are bearer secrets a
// page cannot know, and SDKs set Host to whatever base URL they were given.
class AdminHostCheck
{
public:
    struct Refusal
    {
        unsigned status;
        std::string code;
        std::string message;
    };

    // `names`: lower-case host names or addresses without port, e.g. "localhost", "::1".
    explicit AdminHostCheck(std::vector<std::string> names);

    // localhost, 127.0.0.1, ::1 and each listen host that is not a wildcard (0.0.0.0, ::).
    static std::vector<std::string> defaultNames(const std::vector<std::string> &listenHosts);

    std::optional<Refusal> check(const Request &request) const;
    const std::vector<std::string> &names() const { return m_names; }

private:
    std::vector<std::string> m_names;
};

// "Example.COM:8443" → "example.com", "[::1]:80" → "::1"; empty when malformed.
std::string hostWithoutPort(std::string_view host);

} // namespace keybrake::http
