#pragma once

// Qt 6.4's moc cannot parse <compare>, which usd.h includes, unless a Qt header came first (CMake
// 3.25 hands moc C++17 predefines); moc reads this header through the Q_OBJECT classes' headers.
// clang-format off
#include <QtGlobal>
// clang-format on
#include "usd.h"

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QPair>
#include <QString>

#include <optional>

namespace keybrake::agents {

// What an agent learnt from one proxied call, and the audit verdict the server recorded for it,
// told from the answer alone: the proxy's refusals carry a string `code` beside the vendor's
// error shape, its replays carry Idempotent-Replayed, and everything else is the vendor's answer.
struct ProxyOutcome
{
    int httpStatus = 0; // 0: no answer (timeout, connection failure, aborted at exit)
    QString verdict; // "allowed", "replayed", "denied_cap", ..., or "unanswered"
    QString reason; // the proxy's refusal or failure code; empty for a vendor's answer
    QString keyId; // Keybrake-Key-Id; empty when the proxy recognised no key
    std::optional<Usd> spentToday; // Keybrake-Spent-Today-Usd: the key's settled spend after it
    bool replayed = false;
    QJsonObject json; // the body, when it is a JSON object
    QString networkError;

    bool answered() const { return httpStatus != 0; }
    bool succeeded() const { return httpStatus >= 200 && httpStatus < 300; }
    bool isDenied() const { return verdict.startsWith(u"denied_"); }
    // Worth trying again later with the same Idempotency-Key: nothing was decided for good.
    bool isTransient() const;

    using RawHeaders = QList<QPair<QByteArray, QByteArray>>;
    static ProxyOutcome fromAnswer(int httpStatus, const RawHeaders &headers,
                                   const QByteArray &body);
    static ProxyOutcome unanswered(const QString &networkError);
    // The audit verdict of a refusal code of the proxy (contract and docs/api.md); empty for a
    // code the proxy does not use, i.e. a vendor's own error.
    static QString verdictForRefusal(const QString &code);
};

} // namespace keybrake::agents
