#pragma once

#include "client/auditentry.h"
#include "usd.h"

#include <QDateTime>
#include <QHash>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include <chrono>
#include <optional>

namespace keybrake {

class VaultKeyTableModel;

// Runway: how long until a key (or a whole run) reaches its cap at the spend rate of a trailing
// window, from the live stream's call events. "cap in ~12 min"; "—" when nothing was spent in the
// window.
//
// Rate: the cost of the allowed calls of the last window() (5 minutes), divided by the time the
// console has actually watched the key within that window: from the later of its first call seen
// and the start of observation, but at least minimumSpan() (1 minute), so a fresh key's first
// seconds of spend are not extrapolated wildly and a key that has run for an hour is averaged over
// the whole window. Remaining = cap − settled − held, from the keys table; a run's runway adds
// up the spend and the remaining cap of its keys in the table (its label).
//
// Only integer micro-dollars and milliseconds are used: minutes = remaining × span / spent.
//
// No forecast from too little: a key (or run) is forecast only with at least
// MinimumForecastCalls allowed calls and MinimumForecastSpend spent in the window (3 calls,
// $0.05). One call, or a receipt mailer's $0.0004, says nothing about a rate (issue 13: "cap in
// < 1 min" stayed on a key for 5 minutes after its only call). A key already at its cap is "at
// cap" whatever it spent.
class RunwayTracker : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RunwayTracker)

public:
    static constexpr std::chrono::minutes DefaultWindow {5};
    static constexpr std::chrono::seconds DefaultMinimumSpan {60};
    // A run whose runway drops under this gets an alert.
    static constexpr qint64 ShortRunwayMinutes = 15;
    static constexpr qint64 MinimumForecastCalls = 3;
    static constexpr qint64 MinimumForecastSpendMicros = 50'000; // $0.05

    explicit RunwayTracker(QObject *parent = nullptr);
    ~RunwayTracker() override;

    void setKeySource(const VaultKeyTableModel *keys);
    void setWindow(std::chrono::milliseconds window) { m_windowMs = window.count(); }
    void setMinimumSpan(std::chrono::milliseconds span) { m_minimumSpanMs = span.count(); }
    void setObservedSince(const QDateTime &since) { m_observedSince = since; }

    // Whole minutes (rounded up) until the cap at the trailing rate; nullopt when nothing was
    // spent in the window, when the key is not active or not in the keys table. 0 when capped.
    std::optional<qint64> keyMinutes(const QString &keyId, const QDateTime &now) const;
    std::optional<qint64> runMinutes(const QString &label, const QDateTime &now) const;
    Usd keySpentInWindow(const QString &keyId, const QDateTime &now) const;

    // "cap in ~12 min", "cap in < 1 min", "cap in ~2 h 10 min", "at cap", "—".
    static QString text(std::optional<qint64> minutes);

public Q_SLOTS:
    void addCall(const keybrake::client::AuditEntry &call);
    // The stream was reset: rates start over.
    void clear();
    // Re-evaluates the runs (runRunwayShort) and announces new figures (updated).
    void evaluate();

Q_SIGNALS:
    // Runways changed (a call, or time passing): views re-read them.
    void updated();
    // A run that spent in the window has less than ShortRunwayMinutes left. Emitted on every
    // evaluation while it holds; the alert centre says it once per run and spend window.
    void runRunwayShort(const QString &label, qint64 minutes, const QString &keyId,
                        const QDateTime &windowEnds);

private:
    struct Sample
    {
        qint64 atMs; // the call's server time
        qint64 micros;
    };
    struct Series
    {
        QList<Sample> samples;
        qint64 firstSeenMs = 0;
    };

    void prune(Series &series, qint64 nowMs) const;
    Usd spentIn(const Series &series, qint64 nowMs) const;
    qint64 callsIn(const Series &series, qint64 nowMs) const;
    qint64 spanOf(const Series &series, qint64 nowMs) const;
    static std::optional<qint64> minutesFor(Usd remaining, Usd spent, qint64 calls, qint64 spanMs);

    QPointer<const VaultKeyTableModel> m_keys;
    QHash<QString, Series> m_byKey;
    QHash<QString, QString> m_labelOfKey;
    QDateTime m_observedSince;
    qint64 m_windowMs = std::chrono::milliseconds(DefaultWindow).count();
    qint64 m_minimumSpanMs = std::chrono::milliseconds(DefaultMinimumSpan).count();
    QTimer m_tick;
    QTimer m_coalesce;
};

} // namespace keybrake
