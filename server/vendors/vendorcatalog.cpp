#include "vendorcatalog.h"

#include <algorithm>
#include <array>

namespace keybrake {

namespace {

constexpr std::string_view kStripeAmountRule =
    "amount (minor units) and currency from the request, converted to USD (zero-decimal "
    "currencies respected, other currencies through the configured rates); settled at the "
    "amount in the response";

constexpr std::array kStripe = {
    Operation {Vendor::Stripe, "charges.create", "POST", "/v1/charges", true, kStripeAmountRule},
    Operation {Vendor::Stripe, "charges.retrieve", "GET", "/v1/charges/{id}", false, "free (read)"},
    Operation {Vendor::Stripe, "charges.list", "GET", "/v1/charges", false, "free (read)"},
    Operation {Vendor::Stripe, "payment_intents.create", "POST", "/v1/payment_intents", true,
               kStripeAmountRule},
    Operation {Vendor::Stripe, "payment_intents.retrieve", "GET", "/v1/payment_intents/{id}", false,
               "free (read)"},
    Operation {Vendor::Stripe, "payment_intents.confirm", "POST",
               "/v1/payment_intents/{id}/confirm", true,
               "free: the amount was reserved and counted by payment_intents.create"},
    Operation {Vendor::Stripe, "payment_intents.capture", "POST",
               "/v1/payment_intents/{id}/capture", true,
               "free: the amount was reserved and counted by payment_intents.create"},
    Operation {Vendor::Stripe, "refunds.create", "POST", "/v1/refunds", true,
               "amount (minor units) and currency from the request, converted to USD; a refund "
               "without an explicit amount is refused as cost_unknown"},
    Operation {Vendor::Stripe, "refunds.retrieve", "GET", "/v1/refunds/{id}", false, "free (read)"},
    Operation {Vendor::Stripe, "payouts.create", "POST", "/v1/payouts", true, kStripeAmountRule},
    Operation {Vendor::Stripe, "payouts.retrieve", "GET", "/v1/payouts/{id}", false, "free (read)"},
    Operation {Vendor::Stripe, "transfers.create", "POST", "/v1/transfers", true,
               kStripeAmountRule},
    Operation {Vendor::Stripe, "transfers.retrieve", "GET", "/v1/transfers/{id}", false,
               "free (read)"},
    Operation {Vendor::Stripe, "customers.create", "POST", "/v1/customers", false,
               "free (moves no money)"},
    Operation {Vendor::Stripe, "customers.list", "GET", "/v1/customers", false, "free (read)"},
    Operation {Vendor::Stripe, "customers.retrieve", "GET", "/v1/customers/{id}", false,
               "free (read)"},
    Operation {Vendor::Stripe, "customers.update", "POST", "/v1/customers/{id}", false,
               "free (moves no money)"},
    Operation {Vendor::Stripe, "balance.retrieve", "GET", "/v1/balance", false, "free (read)"},
};

constexpr std::string_view kTwilioMessages = "/2010-04-01/Accounts/{AccountSid}/Messages.json";
constexpr std::string_view kTwilioCalls = "/2010-04-01/Accounts/{AccountSid}/Calls.json";

constexpr std::array kTwilio = {
    Operation {Vendor::Twilio, "messages.create", "POST", kTwilioMessages, true,
               "segments of Body (GSM-7: 160, then 153 per segment; otherwise UCS-2: 70, then 67) "
               "x the per-segment ceiling; MMS and content templates as a fixed number of "
               "segments; sent to Twilio as MaxPrice; settled at the response's price when "
               "present"},
    Operation {Vendor::Twilio, "messages.list", "GET", kTwilioMessages, false, "free (read)"},
    Operation {Vendor::Twilio, "messages.retrieve", "GET",
               "/2010-04-01/Accounts/{AccountSid}/Messages/{id}.json", false, "free (read)"},
    Operation {Vendor::Twilio, "calls.create", "POST", kTwilioCalls, true,
               "the configured per-call ceiling; refused as cost_unknown when none is configured"},
    Operation {Vendor::Twilio, "calls.list", "GET", kTwilioCalls, false, "free (read)"},
    Operation {Vendor::Twilio, "calls.retrieve", "GET",
               "/2010-04-01/Accounts/{AccountSid}/Calls/{id}.json", false, "free (read)"},
};

constexpr std::array kResend = {
    Operation {Vendor::Resend, "emails.send", "POST", "/emails", true,
               "the per-email price x recipients (to, cc and bcc count separately, as Resend "
               "counts them)"},
    Operation {Vendor::Resend, "emails.batch", "POST", "/emails/batch", true,
               "the per-email price x recipients of every email in the batch"},
    Operation {Vendor::Resend, "emails.retrieve", "GET", "/emails/{id}", false, "free (read)"},
};

constexpr std::array<std::string_view, 6> kMethods = {"GET",   "POST",   "PUT",
                                                      "PATCH", "DELETE", "HEAD"};

bool equalsIgnoringCase(std::string_view a, std::string_view b)
{
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
        const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; };
        return lower(x) == lower(y);
    });
}

