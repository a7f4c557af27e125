#include "agents/agentsummary.h"

#include <QJsonArray>
#include <QStringList>

namespace keybrake::agents {

namespace {

QJsonObject countsJson(const QMap<QString, qint64> &counts)
{
    QJsonObject json;
    for (auto it = counts.cbegin(); it != counts.cend(); ++it)
        json.insert(it.key(), it.value());
    return json;
}

QString countsText(const QMap<QString, qint64> &counts)
{
    QStringList parts;
    for (auto it = counts.cbegin(); it != counts.cend(); ++it)
        parts << QStringLiteral("%1 %2").arg(it.value()).arg(it.key());
    return parts.join(QStringLiteral(", "));
}

QString display(Usd amount)
{
    return QString::fromStdString(amount.toDisplay());
}

} // namespace

void AgentSummary::begin(const QString &scenario, quint64 seed, const QUrl &server)
{
    m_scenario = scenario;
    m_seed = seed;
    m_server = server;
    m_startedAt = QDateTime::currentDateTimeUtc();
}

void AgentSummary::finish(const QString &stoppedBy)
{
    m_stoppedBy = stoppedBy;
    m_finishedAt = QDateTime::currentDateTimeUtc();
}

void AgentSummary::recordRun(const QString &scenario)
{
    ++m_runs;
    count(scenario, QStringLiteral("runs"));
}

bool AgentSummary::recordKey(const QString &scenario, const QString &keyId, const QString &vendor)
{
    if (m_keyVendor.contains(keyId)) {
        ++m_keysReused;
        count(scenario, QStringLiteral("keys_reused"));
        return true;
    }
    m_keyVendor.insert(keyId, vendor);
    count(scenario, QStringLiteral("keys_issued"));
    return false;
}

void AgentSummary::recordIssueFailure(const QString &scenario, const QString &code)
{
    ++m_issueFailures[code.isEmpty() ? QStringLiteral("no_answer") : code];
    count(scenario, QStringLiteral("issue_failures"));
}

void AgentSummary::recordCall(const QString &scenario, const QString &vendor,
                              const ProxyOutcome &outcome)
{
    ++m_calls;
    ++m_verdicts[outcome.verdict];
    ++m_vendorCalls[vendor];
    count(scenario, QStringLiteral("calls"));
    if (!outcome.answered())
        ++m_unanswered;
    if (outcome.isDenied())
        ++m_denialReasons[outcome.reason];
    if (!outcome.keyId.isEmpty() && outcome.spentToday) {
        Usd &spent = m_keySpend[outcome.keyId];
        spent = std::max(spent, *outcome.spentToday);
    }
}

void AgentSummary::count(const QString &scenario, const QString &counter, qint64 amount)
{
    m_scenarios[scenario][counter] += amount;
}

void AgentSummary::addRunaway(const RunawayReport &report)
{
    m_runaways.append(report);
}

qint64 AgentSummary::denials() const
{
    qint64 total = 0;
    for (auto it = m_verdicts.cbegin(); it != m_verdicts.cend(); ++it) {
        if (it.key().startsWith(u"denied_"))
            total += it.value();
    }
    return total;
}

Usd AgentSummary::spend() const
{
    Usd total;
    for (const Usd &spent : m_keySpend)
        total += spent;
    return total;
}

qint64 AgentSummary::counter(const QString &scenario, const QString &name) const
{
    return m_scenarios.value(scenario).value(name);
}

QJsonObject AgentSummary::toJson() const
{
    QMap<QString, Usd> spendByVendor;
    for (auto it = m_keySpend.cbegin(); it != m_keySpend.cend(); ++it)
        spendByVendor[m_keyVendor.value(it.key(), QStringLiteral("unknown"))] += it.value();
    QJsonObject byVendor;
    for (auto it = spendByVendor.cbegin(); it != spendByVendor.cend(); ++it)
        byVendor.insert(it.key(), it.value().toJsonNumber());

    QJsonObject scenarios;
    for (auto it = m_scenarios.cbegin(); it != m_scenarios.cend(); ++it)
        scenarios.insert(it.key(), countsJson(it.value()));

    QJsonArray runaways;
    for (const RunawayReport &report : m_runaways) {
        runaways.append(QJsonObject {
            {QStringLiteral("key_id"), report.keyId},
            {QStringLiteral("agent_run_label"), report.label},
            {QStringLiteral("vendor"), report.vendor},
            {QStringLiteral("daily_usd_cap"), report.cap.toJsonNumber()},
            {QStringLiteral("spent_usd"), report.spent.toJsonNumber()},
            {QStringLiteral("calls"), report.calls},
            {QStringLiteral("allowed"), report.allowed},
            {QStringLiteral("denied_cap"), report.deniedCap},
            {QStringLiteral("other_refusals"), report.otherRefusals},
            {QStringLiteral("allowed_before_first_refusal"), report.allowedBeforeFirstRefusal},
            {QStringLiteral("seconds"), report.seconds},
            {QStringLiteral("keys_issued"), report.keysIssued},
            {QStringLiteral("issue_refusals"), report.issueRefusals},
        });
    }

    QJsonArray keyIds;
    for (auto it = m_keyVendor.cbegin(); it != m_keyVendor.cend(); ++it)
        keyIds.append(it.key());

    const Usd total = spend();
    return QJsonObject {
        {QStringLiteral("scenario"), m_scenario},
        {QStringLiteral("seed"), QString::number(m_seed)},
        {QStringLiteral("server"), m_server.toString(QUrl::RemoveUserInfo)},
        {QStringLiteral("started_at"), m_startedAt.toString(Qt::ISODateWithMs)},
        {QStringLiteral("finished_at"), m_finishedAt.toString(Qt::ISODateWithMs)},
        {QStringLiteral("duration_s"), m_startedAt.msecsTo(m_finishedAt) / 1000.0},
        {QStringLiteral("stopped_by"), m_stoppedBy},
        {QStringLiteral("runs"), m_runs},
        {QStringLiteral("keys_issued"), keysIssued()},
        {QStringLiteral("keys_reused"), m_keysReused},
        {QStringLiteral("issue_failures"), countsJson(m_issueFailures)},
        {QStringLiteral("calls"), m_calls},
        {QStringLiteral("calls_by_verdict"), countsJson(m_verdicts)},
        {QStringLiteral("calls_by_vendor"), countsJson(m_vendorCalls)},
        {QStringLiteral("spend_usd"), total.toJsonNumber()},
        {QStringLiteral("spend_micros"), static_cast<qint64>(total.micros())},
        {QStringLiteral("spend_by_vendor_usd"), byVendor},
        {QStringLiteral("denials"), denials()},
        {QStringLiteral("denials_by_reason"), countsJson(m_denialReasons)},
        {QStringLiteral("replays"), callsWithVerdict(QStringLiteral("replayed"))},
        {QStringLiteral("unanswered"), m_unanswered},
        {QStringLiteral("scenarios"), scenarios},
        {QStringLiteral("runaways"), runaways},
        {QStringLiteral("key_ids"), keyIds},
    };
}

QString AgentSummary::toText() const
{
    QStringList lines;
    const double seconds = m_startedAt.msecsTo(m_finishedAt) / 1000.0;
    lines << QStringLiteral("keybrake-sim agents %1: %2 runs in %3 s (seed %4; stopped by %5)")
                 .arg(m_scenario)
                 .arg(m_runs)
                 .arg(seconds, 0, 'f', 1)
                 .arg(m_seed)
                 .arg(m_stoppedBy);
    QString keys = QStringLiteral("  vault keys  %1 issued, %2 reused by idempotent issuance")
                       .arg(keysIssued())
                       .arg(m_keysReused);
    if (!m_issueFailures.isEmpty())
        keys += QStringLiteral("; refused: ") + countsText(m_issueFailures);
    lines << keys;
    lines << QStringLiteral("  calls       %1%2%3")
                 .arg(m_calls)
                 .arg(m_calls > 0 ? QStringLiteral(": ") : QString())
                 .arg(countsText(m_verdicts));

    QMap<QString, Usd> spendByVendor;
    for (auto it = m_keySpend.cbegin(); it != m_keySpend.cend(); ++it)
        spendByVendor[m_keyVendor.value(it.key(), QStringLiteral("unknown"))] += it.value();
    QStringList vendors;
    for (auto it = spendByVendor.cbegin(); it != spendByVendor.cend(); ++it)
        vendors << it.key() + u' ' + display(it.value());
    // toDisplay() keeps every non-zero decimal, so this is exact to the micro-dollar.
    lines << QStringLiteral("  spend       %1%2")
                 .arg(display(spend()),
                      vendors.isEmpty()
                          ? QString()
                          : QStringLiteral(": ") + vendors.join(QStringLiteral(", ")));
    lines << QStringLiteral("  denials     %1%2%3")
                 .arg(denials())
                 .arg(m_denialReasons.isEmpty() ? QString() : QStringLiteral(": "))
                 .arg(countsText(m_denialReasons));
    lines << QStringLiteral("  replays     %1 (answered from the proxy's idempotency record, no "
                            "second charge)")
                 .arg(callsWithVerdict(QStringLiteral("replayed")));
    if (m_unanswered > 0)
        lines << QStringLiteral("  unanswered  %1 (timed out or aborted; the server may still "
                                "have recorded them)")
                     .arg(m_unanswered);
    for (auto it = m_scenarios.cbegin(); it != m_scenarios.cend(); ++it) {
        QMap<QString, qint64> extra = it.value();
        for (const char *common : {"runs", "calls", "keys_issued", "keys_reused"})
            extra.remove(QString::fromLatin1(common));
        lines << QStringLiteral("  %1 %2 runs, %3 calls%4%5")
                     .arg(it.key() + u':', -22)
                     .arg(it.value().value(QStringLiteral("runs")))
                     .arg(it.value().value(QStringLiteral("calls")))
                     .arg(extra.isEmpty() ? QString() : QStringLiteral("; "))
                     .arg(countsText(extra));
    }
    for (const RunawayReport &report : m_runaways) {
        lines << QStringLiteral("  runaway     %1 (%2): %3 of %4 spent in %5 allowed calls, then "
                                "%6 refused with 429 cap_exhausted%7")
                     .arg(report.keyId, report.label, display(report.spent), display(report.cap))
                     .arg(report.allowedBeforeFirstRefusal)
                     .arg(report.deniedCap)
                     .arg(report.otherRefusals > 0
                              ? QStringLiteral(" and %1 otherwise").arg(report.otherRefusals)
                              : QString());
        if (report.keysIssued > 1 || report.issueRefusals > 0)
            lines << QStringLiteral("              its issuer minted %1 keys under the prefix and "
                                    "was refused %2 times")
                         .arg(report.keysIssued)
                         .arg(report.issueRefusals);
    }
    return lines.join(u'\n') + u'\n';
}

} // namespace keybrake::agents
