#pragma once

#include "client/rundetail.h"
#include "models/timeformatter.h"
#include "models/vaultkeytablemodel.h"

#include <QAbstractTableModel>
#include <QDateTime>
#include <QPointer>

namespace keybrake::client {
class KeybrakeClient;
}

namespace keybrake {

class ConnectionMonitor;

// One run (GET /v1/runs/{label}): its totals, per vendor and per day, its denials by reason,
// and one row per key with today's spend against the key's cap.
class RunDetailModel : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RunDetailModel)

public:
    enum Column {
        NameColumn,
        StatusColumn,
        VendorColumn,
        TodayColumn, // settled + held today against the daily cap
        SpendColumn, // in the asked range
        CallsColumn,
        BlockedColumn,
        ExpiresColumn,
        ColumnCount
    };
    Q_ENUM(Column)

    enum Role {
        RawValueRole = VaultKeyTableModel::RawValueRole,
        KeyIdRole = VaultKeyTableModel::KeyIdRole,
        DisplayStatusRole = VaultKeyTableModel::DisplayStatusRole,
        SettledMicrosRole = VaultKeyTableModel::SettledMicrosRole,
        HeldMicrosRole = VaultKeyTableModel::HeldMicrosRole,
        CapMicrosRole = VaultKeyTableModel::CapMicrosRole,
    };
    Q_ENUM(Role)

    explicit RunDetailModel(client::KeybrakeClient *client, QObject *parent = nullptr);
    ~RunDetailModel() override;

    void setConnectionMonitor(ConnectionMonitor *monitor);
    void setTimeFormatter(const TimeFormatter &formatter);
    // A different label loads at once; the same one again is a refresh.
    void load(const QString &label, const QDateTime &since = {}, const QDateTime &until = {});
    void clear();
    QString label() const { return m_label; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    bool hasDetail() const { return m_loaded; }
    const client::RunDetail &detail() const { return m_detail; }
    QString lastError() const { return m_lastError; }
    QDateTime dataAsOf() const { return m_asOf; }
    // "$412.50 spent · 1,204 calls · 37 blocked (cap_exhausted 30, endpoint_not_allowed 7)"
    QString summaryText() const;

public Q_SLOTS:
    void refresh();

Q_SIGNALS:
    void loaded();
    void loadFailed(const QString &message);

private:
    void fetch();

    client::KeybrakeClient *m_client;
    QPointer<ConnectionMonitor> m_monitor;
    TimeFormatter m_time;
    QString m_label;
    QDateTime m_since;
    QDateTime m_until;
    client::RunDetail m_detail;
    bool m_loaded = false;
    bool m_inFlight = false;
    quint64 m_generation = 0;
    QString m_lastError;
    QDateTime m_asOf;
};

} // namespace keybrake
