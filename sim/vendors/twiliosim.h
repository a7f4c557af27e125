#pragma once

#include "usd.h"
#include "vendors/formfields.h"
#include "vendors/objectstore.h"
#include "vendors/seededrandom.h"
#include "vendors/simulatedvendor.h"

#include <string>

namespace keybrake::sim {

// What `price` a new message shows: null (Twilio's usual answer at send time, the price arrives
// with delivery), a fixed negative price per segment, or a random one per segment.
struct TwilioPricing
{
    enum class Mode { Null, Fixed, Random };
    Mode mode = Mode::Null;
    Usd perSegment = Usd::fromMicros(-7900); // for Fixed: US long-code list price
};

// Twilio's 2010-04-01 API shape: Basic auth with the Account SID and auth token, the SID in the
// path, form bodies, ".json" resources, SM/CA sids, errors as {code, message, more_info, status}.
class TwilioSim final : public SimulatedVendor
{
public:
    TwilioSim(std::string accountSid, std::string authToken, TwilioPricing pricing,
              std::uint64_t seed, ObjectStore &objects);

    std::string_view name() const override { return "twilio"; }
    std::string_view contentType() const override { return "application/json; charset=utf-8"; }
    RouteMatch route(const SimCall &call) const override;
    bool accepts(const PresentedCredential &credential, const SimCall &call) const override;
    SimReply unauthorized(const PresentedCredential &credential) const override;
    SimReply notFound(const SimCall &call) const override;
    SimReply failure(unsigned status, const SimCall &call, const RouteMatch &match) const override;
    bool honoursIdempotencyKey(const SimCall &) const override { return false; }
    SimReply idempotencyMismatch(std::string_view key) const override;
    SimReply idempotencyInProgress(std::string_view key) const override;
    SimReply execute(const SimCall &call, const RouteMatch &match) override;
    void stamp(SimReply &reply) const override;

    // SMS segments of a body: GSM-7 (160 septets, 153 per part when split, extension characters
    // counting two) or else UCS-2 (70 UTF-16 units, 67 per part).
    static int segmentsOf(std::string_view utf8);

private:
    SimReply createMessage(const SimCall &call, const FormFields &form);
    SimReply createCall(const SimCall &call, const FormFields &form);
    SimReply list(const SimCall &call, const FormFields &query, std::string_view prefix,
                  std::string_view key);
    SimReply retrieve(const SimCall &call, std::string_view sid) const;
    std::string resourceUri(std::string_view collection, std::string_view sid) const;

    std::string m_accountSid;
    std::string m_authToken;
    TwilioPricing m_pricing;
    SeededRandom m_random;
    ObjectStore &m_objects;
};

} // namespace keybrake::sim
