#pragma once

// Qt 6.4's moc cannot parse <compare>, which usd.h includes, unless a Qt header came first (CMake
// 3.25 hands moc C++17 predefines); moc reads this header through the Q_OBJECT classes' headers.
// clang-format off
#include <QtGlobal>
// clang-format on
#include "agents/proxyoutcome.h"
#include "agents/runawayreport.h"
#include "usd.h"

#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QString>
#include <QUrl>

namespace keybrake::agents {

// Everything the simulated agents did, as they saw it, tallied so that it can be checked against
// the server: calls by verdict against the audit log's call rows, keys issued against its
// key.issued rows, spend against /v1/stats/today to the micro-dollar.
//
// Spend is not computed from prices here (that would repeat the server's pricing and hide its
// mistakes): every proxied answer carries Keybrake-Spent-Today-Usd, the key's settled spend after
// the call, and a key's spend is the largest value seen for it (spend only grows within a window).
class AgentSummary
{
public:
    void begin(const QString &scenario, quint64 seed, const QUrl &server);
    void finish(const QString &stoppedBy);

    void recordRun(const QString &scenario);
    // A key returned by POST /v1/keys. Returns true when it was already known: an idempotent
    // issuance gave back the same key (and budget) instead of a second one.
    bool recordKey(const QString &scenario, const QString &keyId, const QString &vendor);
    void recordIssueFailure(const QString &scenario, const QString &code);
    void recordCall(const QString &scenario, const QString &vendor, const ProxyOutcome &outcome);
    // Scenario-specific counters ("messages", "redeliveries", "batch_item_failures", ...).
    void count(const QString &scenario, const QString &counter, qint64 amount = 1);
    void addRunaway(const RunawayReport &report);

    qint64 runs() const { return m_runs; }
    qint64 keysIssued() const { return m_keyVendor.size(); }
    qint64 keysReused() const { return m_keysReused; }
    qint64 calls() const { return m_calls; }
    qint64 callsWithVerdict(const QString &verdict) const { return m_verdicts.value(verdict); }
    qint64 denials() const;
    Usd spend() const;
    Usd spendOfKey(const QString &keyId) const { return m_keySpend.value(keyId); }
    qint64 counter(const QString &scenario, const QString &name) const;

    QJsonObject toJson() const;
    QString toText() const;

private:
    QString m_scenario;
    quint64 m_seed = 0;
    QUrl m_server;
    QDateTime m_startedAt;
    QDateTime m_finishedAt;
    QString m_stoppedBy;

    qint64 m_runs = 0;
    qint64 m_keysReused = 0;
    qint64 m_calls = 0;
    qint64 m_unanswered = 0;
    QMap<QString, QString> m_keyVendor; // key id -> vendor, in issue order of ids
    QMap<QString, Usd> m_keySpend;
    QMap<QString, qint64> m_issueFailures; // by code
    QMap<QString, qint64> m_verdicts;
    QMap<QString, qint64> m_denialReasons;
    QMap<QString, qint64> m_vendorCalls;
    QMap<QString, QMap<QString, qint64>> m_scenarios;
    QList<RunawayReport> m_runaways;
};

} // namespace keybrake::agents
