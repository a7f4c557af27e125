#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace keybrake::bench {

enum class LoadMode {
    Closed, // N keep-alive connections, each sending its next request when the last one answered
    Rate, // open loop: requests start on a fixed schedule whether or not earlier ones answered
    Burst, // N connections opened first, then one request on each, all released together
};

struct LoadOptions
{
    LoadMode mode = LoadMode::Closed;
    std::string host;
    std::uint16_t port = 0;
    std::string target; // path and query
    std::string method = "POST";
    std::string contentType = "application/x-www-form-urlencoded";
    std::string body;
    // The name of an environment variable holding a bearer token: secrets stay off the command
    // line, which every user of the machine can read.
    std::string bearerEnv;
    std::string bearerToken; // resolved from bearerEnv
    std::vector<std::pair<std::string, std::string>> headers;

    unsigned connections = 100; // closed, burst; rate: connections opened before the run
    double rate = 1000; // requests per second (rate)
    std::chrono::milliseconds duration {10000};
    std::chrono::milliseconds warmup {1000}; // closed, rate: run but not measured
    std::chrono::seconds timeout {30}; // per request, connect included
    unsigned threads = 1; // closed only: connections are spread over this many event loops
};

struct LoadArguments
{
    LoadOptions options;
    bool help = false;
    std::string error; // non-empty when the arguments are invalid
};

// `args` excludes the program name.
LoadArguments parseLoadArguments(const std::vector<std::string> &args);
std::string loadUsage();

} // namespace keybrake::bench
