#pragma once

#include "client/adminref.h"
#include "usd.h"

#include <QDateTime>
#include <QJsonObject>
#include <QString>

#include <optional>

namespace keybrake::client {

// A server-wide velocity default (GET/PUT /v1/velocity-defaults): vault keys issued under the
// prefix without their own max_calls_per_minute / max_usd_per_minute carry these. The longest
// matching prefix applies; "" matches every label.
struct VelocityDefault
{
    QString labelPrefix;
    std::optional<qint64> maxCallsPerMinute;
    std::optional<Usd> maxUsdPerMinute;
    QDateTime updatedAt; // set by the server
    AdminRef updatedBy; // set by the server

    // The PUT body (label_prefix and the limits that are set).
    QJsonObject toJson() const;
    friend bool operator==(const VelocityDefault &, const VelocityDefault &) = default;
};

// The answer to DELETE /v1/velocity-defaults?label_prefix=...
struct DeletedVelocityDefault
{
    QString labelPrefix;
    friend bool operator==(const DeletedVelocityDefault &,
                           const DeletedVelocityDefault &) = default;
};

} // namespace keybrake::client
