#pragma once

#include "usd.h"

#include <QList>
#include <QString>

namespace keybrake::client {

// One operation the proxy knows for a vendor, usable in allowed_endpoints by name.
struct VendorOperation
{
    QString name; // "charges.create"
    QString method; // "POST"
    QString path; // "/v1/charges"
    bool moneyMoving = false;
    QString costRule; // how the hold is estimated, in words

    friend bool operator==(const VendorOperation &, const VendorOperation &) = default;
};

struct VendorInfo
{
    QString vendor; // "stripe"
    bool credentialConfigured = false;
    QList<VendorOperation> operations;

    friend bool operator==(const VendorInfo &, const VendorInfo &) = default;
};

// GET /v1/vendors: what the Issue Key form offers and the limits it validates against.
struct VendorCatalog
{
    QList<VendorInfo> vendors; // "data" on the wire
    Usd maxDailyUsdCap;
    qint64 maxExpiresInSeconds = 0;

    // nullptr when the catalog has no such vendor.
    const VendorInfo *find(const QString &vendor) const
    {
        for (const VendorInfo &info : vendors) {
            if (info.vendor == vendor)
                return &info;
        }
        return nullptr;
    }
    friend bool operator==(const VendorCatalog &, const VendorCatalog &) = default;
};

} // namespace keybrake::client
