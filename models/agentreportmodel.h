#pragma once

#include "client/agentreport.h"
#include "client/reportrange.h"
#include "models/reporttablemodel.h"
#include "models/timeformatter.h"

namespace keybrake {

// Report 2 (GET /v1/reports/agents): one row per agent, that is per label prefix, highest spend
// first, with the totals of every row.
class AgentReportModel : public ReportTableModel
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

    void setTimeFormatter(const TimeFormatter &formatter);
    void load(const client::ReportRange &range);
    client::ReportRange range() const { return m_range; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    const client::AgentReport &report() const { return m_report; }

public Q_SLOTS:
    void refresh() override;

private:
    TimeFormatter m_time;
    client::ReportRange m_range;
    client::AgentReport m_report;
};

} // namespace keybrake
