#pragma once

#include <QStringList>

namespace keybrake::client {

// Optional per-vendor limits of a vault key; an empty list means "no restriction". Each list only
// makes sense for its vendor (the server refuses the others).
struct KeyScope
{
    QStringList stripeCustomers; // "cus_..."
    QStringList stripeAccounts; // connected accounts, "acct_..." (Stripe-Account header)
    QStringList resendFromDomains; // "example.com"
    QStringList twilioFromNumbers; // E.164, "+15550001111"

    bool isEmpty() const
    {
        return stripeCustomers.isEmpty() && stripeAccounts.isEmpty() && resendFromDomains.isEmpty()
            && twilioFromNumbers.isEmpty();
    }
    friend bool operator==(const KeyScope &, const KeyScope &) = default;
};

} // namespace keybrake::client
