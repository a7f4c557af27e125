#pragma once

#include "client/todaystats.h"
#include "models/timeformatter.h"

#include <QAbstractListModel>
#include <QPointer>

#include <optional>

namespace keybrake::client {
class KeybrakeClient;
}

namespace keybrake {

class ConnectionMonitor;

// The Overview's four stat cards from GET /v1/stats/today, one row per card: active keys, spend
// today (settled, with holds), calls today, calls blocked today. A refresh updates the cards in
// place.
class StatsModel : public QAbstractListModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(StatsModel)

public:
    enum Card { ActiveKeysCard, SpendTodayCard, CallsTodayCard, BlockedTodayCard, CardCount };
    Q_ENUM(Card)

    enum Role {
        TitleRole = Qt::UserRole + 1,
        ValueRole, // "$412.50"
        DetailRole, // "+ $12.00 held · resets 00:00 UTC"
        RawValueRole,
        WarningRole, // true when the figure deserves attention (blocked calls)
    };
    Q_ENUM(Role)

    explicit StatsModel(client::KeybrakeClient *client, QObject *parent = nullptr);
    ~StatsModel() override;

    void setConnectionMonitor(ConnectionMonitor *monitor);
    void setTimeFormatter(const TimeFormatter &formatter);

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

    bool hasData() const { return m_stats.has_value(); }
    std::optional<client::TodayStats> stats() const { return m_stats; }
    QDateTime dataAsOf() const { return m_asOf; }
    QString lastError() const { return m_lastError; }

public Q_SLOTS:
    void refresh();

Q_SIGNALS:
    void refreshed(const QDateTime &asOf);
    void loadFailed(const QString &message);

private:
    QString title(int card) const;
    QString value(int card) const;
    QString detail(int card) const;
    QVariant raw(int card) const;

    client::KeybrakeClient *m_client;
    QPointer<ConnectionMonitor> m_monitor;
    TimeFormatter m_time;
    std::optional<client::TodayStats> m_stats;
    QDateTime m_asOf;
    QString m_lastError;
    bool m_inFlight = false;
};

} // namespace keybrake
