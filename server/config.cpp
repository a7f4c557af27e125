#include "config.h"

#include "clock.h"
#include "spendcalendar.h"
#include "vendors/pricing.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <functional>
#include <stdexcept>

extern char **environ;

namespace keybrake {

namespace {

using Setter = std::function<void(Config &, const std::string &)>;

std::uint64_t parseUnsigned(const std::string &name, const std::string &value, std::uint64_t max)
{
    std::uint64_t parsed = 0;
    const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), parsed);
    if (error != std::errc {} || end != value.data() + value.size() || parsed > max)
        throw std::invalid_argument(name + " must be a whole number up to " + std::to_string(max)
                                    + ", not \"" + value + "\"");
    return parsed;
}

Usd parsePositiveUsd(const std::string &name, const std::string &value)
{
    const auto usd = Usd::fromDecimal(value);
    if (!usd || *usd <= Usd {})
        throw std::invalid_argument(name
                                    + " must be a positive USD amount with at most 6 "
                                      "decimals, not \""
                                    + value + "\"");
    return *usd;
}

ListenAddress requireListen(const std::string &name, const std::string &value)
{
    auto address = parseListenAddress(value);
    if (!address)
        throw std::invalid_argument(name + " must be HOST:PORT (for example 127.0.0.1:8080), not \""
                                    + value + "\"");
    return *address;
}

