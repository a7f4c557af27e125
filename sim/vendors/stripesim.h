#pragma once

#include "vendors/objectstore.h"
#include "vendors/simulatedvendor.h"
#include "vendors/stripeobjects.h"

#include <optional>
#include <string>

namespace keybrake::sim {

// Stripe's API shape under /v1: routes, the secret key, form-encoded parameters with bracketed
// keys, `{"error": {...}}` bodies, Request-Id headers and idempotency replies. The objects
// themselves (pi_/ch_/re_/po_/tr_/cus_) live in StripeObjects.
class StripeSim final : public SimulatedVendor
{
public:
    StripeSim(std::string secretKey, ObjectStore &objects);

    std::string_view name() const override { return "stripe"; }
    RouteMatch route(const SimCall &call) const override;
    bool accepts(const PresentedCredential &credential, const SimCall &call) const override;
    SimReply unauthorized(const PresentedCredential &credential) const override;
    SimReply notFound(const SimCall &call) const override;
    SimReply failure(unsigned status, const SimCall &call, const RouteMatch &match) const override;
    bool honoursIdempotencyKey(const SimCall &call) const override;
    SimReply idempotencyMismatch(std::string_view key) const override;
    SimReply idempotencyInProgress(std::string_view key) const override;
    void markReplayed(SimReply &reply) const override;
    SimReply execute(const SimCall &call, const RouteMatch &match) override;
    void stamp(SimReply &reply) const override;

private:
    std::string m_secretKey;
    StripeObjects m_objects;
};

} // namespace keybrake::sim
