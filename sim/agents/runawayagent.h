#pragma once

#include "agents/runawayreport.h"
#include "agents/trafficrandom.h"
#include "client/issuekeyrequest.h"

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

namespace keybrake::agents {

class AgentRuntime;

// An agent stuck in a retry loop, the failure Keybrake exists for: it believes its charge (or
// SMS) failed and sends it again, with a fresh Idempotency-Key each time, as fast as its loop
// allows. Its vault key's cap stops the spending; the loop does not notice and keeps knocking,
// getting 429 cap_exhausted (or 401 once an operator revokes the key) until --runaway-seconds
// are over or the simulator stops.
//
// With Stripe the cap is a whole number of charges, so the key ends exactly at its cap (status
// "capped"). With Twilio the hold per message is the server's segment ceiling, which the agent
// does not know, so the key stops just under its cap.
//
// With --runaway-reissue its issuer keeps minting: a key refused for good (revoked, expired,
// capped) is replaced by a fresh one under the same label prefix, and a refused issuance (a
// prefix block) is asked again at the loop's pace, so only a brake on the prefix stops it.
class RunawayAgent : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RunawayAgent)

public:
    RunawayAgent(AgentRuntime &runtime, const QString &scenario, TrafficRandom random,
                 QObject *parent = nullptr);

    void start();
    const RunawayReport &report() const { return m_report; }

Q_SIGNALS:
    void finished();

private:
    void issue();
    QString nextLabel(const QString &runId);
    void attempt();
    void scheduleAttempt();
    void finish(const QString &why);
    // "stopped" or "time up" once the loop should end; empty while it runs.
    QString endReason() const;

    AgentRuntime &m_runtime;
    QString m_scenario;
    TrafficRandom m_random;
    RunawayReport m_report;
    QString m_vaultKey; // empty: the next attempt asks for a key
    client::IssueKeyRequest m_policy;
    QString m_prefix;
    QString m_accountSid; // twilio
    QString m_to; // twilio
    QString m_from; // twilio
    QString m_text; // twilio
    qint64 m_amountCents = 0; // stripe
    QTimer m_loop;
    QElapsedTimer m_elapsed;
    bool m_callInFlight = false;
    bool m_done = false;
};

} // namespace keybrake::agents
