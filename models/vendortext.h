#pragma once

#include <QString>
#include <QStringList>

namespace keybrake {

// Vendor names as the console shows them ("stripe" -> "Stripe"); an unknown vendor as sent.
class VendorText
{
public:
    static QString displayName(const QString &vendor);
    static QString displayNames(const QStringList &vendors); // "Stripe, Twilio"
    // The vendors the server knows, in its order.
    static QStringList known();
};

} // namespace keybrake
