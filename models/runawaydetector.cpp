#include "models/runawaydetector.h"

#include "client/apirequest.h"
#include "client/keybrakeclient.h"
#include "client/runsummary.h"

#include <QCryptographicHash>
#include <QJsonDocument>

#include <algorithm>

namespace keybrake {

namespace {

// No run with fewer than kMinimumCalls calls is ever flagged (issue 13): every console rule needs
// at least that many in its minute (RetrySpiralCalls 8, DenialBurstCalls 5, RateFloorCalls 30),
// and the server's anomaly report never flags a run or key with fewer than its min_calls (5) in
// the period. Every flag's reason starts with the rule that fired ("Retry spiral: …", "Denial
// burst: …", "Call rate spike: …", "Far above its peers: …", "Server anomaly: …") and gives its
// numbers. Prefixes are the contract's agent prefix (client::labelPrefixOf, report 2): a
// timestamp in a label is never cut apart.
constexpr int kMinimumCalls = 5;
static_assert(RunawayDetector::RetrySpiralCalls >= kMinimumCalls
              && RunawayDetector::DenialBurstCalls >= kMinimumCalls
              && RunawayDetector::RateFloorCalls >= kMinimumCalls);

} // namespace

RunawayDetector::RunawayDetector(QObject *parent)
    : QObject(parent)
{
    qRegisterMetaType<Flag>();
    // Rules are checked for the runs that called, at most twice a second: a runaway doing
    // hundreds of calls a second costs a handful of evaluations.
    m_evaluate.setSingleShot(true);
    m_evaluate.setInterval(500);
    connect(&m_evaluate, &QTimer::timeout, this, &RunawayDetector::evaluateDirty);
}

RunawayDetector::~RunawayDetector()
{
    if (m_anomalyRequest)
        m_anomalyRequest->cancel();
}

void RunawayDetector::setClient(client::KeybrakeClient *client)
{
    m_client = client;
}

QString RunawayDetector::prefixOf(const QString &label)
{
    // The same agent prefix as the server's reports and the Runs filter (contract, report 2).
    return client::labelPrefixOf(label);
}

QString RunawayDetector::ruleName(Rule rule)
{
    switch (rule) {
    case Rule::RetrySpiral:
        return tr("Retry spiral");
    case Rule::DenialBurst:
        return tr("Denial burst");
    case Rule::RateAboveOwn:
        return tr("Call rate spike");
    case Rule::RateAbovePrefix:
        return tr("Far above its peers");
    case Rule::ServerAnomaly:
        return tr("Server anomaly");
    }
    return {};
}

QString RunawayDetector::fingerprint(const client::AuditEntry &call, const QJsonObject &row)
{
    // The parameters are already redacted by the server; what stays (amount, currency,
    // customer, counts) is what makes two calls "the same call".
    const QByteArray params = QJsonDocument(row.value(QStringLiteral("params")).toObject())
                                  .toJson(QJsonDocument::Compact);
    QCryptographicHash hash(QCryptographicHash::Sha256);
    hash.addData(call.vendor.toUtf8());
    hash.addData("\n");
    hash.addData(call.method.toUtf8());
    hash.addData("\n");
    hash.addData(call.path.toUtf8());
    hash.addData("\n");
    hash.addData(call.operation.toUtf8());
    hash.addData("\n");
    hash.addData(params);
    return QString::fromLatin1(hash.result().toBase64());
}

void RunawayDetector::addCall(const client::AuditEntry &call, const QJsonObject &row)
{
    if (call.verdict == u"replayed")
        return;
    QString label = call.agentRunLabel;
    if (label.isEmpty()) {
        if (call.keyId.isEmpty())
            return; // an unknown vault key: nothing to flag or revoke
        label = QStringLiteral("key:") + call.keyId;
    }
    Run &run = m_runs[label];
    const qint64 at = call.ts.toMSecsSinceEpoch();
    if (run.calls.isEmpty() && run.firstSeenMs == 0)
        run.firstSeenMs = at;
    const bool allowlist = call.verdict == u"denied_endpoint" || call.verdict == u"denied_scope"
        || call.verdict == u"denied_vendor";
    run.calls.append({at, fingerprint(call, row), allowlist});
    if (!call.keyId.isEmpty()) {
        run.keyIds.insert(call.keyId);
        m_labelOfKey.insert(call.keyId, label);
    }
    m_dirty.insert(label);
    m_callsSinceAnomalies = true;
    if (!m_evaluate.isActive())
        m_evaluate.start();
}

int RunawayDetector::callsInWindow(const Run &run, qint64 nowMs) const
{
    return int(std::count_if(run.calls.cbegin(), run.calls.cend(),
                             [&](const Call &c) { return c.atMs > nowMs - WindowMs; }));
}

void RunawayDetector::evaluateDirty()
{
    // "Now" is the newest call's server time, so replayed events are judged as they happened.
    qint64 nowMs = 0;
    for (const QString &label : std::as_const(m_dirty)) {
        const Run &run = m_runs[label];
        if (!run.calls.isEmpty())
            nowMs = std::max(nowMs, run.calls.last().atMs);
    }
    const QSet<QString> dirty = std::exchange(m_dirty, {});
    for (const QString &label : dirty)
        evaluate(label, m_runs[label], nowMs);
    // Forget runs that have been quiet for longer than any rule looks back.
    for (auto it = m_runs.begin(); it != m_runs.end();) {
        if (it->calls.isEmpty() || it->calls.last().atMs < nowMs - HistoryMs)
            it = m_runs.erase(it);
        else
            ++it;
    }
    if (m_client && m_callsSinceAnomalies
        && (!m_sinceAnomalies.isValid() || m_sinceAnomalies.elapsed() >= AnomalyIntervalMs))
        fetchAnomalies();
}

void RunawayDetector::evaluate(const QString &label, Run &run, qint64 nowMs)
{
    run.calls.removeIf([nowMs](const Call &c) { return c.atMs < nowMs - HistoryMs; });
    const qint64 from = nowMs - WindowMs;

    QHash<QString, int> same;
    int denials = 0;
    int recent = 0;
    for (const Call &c : std::as_const(run.calls)) {
        if (c.atMs <= from)
            continue;
        ++recent;
        ++same[c.fingerprint];
        if (c.allowlistDenial)
            ++denials;
    }
    int repeated = 0;
    for (const int n : std::as_const(same))
        repeated = std::max(repeated, n);
    if (repeated >= RetrySpiralCalls)
        raise(label, Rule::RetrySpiral,
              tr("Retry spiral: the same call %n times in the last minute", nullptr, repeated),
              run.keyIds);
    if (denials >= DenialBurstCalls)
        raise(label, Rule::DenialBurst,
              tr("Denial burst: %n calls refused by the allowlist in a minute (possible prompt "
                 "injection)",
                 nullptr, denials),
              run.keyIds);
    if (recent < RateFloorCalls)
        return;

    // Its own recent rate: the calls of the 10 minutes before this minute, per minute, over the
    // part of those 10 minutes it was watched.
    if (run.firstSeenMs <= from - OwnHistoryMs) {
        const qint64 historyStart = std::max(run.firstSeenMs, nowMs - HistoryMs);
        const qint64 before = std::count_if(run.calls.cbegin(), run.calls.cend(),
                                            [&](const Call &c) { return c.atMs <= from; });
        const qint64 minutes = std::max<qint64>(1, (from - historyStart) / 60'000);
        const qint64 perMinute = before / minutes;
        if (recent >= RateRatio * std::max<qint64>(1, perMinute))
            raise(label, Rule::RateAboveOwn,
                  tr("Call rate spike: %1 calls in the last minute, %2 a minute in the 10 "
                     "minutes before")
                      .arg(recent)
                      .arg(perMinute),
                  run.keyIds);
    }

    const QString prefix = prefixOf(label);
    if (prefix.isEmpty())
        return;
    QList<int> peers;
    for (auto it = m_runs.constBegin(); it != m_runs.constEnd(); ++it) {
        if (it.key() == label || !it.key().startsWith(prefix) || prefixOf(it.key()) != prefix)
            continue;
        const int n = callsInWindow(*it, nowMs);
        if (n > 0)
            peers.append(n);
    }
    if (peers.size() < MinimumPeers)
        return;
    std::sort(peers.begin(), peers.end());
    const int median = peers.at(peers.size() / 2);
    if (recent >= RateRatio * median)
        raise(label, Rule::RateAbovePrefix,
              tr("Far above its peers: %1 calls in the last minute; the median of the other %4 "
                 "runs under %2 is %3")
                  .arg(recent)
                  .arg(prefix)
                  .arg(median)
                  .arg(peers.size()),
              run.keyIds);
}

void RunawayDetector::raise(const QString &label, Rule rule, const QString &reason,
                            const QSet<QString> &keys)
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    auto found = m_flags.find(label);
    if (found != m_flags.end()) {
        found->lastAt = now;
        found->keyIds.unite(keys);
        const bool newRule = found->rule != rule;
        found->reason = reason; // the latest figures
        found->rule = rule;
        Q_EMIT flagsChanged();
        if (newRule)
            Q_EMIT flagged(*found);
        return;
    }
    Flag flag;
    flag.label = label;
    flag.rule = rule;
    flag.reason = reason;
    flag.firstAt = now;
    flag.lastAt = now;
    flag.keyIds = keys;
    m_flags.insert(label, flag);
    Q_EMIT flagsChanged();
    Q_EMIT flagged(flag);
}

std::optional<RunawayDetector::Flag> RunawayDetector::flagForLabel(const QString &label) const
{
    const auto found = m_flags.constFind(label);
    if (found == m_flags.constEnd())
        return std::nullopt;
    return *found;
}

std::optional<RunawayDetector::Flag> RunawayDetector::flagForKey(const QString &keyId) const
{
    for (const Flag &flag : m_flags) {
        if (flag.keyIds.contains(keyId))
            return flag;
    }
    return std::nullopt;
}

void RunawayDetector::addAnomalies(const client::AnomalyReport &report)
{
    for (const client::Anomaly &a : report.data) {
        if (a.label.isEmpty())
            continue;
        const bool runaway =
            a.kind == u"run_call_rate" || a.kind == u"run_spend_rate" || a.kind == u"denial_burst";
        if (!runaway)
            continue;
        // Never a run of a handful of calls, whatever the server's rule (an older server has no
        // min_calls).
        if (a.metric == u"calls" && a.value && *a.value < kMinimumCalls)
            continue;
        QSet<QString> keys;
        if (const auto run = m_runs.constFind(a.label); run != m_runs.constEnd())
            keys = run->keyIds;
        // The server's rule is the slower, history-wide one: it does not overwrite a sharper
        // console-side reason.
        if (const auto flag = m_flags.constFind(a.label);
            flag != m_flags.constEnd() && flag->rule != Rule::ServerAnomaly)
            continue;
        raise(a.label, Rule::ServerAnomaly, tr("Server anomaly: %1").arg(a.reason), keys);
    }
}

void RunawayDetector::checkServerAnomalies()
{
    if (m_client)
        fetchAnomalies();
}

void RunawayDetector::fetchAnomalies()
{
    if (m_anomalyRequest)
        return;
    m_sinceAnomalies.start();
    m_callsSinceAnomalies = false;
    m_anomalyRequest =
        m_client->anomalies(this, [this](const client::Result<client::AnomalyReport> &result) {
            m_anomalyRequest.clear();
            if (result)
                addAnomalies(*result);
            Q_EMIT anomaliesChecked(bool(result));
        });
}

void RunawayDetector::clear()
{
    m_runs.clear();
    m_flags.clear();
    m_labelOfKey.clear();
    m_dirty.clear();
    Q_EMIT flagsChanged();
}

} // namespace keybrake
