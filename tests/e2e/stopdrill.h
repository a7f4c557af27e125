#pragma once

#include <QDateTime>
#include <QJsonObject>
#include <QString>

namespace keybrake::test {

// One drill against the real demo parts: a fresh keybraked with keybrake-sim vendors, the real
// main window signed in as an operator ("on-call", staging), and `keybrake-sim agents runaway
// --runaway-reissue` (an agent whose issuer keeps minting keys under lambda/collections-agent/).
// The console's own RunawayDetector flags it from the live stream; then the brake under test:
//
// - Block: the kill switch, driven as an operator drives it, with real mouse clicks and typing:
//   the band's "Stop runs…" (click 1), the prefix and a reason typed, Preview (click 2), "Stop N
//   keys and block" (click 3), with the dialog's defaults (block for 1 h).
// - Velocity: no click; before the agent starts, an admin has set a velocity default on the
//   prefix (PUT /v1/velocity-defaults), so every key the issuer mints carries it.
//
// The agent keeps trying for `watchSeconds` after the brake, then is stopped (SIGTERM); the
// server's audit log is read back. Time to stop runs from the flag (this process's clock) to the
// last call the server admitted under the prefix (the server's clock: the same machine).
class StopDrill
{
public:
    enum class Brake { Block, Velocity };

    struct Options
    {
        Brake brake = Brake::Block;
        int watchSeconds = 10;
        int velocityCallsPerMinute = 6;
        int agentRate = 10; // calls a second of the retry loop
        quint64 seed = 7;
        // Block: the time before each click, the event loop running (a person reading the
        // flag, finding the button, typing the prefix). 0: as fast as the test drives it.
        int clickDelayMs = 0;
        bool screenshots = false; // KEYBRAKE_SCREENSHOT_DIR: the receipt, when set
    };

    struct Result
    {
        QString error; // empty when the drill ran to its end
        QString prefix;
        int clicks = 0;
        QDateTime agentStartedAt;
        QDateTime flaggedAt; // the console's first runaway flag under the prefix
        QString flagReason;
        QDateTime brakeAt; // the last click (Block) or the flag (Velocity)
        QDateTime watchStartedAt; // the brake in place (receipt shown) or the flag
        QDateTime watchEndedAt;
        QDateTime lastAdmittedAt; // server time; invalid when nothing was admitted
        qint64 admittedBeforeFlag = 0;
        qint64 admittedAfterFlag = 0;
        qint64 admittedDuringWatch = 0; // from watchStartedAt to watchEndedAt
        qint64 attemptsDuringWatch = 0; // calls the agent made in that time, any verdict
        qint64 spentAfterFlagMicros = 0; // cost of the calls admitted after the flag
        qint64 keysIssued = 0; // by the agent's issuer (its summary)
        qint64 issuesRefusedByAgent = 0; // prefix_blocked answers the agent got on issuance
        qint64 blockedCallsLogged = 0; // audit rows denied_blocked under the prefix
        qint64 blockedCallsByAgent = 0; // denied_blocked in the agent's summary
        qint64 rateRefusalsLogged = 0; // audit rows denied_rate under the prefix
        // Block only: the block's counters as the server and the receipt (the dialog) say.
        qint64 serverRefusedCalls = -1;
        qint64 serverRefusedIssuances = -1;
        qint64 receiptRefusedCalls = -1;
        qint64 receiptRefusedIssuances = -1;
        QString receiptText;
        QDateTime blockCreatedAt;

        bool ok() const { return error.isEmpty(); }
        // From the flag to the last admitted call (ms); negative when none came after the flag.
        qint64 timeToStopMs() const;
        QJsonObject toJson() const;
    };

    static Result run(const Options &options);
};

} // namespace keybrake::test
