#include "models/vendortext.h"

namespace keybrake {

QString VendorText::displayName(const QString &vendor)
{
    if (vendor == QLatin1String("stripe"))
        return QStringLiteral("Stripe");
    if (vendor == QLatin1String("twilio"))
        return QStringLiteral("Twilio");
    if (vendor == QLatin1String("resend"))
        return QStringLiteral("Resend");
    return vendor;
}

QString VendorText::displayNames(const QStringList &vendors)
{
    QStringList names;
    for (const QString &vendor : vendors)
        names.append(displayName(vendor));
    return names.join(QStringLiteral(", "));
}

QStringList VendorText::known()
{
    return {QStringLiteral("stripe"), QStringLiteral("twilio"), QStringLiteral("resend")};
}

} // namespace keybrake
