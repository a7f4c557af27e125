#pragma once

#include "agents/emailcomposer.h"
#include "agents/scenario.h"

#include <QDateTime>
#include <QJsonArray>

#include <memory>

namespace keybrake::agents {

// EventBridge Scheduler invoking agent functions: `invoice-renewals` charges a subscription
// renewal through Stripe, `weekly-digest` sends a Resend batch. Each invocation issues a vault key
// labelled `scheduler/<function>/<scheduled time>` with the event id as Idempotency-Key, and calls
// the vendor with the event id as Idempotency-Key too.
//
// EventBridge retries failed invocations with exponential back-off (compressed here: --retry-base
// seconds, doubling, with jitter) up to --max-retries, then drops the event to a dead-letter
// queue. An invocation fails when the vendor call got no final answer (no answer, 5xx, a vendor
// 429, a duplicate still in flight) or, for --failure-share of invocations, after its vendor call
// succeeded, as when the function times out while recording the result. A retry then gets the
// same key back and a replay: the renewal is charged once. A cap refusal is handled (logged),
// not retried.
class EventBridgeScenario : public Scenario
{
    Q_OBJECT

public:
    EventBridgeScenario(AgentRuntime &runtime, double rate, quint64 seed,
                        QObject *parent = nullptr);

protected:
    void arrive() override;
    void dropPendingWork() override;

private:
    struct Event
    {
        QString id; // EventBridge event id
        QString function;
        QDateTime scheduledTime;
        QString customer;
        qint64 amountCents = 0;
        QJsonArray digest; // weekly-digest: the batch
        quint32 failsAfterCall = 0; // bit n: attempt n fails after its vendor call
        int attempt = 0;
    };
    void invoke(const std::shared_ptr<Event> &event);
    // `failure` empty: the invocation succeeded or handled its outcome. Otherwise it threw, and
    // EventBridge retries it when `retryable`.
    void completed(const std::shared_ptr<Event> &event, const QString &failure,
                   bool retryable = true);

    EmailComposer m_composer;
    QList<QTimer *> m_retryTimers;
};

} // namespace keybrake::agents