std::string_view trimmed(std::string_view text)
{
    const auto isSpace = [](char c) { return c == ' ' || c == '\t'; };
    while (!text.empty() && isSpace(text.front()))
        text.remove_prefix(1);
    while (!text.empty() && isSpace(text.back()))
        text.remove_suffix(1);
    return text;
}

// Splits "METHOD /path" at its first run of blanks; nullopt for an entry without one.
std::optional<std::pair<std::string_view, std::string_view>>
splitMethodAndPath(std::string_view entry)
{
    entry = trimmed(entry);
    const auto blank = entry.find_first_of(" \t");
    if (blank == std::string_view::npos)
        return std::nullopt;
    return std::pair {entry.substr(0, blank), trimmed(entry.substr(blank))};
}

// Calls f(segment) for each segment of "/a/b/c"; stops and returns false when f does.
template<class F>
bool forEachSegment(std::string_view path, F &&f)
{
    if (path.empty() || path.front() != '/')
        return false;
    path.remove_prefix(1);
    while (true) {
        const auto slash = path.find('/');
        if (!f(path.substr(0, slash)))
            return false;
        if (slash == std::string_view::npos)
            return true;
        path.remove_prefix(slash + 1);
    }
}

std::size_t segmentCount(std::string_view path)
{
    return static_cast<std::size_t>(std::count(path.begin(), path.end(), '/'));
}

// "{id}.json" matches "SM123.json": the literal text around one placeholder must match, and
// the placeholder takes at least one character.
bool segmentMatches(std::string_view pattern, std::string_view segment)
{
    const auto open = pattern.find('{');
    if (open == std::string_view::npos)
        return pattern == segment;
    const auto close = pattern.find('}', open);
    const std::string_view prefix = pattern.substr(0, open);
    const std::string_view suffix = pattern.substr(close + 1);
    return segment.size() > prefix.size() + suffix.size() && segment.starts_with(prefix)
        && segment.ends_with(suffix);
}

bool isTwilioAccountPath(std::string_view path)
{
    return path.starts_with("/2010-04-01/Accounts/");
}

std::string_view pathPatternProblem(std::string_view pattern)
{
    if (pattern.find_first_of("?#\\ \t") != std::string_view::npos)
        return "must not contain a query, a fragment, a backslash or blanks";
    std::string_view problem;
    forEachSegment(pattern, [&](std::string_view segment) {
        if (segment.empty())
            problem = "must not contain empty segments (\"//\" or a trailing \"/\")";
        else if (segment == "." || segment == "..")
            problem = "must not contain \".\" or \"..\" segments";
        else if (segment.find('%') != std::string_view::npos)
            problem = "must not contain percent-encoding";
        else {
            const auto open = segment.find('{');
            const auto close = segment.find('}');
            if (open == std::string_view::npos && close == std::string_view::npos)
                return true;
            const bool wellFormed = open != std::string_view::npos
                && close != std::string_view::npos && close > open + 1
                && segment.find('{', open + 1) == std::string_view::npos
                && segment.find('}', close + 1) == std::string_view::npos;
            if (!wellFormed)
                problem = "may hold one \"{name}\" placeholder per segment, with a name";
        }
        return problem.empty();
    });
    return problem;
}

} // namespace

std::span<const Operation> operationsOf(Vendor vendor)
{
    switch (vendor) {
    case Vendor::Stripe:
        return kStripe;
    case Vendor::Twilio:
        return kTwilio;
    case Vendor::Resend:
        return kResend;
    }
    return {};
}

bool matchesPathPattern(Vendor vendor, std::string_view pattern, std::string_view vendorPath)
{
    if (!vendorPath.starts_with('/') || segmentCount(pattern) != segmentCount(vendorPath))
        return false;
    const bool anyAccount =
        vendor == Vendor::Twilio && isTwilioAccountPath(pattern) && isTwilioAccountPath(vendorPath);
    std::size_t index = 0;
    std::string_view rest = vendorPath;
    rest.remove_prefix(1);
    return forEachSegment(pattern, [&](std::string_view patternSegment) {
        const auto slash = rest.find('/');
        const std::string_view segment = rest.substr(0, slash);
        rest = slash == std::string_view::npos ? std::string_view {} : rest.substr(slash + 1);
        if (anyAccount && index++ == 2) {
            // "AC123", "{AccountSid}", "AC123.json" and "{sid}.json" all name the account;
            // only a ".json" suffix has to agree.
            return patternSegment.ends_with(".json") == segment.ends_with(".json")
                && !segment.empty();
        }
        return segmentMatches(patternSegment, segment);
    });
}

