#include "http/admissionhost.h"

#include <boost/asio/ip/address.hpp>

#include <algorithm>
#include <cctype>

namespace keybrake::http {

std::string hostWithoutPort(std::string_view host)
{
    std::string name;
    if (!host.empty() && host.front() == '[') {
        const auto close = host.find(']');
        if (close == std::string_view::npos)
            return {};
        const std::string_view rest = host.substr(close + 1);
        if (!rest.empty() && rest.front() != ':')
            return {};
        name = std::string(host.substr(1, close - 1));
    } else {
        const auto colon = host.find(':');
        if (colon != std::string_view::npos && host.find(':', colon + 1) != std::string_view::npos)
            return {}; // a bare IPv6 address is not a valid Host
        name = std::string(host.substr(0, colon));
    }
    for (char &c : name)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!name.empty() && name.back() == '.')
        name.pop_back(); // "localhost." names the same host
    return name;
}

AdminHostCheck::AdminHostCheck(std::vector<std::string> names)
    : m_names(std::move(names))
{
}

std::vector<std::string> AdminHostCheck::defaultNames(const std::vector<std::string> &listenHosts)
{
    std::vector<std::string> names {"localhost", "127.0.0.1", "::1"};
    for (const std::string &host : listenHosts) {
        boost::system::error_code error;
        const auto address = boost::asio::ip::make_address(host, error);
        if (!error && address.is_unspecified())
            continue; // 0.0.0.0 is nobody's name: list real ones in KEYBRAKE_ADMIN_HOSTS
        const std::string name = hostWithoutPort(
            host.find(':') != std::string::npos && host.front() != '[' ? "[" + host + "]" : host);
        if (!name.empty() && std::find(names.begin(), names.end(), name) == names.end())
            names.push_back(name);
    }
    return names;
}

std::optional<AdminHostCheck::Refusal> AdminHostCheck::check(const Request &request) const
{
    namespace bhttp = boost::beast::http;
    if (request.find(bhttp::field::origin) != request.end()
        || request.find("Sec-Fetch-Site") != request.end())
        return Refusal {403, "browser_origin_refused",
                        "The admin API does not answer requests from web pages (this one carries "
                        "a browser Origin). Use Keybrake Console, an SDK or curl."};
    const auto hostField = request.find(bhttp::field::host);
    const std::string host =
        hostField == request.end() ? std::string() : hostWithoutPort(hostField->value());
    if (host.empty() || std::find(m_names.begin(), m_names.end(), host) == m_names.end()) {
        std::string message = "The admin API answers only to the Host names";
        for (std::size_t i = 0; i < m_names.size(); ++i)
            message += (i ? ", " : " ") + m_names[i];
        message += "; add the name you use to KEYBRAKE_ADMIN_HOSTS.";
        return Refusal {421, "host_not_allowed", message};
    }
    return std::nullopt;
}

} // namespace keybrake::http
