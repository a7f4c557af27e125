#include "vendorcall.h"

#include "crypto.h"
#include "json.h"
#include "vendorcall_p.h"
#include "vendorpath.h"

#include <boost/json/parse.hpp>

#include <algorithm>

namespace keybrake {

namespace vendorcall_detail {

PrepareError invalidBody(std::string message)
{
    return PrepareError {400, "invalid_request_body", std::move(message), {}};
}

PrepareError costUnknown(std::string message)
{
    return PrepareError {422, "cost_unknown", std::move(message), {}};
}

std::string mediaType(std::string_view contentType)
{
    const std::string type = lowerCase(contentType.substr(0, contentType.find(';')));
    const auto begin = type.find_first_not_of(" \t");
    if (begin == std::string::npos)
        return {};
    const auto end = type.find_last_not_of(" \t");
    return type.substr(begin, end - begin + 1);
}

std::optional<std::string> conflictingParameter(const std::vector<FormField> &query,
                                                const std::vector<FormField> &body)
{
    for (const FormField &field : query) {
        const auto inBody = valuesOf(body, field.key);
        if (!inBody.empty() && inBody != valuesOf(query, field.key))
            return field.key;
    }
    return std::nullopt;
}

bool isJsonContentType(std::string_view contentType)
{
    const std::string type = lowerCase(contentType.substr(0, contentType.find(';')));
    const auto begin = type.find_first_not_of(" \t");
    const auto end = type.find_last_not_of(" \t");
    if (begin == std::string::npos)
        return false;
    const std::string_view media = std::string_view(type).substr(begin, end - begin + 1);
    return media == "application/json"
        || (media.starts_with("application/") && media.ends_with("+json"));
}

bool isBlank(std::string_view text)
{
    return text.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

bool isRead(std::string_view method)
{
    return method == "GET" || method == "HEAD";
}

std::string lowerCase(std::string_view text)
{
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; });
    return out;
}

std::vector<std::string_view> valuesOf(const std::vector<FormField> &fields, std::string_view key)
{
    std::vector<std::string_view> values;
    for (const FormField &field : fields) {
        if (field.key == key)
            values.push_back(field.value);
    }
    return values;
}

namespace {

// Parameter names of the three vendors are words ("payment_method_types", "MediaUrl",
// "reply_to", "line1"): letters and underscores, at most two trailing digits. A name outside
// that shape, or one starting like a credential, may be a secret an agent put in a key.
bool isSafeParamName(std::string_view name)
{
    if (name.empty() || name.size() > 40)
        return false;
    const auto isLetter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
    if (!isLetter(name.front()))
        return false;
    std::size_t digits = 0;
    for (char c : name) {
        if (c >= '0' && c <= '9')
            ++digits;
        else if ((isLetter(c) || c == '_') && digits == 0)
            continue;
        else
            return false;
    }
    if (digits > 2)
        return false;
    static constexpr std::string_view kSecretPrefixes[] = {"sk_", "rk_",    "pk_", "vault_key",
                                                           "kb_", "whsec_", "re_", "key_"};
    const std::string lower = lowerCase(name);
    return std::none_of(std::begin(kSecretPrefixes), std::end(kSecretPrefixes),
                        [&](std::string_view prefix) { return lower.starts_with(prefix); });
}

void addRedactedName(boost::json::object &params, std::int64_t &unsafeNames, std::string_view name,
                     boost::json::value value)
{
    if (!isSafeParamName(name)) {
        ++unsafeNames;
        return;
    }
    const boost::json::string_view key(name.data(), name.size());
    // A kept value wins over "[redacted]" for the same name, never the other way round.
    const auto existing = params.find(key);
    if (existing == params.end() || value != boost::json::value(kRedacted))
        params[key] = std::move(value);
}

} // namespace

boost::json::object redactedParams(const std::vector<FormField> &fields, const KeepValue &keep)
{
    boost::json::object params;
    std::int64_t unsafeNames = 0;
    for (const FormField &field : fields) {
        const std::string_view key = field.key;
        const std::string_view name = key.substr(0, key.find('['));
        std::optional<boost::json::value> kept;
        if (keep && name == key)
            kept = keep(name, field.value);
        addRedactedName(params, unsafeNames, name, kept ? *kept : boost::json::value(kRedacted));
    }
    boost::json::object out;
    out["params"] = std::move(params);
    if (unsafeNames > 0)
        out["redacted_names"] = unsafeNames;
    return out;
}

boost::json::object redactedJsonParams(const std::vector<const boost::json::object *> &objects)
{
    boost::json::object params;
    std::int64_t unsafeNames = 0;
    for (const boost::json::object *object : objects) {
        for (const auto &member : *object) {
            addRedactedName(params, unsafeNames,
                            std::string_view(member.key().data(), member.key().size()),
                            boost::json::value(kRedacted));
        }
    }
    boost::json::object out;
    out["params"] = std::move(params);
    if (unsafeNames > 0)
        out["redacted_names"] = unsafeNames;
    return out;
}

std::optional<boost::json::value> parseJson(std::string_view text)
{
    boost::system::error_code ec;
    boost::json::value value =
        boost::json::parse(boost::json::string_view(text.data(), text.size()), ec);
    if (ec)
        return std::nullopt;
    return value;
}

void markAnomaly(const PreparedCall &call, ResponseCost &cost, std::string reason)
{
    cost.amount = call.estimate.amount;
    cost.source = CostSource::Estimated;
    cost.currency = call.estimate.currency;
    cost.originalAmount = call.estimate.originalAmount;
    cost.anomaly = true;
    cost.anomalyReason = std::move(reason);
}

} // namespace vendorcall_detail

