#include "agents/lambdasqsscenario.h"

#include "agents/agentruntime.h"
#include "agents/stripepayment.h"

#include <QStringList>

#include <chrono>

namespace keybrake::agents {

namespace {

const QString kScenario = QStringLiteral("lambda-sqs");

// Invoice totals of a small SaaS: mostly plans and add-ons, some annual or multi-seat invoices
// above a per-message budget.
qint64 invoiceCents(TrafficRandom &random)
{
    const double draw = random.uniform();
    if (draw < 0.6)
        return random.between(900, 7'999);
    if (draw < 0.9)
        return random.between(8'000, 14'000);
    return random.between(12'000, 40'000);
}

} // namespace

struct LambdaSqsScenario::Batch
{
    int number = 0;
    QList<Message> messages;
    QStringList failures; // batchItemFailures: itemIdentifier = messageId
    QStringList reasons;
    int pending = 0;
};

LambdaSqsScenario::LambdaSqsScenario(AgentRuntime &runtime, double rate, quint64 seed,
                                     QObject *parent)
    : Scenario(runtime, kScenario, rate, seed, parent)
{
}

double LambdaSqsScenario::secondsToNextArrival()
{
    // The event source mapping polls and hands the function a full batch about every
    // batch-size / rate seconds (or a partial one when its batching window closes first).
    const double window = runtime().options().batchSize / std::max(rate(), 0.001);
    return std::min(window, 5.0) * (0.8 + 0.4 * timing().uniform());
}

LambdaSqsScenario::Message LambdaSqsScenario::newMessage()
{
    Message message;
    message.messageId = random().uuid();
    message.customer = QStringLiteral("cus_") + random().base62(14);
    message.invoice = QStringLiteral("in_") + random().base62(24);
    message.amountCents = invoiceCents(random());
    message.jsonBody = random().chance(0.5);
    message.duplicate = random().chance(runtime().options().redeliveryShare);
    return message;
}

void LambdaSqsScenario::arrive()
{
    const AgentOptions &options = runtime().options();
    // Producers send at the scenario's rate; the first poll finds a full batch waiting.
    if (!m_sinceLastPoll.isValid())
        m_queued = options.batchSize;
    else
        m_queued = std::min(m_queued + rate() * m_sinceLastPoll.elapsed() / 1000.0, 100'000.0);
    m_sinceLastPoll.start();
    if (m_batchesInFlight >= options.concurrency)
        return; // every concurrent execution is busy: the messages wait in the queue
    QList<Message> messages;
    while (!m_redeliveries.isEmpty() && messages.size() < options.batchSize)
        messages.append(m_redeliveries.takeFirst());
    // Every poll takes at least one message, so a slow producer still sees its messages handled
    // within the batching window.
    while (messages.size() < options.batchSize && (m_queued >= 1 || messages.isEmpty())
           && runtime().claimRun(kScenario)) {
        messages.append(newMessage());
        m_queued = std::max(0.0, m_queued - 1);
        runtime().summary().count(kScenario, QStringLiteral("messages"));
    }
    if (!messages.isEmpty())
        invoke(std::move(messages));
}

void LambdaSqsScenario::invoke(QList<Message> messages)
{
    auto batch = std::make_shared<Batch>();
    batch->number = ++m_batchNumber;
    batch->messages = std::move(messages);
    batch->pending = static_cast<int>(batch->messages.size());
    ++m_batchesInFlight;
    beginWork();
    runtime().summary().count(kScenario, QStringLiteral("batches"));
    // The handler processes the batch's records concurrently (Promise.allSettled).
    for (int i = 0; i < batch->messages.size(); ++i)
        handle(batch, i);
}

void LambdaSqsScenario::handle(const std::shared_ptr<Batch> &batch, int index)
{
    const Message &message = batch->messages[index];
    const AgentOptions &options = runtime().options();
    if (message.receiveCount > 1)
        runtime().summary().count(kScenario, QStringLiteral("redeliveries"));

    client::IssueKeyRequest policy;
    policy.vendor = QStringLiteral("stripe");
    policy.dailyUsdCap = options.budget;
    policy.allowedEndpoints = {QStringLiteral("payment_intents.create")};
    policy.expiresIn = std::chrono::minutes(15);
    policy.agentRunLabel =
        QStringLiteral("lambda/%1/%2").arg(options.sqsFunction, message.messageId);
    policy.scope.stripeCustomers = {message.customer};
    policy.metadata = {{QStringLiteral("source"), QStringLiteral("keybrake-sim")},
                       {QStringLiteral("queue"), QStringLiteral("billing-jobs")},
                       {QStringLiteral("invoice"), message.invoice}};
    // The messageId is stable across redeliveries: the same key, secret and budget come back.
    policy.idempotencyKey = message.messageId;

    runtime().issueKey(
        kScenario, policy, this,
        [this, batch, index](const client::Result<client::IssuedKey> &issued) {
            if (!issued) {
                finishMessage(batch, index,
                              QStringLiteral("issue_")
                                  + client::ApiError::kindName(issued.error().kind));
                return;
            }
            const Message &message = batch->messages[index];
            StripePayment payment;
            payment.amountCents = message.amountCents;
            payment.customer = message.customer;
            payment.description = QStringLiteral("Invoice %1").arg(message.invoice);
            payment.metadata = {{QStringLiteral("invoice_id"), message.invoice},
                                {QStringLiteral("sqs_message_id"), message.messageId}};
            const ProxyRequest request =
                payment.paymentIntent(issued->vaultKey, message.messageId, message.jsonBody);
            runtime().call(
                kScenario, request, this, [this, batch, index](const ProxyOutcome &outcome) {
                    if (outcome.succeeded()) {
                        finishMessage(batch, index, {});
                    } else if (outcome.verdict == u"denied_cap") {
                        finishMessage(batch, index, QStringLiteral("cap_exhausted"));
                    } else {
                        finishMessage(batch, index,
                                      outcome.reason.isEmpty() ? outcome.verdict
                                              + QStringLiteral("_%1").arg(outcome.httpStatus)
                                                               : outcome.reason);
                    }
                });
        });
}

void LambdaSqsScenario::finishMessage(const std::shared_ptr<Batch> &batch, int index,
                                      const QString &failure)
{
    if (!failure.isEmpty()) {
        batch->failures << batch->messages[index].messageId;
        batch->reasons << failure;
        runtime().summary().count(kScenario, QStringLiteral("batch_item_failures"));
        runtime().summary().count(kScenario, QStringLiteral("failed_") + failure);
    }
    if (--batch->pending > 0)
        return;

    int redelivered = 0;
    for (const Message &message : std::as_const(batch->messages))
        redelivered += message.receiveCount > 1 ? 1 : 0;
    QString line = QStringLiteral("lambda-sqs batch %1: %2 messages (%3 redelivered), "
                                  "batchItemFailures: %4")
                       .arg(batch->number)
                       .arg(batch->messages.size())
                       .arg(redelivered)
                       .arg(batch->failures.size());
    if (!batch->reasons.isEmpty())
        line += QStringLiteral(" (%1)").arg(batch->reasons.join(QStringLiteral(", ")));
    runtime().log(line);

    // At-least-once delivery: the duplicates come back in a later batch, after this one ended
    // (a visibility timeout that expired, or a second copy of the message).
    if (!runtime().isStopping()) {
        for (const Message &message : std::as_const(batch->messages)) {
            if (message.duplicate && message.receiveCount == 1) {
                Message again = message;
                again.receiveCount = 2;
                m_redeliveries.append(again);
            }
        }
    }
    --m_batchesInFlight;
    endWork();
}

} // namespace keybrake::agents
