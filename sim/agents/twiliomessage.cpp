#include "agents/twiliomessage.h"

#include <QUrl>

namespace keybrake::agents {

ProxyRequest TwilioMessage::request(const QString &accountSid, const QString &vaultKey) const
{
    ProxyRequest request;
    request.vendor = QStringLiteral("twilio");
    request.path = QStringLiteral("/twilio/2010-04-01/Accounts/%1/Messages.json").arg(accountSid);
    request.contentType = "application/x-www-form-urlencoded";
    request.body = "To=" + QUrl::toPercentEncoding(to) + "&From=" + QUrl::toPercentEncoding(from)
        + "&Body=" + QUrl::toPercentEncoding(body);
    request.authorization = "Basic " + (accountSid + u':' + vaultKey).toLatin1().toBase64();
    request.userAgent = "twilio-node/5.4.0 (linux x64) node/v20.18.0";
    return request;
}

} // namespace keybrake::agents
