#include "agents/eventbridgescenario.h"

#include "agents/agentruntime.h"
#include "agents/resendemail.h"
#include "agents/stripepayment.h"

#include <array>
#include <chrono>
#include <cmath>

namespace keybrake::agents {

namespace {

const QString kScenario = QStringLiteral("eventbridge-schedule");
const QString kRenewals = QStringLiteral("invoice-renewals");
const QString kDigest = QStringLiteral("weekly-digest");
const QString kDigestDomain = QStringLiteral("news.acme.example");

// Monthly plan prices in cents.
constexpr std::array<qint64, 7> kPlans = {900, 1900, 2900, 4900, 9900, 19900, 29900};

} // namespace

EventBridgeScenario::EventBridgeScenario(AgentRuntime &runtime, double rate, quint64 seed,
                                         QObject *parent)
    : Scenario(runtime, kScenario, rate, seed, parent)
    , m_composer(random())
{
}

void EventBridgeScenario::arrive()
{
    if (!runtime().claimRun(kScenario))
        return;
    auto event = std::make_shared<Event>();
    event->id = random().uuid();
    event->scheduledTime = QDateTime::currentDateTimeUtc();
    if (random().chance(0.6)) {
        event->function = kRenewals;
        event->customer = QStringLiteral("cus_") + random().base62(14);
        const qint64 plan = random().pick(kPlans);
        // Sales tax of 0 to 10 %, rounded to the cent.
        event->amountCents = plan + plan * random().between(0, 100) / 1000;
    } else {
        event->function = kDigest;
        const QString from = QStringLiteral("Acme Weekly <digest@%1>").arg(kDigestDomain);
        const QString subject = QStringLiteral("This week at Acme");
        const int copies = static_cast<int>(random().between(5, 40));
        for (int i = 0; i < copies; ++i)
            event->digest.append(m_composer.digest(from, m_composer.recipient(), subject));
    }
    const int attempts = runtime().options().maxRetries + 1;
    for (int i = 0; i < std::min(attempts, 32); ++i) {
        if (random().chance(runtime().options().failureShare))
            event->failsAfterCall |= 1u << i;
    }
    runtime().summary().count(kScenario, QStringLiteral("events"));
    beginWork();
    invoke(event);
}

void EventBridgeScenario::invoke(const std::shared_ptr<Event> &event)
{
    runtime().summary().count(kScenario, QStringLiteral("invocations"));
    const bool renewal = event->function == kRenewals;
    client::IssueKeyRequest policy;
    policy.vendor = renewal ? QStringLiteral("stripe") : QStringLiteral("resend");
    policy.dailyUsdCap = renewal ? Usd::fromDollars(350) : Usd::fromCents(2);
    policy.allowedEndpoints = {renewal ? QStringLiteral("payment_intents.create")
                                       : QStringLiteral("emails.batch")};
    policy.expiresIn = std::chrono::minutes(15);
    policy.agentRunLabel =
        QStringLiteral("scheduler/%1/%2")
            .arg(event->function, event->scheduledTime.toString(Qt::ISODateWithMs));
    if (renewal)
        policy.scope.stripeCustomers = {event->customer};
    else
        policy.scope.resendFromDomains = {kDigestDomain};
    policy.metadata = {{QStringLiteral("source"), QStringLiteral("keybrake-sim")},
                       {QStringLiteral("schedule"), event->function}};
    // Every retry of the event carries the same id: the same key, not a second budget.
    policy.idempotencyKey = event->id;

    runtime().issueKey(
        kScenario, policy, this,
        [this, event, renewal](const client::Result<client::IssuedKey> &issued) {
            if (!issued) {
                completed(event,
                          QStringLiteral("no vault key: ")
                              + client::ApiError::kindName(issued.error().kind),
                          issued.error().isTransient());
                return;
            }
            ProxyRequest request;
            if (renewal) {
                StripePayment payment;
                payment.amountCents = event->amountCents;
                payment.customer = event->customer;
                payment.description = QStringLiteral("Subscription renewal");
                payment.metadata = {{QStringLiteral("eventbridge_event_id"), event->id}};
                request = payment.paymentIntent(issued->vaultKey, event->id, true);
            } else {
                request = ResendEmail::batch(event->digest, issued->vaultKey, event->id);
            }
            runtime().call(kScenario, request, this, [this, event](const ProxyOutcome &outcome) {
                if (outcome.isTransient()) {
                    completed(
                        event,
                        outcome.reason.isEmpty()
                            ? QStringLiteral("%1 %2").arg(outcome.verdict).arg(outcome.httpStatus)
                            : outcome.reason);
                } else if (outcome.succeeded() && (event->failsAfterCall >> event->attempt) & 1u) {
                    runtime().summary().count(kScenario, QStringLiteral("failed_after_call"));
                    completed(event, QStringLiteral("timeout after the vendor call"));
                } else {
                    if (outcome.verdict == u"denied_cap")
                        runtime().summary().count(kScenario, QStringLiteral("capped"));
                    completed(event, {});
                }
            });
        });
}

void EventBridgeScenario::completed(const std::shared_ptr<Event> &event, const QString &failure,
                                    bool retryable)
{
    const QString label =
        QStringLiteral("scheduler/%1/%2")
            .arg(event->function, event->scheduledTime.toString(Qt::ISODateWithMs));
    if (failure.isEmpty()) {
        runtime().log(QStringLiteral("eventbridge-schedule %1: done after %2 attempt(s)")
                          .arg(label)
                          .arg(event->attempt + 1));
        endWork();
        return;
    }
    const AgentOptions &options = runtime().options();
    if (!retryable || event->attempt >= options.maxRetries || runtime().isStopping()) {
        QString fate = QStringLiteral("sent to the dead-letter queue");
        if (runtime().isStopping())
            fate = QStringLiteral("not retried: the simulator is stopping");
        else if (!retryable)
            fate = QStringLiteral("not retryable");
        runtime().summary().count(kScenario, QStringLiteral("dead_lettered"));
        runtime().log(
            QStringLiteral("eventbridge-schedule %1: failed (%2); %3").arg(label, failure, fate));
        endWork();
        return;
    }
    // Exponential back-off with jitter, as EventBridge's retry policy does (in seconds, not
    // minutes).
    const double delay =
        options.retryBaseSeconds * std::pow(2.0, event->attempt) * (0.5 + 0.5 * timing().uniform());
    ++event->attempt;
    runtime().summary().count(kScenario, QStringLiteral("retries"));
    runtime().log(QStringLiteral("eventbridge-schedule %1: failed (%2); retry %3 in %4 s")
                      .arg(label, failure)
                      .arg(event->attempt)
                      .arg(delay, 0, 'f', 1));
    auto *timer = new QTimer(this);
    timer->setSingleShot(true);
    m_retryTimers.append(timer);
    connect(timer, &QTimer::timeout, this, [this, timer, event] {
        m_retryTimers.removeOne(timer);
        timer->deleteLater();
        invoke(event);
    });
    timer->start(static_cast<int>(std::lround(delay * 1000.0)));
}

void EventBridgeScenario::dropPendingWork()
{
    // Retries waiting for their back-off are abandoned: the events stay with EventBridge.
    const auto timers = m_retryTimers;
    m_retryTimers.clear();
    for (QTimer *timer : timers) {
        timer->stop();
        timer->deleteLater();
        runtime().summary().count(kScenario, QStringLiteral("retries_abandoned"));
        endWork();
    }
}

} // namespace keybrake::agents
