#include "agents/runawayagent.h"

#include "agents/agentruntime.h"
#include "agents/smscomposer.h"
#include "agents/stripepayment.h"
#include "agents/twiliomessage.h"

#include <array>
#include <chrono>
#include <cmath>

namespace keybrake::agents {

namespace {

const QString kFunction = QStringLiteral("collections-agent");

} // namespace

RunawayAgent::RunawayAgent(AgentRuntime &runtime, const QString &scenario, TrafficRandom random,
                           QObject *parent)
    : QObject(parent)
    , m_runtime(runtime)
    , m_scenario(scenario)
    , m_random(random)
{
    m_loop.setSingleShot(true);
    m_loop.setTimerType(Qt::PreciseTimer);
    connect(&m_loop, &QTimer::timeout, this, &RunawayAgent::attempt);
    connect(&m_runtime, &AgentRuntime::stopRequested, this, [this] {
        if (!m_callInFlight)
            finish(QStringLiteral("stopped"));
    });
}

void RunawayAgent::start()
{
    m_elapsed.start();
    m_report.vendor = m_runtime.options().runawayVendor;
    const QString runId = m_random.uuid();
    client::IssueKeyRequest policy;
    policy.vendor = m_report.vendor;
    if (m_report.vendor == u"twilio") {
        SmsComposer composer(m_random);
        m_accountSid = QStringLiteral("AC") + m_random.hex(32);
        m_from = composer.phoneNumber();
        m_to = composer.phoneNumber();
        m_text = composer.message();
        m_report.label = QStringLiteral("lambda/sms-followup/%1").arg(runId);
        policy.dailyUsdCap = Usd::fromCents(50);
        policy.allowedEndpoints = {QStringLiteral("messages.create")};
        policy.scope.twilioFromNumbers = {m_from};
    } else {
        // A whole number of identical charges fits the cap exactly.
        static constexpr std::array<qint64, 5> kAmounts = {499, 999, 1250, 1999, 2500};
        m_amountCents = m_random.pick(kAmounts);
        const qint64 charges = m_random.between(8, 12);
        m_report.label = QStringLiteral("lambda/%1/%2").arg(kFunction, runId);
        policy.dailyUsdCap = Usd::fromCents(m_amountCents * charges);
        policy.allowedEndpoints = {QStringLiteral("charges.create")};
    }
    m_report.cap = policy.dailyUsdCap;
    const auto lifetime = std::chrono::seconds(
        static_cast<qint64>(std::ceil(m_runtime.options().runawaySeconds)) + 60);
    policy.expiresIn = std::max<std::chrono::seconds>(std::chrono::minutes(15), lifetime);
    policy.agentRunLabel = m_report.label;
    policy.metadata = {{QStringLiteral("source"), QStringLiteral("keybrake-sim")}};
    policy.idempotencyKey = runId;

    m_runtime.log(
        QStringLiteral("%1 %2: retry loop starts (cap %3)")
            .arg(m_scenario, m_report.label, QString::fromStdString(m_report.cap.toDisplay())));
    m_callInFlight = true;
    m_runtime.issueKey(m_scenario, policy, this,
                       [this](const client::Result<client::IssuedKey> &issued) {
                           m_callInFlight = false;
                           if (!issued) {
                               finish(QStringLiteral("no vault key"));
                               return;
                           }
                           m_report.keyId = issued->key.keyId;
                           m_vaultKey = issued->vaultKey;
                           attempt();
                       });
}

void RunawayAgent::attempt()
{
    if (m_done)
        return;
    const double seconds = m_elapsed.elapsed() / 1000.0;
    if (m_runtime.isStopping() || seconds >= m_runtime.options().runawaySeconds) {
        finish(m_runtime.isStopping() ? QStringLiteral("stopped") : QStringLiteral("time up"));
        return;
    }
    m_loop.start(static_cast<int>(std::lround(1000.0 / m_runtime.options().runawayRate)));
    if (m_callInFlight)
        return; // the loop is as fast as its answers allow
    ProxyRequest request;
    if (m_report.vendor == u"twilio") {
        request = TwilioMessage {m_to, m_from, m_text}.request(m_accountSid, m_vaultKey);
    } else {
        StripePayment payment;
        payment.amountCents = m_amountCents;
        payment.description = QStringLiteral("Collection retry");
        // The bug: a new idempotency key on every retry, so nothing deduplicates.
        request = payment.charge(m_vaultKey, m_random.uuid());
    }
    m_callInFlight = true;
    m_runtime.call(m_scenario, request, this, [this](const ProxyOutcome &outcome) {
        m_callInFlight = false;
        ++m_report.calls;
        if (outcome.spentToday)
            m_report.spent = std::max(m_report.spent, *outcome.spentToday);
        if (outcome.verdict == u"denied_cap") {
            if (m_report.deniedCap == 0)
                m_runtime.log(QStringLiteral("%1 %2: capped at %3 of %4 after %5 calls; the "
                                             "loop keeps retrying")
                                  .arg(m_scenario, m_report.label,
                                       QString::fromStdString(m_report.spent.toDisplay()),
                                       QString::fromStdString(m_report.cap.toDisplay()))
                                  .arg(m_report.allowed));
            ++m_report.deniedCap;
        } else if (outcome.isDenied()) {
            ++m_report.otherRefusals;
        } else if (outcome.answered()) {
            ++m_report.allowed;
            if (m_report.deniedCap == 0 && m_report.otherRefusals == 0)
                ++m_report.allowedBeforeFirstRefusal;
        }
        if (m_runtime.isStopping())
            finish(QStringLiteral("stopped"));
    });
}

void RunawayAgent::finish(const QString &why)
{
    if (m_done)
        return;
    m_done = true;
    m_loop.stop();
    m_report.seconds = m_elapsed.elapsed() / 1000.0;
    m_runtime.log(QStringLiteral("%1 %2: ends (%3): %4 calls, %5 allowed, %6 refused by the "
                                 "cap, spent %7 of %8")
                      .arg(m_scenario, m_report.label, why)
                      .arg(m_report.calls)
                      .arg(m_report.allowed)
                      .arg(m_report.deniedCap)
                      .arg(QString::fromStdString(m_report.spent.toDisplay()),
                           QString::fromStdString(m_report.cap.toDisplay())));
    m_runtime.summary().addRunaway(m_report);
    Q_EMIT finished();
}

} // namespace keybrake::agents
