#pragma once

// Qt 6.4's moc cannot parse <compare>, which usd.h includes, unless a Qt header came first (CMake
// 3.25 hands moc C++17 predefines); moc reads this header through the Q_OBJECT classes' headers.
// clang-format off
#include <QtGlobal>
// clang-format on
#include "usd.h"

#include <QString>

namespace keybrake::agents {

// What one runaway agent did: how far its retry loop got before the cap stopped it, and how many
// times it kept knocking afterwards.
struct RunawayReport
{
    QString keyId; // the first key's
    QString label; // the first key's; later keys share its prefix
    QString vendor;
    Usd cap;
    Usd spent; // settled spend of its key, as the proxy last reported it
    qint64 calls = 0;
    qint64 allowed = 0; // answered by the vendor
    qint64 deniedCap = 0; // 429 cap_exhausted
    qint64 otherRefusals = 0; // revoked, expired, ...
    qint64 allowedBeforeFirstRefusal = 0;
    // --runaway-reissue: keys the issuer minted (the first included) and issuances refused.
    qint64 keysIssued = 0;
    qint64 issueRefusals = 0;
    double seconds = 0;
};

} // namespace keybrake::agents
