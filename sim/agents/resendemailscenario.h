#pragma once

#include "agents/emailcomposer.h"
#include "agents/proxyrequest.h"
#include "agents/scenario.h"

#include <QList>

#include <memory>

namespace keybrake::agents {

// Email agents on Resend: a receipt mailer that sends one or two transactional emails a run, and
// a digest sender that sends one /emails/batch of 5 to 80 copies. Each run gets a Resend vault
// key with a small budget, both email operations allowed, scoped to its sending domain, and sends
// with an Idempotency-Key (Resend keeps them 24 hours). Batches above the run's budget are
// refused whole (cap_exhausted), as the proxy reserves the batch's cost at once.
class ResendEmailScenario : public Scenario
{
    Q_OBJECT

public:
    ResendEmailScenario(AgentRuntime &runtime, double rate, quint64 seed,
                        QObject *parent = nullptr);

protected:
    void arrive() override;

private:
    struct Run
    {
        QString label;
        QList<ProxyRequest> requests;
        int emails = 0;
        int next = 0;
    };
    void send(const std::shared_ptr<Run> &run);
    void finish(const std::shared_ptr<Run> &run, const QString &stoppedBy);

    EmailComposer m_composer;
};

} // namespace keybrake::agents