std::string trimmed(const std::string &text)
{
    const auto first = text.find_first_not_of(" \t");
    if (first == std::string::npos)
        return {};
    return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

bool parseBoolean(const std::string &name, const std::string &value)
{
    if (value == "1" || value == "true" || value == "yes")
        return true;
    if (value == "0" || value == "false" || value == "no")
        return false;
    throw std::invalid_argument(name + " must be 1 or 0 (true or false), not \"" + value + "\"");
}

std::chrono::milliseconds parseMillis(const std::string &name, const std::string &value)
{
    return std::chrono::milliseconds(parseUnsigned(name, value, 3'600'000));
}

// Each setting: its environment variable (also its config-file key), its flag, and how to apply
// it. Secrets have no flag: command lines are visible to every local user.
struct Setting
{
    const char *variable;
    const char *flag; // nullptr for secrets
    Setter apply;
};

const std::vector<Setting> &settings()
{
    static const std::vector<Setting> table = {
        {"KEYBRAKE_LISTEN", "--listen",
         [](Config &c, const std::string &v) { c.listen = requireListen("KEYBRAKE_LISTEN", v); }},
        {"KEYBRAKE_ADMIN_LISTEN", "--admin-listen",
         [](Config &c, const std::string &v) {
             c.adminListen = requireListen("KEYBRAKE_ADMIN_LISTEN", v);
         }},
        {"KEYBRAKE_STORE", "--store", [](Config &c, const std::string &v) { c.store = v; }},
        {"KEYBRAKE_BOOTSTRAP_ADMIN_KEY", nullptr,
         [](Config &c, const std::string &v) { c.bootstrapAdminKey = v; }},
        {"KEYBRAKE_SPEND_TIMEZONE", "--spend-timezone",
         [](Config &c, const std::string &v) {
             // Checked here, so the message names the setting (and the config file's line).
             try {
                 SpendCalendar calendar(v);
             } catch (const std::exception &error) {
                 throw std::invalid_argument(std::string("KEYBRAKE_SPEND_TIMEZONE: ")
                                             + error.what());
             }
             c.spendTimezone = v;
         }},
        {"KEYBRAKE_MAX_DAILY_CAP_USD", "--max-daily-cap-usd",
         [](Config &c, const std::string &v) {
             c.maxDailyCap = parsePositiveUsd("KEYBRAKE_MAX_DAILY_CAP_USD", v);
         }},
        {"KEYBRAKE_UPSTREAM_STRIPE", "--upstream-stripe",
         [](Config &c, const std::string &v) { c.upstreamStripe = v; }},
        {"KEYBRAKE_UPSTREAM_TWILIO", "--upstream-twilio",
         [](Config &c, const std::string &v) { c.upstreamTwilio = v; }},
        {"KEYBRAKE_UPSTREAM_RESEND", "--upstream-resend",
         [](Config &c, const std::string &v) { c.upstreamResend = v; }},
        {"KEYBRAKE_STRIPE_SECRET_KEY", nullptr,
         [](Config &c, const std::string &v) { c.stripeSecretKey = v; }},
        {"KEYBRAKE_TWILIO_ACCOUNT_SID", "--twilio-account-sid",
         [](Config &c, const std::string &v) { c.twilioAccountSid = v; }},
        {"KEYBRAKE_TWILIO_AUTH_TOKEN", nullptr,
         [](Config &c, const std::string &v) { c.twilioAuthToken = v; }},
        {"KEYBRAKE_RESEND_API_KEY", nullptr,
         [](Config &c, const std::string &v) { c.resendApiKey = v; }},
        {"KEYBRAKE_RESEND_EMAIL_USD", "--resend-email-usd",
         [](Config &c, const std::string &v) {
             c.resendEmailPrice = parsePositiveUsd("KEYBRAKE_RESEND_EMAIL_USD", v);
         }},
        {"KEYBRAKE_TWILIO_SEGMENT_CEILING_USD", "--twilio-segment-ceiling-usd",
         [](Config &c, const std::string &v) {
             c.twilioSegmentCeiling = parsePositiveUsd("KEYBRAKE_TWILIO_SEGMENT_CEILING_USD", v);
         }},
        {"KEYBRAKE_TWILIO_CALL_CEILING_USD", "--twilio-call-ceiling-usd",
         [](Config &c, const std::string &v) {
             c.twilioCallCeiling = parsePositiveUsd("KEYBRAKE_TWILIO_CALL_CEILING_USD", v);
         }},
        {"KEYBRAKE_FX_RATES", "--fx-rates",
         [](Config &c, const std::string &v) {
             auto rates = parseFxRates(v);
             if (!rates)
                 throw std::invalid_argument("KEYBRAKE_FX_RATES must look like "
                                             "\"eur=1.08,gbp=1.27\" (USD per unit), not \""
                                             + v + "\"");
             c.fxRates = std::move(*rates);
         }},
        {"KEYBRAKE_UPSTREAM_CONNECT_TIMEOUT_MS", "--upstream-connect-timeout-ms",
         [](Config &c, const std::string &v) {
             c.upstreamConnectTimeout = parseMillis("KEYBRAKE_UPSTREAM_CONNECT_TIMEOUT_MS", v);
         }},
        {"KEYBRAKE_UPSTREAM_TIMEOUT_MS", "--upstream-timeout-ms",
         [](Config &c, const std::string &v) {
             c.upstreamTimeout = parseMillis("KEYBRAKE_UPSTREAM_TIMEOUT_MS", v);
         }},
        {"KEYBRAKE_UPSTREAM_MAX_CONNECTIONS", "--upstream-max-connections",
         [](Config &c, const std::string &v) {
             c.upstreamMaxConnections =
                 parseUnsigned("KEYBRAKE_UPSTREAM_MAX_CONNECTIONS", v, 65535);
         }},
        {"KEYBRAKE_IDLE_TIMEOUT_S", "--idle-timeout-s",
         [](Config &c, const std::string &v) {
             c.idleTimeout =
                 std::chrono::seconds(parseUnsigned("KEYBRAKE_IDLE_TIMEOUT_S", v, 3600));
         }},
        {"KEYBRAKE_HEADER_TIMEOUT_S", "--header-timeout-s",
         [](Config &c, const std::string &v) {
             c.headerTimeout =
                 std::chrono::seconds(parseUnsigned("KEYBRAKE_HEADER_TIMEOUT_S", v, 3600));
             if (c.headerTimeout.count() == 0)
                 throw std::invalid_argument("KEYBRAKE_HEADER_TIMEOUT_S must be at least 1");
         }},
        {"KEYBRAKE_MAX_CONNECTIONS", "--max-connections",
         [](Config &c, const std::string &v) {
             c.maxConnections = parseUnsigned("KEYBRAKE_MAX_CONNECTIONS", v, 10'000'000);
         }},
        {"KEYBRAKE_MAX_CONNECTIONS_PER_ADDRESS", "--max-connections-per-address",
         [](Config &c, const std::string &v) {
             c.maxConnectionsPerAddress =
                 parseUnsigned("KEYBRAKE_MAX_CONNECTIONS_PER_ADDRESS", v, 10'000'000);
         }},
        {"KEYBRAKE_TLS_CERT", "--tls-cert",
         [](Config &c, const std::string &v) { c.tlsCertFile = v; }},
        {"KEYBRAKE_TLS_KEY", "--tls-key",
         [](Config &c, const std::string &v) { c.tlsKeyFile = v; }},
        {"KEYBRAKE_ADMIN_HOSTS", "--admin-hosts",
         [](Config &c, const std::string &v) {
             c.adminHosts.clear();
             std::size_t start = 0;
             while (start <= v.size()) {
                 const auto comma = std::min(v.find(',', start), v.size());
                 std::string name = trimmed(v.substr(start, comma - start));
                 for (char &ch : name)
                     ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
                 if (!name.empty())
                     c.adminHosts.push_back(name);
                 start = comma + 1;
             }
             if (c.adminHosts.empty())
                 throw std::invalid_argument("KEYBRAKE_ADMIN_HOSTS must list host names, as "
                                             "\"keybrake.internal,10.0.0.5\"");
         }},
        {"KEYBRAKE_SHUTDOWN_GRACE_S", "--shutdown-grace-s",
         [](Config &c, const std::string &v) {
             c.shutdownGrace =
                 std::chrono::seconds(parseUnsigned("KEYBRAKE_SHUTDOWN_GRACE_S", v, 3600));
         }},
        {"KEYBRAKE_THREADS", "--threads",
         [](Config &c, const std::string &v) {
             c.threads = static_cast<unsigned>(parseUnsigned("KEYBRAKE_THREADS", v, 256));
         }},
        {"KEYBRAKE_MASTER_KEY_FILE", "--master-key-file",
         [](Config &c, const std::string &v) { c.masterKeyFile = v; }},
        {"KEYBRAKE_ALLOW_MASTER_KEY_IN_STORE_DIR", "--allow-master-key-in-store-dir",
         [](Config &c, const std::string &v) {
             c.allowMasterKeyInStoreDir = parseBoolean("KEYBRAKE_ALLOW_MASTER_KEY_IN_STORE_DIR", v);
         }},
        {"KEYBRAKE_LOG_LEVEL", "--log-level",
         [](Config &c, const std::string &v) {
             if (v != "debug" && v != "info" && v != "warn" && v != "error")
                 throw std::invalid_argument(
                     "KEYBRAKE_LOG_LEVEL must be debug, info, warn or error");
             c.logLevel = v;
         }},
    };
    return table;
}

const Setting *settingByVariable(const std::string &variable)
{
    for (const auto &setting : settings()) {
        if (variable == setting.variable)
            return &setting;
    }
    return nullptr;
}

const Setting *settingByFlag(const std::string &flag)
{
    for (const auto &setting : settings()) {
        if (setting.flag && flag == setting.flag)
            return &setting;
    }
    return nullptr;
}

std::string trim(const std::string &text)
{
    const auto first = text.find_first_not_of(" \t\r");
    if (first == std::string::npos)
        return {};
    const auto last = text.find_last_not_of(" \t\r");
    return text.substr(first, last - first + 1);
}

void applyConfigFile(Config &config, const std::string &path)
{
    std::ifstream in(path);
    if (!in)
        throw std::invalid_argument("cannot read the config file " + path);
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
        ++number;
        line = trim(line);
        if (line.empty() || line.front() == '#')
            continue;
        const auto equals = line.find('=');
        const std::string key = trim(line.substr(0, equals));
        std::string value = equals == std::string::npos ? "" : trim(line.substr(equals + 1));
        if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'')
            && value.back() == value.front())
            value = value.substr(1, value.size() - 2);
        const Setting *setting = settingByVariable(key);
        // A bad line is not echoed whole: "KEYBRAKE_STRIPE_SECRET_KEY sk_live_..." (a missing
        // '=') must not print the secret to the terminal or a service log.
        if (equals == std::string::npos)
            throw std::invalid_argument(path + ":" + std::to_string(number)
                                        + ": expected VARIABLE=value (the line is not shown, as "
                                          "it may hold a secret)");
        const std::string name = key.substr(0, key.find_first_of(" \t"));
        if (!setting)
            throw std::invalid_argument(path + ":" + std::to_string(number) + ": unknown setting \""
                                        + name + "\" (see keybraked --help)");
        try {
            setting->apply(config, value);
        } catch (const std::invalid_argument &error) {
            throw std::invalid_argument(path + ":" + std::to_string(number) + ": " + error.what());
        }
    }
}

