#include "vendors/vendorsimoptions.h"

#include <charconv>
#include <cstdlib>
#include <functional>
#include <map>

namespace keybrake::sim {

namespace {

std::optional<std::int64_t> parseInteger(std::string_view text, std::int64_t min, std::int64_t max)
{
    std::int64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || value < min || value > max)
        return std::nullopt;
    return value;
}

std::optional<double> parseProbability(const std::string &text)
{
    char *end = nullptr;
    const double value = std::strtod(text.c_str(), &end);
    if (text.empty() || end != text.c_str() + text.size() || !(value >= 0.0 && value <= 1.0))
        return std::nullopt;
    return value;
}

void fromEnvironment(const char *name, std::string &target)
{
    if (const char *value = std::getenv(name); value && *value)
        target = value;
}

} // namespace

VendorSimArguments parseVendorSimArguments(const std::vector<std::string> &args)
{
    VendorSimArguments parsed;
    VendorSimOptions &o = parsed.options;
    fromEnvironment("KEYBRAKE_STRIPE_SECRET_KEY", o.stripeSecretKey);
    fromEnvironment("KEYBRAKE_TWILIO_ACCOUNT_SID", o.twilioAccountSid);
    fromEnvironment("KEYBRAKE_TWILIO_AUTH_TOKEN", o.twilioAuthToken);
    fromEnvironment("KEYBRAKE_RESEND_API_KEY", o.resendApiKey);

    using Setter = std::function<std::string(const std::string &)>; // returns an error or ""
    auto milliseconds = [](std::chrono::milliseconds &target) {
        return Setter([&target](const std::string &value) {
            const auto n = parseInteger(value, 0, 3'600'000);
            if (!n)
                return std::string("expects a number of milliseconds");
            target = std::chrono::milliseconds(*n);
            return std::string();
        });
    };
    auto probability = [](double &target) {
        return Setter([&target](const std::string &value) {
            const auto p = parseProbability(value);
            if (!p)
                return std::string("expects a probability between 0 and 1");
            target = *p;
            return std::string();
        });
    };
    auto text = [](std::string &target) {
        return Setter([&target](const std::string &value) {
            if (value.empty())
                return std::string("expects a value");
            target = value;
            return std::string();
        });
    };
    const std::map<std::string, Setter, std::less<>> valued = {
        {"--listen",
         [&o](const std::string &value) {
             const auto colon = value.rfind(':');
             if (colon == std::string::npos)
                 return std::string("expects HOST:PORT");
             std::string host = value.substr(0, colon);
             if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
                 host = host.substr(1, host.size() - 2);
             const auto port = parseInteger(std::string_view(value).substr(colon + 1), 0, 65535);
             if (host.empty() || !port)
                 return std::string("expects HOST:PORT, e.g. 127.0.0.1:0");
             o.listenHost = host == "localhost" ? "127.0.0.1" : host;
             o.listenPort = static_cast<std::uint16_t>(*port);
             return std::string();
         }},
        {"--threads",
         [&o](const std::string &value) {
             const auto n = parseInteger(value, 1, 64);
             if (!n)
                 return std::string("expects a number of threads from 1 to 64");
             o.threads = static_cast<unsigned>(*n);
             return std::string();
         }},
        {"--stripe-secret-key", text(o.stripeSecretKey)},
        {"--twilio-account-sid", text(o.twilioAccountSid)},
        {"--twilio-auth-token", text(o.twilioAuthToken)},
        {"--resend-api-key", text(o.resendApiKey)},
        {"--latency-ms", milliseconds(o.faults.latency)},
        {"--latency-jitter-ms", milliseconds(o.faults.latencyJitter)},
        {"--error-rate", probability(o.faults.errorRate)},
        {"--rate-429", probability(o.faults.rate429)},
        {"--rate-5xx", probability(o.faults.rate5xx)},
        {"--drop-rate", probability(o.faults.dropRate)},
        {"--seed",
         [&o](const std::string &value) {
             std::uint64_t seed = 0;
             const auto [end, error] =
                 std::from_chars(value.data(), value.data() + value.size(), seed);
             if (error != std::errc() || end != value.data() + value.size())
                 return std::string("expects a non-negative integer");
             o.seed = seed;
             o.seedGiven = true;
             return std::string();
         }},
        {"--twilio-price",
         [&o](const std::string &value) {
             if (value == "null") {
                 o.twilioPricing.mode = TwilioPricing::Mode::Null;
             } else if (value == "random") {
                 o.twilioPricing.mode = TwilioPricing::Mode::Random;
             } else {
                 const auto price = Usd::fromDecimal(value);
                 if (!price)
                     return std::string("expects null, random or a price per segment such as "
                                        "-0.0079");
                 // Twilio writes what an account pays as a negative amount.
                 o.twilioPricing.mode = TwilioPricing::Mode::Fixed;
                 o.twilioPricing.perSegment = *price > Usd() ? Usd() - *price : *price;
             }
             return std::string();
         }},
    };

    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string &arg = args[i];
        if (arg == "--help" || arg == "-h") {
            parsed.help = true;
            return parsed;
        }
        if (arg == "--verbose" || arg == "-v") {
            o.verbose = true;
            continue;
        }
        std::string name = arg;
        std::string value;
        bool inlineValue = false;
        if (const auto equals = arg.find('=');
            arg.starts_with("--") && equals != std::string::npos) {
            name = arg.substr(0, equals);
            value = arg.substr(equals + 1);
            inlineValue = true;
        }
        const auto setter = valued.find(name);
        if (setter == valued.end()) {
            parsed.error = "unknown option " + name + " (see --help)";
            return parsed;
        }
        if (!inlineValue) {
            if (i + 1 >= args.size()) {
                parsed.error = name + " needs a value";
                return parsed;
            }
            value = args[++i];
        }
        if (const std::string problem = setter->second(value); !problem.empty()) {
            parsed.error = name + " " + problem;
            return parsed;
        }
    }
    return parsed;
}

