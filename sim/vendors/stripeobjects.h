#pragma once

#include "vendors/formfields.h"
#include "vendors/objectstore.h"
#include "vendors/simreply.h"

#include <cstdint>
#include <string_view>

namespace keybrake::sim {

// The objects behind the simulated Stripe API: what each create, confirm, refund, update, list
// and retrieve does to them, with Stripe's validation. Objects referenced but not created here
// (customers on a charge, payment methods, transfer destinations, the charge of a refund) are
// taken as given.
class StripeObjects
{
public:
    explicit StripeObjects(ObjectStore &objects);

    SimReply createCharge(std::int64_t now, const FormFields &form);
    SimReply createPaymentIntent(std::int64_t now, const FormFields &form);
    // Confirms, or with `capture` captures, a payment intent created here.
    SimReply confirmPaymentIntent(std::string_view id, bool capture);
    SimReply createRefund(std::int64_t now, const FormFields &form);
    SimReply createPayout(std::int64_t now, const FormFields &form);
    SimReply createTransfer(std::int64_t now, const FormFields &form);
    SimReply createCustomer(std::int64_t now, const FormFields &form);
    SimReply updateCustomer(std::string_view id, const FormFields &form);
    // A Stripe list of the objects whose id starts with `prefix`, newest first; `filterField`
    // is the query parameter that narrows it (customers by email, charges by customer).
    SimReply list(std::string_view prefix, std::string_view url, const FormFields &query,
                  std::string_view filterField);
    SimReply retrieve(std::string_view id, std::string_view objectName) const;
    SimReply balance() const;

private:
    ObjectStore &m_objects;
};

} // namespace keybrake::sim
