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
    const QString firstRun = m_random.uuid(); // drawn first: a seed repeats the same traffic
    client::IssueKeyRequest &policy = m_policy;
    policy.vendor = m_report.vendor;
    if (m_report.vendor == u"twilio") {
        SmsComposer composer(m_random);
        m_accountSid = QStringLiteral("AC") + m_random.hex(32);
        m_from = composer.phoneNumber();
        m_to = composer.phoneNumber();
        m_text = composer.message();
        m_prefix = QStringLiteral("lambda/sms-followup/");
        policy.dailyUsdCap = Usd::fromCents(50);
        policy.allowedEndpoints = {QStringLiteral("messages.create")};
        policy.scope.twilioFromNumbers = {m_from};
    } else {
        // A whole number of identical charges fits the cap exactly.
        static constexpr std::array<qint64, 5> kAmounts = {499, 999, 1250, 1999, 2500};
        m_amountCents = m_random.pick(kAmounts);
        const qint64 charges = m_random.between(8, 12);
        m_prefix = QStringLiteral("lambda/%1/").arg(kFunction);
        policy.dailyUsdCap = Usd::fromCents(m_amountCents * charges);
        policy.allowedEndpoints = {QStringLiteral("charges.create")};
    }
    m_report.cap = policy.dailyUsdCap;
    const auto lifetime = std::chrono::seconds(
        static_cast<qint64>(std::ceil(m_runtime.options().runawaySeconds)) + 60);
    policy.expiresIn = std::max<std::chrono::seconds>(std::chrono::minutes(15), lifetime);
    policy.metadata = {{QStringLiteral("source"), QStringLiteral("keybrake-sim")}};
    m_report.label = nextLabel(firstRun);

    m_runtime.log(
        QStringLiteral("%1 %2: retry loop starts (cap %3)")
            .arg(m_scenario, m_report.label, QString::fromStdString(m_report.cap.toDisplay())));
    issue();
}

QString RunawayAgent::nextLabel(const QString &runId)
{
    m_policy.agentRunLabel = m_prefix + runId;
    m_policy.idempotencyKey = runId;
    return m_policy.agentRunLabel;
}

void RunawayAgent::issue()
{
    m_callInFlight = true;
    m_runtime.issueKey(
        m_scenario, m_policy, this, [this](const client::Result<client::IssuedKey> &issued) {
            m_callInFlight = false;
            if (!issued) {
                if (!m_runtime.options().runawayReissue || m_runtime.isStopping()) {
                    finish(QStringLiteral("no vault key"));
                    return;
                }
                if (m_report.issueRefusals == 0)
                    m_runtime.log(
                        QStringLiteral("%1 %2: the issuer is refused (%3); it keeps "
                                       "asking")
                            .arg(m_scenario, m_policy.agentRunLabel, issued.error().code));
                ++m_report.issueRefusals;
                if (const QString why = endReason(); !why.isEmpty()) {
                    finish(why);
                    return;
                }
                if (!m_loop.isActive()) // the loop asks again
                    m_loop.start(
                        static_cast<int>(std::lround(1000.0 / m_runtime.options().runawayRate)));
                return;
            }
            if (m_report.keyId.isEmpty())
                m_report.keyId = issued->key.keyId;
            else
                m_runtime.log(QStringLiteral("%1 %2: the issuer minted a fresh key")
                                  .arg(m_scenario, m_policy.agentRunLabel));
            ++m_report.keysIssued;
            m_vaultKey = issued->vaultKey;
            attempt();
        });
}

void RunawayAgent::attempt()
{
    if (m_done)
        return;
    if (const QString why = endReason(); !why.isEmpty()) {
        // A request still on its way finishes the agent when it is answered, so the summary
        // counts every call the server saw.
        if (!m_callInFlight)
            finish(why);
        return;
    }
    m_loop.start(static_cast<int>(std::lround(1000.0 / m_runtime.options().runawayRate)));
    if (m_callInFlight)
        return; // the loop is as fast as its answers allow
    if (m_vaultKey.isEmpty()) {
        issue();
        return;
    }
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
        if (m_runtime.options().runawayReissue
            && (outcome.verdict == u"denied_revoked" || outcome.verdict == u"denied_expired"
                || outcome.verdict == u"denied_cap")) {
            // The issuer replaces the key under the same prefix: a new run of the same agent.
            m_vaultKey.clear();
            nextLabel(m_random.uuid());
        }
        if (const QString why = endReason(); !why.isEmpty())
            finish(why);
    });
}

QString RunawayAgent::endReason() const
{
    if (m_runtime.isStopping())
        return QStringLiteral("stopped");
    if (m_elapsed.elapsed() / 1000.0 >= m_runtime.options().runawaySeconds)
        return QStringLiteral("time up");
    return {};
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
