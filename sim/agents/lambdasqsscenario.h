#pragma once

#include "agents/scenario.h"

#include <QElapsedTimer>
#include <QList>
#include <QString>

#include <memory>

namespace keybrake::agents {

// An SQS queue of billing jobs feeding a Lambda function (event source mapping with
// ReportBatchItemFailures). Per message the handler issues a vault key with the messageId as
// Idempotency-Key and in the label (`lambda/<function>/<messageId>`), a per-message budget, a
// 15-minute expiry, the customer as scope and only payment_intents.create allowed; then creates
// the payment intent with Idempotency-Key = messageId, as a JSON body (as hand-written agents
// send it) or form-encoded (as the Stripe SDK does).
//
// SQS delivers at least once: a share of the messages comes again in a later batch, and the
// handler must then get the same key back (no second budget) and a replay (no second charge). A
// cap refusal is final for the day: the handler reports the message in batchItemFailures and
// does not retry it; transient failures are reported the same way. The simulated queue does not
// redeliver reported failures (their fate is the queue's redrive policy), only the duplicates.
class LambdaSqsScenario : public Scenario
{
    Q_OBJECT

public:
    LambdaSqsScenario(AgentRuntime &runtime, double rate, quint64 seed, QObject *parent = nullptr);

    struct Message
    {
        QString messageId;
        QString customer; // cus_...
        QString invoice; // in_...
        qint64 amountCents = 0;
        bool jsonBody = false;
        bool duplicate = false; // SQS will deliver it again
        int receiveCount = 1; // ApproximateReceiveCount
    };

protected:
    void arrive() override;
    bool hasPendingWork() const override { return !m_redeliveries.isEmpty(); }
    void dropPendingWork() override { m_redeliveries.clear(); }
    double secondsToNextArrival() override;

private:
    struct Batch;
    Message newMessage();
    void invoke(QList<Message> messages);
    void handle(const std::shared_ptr<Batch> &batch, int index);
    void finishMessage(const std::shared_ptr<Batch> &batch, int index, const QString &failure);

    QList<Message> m_redeliveries;
    // Messages sent to the queue since the last poll (rate x time), not yet received.
    double m_queued = 0;
    QElapsedTimer m_sinceLastPoll;
    int m_batchesInFlight = 0;
    int m_batchNumber = 0;
};

} // namespace keybrake::agents
