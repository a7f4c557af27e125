#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace keybrake::test {

// One request of a burst, sent on its own connection (like one Lambda invocation).
struct BurstRequest
{
    std::string method = "POST";
    std::string target;
    std::map<std::string, std::string> headers;
    std::string body;
};

struct BurstResponse
{
    int status = 0; // 0: no answer
    std::string body;
    std::map<std::string, std::string> headers; // lower-case names
    std::chrono::steady_clock::time_point sent;
    std::chrono::steady_clock::time_point answered;
    std::string error;
};

// Sends every request at once (each on its own TCP connection, all connected first and released
// together) and waits for all answers. Qt's network stack cannot do this on Qt 6.4 (six
// connections per host), so this uses Beast on a private io_context and thread.
std::vector<BurstResponse> sendBurst(const std::string &host, std::uint16_t port,
                                     const std::vector<BurstRequest> &requests,
                                     std::chrono::milliseconds timeout = std::chrono::seconds(60));

} // namespace keybrake::test
