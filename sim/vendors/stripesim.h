#pragma once

#include "vendors/formfields.h"
#include "vendors/objectstore.h"
#include "vendors/simulatedvendor.h"

#include <optional>
#include <string>

namespace keybrake::sim {

// Stripe's API shape under /v1: form-encoded requests with bracketed keys, objects with
// pi_/ch_/re_/po_/tr_/cus_ ids, `{"error": {...}}` bodies, Request-Id headers, and idempotency
// keys. Objects referenced but not created here (customers on a charge, payment methods,
// transfer destinations, the charge of a refund) are taken as given.
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
    SimReply createCharge(const SimCall &call, const FormFields &form);
    SimReply createPaymentIntent(const SimCall &call, const FormFields &form);
    SimReply confirmPaymentIntent(const SimCall &call, std::string_view id, bool capture);
    SimReply createRefund(const SimCall &call, const FormFields &form);
    SimReply createPayout(const SimCall &call, const FormFields &form);
    SimReply createTransfer(const SimCall &call, const FormFields &form);
    SimReply createCustomer(const SimCall &call, const FormFields &form);
    SimReply updateCustomer(std::string_view id, const FormFields &form);
    SimReply list(std::string_view prefix, std::string_view url, const FormFields &query,
                  std::string_view filterField);
    SimReply retrieve(std::string_view id, std::string_view objectName) const;
    SimReply balance() const;

    std::string m_secretKey;
    ObjectStore &m_objects;
};

} // namespace keybrake::sim
