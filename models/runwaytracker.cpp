#include "models/runwaytracker.h"

#include "models/vaultkeytablemodel.h"

#include <algorithm>

namespace keybrake {

using client::KeyStatus;

RunwayTracker::RunwayTracker(QObject *parent)
    : QObject(parent)
    , m_observedSince(QDateTime::currentDateTimeUtc())
{
    // Time passing changes a runway too (the window slides); every 10 s is plenty for minutes.
    m_tick.setInterval(10'000);
    m_tick.setTimerType(Qt::CoarseTimer);
    connect(&m_tick, &QTimer::timeout, this, &RunwayTracker::evaluate);
    m_tick.start();
    // Calls come in bursts; one evaluation per burst.
    m_coalesce.setSingleShot(true);
    m_coalesce.setInterval(200);
    connect(&m_coalesce, &QTimer::timeout, this, &RunwayTracker::evaluate);
}

RunwayTracker::~RunwayTracker() = default;

void RunwayTracker::setKeySource(const VaultKeyTableModel *keys)
{
    if (m_keys)
        disconnect(m_keys, nullptr, this, nullptr);
    m_keys = keys;
    // The remaining cap comes from the table: fresh figures (or a key that just appeared in it)
    // change the runways as much as a call does.
    if (keys)
        connect(keys, &VaultKeyTableModel::refreshed, this, [this] {
            if (!m_byKey.isEmpty() && !m_coalesce.isActive())
                m_coalesce.start();
        });
}

void RunwayTracker::addCall(const client::AuditEntry &call)
{
    if (call.keyId.isEmpty() || call.verdict != u"allowed" || call.costUsd <= Usd())
        return;
    Series &series = m_byKey[call.keyId];
    const qint64 at = call.ts.toMSecsSinceEpoch();
    if (series.samples.isEmpty() && series.firstSeenMs == 0)
        series.firstSeenMs = at;
    series.samples.append({at, call.costUsd.micros()});
    if (!call.agentRunLabel.isEmpty())
        m_labelOfKey.insert(call.keyId, call.agentRunLabel);
    if (!m_coalesce.isActive())
        m_coalesce.start();
}

void RunwayTracker::clear()
{
    m_byKey.clear();
    m_labelOfKey.clear();
    m_observedSince = QDateTime::currentDateTimeUtc();
    Q_EMIT updated();
}

void RunwayTracker::prune(Series &series, qint64 nowMs) const
{
    const qint64 from = nowMs - m_windowMs;
    series.samples.removeIf([from](const Sample &s) { return s.atMs < from; });
}

Usd RunwayTracker::spentIn(const Series &series, qint64 nowMs) const
{
    const qint64 from = nowMs - m_windowMs;
    qint64 micros = 0;
    for (const Sample &s : series.samples) {
        if (s.atMs >= from && s.atMs <= nowMs + 60'000) // tolerate a server clock a little ahead
            micros += s.micros;
    }
    return Usd::fromMicros(micros);
}

qint64 RunwayTracker::callsIn(const Series &series, qint64 nowMs) const
{
    const qint64 from = nowMs - m_windowMs;
    return std::count_if(series.samples.cbegin(), series.samples.cend(), [&](const Sample &s) {
        return s.atMs >= from && s.atMs <= nowMs + 60'000;
    });
}

qint64 RunwayTracker::spanOf(const Series &series, qint64 nowMs) const
{
    const qint64 start = std::max(series.firstSeenMs, m_observedSince.toMSecsSinceEpoch());
    return std::clamp(nowMs - start, m_minimumSpanMs, m_windowMs);
}

std::optional<qint64> RunwayTracker::minutesFor(Usd remaining, Usd spent, qint64 calls,
                                                qint64 spanMs)
{
    if (remaining <= Usd() && spent > Usd())
        return 0;
    if (calls < MinimumForecastCalls || spent.micros() < MinimumForecastSpendMicros)
        return std::nullopt; // too little to call it a rate
    if (remaining <= Usd())
        return 0;
    // remaining / (spent / span) in ms, then minutes rounded up; remaining ≤ 10^12 micros and
    // span ≤ 10^7 ms keep the product far below 2^63.
    const qint64 ms = remaining.micros() / spent.micros() * spanMs
        + (remaining.micros() % spent.micros()) * spanMs / spent.micros();
    return (ms + 59'999) / 60'000;
}

std::optional<qint64> RunwayTracker::keyMinutes(const QString &keyId, const QDateTime &now) const
{
    const auto found = m_byKey.constFind(keyId);
    if (found == m_byKey.constEnd() || !m_keys)
        return std::nullopt;
    const client::VaultKey *key = m_keys->findKey(keyId);
    if (!key || (key->status != KeyStatus::Active && key->status != KeyStatus::Capped))
        return std::nullopt;
    const qint64 nowMs = now.toMSecsSinceEpoch();
    return minutesFor(key->dailyUsdCap - key->committedUsd(), spentIn(*found, nowMs),
                      callsIn(*found, nowMs), spanOf(*found, nowMs));
}

std::optional<qint64> RunwayTracker::runMinutes(const QString &label, const QDateTime &now) const
{
    if (label.isEmpty() || !m_keys)
        return std::nullopt;
    const qint64 nowMs = now.toMSecsSinceEpoch();
    Usd remaining;
    // The run's rate: its keys' spend over the longest span any of them was watched.
    qint64 spentMicros = 0;
    qint64 calls = 0;
    qint64 span = m_minimumSpanMs;
    bool any = false;
    for (auto it = m_labelOfKey.constBegin(); it != m_labelOfKey.constEnd(); ++it) {
        if (it.value() != label)
            continue;
        const client::VaultKey *key = m_keys->findKey(it.key());
        if (!key || (key->status != KeyStatus::Active && key->status != KeyStatus::Capped))
            continue;
        const Series &series = m_byKey[it.key()];
        spentMicros += spentIn(series, nowMs).micros();
        calls += callsIn(series, nowMs);
        span = std::max(span, spanOf(series, nowMs));
        remaining += std::max(Usd(), key->dailyUsdCap - key->committedUsd());
        any = true;
    }
    if (!any)
        return std::nullopt;
    return minutesFor(remaining, Usd::fromMicros(spentMicros), calls, span);
}

Usd RunwayTracker::keySpentInWindow(const QString &keyId, const QDateTime &now) const
{
    const auto found = m_byKey.constFind(keyId);
    return found == m_byKey.constEnd() ? Usd() : spentIn(*found, now.toMSecsSinceEpoch());
}

void RunwayTracker::evaluate()
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const qint64 nowMs = now.toMSecsSinceEpoch();
    for (auto it = m_byKey.begin(); it != m_byKey.end();) {
        prune(*it, nowMs);
        if (it->samples.isEmpty()) {
            m_labelOfKey.remove(it.key());
            it = m_byKey.erase(it);
        } else {
            ++it;
        }
    }
    QSet<QString> labels;
    for (const QString &label : std::as_const(m_labelOfKey))
        labels.insert(label);
    for (const QString &label : std::as_const(labels)) {
        const std::optional<qint64> minutes = runMinutes(label, now);
        if (!minutes || *minutes >= ShortRunwayMinutes)
            continue;
        // A key of the run, to open, and the end of its spend window, for "once per window".
        QString keyId;
        QDateTime windowEnds;
        for (auto k = m_labelOfKey.constBegin(); k != m_labelOfKey.constEnd(); ++k) {
            if (k.value() != label)
                continue;
            if (const client::VaultKey *key = m_keys ? m_keys->findKey(k.key()) : nullptr) {
                keyId = key->keyId;
                windowEnds = key->resetsAt;
                break;
            }
        }
        Q_EMIT runRunwayShort(label, *minutes, keyId, windowEnds);
    }
    Q_EMIT updated();
}

QString RunwayTracker::text(std::optional<qint64> minutes)
{
    if (!minutes)
        return QStringLiteral("—");
    if (*minutes <= 0)
        return tr("at cap");
    if (*minutes <= 1)
        return tr("cap in < 1 min");
    if (*minutes < 120)
        return tr("cap in ~%1 min").arg(*minutes);
    if (*minutes < 48 * 60)
        return tr("cap in ~%1 h").arg((*minutes + 30) / 60);
    return tr("cap in > 2 days");
}

} // namespace keybrake
