#pragma once

#include "client/calltotals.h"

#include <QString>
#include <QStringList>

namespace keybrake::client {

// A run is every vault key issued with one agent_run_label. It is active while one of its keys is
// neither revoked nor expired (a capped key still counts), ended otherwise.
enum class RunStatus {
    Active,
    Ended,
    Unknown, // a status this client does not know yet
};

QString runStatusName(RunStatus status); // "active", "ended", "unknown"
RunStatus parseRunStatus(const QString &name);

// The label prefix of a run label as the server computes it (report 2): up to and including the
// last '/'; a label without '/' up to and including its first ':' ("lambda/billing/msg-1" ->
// "lambda/billing/", "billing:run-7" -> "billing:"); "" when the label has neither.
QString labelPrefixOf(const QString &label);

// One row of GET /v1/runs (report 1, the per-run cost summary): the run's totals over the asked
// range and what its keys are.
struct RunSummary
{
    QString label;
    QString labelPrefix;
    QStringList vendors; // of its keys, sorted
    qint64 keys = 0;
    qint64 activeKeys = 0;
    qint64 revokedKeys = 0; // keys - activeKeys - revokedKeys expired
    qint64 cappedKeys = 0; // of the active keys, those at their cap today (spent + held)
    Usd totalCapUsd; // sum of its keys' daily caps
    RunStatus status = RunStatus::Active;
    CallTotals totals;

    friend bool operator==(const RunSummary &, const RunSummary &) = default;
};

} // namespace keybrake::client