using namespace vendorcall_detail;

namespace {

bool containsIgnoringCase(const std::vector<std::string> &list, std::string_view value)
{
    const std::string wanted = lowerCase(value);
    return std::any_of(list.begin(), list.end(),
                       [&](const std::string &item) { return lowerCase(item) == wanted; });
}

// "Acme <billing@Example.COM>" and "billing@example.com" both give "example.com".
std::string emailDomain(std::string_view from)
{
    const auto open = from.rfind('<');
    if (open != std::string_view::npos) {
        const auto close = from.find('>', open);
        if (close == std::string_view::npos)
            return {};
        from = from.substr(open + 1, close - open - 1);
    }
    const auto at = from.rfind('@');
    if (at == std::string_view::npos)
        return {};
    std::string domain = lowerCase(from.substr(at + 1));
    while (!domain.empty() && (domain.back() == ' ' || domain.back() == '.'))
        domain.pop_back();
    if (domain.find_first_of(" \t<>@,;\"") != std::string::npos)
        return {};
    return domain;
}

// Phone numbers compare without formatting: "+1 (555) 000-1111", "+15550001111" and
// " 15550001111" (an unencoded '+' that form decoding turned into a blank) are one number.
// A channel prefix ("whatsapp:") must match as written.
std::string canonicalPhone(std::string_view number)
{
    std::string channel;
    if (const auto colon = number.find(':'); colon != std::string_view::npos) {
        channel = lowerCase(number.substr(0, colon + 1));
        number.remove_prefix(colon + 1);
    }
    std::string digits;
    for (char c : number) {
        if (c == ' ' || c == '-' || c == '(' || c == ')' || c == '.' || c == '\t')
            continue;
        digits.push_back(c);
    }
    if (!digits.empty() && digits.front() != '+' && digits.front() >= '0' && digits.front() <= '9')
        digits.insert(digits.begin(), '+');
    return channel + digits;
}

} // namespace

std::variant<PreparedCall, PrepareError>
prepareCall(const VendorRequest &request, const Pricing &pricing, std::string_view twilioAccountSid)
{
    PreparedCall call;
    call.vendor = request.vendor;
    // Methods are case-sensitive (RFC 9110 §9.1): "post" is not POST, and the vendor would see an
    // empty or unknown method. Refused before anything is priced or recorded.
    if (!isVendorMethod(request.vendor, request.method))
        return PrepareError {405,
                             "method_not_allowed",
                             "The method \"" + request.method.substr(0, 32) + "\" is not one of "
                                 + std::string(vendorName(request.vendor)) + "'s methods ("
                                 + vendorMethodsList(request.vendor) + "), written in upper case",
                             {}};
    call.method = request.method;

    std::string error;
    auto path = normaliseVendorPath(request.vendor, request.path, twilioAccountSid, error);
    if (!path)
        return PrepareError {400, "invalid_path", std::move(error), {}};
    if (!isSafeQuery(request.query))
        return PrepareError {400,
                             "invalid_path",
                             "Invalid request target: the query string contains a control "
                             "character, a blank, a non-ASCII byte or '#'",
                             {}};
    call.path = std::move(*path);
    call.upstreamPath = call.path + (request.query.empty() ? "" : "?" + request.query);
    call.operation = findOperation(request.vendor, call.method, call.path);
    call.operationName =
        call.operation ? std::string(call.operation->name) : call.method + " " + call.path;
    call.vendorDeduplicates = honoursIdempotencyKey(request.vendor, call.method, call.operation);
    // What the Idempotency-Key rules compare: the request as the agent sent it, and the scope
    // headers that choose the account it acts on.
    std::string material =
        call.method + "\n" + call.upstreamPath + "\n" + request.contentType + "\n" + request.body;
    if (request.vendor == Vendor::Stripe)
        material += "\nStripe-Account: " + request.stripeAccount
            + "\nStripe-Context: " + request.stripeContext;
    call.fingerprint = sha256Hex(material);
    call.body = request.body;
    call.contentType = request.contentType;
    call.scope.stripeAccountHeaders = request.stripeAccountHeaders;
    call.scope.stripeContext = request.stripeContext;
    call.scope.stripeContextHeaders = request.stripeContextHeaders;
    if (!call.operation) {
        // Outside the catalog only reads are known to be free; anything else may move money
        // and cannot be priced, so it fails closed (cost_unknown).
        call.estimate.outcome =
            isRead(call.method) ? CostEstimate::Outcome::Known : CostEstimate::Outcome::Unknown;
    }

    std::optional<PrepareError> failure;
    switch (request.vendor) {
    case Vendor::Stripe:
        failure = prepareStripe(request, pricing, call);
        break;
    case Vendor::Twilio:
        failure = prepareTwilio(request, pricing, call);
        break;
    case Vendor::Resend:
        failure = prepareResend(request, pricing, call);
        break;
    }
    if (failure)
        return std::move(*failure);
    return call;
}

