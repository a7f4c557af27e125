#pragma once

#include "agents/trafficrandom.h"

#include <QJsonObject>
#include <QString>
#include <QStringList>

namespace keybrake::agents {

// Emails as Resend's API takes them (from, to, cc, subject, html, text, tags), with the sizes of
// real ones: transactional mail with table layouts and inline styles of 6 to 40 KB of HTML,
// digests of 3 to 8 KB each so that a batch of up to 100 stays well under the proxy's 1 MiB body
// limit. Recipients are at the reserved example.com/org/net domains.
class EmailComposer
{
public:
    explicit EmailComposer(TrafficRandom &random);

    // A receipt, shipping notice or account email to one recipient, sometimes with a cc.
    QJsonObject transactional(const QString &from);
    // One copy of a digest for one subscriber.
    QJsonObject digest(const QString &from, const QString &to, const QString &subject);
    QString recipient();

    // Recipients an email is billed for: to + cc + bcc.
    static int recipientsOf(const QJsonObject &email);

private:
    QString html(const QString &heading, int targetBytes);
    QString plainText(const QString &heading);

    TrafficRandom &m_random;
};

} // namespace keybrake::agents
