#include "vendors/simoperation.h"

#include <array>

namespace keybrake::sim {

namespace {
constexpr std::array<std::string_view, kSimOperationCount> kNames = {
    "stripe.charges.create",
    "stripe.charges.list",
    "stripe.charges.retrieve",
    "stripe.payment_intents.create",
    "stripe.payment_intents.retrieve",
    "stripe.payment_intents.confirm",
    "stripe.payment_intents.capture",
    "stripe.refunds.create",
    "stripe.refunds.retrieve",
    "stripe.payouts.create",
    "stripe.payouts.retrieve",
    "stripe.transfers.create",
    "stripe.transfers.retrieve",
    "stripe.customers.create",
    "stripe.customers.list",
    "stripe.customers.retrieve",
    "stripe.customers.update",
    "stripe.balance.retrieve",
    "twilio.messages.create",
    "twilio.messages.list",
    "twilio.messages.retrieve",
    "twilio.calls.create",
    "twilio.calls.list",
    "twilio.calls.retrieve",
    "resend.emails.send",
    "resend.emails.batch",
    "resend.emails.retrieve",
    "unknown",
};
} // namespace

std::string_view operationName(SimOperation operation)
{
    return kNames[static_cast<std::size_t>(operation)];
}

} // namespace keybrake::sim
