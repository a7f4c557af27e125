#include "proxy/requestheaders.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace keybrake {

namespace {

std::string lower(std::string_view text)
{
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
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

std::optional<HeaderRefusal> examineRequestHeaders(const http::Request &request)
{
    std::size_t idempotencyKeys = 0;
    std::size_t contentTypes = 0;
    for (const auto &field : request) {
        const std::string name = lower(field.name_string());
        if (name == "x-http-method-override" || name == "x-http-method"
            || name == "x-method-override")
            return HeaderRefusal {400, "method_override_not_allowed",
                                  "The " + std::string(field.name_string())
                                      + " header is not accepted: send the request with the "
                                        "method it means"};
        if (name == "content-encoding" && lower(trimmed(field.value())) != "identity")
            return HeaderRefusal {415, "unsupported_content_encoding",
                                  "Content-Encoding \"" + std::string(field.value())
                                      + "\" is not accepted: the proxy prices only bodies it can "
                                        "read, so send the body unencoded"};
        if (name == "idempotency-key")
            ++idempotencyKeys;
        if (name == "content-type")
            ++contentTypes;
    }
    if (idempotencyKeys > 1)
        return HeaderRefusal {400, "invalid_idempotency_key",
                              "Idempotency-Key appears more than once; send exactly one"};
    if (contentTypes > 1)
        return HeaderRefusal {422, "cost_unknown",
                              "Content-Type appears more than once, so the body cannot be read "
                              "the one way the vendor would read it; send exactly one"};
    return std::nullopt;
}

bool dropRequestHeader(std::string_view name)
{
    static constexpr std::array<std::string_view, 21> kDropped = {"connection",
                                                                  "keep-alive",
                                                                  "proxy-authenticate",
                                                                  "proxy-authorization",
                                                                  "te",
                                                                  "trailer",
                                                                  "trailers",
                                                                  "transfer-encoding",
                                                                  "upgrade",
                                                                  "host",
                                                                  "authorization",
                                                                  "content-length",
                                                                  "content-type",
                                                                  "accept-encoding",
                                                                  "cookie",
                                                                  "expect",
                                                                  "forwarded",
                                                                  "via",
                                                                  "x-original-url",
                                                                  "x-rewrite-url",
                                                                  "content-encoding"};
    const std::string key = lower(name);
    if (key.rfind("keybrake-", 0) == 0 || key.rfind("x-forwarded-", 0) == 0)
        return true;
    return std::find(kDropped.begin(), kDropped.end(), key) != kDropped.end();
}

} // namespace keybrake
