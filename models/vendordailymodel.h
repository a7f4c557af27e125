#pragma once

#include "client/vendordailyreport.h"
#include "models/timeformatter.h"

#include <QAbstractTableModel>
#include <QDateTime>
#include <QPointer>

namespace keybrake::client {
class KeybrakeClient;
}

namespace keybrake {

class ConnectionMonitor;

// Report 3 (GET /v1/reports/vendors/daily): one row per spend window, oldest first, with each
// vendor's spend, the day's total, holds, calls and blocked calls. The stacked-bar chart draws
// the same rows.
class VendorDailyModel : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(VendorDailyModel)

public:
    enum Column {
        DayColumn,
        StripeColumn,
        TwilioColumn,
        ResendColumn,
        TotalColumn,
        HeldColumn,
        CallsColumn,
        BlockedColumn,
        ColumnCount
    };
    Q_ENUM(Column)

    enum Role {
        RawValueRole = Qt::UserRole + 1,
        ExportRole = Qt::UserRole + 41,
    };
    Q_ENUM(Role)

    explicit VendorDailyModel(client::KeybrakeClient *client, QObject *parent = nullptr);
    ~VendorDailyModel() override;

    void setConnectionMonitor(ConnectionMonitor *monitor);
    void load(int days);
    int days() const { return m_days; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    bool hasReport() const { return m_loaded; }
    bool isLoading() const { return m_inFlight; }
    const client::VendorDailyReport &report() const { return m_report; }
    QString lastError() const { return m_lastError; }
    QDateTime dataAsOf() const { return m_asOf; }
    static QString vendorOfColumn(int column); // "stripe" for StripeColumn; empty otherwise

public Q_SLOTS:
    void refresh();

Q_SIGNALS:
    void loaded();
    void loadFailed(const QString &message);

private:
    client::KeybrakeClient *m_client;
    QPointer<ConnectionMonitor> m_monitor;
    int m_days = 30;
    client::VendorDailyReport m_report;
    bool m_loaded = false;
    bool m_inFlight = false;
    quint64 m_generation = 0;
    QString m_lastError;
    QDateTime m_asOf;
};

} // namespace keybrake
