#pragma once

#include <QByteArray>
#include <QString>

namespace keybrake::agents {

// One call an agent makes to a vendor through the proxy, as the vendor's SDK would send it, with
// the vault key where the vendor secret used to be.
struct ProxyRequest
{
    QString vendor; // "stripe", "twilio", "resend"
    QByteArray method = "POST";
    QString path; // under the server's base URL: "/stripe/v1/payment_intents"
    QByteArray contentType;
    QByteArray body;
    QByteArray authorization; // the whole header value: "Bearer vault_key_..." or "Basic ..."
    QByteArray idempotencyKey; // empty: none
    QByteArray userAgent; // what the vendor's SDK sends
};

} // namespace keybrake::agents
