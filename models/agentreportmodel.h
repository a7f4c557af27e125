#pragma once

#include "client/agentreport.h"
#include "client/reportrange.h"
#include "models/timeformatter.h"

#include <QAbstractTableModel>
#include <QDateTime>
#include <QPointer>

namespace keybrake::client {
class KeybrakeClient;
}

namespace keybrake {

class ConnectionMonitor;

// Report 2 (GET /v1/reports/agents): one row per agent, that is per label prefix, highest spend
// first, with the totals of every row.
class AgentReportModel : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AgentReportModel)

public:
    enum Column {
        PrefixColumn,
        RunsColumn,
        KeysColumn,
        SpendColumn,
        HeldColumn,
        CallsColumn,
        BlockedColumn,
        LastCallColumn,
        ColumnCount
    };
    Q_ENUM(Column)

    enum Role {
        RawValueRole = Qt::UserRole + 1,
        ExportRole = Qt::UserRole + 41,
        LabelPrefixRole,
    };
    Q_ENUM(Role)

    explicit AgentReportModel(client::KeybrakeClient *client, QObject *parent = nullptr);
    ~AgentReportModel() override;

    void setConnectionMonitor(ConnectionMonitor *monitor);
    void setTimeFormatter(const TimeFormatter &formatter);
    void load(const client::ReportRange &range);
    client::ReportRange range() const { return m_range; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    bool hasReport() const { return m_loaded; }
    bool isLoading() const { return m_inFlight; }
    const client::AgentReport &report() const { return m_report; }
    QString lastError() const { return m_lastError; }
    QDateTime dataAsOf() const { return m_asOf; }

public Q_SLOTS:
    void refresh();

Q_SIGNALS:
    void loaded();
    void loadFailed(const QString &message);

private:
    client::KeybrakeClient *m_client;
    QPointer<ConnectionMonitor> m_monitor;
    TimeFormatter m_time;
    client::ReportRange m_range;
    client::AgentReport m_report;
    bool m_loaded = false;
    bool m_inFlight = false;
    quint64 m_generation = 0;
    QString m_lastError;
    QDateTime m_asOf;
};

} // namespace keybrake