std::optional<std::string> scopeViolation(const Scope &scope, const PreparedCall &call)
{
    switch (call.vendor) {
    case Vendor::Stripe:
        // A scope header is checked once and sent once: two would leave the vendor to pick.
        if (call.scope.stripeAccountHeaders > 1)
            return std::string("stripe_account");
        if (call.scope.stripeContextHeaders > 1)
            return std::string("stripe_context");
        // Stripe-Context chooses the account a call acts on like Stripe-Account does; the proxy
        // cannot map it onto an account allowlist, so a key restricted to accounts refuses it.
        if (call.scope.stripeContextHeaders > 0 && !scope.stripeAccounts.empty())
            return std::string("stripe_context");
        if (!scope.stripeCustomers.empty()) {
            // A call that names no customer (customers.list, payouts, a charge without
            // `customer`) could touch any customer, so it is outside a customer scope.
            const auto &named = call.scope.stripeCustomers;
            const bool inside = !named.empty()
                && std::all_of(named.begin(), named.end(), [&](const std::string &id) {
                       return std::find(scope.stripeCustomers.begin(), scope.stripeCustomers.end(),
                                        id)
                           != scope.stripeCustomers.end();
                   });
            if (!inside)
                return std::string("customer");
        }
        if (!scope.stripeAccounts.empty()
            && std::find(scope.stripeAccounts.begin(), scope.stripeAccounts.end(),
                         call.scope.stripeAccount)
                == scope.stripeAccounts.end())
            return std::string("stripe_account");
        return std::nullopt;
    case Vendor::Twilio:
        if (scope.twilioFromNumbers.empty() || !call.scope.sends)
            return std::nullopt;
        if (!call.scope.twilioFrom)
            return std::string("From");
        for (const std::string &number : scope.twilioFromNumbers) {
            if (canonicalPhone(number) == canonicalPhone(*call.scope.twilioFrom))
                return std::nullopt;
        }
        return std::string("From");
    case Vendor::Resend:
        if (scope.resendFromDomains.empty() || !call.scope.sends)
            return std::nullopt;
        if (call.scope.resendFromMissing || call.scope.resendFrom.empty())
            return std::string("from");
        for (const std::string &from : call.scope.resendFrom) {
            const std::string domain = emailDomain(from);
            if (domain.empty() || !containsIgnoringCase(scope.resendFromDomains, domain))
                return std::string("from");
        }
        return std::nullopt;
    }
    return std::nullopt;
}

ResponseCost parseResponseCost(const PreparedCall &call, int status,
                               const VendorResponseHeaders &headers, std::string_view body,
                               const Pricing &pricing)
{
    ResponseCost cost;
    cost.vendorRequestId = std::string(headers.requestId);
    if (status < 200 || status > 299)
        return cost;
    if (!call.operation) {
        // Only free reads leave the proxy outside the catalog; should anything else have been
        // forwarded, its hold stands.
        if (call.estimate.amount > Usd()) {
            cost.amount = call.estimate.amount;
            cost.source = CostSource::Estimated;
        }
        return cost;
    }
    if (isRead(call.method))
        return cost;
    switch (call.vendor) {
    case Vendor::Stripe:
        parseStripeCost(call, headers, body, pricing, cost);
        break;
    case Vendor::Twilio:
        parseTwilioCost(call, body, pricing, cost);
        break;
    case Vendor::Resend:
        parseResendCost(call, body, cost);
        break;
    }
    return cost;
}

} // namespace keybrake