// Where the master key lives when KEYBRAKE_MASTER_KEY_FILE does not say: systemd's credential
// first (LoadCredential=keybrake-master-key:/etc/keybrake/master.key), then the user's
// configuration directory. Left empty when neither is known; start-up then refuses.
void resolveMasterKeyFile(Config &config, const std::map<std::string, std::string> &environment)
{
    if (!config.masterKeyFile.empty())
        return;
    const auto variable = [&environment](const char *name) {
        const auto it = environment.find(name);
        return it == environment.end() ? std::string() : it->second;
    };
    if (const std::string credentials = variable("CREDENTIALS_DIRECTORY"); !credentials.empty()) {
        config.masterKeyFile = credentials + "/keybrake-master-key";
        config.masterKeyFromCredentials = true;
        return;
    }
    if (const std::string xdg = variable("XDG_CONFIG_HOME"); !xdg.empty() && xdg.front() == '/')
        config.masterKeyFile = xdg + "/keybrake/master.key";
    else if (const std::string home = variable("HOME"); !home.empty() && home.front() == '/')
        config.masterKeyFile = home + "/.config/keybrake/master.key";
    config.masterKeyImplicit = !config.masterKeyFile.empty();
}

} // namespace

std::optional<ListenAddress> parseListenAddress(const std::string &text)
{
    const auto colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0)
        return std::nullopt;
    std::string host = text.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    const std::string portText = text.substr(colon + 1);
    unsigned port = 0;
    const auto [end, error] =
        std::from_chars(portText.data(), portText.data() + portText.size(), port);
    if (error != std::errc {} || end != portText.data() + portText.size() || port > 65535)
        return std::nullopt;
    return ListenAddress {host, static_cast<std::uint16_t>(port)};
}

