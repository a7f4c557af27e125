#pragma once

#include "clock.h"
#include "usd.h"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace keybrake {

enum class Vendor {
    Stripe,
    Twilio,
    Resend,
};
std::string_view vendorName(Vendor vendor); // "stripe"
std::optional<Vendor> parseVendor(std::string_view name);

// Each role includes the ones before it.
enum class Role {
    Viewer = 1,
    Issuer = 2,
    Operator = 3,
    Admin = 4,
};
std::string_view roleName(Role role);
std::optional<Role> parseRole(std::string_view name);

// Optional per-vendor limits of a vault key; an empty list means "no restriction".
struct Scope
{
    std::vector<std::string> stripeCustomers;
    std::vector<std::string> stripeAccounts;
    std::vector<std::string> resendFromDomains;
    std::vector<std::string> twilioFromNumbers;
    friend bool operator==(const Scope &, const Scope &) = default;
};

enum class KeyStatus {
    Active,
    Capped, // active, but settled + held spend in the current window has reached the cap
    Revoked,
    Expired,
};
std::string_view keyStatusName(KeyStatus status);
std::optional<KeyStatus> parseKeyStatus(std::string_view name);

struct VaultKey
{
    std::string id; // vk_...
    std::string name;
    Vendor vendor = Vendor::Stripe;
    std::string secretHash; // SHA-256 hex of the vault_key_... secret; the secret is never stored
    std::string keyHint; // "vault_key_…a1b2"
    Usd dailyCap;
    std::vector<std::string> allowedEndpoints; // operation names or "METHOD /path"
    Scope scope;
    std::string agentRunLabel;
    std::map<std::string, std::string> metadata;
    TimePoint createdAt;
    TimePoint expiresAt;
    std::optional<TimePoint> revokedAt;
    std::string createdBy; // admin key id
    // Velocity limits over a sliding 60 s window of admitted calls; none when unset.
    std::optional<std::int64_t> maxCallsPerMinute;
    std::optional<Usd> maxUsdPerMinute;
    std::string revokedBy; // admin key id; empty while not revoked
    std::string revokeReason; // the operator's optional reason
    // Filled when read for the admin API: the names of createdBy and revokedBy (admin keys are
    // never renamed), empty when the id is no admin key's ("bootstrap", "cli").
    std::string createdByName;
    std::string revokedByName;
};

// A key's spend in one spend window.
struct KeySpend
{
    Usd settled;
    Usd held; // open holds, including holds kept as "unknown" after a timeout or 5xx
    std::int64_t calls = 0; // every proxied request attributed to the key, any verdict
    std::int64_t blocked = 0; // the denied_* ones among them
    std::optional<TimePoint> lastCallAt;
};

struct AdminKey
{
    std::string id; // ak_...
    std::string name;
    Role role = Role::Viewer;
    std::string secretHash;
    std::string keyHint; // "kb_…a1b2"
    TimePoint createdAt;
    std::optional<TimePoint> revokedAt;
    std::string createdBy; // admin key id, or "bootstrap" / "cli"
    // Recorded at most once a minute per key (a write per admin call would load the writer).
    std::optional<TimePoint> lastUsedAt;
};

// A block on a label prefix (contract: "Stopping an agent, not only its keys"): while active, no
// key under the prefix is issued and no call of one is admitted.
struct PrefixBlock
{
    std::string id; // blk_ + 24 base32 chars
    std::string labelPrefix; // non-empty; byte-wise "starts with"
    std::optional<Vendor> vendor; // narrows the block to one vendor's keys
    std::string reason;
    TimePoint createdAt;
    std::optional<TimePoint> endsAt; // none: until lifted
    std::optional<TimePoint> liftedAt;
    std::string createdBy; // admin key id
    std::string liftedBy;
    std::string liftReason;
    std::int64_t refusedCalls = 0;
    std::int64_t refusedIssuances = 0;
    // Filled when read: names of createdBy and liftedBy.
    std::string createdByName;
    std::string liftedByName;

    bool activeAt(TimePoint now) const { return !liftedAt && (!endsAt || now < *endsAt); }
};

// Server-wide velocity limits for the keys issued under a label prefix without their own.
struct VelocityDefault
{
    std::string labelPrefix; // may be empty: every label
    std::optional<std::int64_t> maxCallsPerMinute;
    std::optional<Usd> maxUsdPerMinute;
    TimePoint updatedAt;
    std::string updatedBy; // admin key id
    std::string updatedByName; // filled when read
};

enum class Verdict {
    Allowed,
    Replayed,
    DeniedInvalidKey,
    DeniedRevoked,
    DeniedExpired,
    DeniedVendor,
    DeniedEndpoint,
    DeniedScope,
    DeniedCostUnknown,
    DeniedCurrency, // the contract lists no separate verdict; written as denied_cost_unknown
    DeniedCap,
    DeniedIdempotency,
    UpstreamError,
    DeniedBlocked, // label under an active prefix block (403 prefix_blocked)
    DeniedRate, // over max_calls_per_minute or max_usd_per_minute (429 rate_exceeded)
};
std::string_view verdictName(Verdict verdict);
std::optional<Verdict> parseVerdict(std::string_view name);
bool isDenial(Verdict verdict);

enum class CostSource {
    Parsed,
    Estimated,
    None,
};
std::string_view costSourceName(CostSource source);

// One row of the audit log: a proxied request (kind "call") or an admin mutation (kind "admin").
struct AuditEntry
{
    std::string id; // assigned by the store; increasing
    TimePoint ts;
    std::string kind = "call"; // "call" | "admin"
    std::string requestId;
    std::string keyId; // empty for an unknown vault key
    std::string keyName;
    std::string agentRunLabel;
    std::string vendor;
    std::string method;
    std::string path; // without the query string; no secrets
    std::string operation;
    Verdict verdict = Verdict::Allowed;
    std::string reason; // the refusal code or upstream failure, empty when allowed; on admin
                        // rows the operator's reason for a revoke or block
    int httpStatus = 0;
    std::optional<int> upstreamStatus;
    Usd cost;
    CostSource costSource = CostSource::None;
    std::string currency;
    std::optional<std::int64_t> originalAmount;
    std::optional<Usd> capUsageAfter;
    std::string customerScopeId;
    std::string vendorObjectId;
    std::string vendorRequestId;
    std::string idempotencyKey;
    std::optional<double> latencyMs;
    std::optional<double> upstreamLatencyMs;
    // admin rows
    std::string action; // "key.issued", "key.revoked", "admin_key.created", "admin_key.revoked"
    std::string actor; // admin key id
    std::string actorName; // filled when read: the actor's admin key name
    std::string detail; // redacted parameters as JSON text
};

} // namespace keybrake
