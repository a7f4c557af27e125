#pragma once

#include "client/eventmessage.h"
#include "models/runawaydetector.h"
#include "models/timeformatter.h"

#include <QAbstractListModel>
#include <QDateTime>
#include <QHash>
#include <QList>
#include <QSet>
#include <QStringList>

namespace keybrake {

// The console's notifications: a key crossing 80 %, 95 % or 100 % of its cap (the server's
// cap.threshold events; which ones notify is a preference), a run whose runway drops under
// 15 minutes (RunwayTracker), and a run flagged as a runaway (RunawayDetector).
//
// Grouped: one row per agent prefix (the run label's prefix, contract report 2) and kind —
// "14 keys of lambda/sms-notifier/ crossed 80 %" — newest first; a row with one member names it
// ("billing-m1 at 80 % of its cap"). Severity: critical for a runaway or a capped key, warning
// for 95 % or a short runway, info for 80 %. The bell counts unacknowledged rows (groups); the
// tray pops up a new group, a group whose severity rose, and every new runaway (raised()). A
// new member of an acknowledged group reopens it only in those cases.
//
// No spam: each notification has a subject — key, threshold and spend window; run and spend
// window; run and rule — and a subject is notified once. The subjects already notified are kept
// in a state file per profile (with their time, forgotten after 3 days), so a reconnect's replay
// and a console restart notify nothing twice. Muting a row's prefix keeps every notification
// under that prefix out of the tray and the count until the mute ends (they are still listed,
// acknowledged).
class AlertCenter : public QAbstractListModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AlertCenter)

public:
    enum class Kind {
        Threshold, // 80 % or 95 %
        Runway,
        Runaway,
        Capped, // 100 %
    };
    Q_ENUM(Kind)

    enum class Severity {
        Info,
        Warning,
        Critical,
    };
    Q_ENUM(Severity)

    struct Alert
    {
        quint64 serial = 0;
        Kind kind = Kind::Threshold;
        Severity severity = Severity::Info;
        QString group; // "<kind>|<prefix>"
        QString prefix; // the agent prefix of its runs ("" for labels without one)
        QString subject; // the latest once-only key ("threshold|vk_…|95|2026-11-28T05:00:00Z")
        QStringList subjects; // every subject merged into this row, oldest first
        QStringList members; // its keys (thresholds) or runs (runway, runaway), first seen first
        int lowestPercent = 0; // thresholds: every member crossed at least this
        QString title; // "billing-m1 at 95 % of its cap"
        QString body; // "$47.50 of $50.00 · lambda/billing/…"
        QString keyId; // what clicking opens
        QString label;
        QDateTime at;
        bool acknowledged = false;
        bool snoozed = false;
    };

    enum Role {
        KindRole = Qt::UserRole + 1,
        TitleRole,
        BodyRole,
        KeyIdRole,
        LabelRole,
        TimeRole,
        AcknowledgedRole,
        SerialRole,
        SeverityRole,
        PrefixRole,
        CountRole,
    };
    Q_ENUM(Role)

    static constexpr int ShownMemoryDays = 3;

    // `stateFile`: an INI file of what was notified and the preferences (empty: remember nothing
    // beyond this session).
    explicit AlertCenter(const QString &stateFile, QObject *parent = nullptr);
    ~AlertCenter() override;

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;

    void setTimeFormatter(const TimeFormatter &formatter);

    const QList<Alert> &alerts() const { return m_alerts; }
    int unacknowledgedCount() const; // rows (groups), not notifications

    // Preferences: cap thresholds that notify (of 80, 95, 100), runway and runaway alerts.
    QList<int> thresholdPercents() const { return m_thresholds; }
    void setThresholdPercents(const QList<int> &percents);
    bool runwayAlerts() const { return m_runway; }
    void setRunwayAlerts(bool on);
    bool runawayAlerts() const { return m_runaway; }
    void setRunawayAlerts(bool on);

    bool isSnoozed(const QString &keyId, const QString &label) const;
    bool isPrefixMuted(const QString &prefix) const;
    static QString severityName(Severity severity);

public Q_SLOTS:
    void addEvent(const keybrake::client::EventMessage &message);
    void addRunwayShort(const QString &label, qint64 minutes, const QString &keyId,
                        const QDateTime &windowEnds);
    void addRunaway(const keybrake::RunawayDetector::Flag &flag);
    void acknowledge(quint64 serial);
    void acknowledgeAll();
    // Mutes the row's agent prefix (every kind) until then; a row of keys without a run label
    // mutes its latest key.
    void snooze(quint64 serial, int minutes);

Q_SIGNALS:
    // A new notification that is not snoozed: for the tray.
    void raised(const keybrake::AlertCenter::Alert &alert);
    void unacknowledgedCountChanged(int count);

private:
    // Merges one notification (its subject, member and figures in `alert`) into its group.
    bool add(Alert alert, const QString &member, const QString &singleTitle, const QString &body);
    void retitle(Alert &group, const QString &singleTitle) const;
    void load();
    void save() const;
    int rowOfSerial(quint64 serial) const;

    QString m_stateFile;
    TimeFormatter m_time;
    QList<Alert> m_alerts; // newest first
    QHash<QString, QDateTime> m_shown; // subject -> when
    QHash<QString, QDateTime> m_snoozedUntil; // "prefix:<p>", "key:<id>" or "run:<label>"
    QList<int> m_thresholds {80, 95, 100};
    bool m_runway = true;
    bool m_runaway = true;
    quint64 m_nextSerial = 1;
};

} // namespace keybrake

Q_DECLARE_METATYPE(keybrake::AlertCenter::Alert)