std::map<std::string, std::string> currentEnvironment()
{
    std::map<std::string, std::string> environment;
    for (char **entry = environ; entry && *entry; ++entry) {
        const std::string text(*entry);
        const auto equals = text.find('=');
        if (equals == std::string::npos)
            continue;
        const std::string name = text.substr(0, equals);
        // Besides our own variables, the few that locate the master key's default.
        if (name.rfind("KEYBRAKE_", 0) == 0 || name == "CREDENTIALS_DIRECTORY"
            || name == "XDG_CONFIG_HOME" || name == "HOME")
            environment.emplace(name, text.substr(equals + 1));
    }
    return environment;
}

ParsedCommandLine parseCommandLine(int argc, char **argv,
                                   const std::map<std::string, std::string> &environment)
{
    ParsedCommandLine parsed;
    std::vector<std::pair<const Setting *, std::string>> flags;
    std::string configFile;
    for (int i = 1; i < argc; ++i) {
        std::string argument = argv[i];
        std::string value;
        bool hasValue = false;
        if (const auto equals = argument.find('=');
            argument.rfind("--", 0) == 0 && equals != std::string::npos) {
            value = argument.substr(equals + 1);
            argument = argument.substr(0, equals);
            hasValue = true;
        }
        auto takeValue = [&]() -> std::string {
            if (hasValue)
                return value;
            if (i + 1 >= argc)
                throw std::invalid_argument(argument + " needs a value");
            return argv[++i];
        };
        if (argument == "--help" || argument == "-h") {
            parsed.help = true;
        } else if (argument == "--version") {
            parsed.version = true;
        } else if (argument == "--config") {
            configFile = takeValue();
        } else if (argument == "--test-clock") {
            parsed.config.testClock = true;
        } else if (argument == "--no-bootstrap") {
            parsed.config.noBootstrap = true;
        } else if (argument == "--allow-master-key-in-store-dir" && !hasValue) {
            flags.emplace_back(settingByFlag(argument), "1"); // a switch on the command line
        } else if (const Setting *setting = settingByFlag(argument)) {
            flags.emplace_back(setting, takeValue());
        } else if (argument == "--role" || argument == "--name") {
            parsed.subcommandFlags[argument.substr(2)] = takeValue();
        } else if (argument.rfind("-", 0) == 0) {
            throw std::invalid_argument("unknown option " + argument + " (see keybraked --help)");
        } else {
            parsed.positional.push_back(argument);
        }
    }
    if (configFile.empty()) {
        if (auto it = environment.find("KEYBRAKE_CONFIG"); it != environment.end())
            configFile = it->second;
    }
    if (!configFile.empty())
        applyConfigFile(parsed.config, configFile);
    for (const auto &[name, value] : environment) {
        if (const Setting *setting = settingByVariable(name))
            setting->apply(parsed.config, value);
    }
    for (const auto &[setting, value] : flags)
        setting->apply(parsed.config, value);
    resolveMasterKeyFile(parsed.config, environment);
    if (parsed.config.tlsCertFile.empty() != parsed.config.tlsKeyFile.empty())
        throw std::invalid_argument("KEYBRAKE_TLS_CERT and KEYBRAKE_TLS_KEY go together: set both "
                                    "(PEM certificate chain and private key) or neither");
    return parsed;
}

