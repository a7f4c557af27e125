#pragma once

#include "agents/scenario.h"
#include "agents/smscomposer.h"
#include "agents/twiliomessage.h"

#include <QList>

#include <memory>

namespace keybrake::agents {

// Notification agents that text customers: each run gets a Twilio vault key (a small budget,
// messages.create only, scoped to the run's sending number) and sends several messages one after
// another, stopping when the proxy refuses one (usually its budget: long and UCS-2 messages cost
// several segments). Authentication is what Twilio's SDKs send: Basic with the agent's AccountSid
// as user and the vault key as password.
class TwilioSmsScenario : public Scenario
{
    Q_OBJECT

public:
    TwilioSmsScenario(AgentRuntime &runtime, double rate, quint64 seed, QObject *parent = nullptr);

protected:
    void arrive() override;

private:
    struct Run
    {
        QString id;
        QString label;
        QString from;
        QList<TwilioMessage> messages;
        QString vaultKey;
        int next = 0;
        int sent = 0;
    };
    void send(const std::shared_ptr<Run> &run);
    void finish(const std::shared_ptr<Run> &run, const QString &stoppedBy);

    QString m_accountSid;
    SmsComposer m_composer;
};

} // namespace keybrake::agents
