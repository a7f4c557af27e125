#pragma once

#include "agents/proxyrequest.h"

#include <QString>

namespace keybrake::agents {

// One SMS as Twilio's SDKs send it: form-encoded To/From/Body to
// /2010-04-01/Accounts/{AccountSid}/Messages.json with HTTP Basic auth, user = AccountSid and
// password = what used to be the auth token, here the vault key. The AccountSid in the path and
// the user name is the agent's own; the proxy substitutes the real account.
struct TwilioMessage
{
    QString to;
    QString from;
    QString body;

    ProxyRequest request(const QString &accountSid, const QString &vaultKey) const;
};

} // namespace keybrake::agents