std::string helpText()
{
    return R"(keybraked: the Keybrake vault-key proxy and admin API

Usage:
  keybraked [options]                       run the server
  keybraked admin-keys create --role ROLE --name NAME [--store ...]
                                            create an admin API key and print it once
  keybraked --help | --version

Every setting can come from a flag, an environment variable, or a config file given with
--config FILE (or KEYBRAKE_CONFIG): lines of VARIABLE=value, # for comments. Flags win over the
environment, which wins over the file. Secrets have no flag (command lines are visible to other
users): set them in the environment or the config file (mode 0600).

  --listen HOST:PORT              KEYBRAKE_LISTEN (default 127.0.0.1:8080; port 0 picks one)
  --admin-listen HOST:PORT        KEYBRAKE_ADMIN_LISTEN: a second listener for the admin routes;
                                  the main one then serves only the proxy and /healthz
  --store URL                     KEYBRAKE_STORE: sqlite:PATH (default sqlite:keybrake.db)
                                  KEYBRAKE_BOOTSTRAP_ADMIN_KEY: first admin key (kb_...), used only
                                  while the store has no active admin key; otherwise one is
                                  generated and printed once
  --no-bootstrap                  never generate or print a first admin key (the systemd unit:
                                  standard output is the journal); create one with admin-keys
  --spend-timezone ZONE           KEYBRAKE_SPEND_TIMEZONE: IANA zone of the daily window (UTC)
  --max-daily-cap-usd N           KEYBRAKE_MAX_DAILY_CAP_USD (default 10000)
  --upstream-stripe URL           KEYBRAKE_UPSTREAM_STRIPE (default https://api.stripe.com)
  --upstream-twilio URL           KEYBRAKE_UPSTREAM_TWILIO (default https://api.twilio.com)
  --upstream-resend URL           KEYBRAKE_UPSTREAM_RESEND (default https://api.resend.com)
                                  KEYBRAKE_STRIPE_SECRET_KEY, KEYBRAKE_TWILIO_AUTH_TOKEN,
                                  KEYBRAKE_RESEND_API_KEY: the real vendor credentials
  --twilio-account-sid SID        KEYBRAKE_TWILIO_ACCOUNT_SID
  --resend-email-usd N            KEYBRAKE_RESEND_EMAIL_USD (default 0.0004)
  --twilio-segment-ceiling-usd N  KEYBRAKE_TWILIO_SEGMENT_CEILING_USD (default 0.015); a
                                  message's hold, sent to Twilio as its MaxPrice
  --twilio-call-ceiling-usd N     KEYBRAKE_TWILIO_CALL_CEILING_USD: hold per Twilio call; unset,
                                  calls.create is refused with cost_unknown
  --fx-rates LIST                 KEYBRAKE_FX_RATES: eur=1.08,gbp=1.27 (USD per unit); other
                                  currencies are refused
  --upstream-connect-timeout-ms N KEYBRAKE_UPSTREAM_CONNECT_TIMEOUT_MS (default 5000)
  --upstream-timeout-ms N         KEYBRAKE_UPSTREAM_TIMEOUT_MS: send to full answer (default 30000)
  --upstream-max-connections N    KEYBRAKE_UPSTREAM_MAX_CONNECTIONS per vendor (default 1024)
  --idle-timeout-s N              KEYBRAKE_IDLE_TIMEOUT_S: keep-alive idle limit (default 60)
  --header-timeout-s N            KEYBRAKE_HEADER_TIMEOUT_S: a request's whole header (and the TLS
                                  handshake) must arrive within this (default 10)
  --max-connections N             KEYBRAKE_MAX_CONNECTIONS: open client connections (default: half
                                  of RLIMIT_NOFILE, which is raised to its hard limit at start)
  --max-connections-per-address N KEYBRAKE_MAX_CONNECTIONS_PER_ADDRESS (default: a quarter of the
                                  above); more get 503 at once
  --tls-cert FILE                 KEYBRAKE_TLS_CERT: PEM certificate chain; with --tls-key, both
  --tls-key FILE                  KEYBRAKE_TLS_KEY: listeners speak TLS 1.2+ only; SIGHUP re-reads
                                  both files (new connections get the new certificate)
  --admin-hosts LIST              KEYBRAKE_ADMIN_HOSTS: Host names the admin routes answer to
                                  (default: localhost, 127.0.0.1, ::1 and the listen addresses);
                                  admin requests with a browser Origin are refused
  --shutdown-grace-s N            KEYBRAKE_SHUTDOWN_GRACE_S: on SIGTERM, how long in-flight
                                  calls may take to finish (default 30)
  --threads N                     KEYBRAKE_THREADS: I/O threads (default: one per core)
  --master-key-file PATH          KEYBRAKE_MASTER_KEY_FILE: 32-byte key sealing replayable
                                  issuance answers, created 0600 when missing (default: systemd's
                                  $CREDENTIALS_DIRECTORY/keybrake-master-key, else
                                  ~/.config/keybrake/master.key); refused inside the store's
                                  directory, where a copy of the state would carry it
  --allow-master-key-in-store-dir KEYBRAKE_ALLOW_MASTER_KEY_IN_STORE_DIR=1: accept that anyway
  --log-level LEVEL               KEYBRAKE_LOG_LEVEL: debug, info, warn, error (default info)
  --test-clock                    tests only: a settable clock at POST /v1/test/clock (admin role);
                                  refused unless every listener is on loopback

Once it accepts connections it prints "keybraked listening on http://HOST:PORT" (https:// with
TLS). SIGTERM or
SIGINT stops accepting, lets in-flight calls finish and exits.
)";
}

} // namespace keybrake