std::string vendorSimUsage()
{
    return R"(Usage: keybrake-sim vendors [--listen HOST:PORT] [options]

Serves Stripe-, Twilio- and Resend-shaped APIs under one base URL, for keybraked's tests, demos
and benchmarks:
  /v1/...           Stripe (charges, payment_intents [+ confirm, capture], refunds, payouts,
                    transfers, customers, balance)
  /2010-04-01/...   Twilio (Accounts/{AccountSid}/Messages.json, Messages/{Sid}.json, Calls.json)
  /emails...        Resend (emails, emails/batch, emails/{id})
Once listening it prints "keybrake-sim vendors listening on http://HOST:PORT".

Options:
  --listen HOST:PORT        address to listen on (default 127.0.0.1:12111; port 0 picks one)
  --threads N               I/O threads (default: one per core)
  --verbose                 log one line per request to standard error

Credentials (accepted exactly; anything else gets the vendor's own 401/403 body). They come from
the same variables as keybraked's, which are preferred to flags (flags show in the process list):
  KEYBRAKE_STRIPE_SECRET_KEY   --stripe-secret-key K   Bearer K, or Basic with K as the user
                                                       (default sk_test_keybrake_sim)
  KEYBRAKE_TWILIO_ACCOUNT_SID  --twilio-account-sid S  Basic S:T; the path's AccountSid must be S
  KEYBRAKE_TWILIO_AUTH_TOKEN   --twilio-auth-token T   (default AC000...0 : keybrake_sim_twilio_token)
  KEYBRAKE_RESEND_API_KEY      --resend-api-key K      Bearer K (default re_keybrake_sim)

Faults (probabilities from 0 to 1, drawn per request):
  --latency-ms N            answer after N ms
  --latency-jitter-ms J     plus up to J ms more
  --error-rate P            the vendor's own refusal: Stripe 402 card_declined, Twilio 400 21211,
                            Resend 422 validation_error
  --rate-429 P              429 in the vendor's shape
  --rate-5xx P              500 or 503 in the vendor's shape
  --drop-rate P             run the request, then close the connection without answering
  --seed N                  seed of the draws, for repeatable runs
  --twilio-price MODE       price of a new message: null (default, as Twilio answers at send
                            time), a price per segment such as -0.0079, or random
                            (-0.0050..-0.0100 per segment). A message whose price exceeds the
                            MaxPrice it was sent with fails with error 30010 and costs nothing.

Per-request header for deterministic tests (the flags above apply only without it):
  X-Sim-Fault: 500 | 503 | 429 | 402 | 400 | drop | hang | delay=<ms>
    429 and 5xx answer before the operation runs (nothing is created, an idempotency key stays
    free); drop and hang run it, then close the connection or never answer.

Idempotency-Key (Stripe and Resend POSTs): the same key and request within 24 h replay the stored
answer (Stripe adds Idempotent-Replayed: true and Original-Request); another request with the key
is refused (Stripe 400 idempotency_error, Resend 409); a duplicate while the first still runs gets
409. Validation failures store nothing.

Objects referenced but not created here (customers, payment methods, destinations, the charge of
a refund) are taken as given; objects created here can be read back, confirmed and refunded.

Test routes (no credential): GET /_sim/stats, GET /_sim/requests?limit=N, POST /_sim/reset.
)";
}

} // namespace keybrake::sim
