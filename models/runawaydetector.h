#pragma once

#include "client/anomalyreport.h"
#include "client/auditentry.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QSet>
#include <QTimer>

#include <optional>

namespace keybrake::client {
class ApiRequest;
class KeybrakeClient;
} // namespace keybrake::client

namespace keybrake {

// Flags runaway runs (agent_run_label; a call without a label counts as a run of its own key) from
// the live stream's call events, combined with the server's anomaly report. The rules, over the
// last minute of a run's calls (docs/console-live.md lists them with the reasoning):
//
// - Retry spiral: at least RetrySpiralCalls (8) calls with the same fingerprint (vendor, method,
//   path, operation and redacted parameters — amount, currency, customer stay visible), whatever
//   their verdict. Idempotent replays are left out: they are a retry done right.
// - Denial burst: at least DenialBurstCalls (5) allowlist refusals (denied_endpoint,
//   denied_scope, denied_vendor): an agent trying what it was never given, a possible prompt
//   injection.
// - Rate far above its own: at least RateFloorCalls (30) calls in the minute and at least
//   RateRatio (5) times its average per minute over the 10 minutes before — only for a run
//   watched for at least 3 minutes before that minute, so a run's start is not a spike.
// - Rate far above its prefix's median: at least RateFloorCalls calls in the minute and at least
//   RateRatio times the median of the other runs under the same prefix (the label up to its last
//   '/') that called in that minute, with at least MinimumPeers (3) of them.
// - Server anomalies: run_call_rate, run_spend_rate and denial_burst rows of GET
//   /v1/reports/anomalies (peer medians over the server's whole history), fetched at most every
//   30 s and only while calls arrive.
//
// A flag stays for the session (a stopped runaway stays marked, with what it did), and a new
// rule for the same run updates the reason; clear() forgets everything (a stream reset).
class RunawayDetector : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RunawayDetector)

public:
    static constexpr int WindowMs = 60'000;
    static constexpr int HistoryMs = 11 * 60'000;
    static constexpr int RetrySpiralCalls = 8;
    static constexpr int DenialBurstCalls = 5;
    static constexpr int RateFloorCalls = 30;
    static constexpr int RateRatio = 5;
    static constexpr int MinimumPeers = 3;
    static constexpr int OwnHistoryMs = 3 * 60'000;
    static constexpr int AnomalyIntervalMs = 30'000;

    enum class Rule {
        RetrySpiral,
        DenialBurst,
        RateAboveOwn,
        RateAbovePrefix,
        ServerAnomaly,
    };
    Q_ENUM(Rule)

    struct Flag
    {
        QString label; // the run (or "key:<id>" for a call without a label)
        Rule rule = Rule::RetrySpiral;
        QString reason; // one sentence for the row, the banner and the notification
        QDateTime firstAt;
        QDateTime lastAt;
        QSet<QString> keyIds;
    };

    explicit RunawayDetector(QObject *parent = nullptr);
    ~RunawayDetector() override;

    // With a client, the server's anomaly report joins in.
    void setClient(client::KeybrakeClient *client);

    std::optional<Flag> flagForLabel(const QString &label) const;
    std::optional<Flag> flagForKey(const QString &keyId) const;
    QList<Flag> flags() const { return m_flags.values(); }

    static QString fingerprint(const client::AuditEntry &call, const QJsonObject &row);
    static QString prefixOf(const QString &label);
    static QString ruleName(Rule rule);

public Q_SLOTS:
    void addCall(const keybrake::client::AuditEntry &call, const QJsonObject &row);
    void addAnomalies(const keybrake::client::AnomalyReport &report);
    // Asks the server's anomaly report now rather than at the next 30-second mark.
    void checkServerAnomalies();
    void clear();

Q_SIGNALS:
    // A run was flagged for the first time, or by a further rule.
    void flagged(const keybrake::RunawayDetector::Flag &flag);
    void flagsChanged();
    // The server's anomaly report was read (or failed to be) and merged.
    void anomaliesChecked(bool ok);

private:
    struct Call
    {
        qint64 atMs;
        QString fingerprint;
        bool allowlistDenial;
    };
    struct Run
    {
        QList<Call> calls;
        qint64 firstSeenMs = 0;
        QSet<QString> keyIds;
    };

    void evaluateDirty();
    void evaluate(const QString &label, Run &run, qint64 nowMs);
    int callsInWindow(const Run &run, qint64 nowMs) const;
    void raise(const QString &label, Rule rule, const QString &reason, const QSet<QString> &keys);
    void fetchAnomalies();

    QPointer<client::KeybrakeClient> m_client;
    QHash<QString, Run> m_runs;
    QHash<QString, Flag> m_flags;
    QHash<QString, QString> m_labelOfKey;
    QSet<QString> m_dirty;
    QTimer m_evaluate;
    QElapsedTimer m_sinceAnomalies;
    QPointer<client::ApiRequest> m_anomalyRequest;
    bool m_callsSinceAnomalies = false;
};

} // namespace keybrake

Q_DECLARE_METATYPE(keybrake::RunawayDetector::Flag)
