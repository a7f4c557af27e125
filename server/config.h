#pragma once

#include "usd.h"

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace keybrake {

struct ListenAddress
{
    std::string host = "127.0.0.1";
    std::uint16_t port = 8080;
};

// Everything keybraked can be told. Sources, weakest first: built-in defaults, the config file
// (--config FILE, lines of KEY=VALUE with the environment variables' names), the environment,
// then command-line flags.
struct Config
{
    ListenAddress listen;
    std::optional<ListenAddress> adminListen;
    std::string store = "sqlite:keybrake.db";
    std::string bootstrapAdminKey; // secret: never logged
    std::string spendTimezone = "UTC";
    Usd maxDailyCap = Usd::fromDollars(10000);
    std::chrono::seconds maxKeyLifetime {30 * 86400};

    std::string upstreamStripe = "https://api.stripe.com";
    std::string upstreamTwilio = "https://api.twilio.com";
    std::string upstreamResend = "https://api.resend.com";
    // Vendor credentials: secrets, never logged, never taken from an agent's request.
    std::string stripeSecretKey;
    std::string twilioAccountSid;
    std::string twilioAuthToken;
    std::string resendApiKey;

    Usd resendEmailPrice = Usd::fromMicros(400); // $0.0004
    Usd twilioSegmentCeiling = Usd::fromMicros(15000); // $0.015
    std::optional<Usd> twilioCallCeiling;
    std::map<std::string, Usd> fxRates; // lower-case currency → USD per unit

    std::chrono::milliseconds upstreamConnectTimeout {5000};
    std::chrono::milliseconds upstreamTimeout {30000};
    std::size_t upstreamMaxConnections = 1024;
    std::chrono::seconds idleTimeout {60};
    std::chrono::seconds headerTimeout {10}; // a request's header (and TLS handshake) in full
    std::size_t maxConnections = 0; // 0: derived from RLIMIT_NOFILE at start
    std::size_t maxConnectionsPerAddress = 0; // 0: a quarter of maxConnections
    // TLS on both listeners when both are set (PEM files, re-read on SIGHUP).
    std::string tlsCertFile;
    std::string tlsKeyFile;
    // Host names the admin routes answer to (DNS-rebinding defence). Empty: loopback names and
    // the listeners' own addresses.
    std::vector<std::string> adminHosts;
    std::chrono::seconds shutdownGrace {30};
    unsigned threads = 0; // 0: one per core
    // The 32-byte key sealing replayable issuance answers. Resolved by parseCommandLine: the
    // explicit KEYBRAKE_MASTER_KEY_FILE, else systemd's $CREDENTIALS_DIRECTORY/keybrake-master-key
    // (LoadCredential=), else ${XDG_CONFIG_HOME:-$HOME/.config}/keybrake/master.key. Never beside
    // the database: a copy of the state directory must not carry the key that opens it.
    std::string masterKeyFile;
    bool masterKeyFromCredentials =
        false; // read-only: systemd provides it, keybraked never creates it
    bool masterKeyImplicit = false; // the per-user default, not a path the operator chose
    bool allowMasterKeyInStoreDir = false; // the operator's explicit override of that refusal
    std::string logLevel = "info";
    bool testClock = false; // exposes POST /v1/test/clock; loopback only
    // --no-bootstrap: never generate (and print) a first admin key; under systemd stdout is the
    // journal, so the administrator creates it with `keybraked admin-keys create` instead.
    bool noBootstrap = false;
};

struct ParsedCommandLine
{
    Config config;
    std::vector<std::string> positional; // e.g. {"admin-keys", "create"}
    std::map<std::string, std::string> subcommandFlags; // --role, --name of a subcommand
    bool help = false;
    bool version = false;
};

// Throws std::invalid_argument with a sentence naming the offending flag, variable or file line.
ParsedCommandLine parseCommandLine(int argc, char **argv,
                                   const std::map<std::string, std::string> &environment);
std::map<std::string, std::string> currentEnvironment();
std::string helpText();
std::optional<ListenAddress> parseListenAddress(const std::string &text);

} // namespace keybrake