const Operation *findOperation(Vendor vendor, std::string_view method, std::string_view vendorPath)
{
    for (const Operation &operation : operationsOf(vendor)) {
        if (equalsIgnoringCase(operation.method, method)
            && matchesPathPattern(vendor, operation.pathPattern, vendorPath))
            return &operation;
    }
    return nullptr;
}

namespace {

std::span<const std::string_view> methodsOf(Vendor vendor)
{
    static constexpr std::array<std::string_view, 4> kStripeTwilio = {"GET", "HEAD", "POST",
                                                                      "DELETE"};
    static constexpr std::array<std::string_view, 6> kResendMethods = {"GET",    "HEAD",  "POST",
                                                                       "DELETE", "PATCH", "PUT"};
    if (vendor == Vendor::Resend)
        return kResendMethods;
    return kStripeTwilio;
}

} // namespace

bool isVendorMethod(Vendor vendor, std::string_view method)
{
    const auto methods = methodsOf(vendor);
    return std::find(methods.begin(), methods.end(), method) != methods.end();
}

std::string vendorMethodsList(Vendor vendor)
{
    std::string list;
    for (std::string_view method : methodsOf(vendor)) {
        if (!list.empty())
            list += ", ";
        list += method;
    }
    return list;
}

bool honoursIdempotencyKey(Vendor vendor, std::string_view method, const Operation *operation)
{
    switch (vendor) {
    case Vendor::Stripe:
        return method == "POST";
    case Vendor::Resend:
        return operation && (operation->name == "emails.send" || operation->name == "emails.batch");
    case Vendor::Twilio:
        return false;
    }
    return false;
}

std::optional<std::string> validateAllowedEndpoint(Vendor vendor, std::string_view entry)
{
    const std::string quoted = "\"" + std::string(trimmed(entry)) + "\"";
    if (trimmed(entry).empty())
        return std::string("An allowed endpoint must not be empty");
    const auto methodAndPath = splitMethodAndPath(entry);
    if (!methodAndPath) {
        const auto operations = operationsOf(vendor);
        const bool known =
            std::any_of(operations.begin(), operations.end(),
                        [&](const Operation &op) { return op.name == trimmed(entry); });
        if (known)
            return std::nullopt;
        std::string names;
        for (const Operation &operation : operations)
            names += (names.empty() ? "" : ", ") + std::string(operation.name);
        return quoted + " is not a " + std::string(vendorName(vendor))
            + " operation (known: " + names + "); name an operation or write \"METHOD /path\"";
    }
    const auto [method, path] = *methodAndPath;
    // An init-capture: clang before 16 cannot capture a structured binding (the fuzz build).
    const bool knownMethod =
        std::any_of(kMethods.begin(), kMethods.end(), [&method = method](std::string_view m) {
            return equalsIgnoringCase(m, method);
        });
    if (!knownMethod)
        return quoted + " has an unknown HTTP method \"" + std::string(method)
            + "\"; use GET, POST, PUT, PATCH, DELETE or HEAD";
    if (!path.starts_with('/'))
        return quoted
            + " has a path that does not start with \"/\"; paths are relative to the "
              "vendor base, e.g. \"POST /v1/charges\"";
    const std::string vendorPrefix = "/" + std::string(vendorName(vendor));
    if (path == vendorPrefix || path.starts_with(vendorPrefix + "/"))
        return quoted + " starts with \"" + vendorPrefix
            + "\"; paths are relative to the vendor base, write \""
            + std::string(path.substr(vendorPrefix.size())) + "\"";
    if (const auto problem = pathPatternProblem(path); !problem.empty())
        return quoted + " has an invalid path: it " + std::string(problem);
    return std::nullopt;
}

std::string normaliseAllowedEndpoint(std::string_view entry)
{
    const auto methodAndPath = splitMethodAndPath(entry);
    if (!methodAndPath)
        return std::string(trimmed(entry));
    std::string method(methodAndPath->first);
    std::transform(method.begin(), method.end(), method.begin(),
                   [](char c) { return c >= 'a' && c <= 'z' ? char(c - 'a' + 'A') : c; });
    return method + " " + std::string(methodAndPath->second);
}

bool isAllowed(const std::vector<std::string> &allowed, Vendor vendor, std::string_view method,
               std::string_view vendorPath, const Operation *operation)
{
    for (const std::string &entry : allowed) {
        if (const auto methodAndPath = splitMethodAndPath(entry)) {
            if (equalsIgnoringCase(methodAndPath->first, method)
                && matchesPathPattern(vendor, methodAndPath->second, vendorPath))
                return true;
        } else if (operation && trimmed(entry) == operation->name) {
            return true;
        }
    }
    return false;
}

} // namespace keybrake
