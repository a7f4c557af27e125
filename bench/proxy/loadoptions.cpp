#include "loadoptions.h"

#include <boost/url/parse.hpp>

#include <charconv>
#include <cstdlib>
#include <optional>

namespace keybrake::bench {

namespace {

template<class Number>
std::optional<Number> number(const std::string &text)
{
    Number value {};
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size())
        return std::nullopt;
    return value;
}

std::optional<std::chrono::milliseconds> seconds(const std::string &text)
{
    const auto value = number<double>(text);
    if (!value || *value < 0 || *value > 86400)
        return std::nullopt;
    return std::chrono::milliseconds(static_cast<std::int64_t>(*value * 1000.0));
}

} // namespace

std::string loadUsage()
{
    return R"(Usage: keybrake-loadgen MODE --url URL [options]

HTTP/1.1 load for the proxy benchmark (bench/proxy/run). Prints one JSON object on standard
output: requests, statuses, errors, throughput and latency percentiles in milliseconds, and the
generator's own CPU time, so a reader can tell when the generator is the bottleneck.

Modes:
  closed   --connections N keep-alive connections, each sending its next request as soon as the
           previous one answered, for --duration after --warmup
  rate     open loop at --rate R requests/s for --duration after --warmup: request i is due at
           start + i/R and is sent then whether or not earlier ones answered, on an idle pooled
           connection or a new one; latency is measured from the due time, so a stalled server
           cannot hide its queue (no coordinated omission)
  burst    opens --connections N connections, then releases one request on each at once; reports
           the wall time from the release to the last answer

Options:
  --url http://HOST:PORT/PATH   target (plain HTTP; HOST is resolved once)
  --method M                    default POST
  --body TEXT                   request body
  --content-type T              default application/x-www-form-urlencoded
  --bearer-env VAR              send Authorization: Bearer <value of environment variable VAR>
  --header "Name: value"        an extra header (repeatable)
  --connections N               default 100
  --rate R                      default 1000
  --duration S                  seconds measured (default 10)
  --warmup S                    seconds run first and not measured (default 1)
  --timeout S                   per request, connecting included (default 30)
  --threads N                   closed mode: event-loop threads (default 1)
)";
}

LoadArguments parseLoadArguments(const std::vector<std::string> &args)
{
    LoadArguments parsed;
    LoadOptions &options = parsed.options;
    if (args.empty() || args.front() == "--help" || args.front() == "-h") {
        parsed.help = true;
        return parsed;
    }
    if (args.front() == "closed")
        options.mode = LoadMode::Closed;
    else if (args.front() == "rate")
        options.mode = LoadMode::Rate;
    else if (args.front() == "burst")
        options.mode = LoadMode::Burst;
    else {
        parsed.error = "unknown mode \"" + args.front() + "\" (closed, rate or burst)";
        return parsed;
    }
    std::string url;
    for (std::size_t i = 1; i < args.size(); ++i) {
        const std::string &flag = args[i];
        if (flag == "--help" || flag == "-h") {
            parsed.help = true;
            return parsed;
        }
        if (i + 1 >= args.size()) {
            parsed.error = flag + " needs a value";
            return parsed;
        }
        const std::string &value = args[++i];
        bool valid = true;
        if (flag == "--url") {
            url = value;
        } else if (flag == "--method") {
            options.method = value;
        } else if (flag == "--body") {
            options.body = value;
        } else if (flag == "--content-type") {
            options.contentType = value;
        } else if (flag == "--bearer-env") {
            options.bearerEnv = value;
        } else if (flag == "--header") {
            const auto colon = value.find(':');
            valid = colon != std::string::npos && colon > 0;
            if (valid) {
                std::string headerValue = value.substr(colon + 1);
                headerValue.erase(0, headerValue.find_first_not_of(' '));
                options.headers.emplace_back(value.substr(0, colon), headerValue);
            }
        } else if (flag == "--connections") {
            const auto n = number<unsigned>(value);
            valid = n && *n > 0 && *n <= 100000;
            options.connections = n.value_or(0);
        } else if (flag == "--rate") {
            const auto n = number<double>(value);
            valid = n && *n > 0 && *n <= 1e6;
            options.rate = n.value_or(0);
        } else if (flag == "--duration" || flag == "--warmup") {
            const auto d = seconds(value);
            valid = d.has_value() && (flag == "--warmup" || d->count() > 0);
            (flag == "--duration" ? options.duration : options.warmup) =
                d.value_or(std::chrono::milliseconds {});
        } else if (flag == "--timeout") {
            const auto d = seconds(value);
            valid = d && d->count() >= 1000;
            options.timeout = std::chrono::duration_cast<std::chrono::seconds>(
                d.value_or(std::chrono::milliseconds {}));
        } else if (flag == "--threads") {
            const auto n = number<unsigned>(value);
            valid = n && *n > 0 && *n <= 64;
            options.threads = n.value_or(1);
        } else {
            parsed.error = "unknown option " + flag;
            return parsed;
        }
        if (!valid) {
            parsed.error = "invalid value for " + flag + ": \"" + value + "\"";
            return parsed;
        }
    }

    const auto uri = boost::urls::parse_uri(url);
    if (!uri || uri->scheme() != "http" || uri->host().empty()) {
        parsed.error = "--url must be http://HOST:PORT/PATH";
        return parsed;
    }
    options.host = uri->host();
    const auto port = uri->port().empty() ? std::optional<std::uint16_t> {80}
                                          : number<std::uint16_t>(std::string(uri->port()));
    if (!port) {
        parsed.error = "--url has an invalid port";
        return parsed;
    }
    options.port = *port;
    options.target = std::string(uri->encoded_target());
    if (options.target.empty())
        options.target = "/";

    if (!options.bearerEnv.empty()) {
        const char *token = std::getenv(options.bearerEnv.c_str());
        if (!token || !*token) {
            parsed.error = "environment variable " + options.bearerEnv + " is empty or unset";
            return parsed;
        }
        options.bearerToken = token;
    }
    return parsed;
}

} // namespace keybrake::bench
