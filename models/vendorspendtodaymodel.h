#pragma once

#include "client/auditentry.h"
#include "models/timeformatter.h"
#include "usd.h"

#include <QAbstractTableModel>
#include <QDateTime>
#include <QHash>
#include <QList>
#include <QPointF>
#include <QPointer>
#include <QSet>

namespace keybrake::client {
class KeybrakeClient;
struct ApiError;
} // namespace keybrake::client

namespace keybrake {

class ConnectionMonitor;

// Today's spend by vendor over time, for the Overview: cumulative settled spend per vendor in
// 5-minute steps from the start of the spend window, and the same as a table (one row per step).
//
// No route gives spend per vendor within a day, so this reads today's allowed calls from the
// audit log (GET /v1/audit?verdict=allowed&since=<window start>, 1,000 a page) and sums their
// costs in integer micro-dollars. Later refreshes read only the calls newer than the newest one it
// has; addEntry() takes one more from the live event stream. Every other verdict costs nothing
// (docs/api.md, "One rule for every total"), so the last step of each vendor is that vendor's
// settled spend today. At most MaxPages pages are read on the first load; beyond that the
// series starts later in the day and isPartial() says so.
class VendorSpendTodayModel : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(VendorSpendTodayModel)

public:
    static constexpr qint64 StepMs = 5 * 60 * 1000;
    static constexpr int MaxPages = 100;

    enum Role {
        RawValueRole = Qt::UserRole + 1,
    };

    explicit VendorSpendTodayModel(client::KeybrakeClient *client, QObject *parent = nullptr);
    ~VendorSpendTodayModel() override;

    void setConnectionMonitor(ConnectionMonitor *monitor);
    void setTimeFormatter(const TimeFormatter &formatter);
    // The current spend window; a different one starts over.
    void setWindow(const QDateTime &start, const QDateTime &end);
    QDateTime windowStart() const { return m_start; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    QStringList vendors() const { return m_vendors; }
    // Cumulative dollars per step end, from the window start to now: (ms since epoch, dollars).
    QList<QPointF> series(const QString &vendor) const;
    // Exact figures.
    Usd totalOf(const QString &vendor) const;
    Usd cumulativeAt(const QString &vendor, int step) const;
    int stepAt(qint64 msSinceEpoch) const;
    qint64 callsRead() const { return m_ids.size(); }
    bool isPartial() const { return m_partial; }
    bool hasLoaded() const { return m_loaded; }
    QString lastError() const { return m_lastError; }
    QDateTime dataAsOf() const { return m_asOf; }

    // One audited call (as the event stream delivers it); true when it counted.
    bool addEntry(const client::AuditEntry &entry);

public Q_SLOTS:
    void refresh();

Q_SIGNALS:
    void updated();
    void loadFailed(const QString &message);

private:
    void fetch(const QString &cursor, const QDateTime &since, int pagesLeft, bool firstLoad);
    bool count(const client::AuditEntry &entry);
    int visibleSteps() const;
    void resetSteps();

    client::KeybrakeClient *m_client;
    QPointer<ConnectionMonitor> m_monitor;
    TimeFormatter m_time;
    QDateTime m_start;
    QDateTime m_end;
    QStringList m_vendors;
    // Per vendor, spend settled within each step, in micro-dollars.
    QHash<QString, QList<qint64>> m_steps;
    QSet<QString> m_ids;
    QDateTime m_newest;
    int m_rows = 0;
    bool m_loaded = false;
    bool m_inFlight = false;
    bool m_partial = false;
    quint64 m_generation = 0;
    QString m_lastError;
    QDateTime m_asOf;
};

} // namespace keybrake
