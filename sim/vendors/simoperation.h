#pragma once

#include <cstddef>
#include <string_view>

namespace keybrake::sim {

// Every vendor operation the simulator answers: the proxy's catalog, plus the reads of the objects
// it creates. Counted per operation in /_sim/stats.
enum class SimOperation : unsigned char {
    StripeChargesCreate,
    StripeChargesList,
    StripeChargesRetrieve,
    StripePaymentIntentsCreate,
    StripePaymentIntentsRetrieve,
    StripePaymentIntentsConfirm,
    StripePaymentIntentsCapture,
    StripeRefundsCreate,
    StripeRefundsRetrieve,
    StripePayoutsCreate,
    StripePayoutsRetrieve,
    StripeTransfersCreate,
    StripeTransfersRetrieve,
    StripeCustomersCreate,
    StripeCustomersList,
    StripeCustomersRetrieve,
    StripeCustomersUpdate,
    StripeBalanceRetrieve,
    TwilioMessagesCreate,
    TwilioMessagesList,
    TwilioMessagesRetrieve,
    TwilioCallsCreate,
    TwilioCallsList,
    TwilioCallsRetrieve,
    ResendEmailsSend,
    ResendEmailsBatch,
    ResendEmailsRetrieve,
    Unknown, // a path no operation matches (answered 404 in the vendor's shape)
};

inline constexpr std::size_t kSimOperationCount =
    static_cast<std::size_t>(SimOperation::Unknown) + 1;

// "stripe.charges.create", "twilio.messages.create", "resend.emails.send", "unknown".
std::string_view operationName(SimOperation operation);

} // namespace keybrake::sim
