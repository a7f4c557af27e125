#pragma once

#include "client/anomalyreport.h"
#include "models/reporttablemodel.h"
#include "models/timeformatter.h"
#include "models/vaultkeytablemodel.h"

namespace keybrake {

// Report 4 (GET /v1/reports/anomalies): keys at or near their cap, bursts of denials, and runs
// or keys spending or calling far above their peers, with the server's sentence for each.
class AnomalyModel : public ReportTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AnomalyModel)

public:
    enum Column {
        FindingColumn,
        SubjectColumn,
        FigureColumn,
        PeriodColumn,
        ReasonColumn,
        ColumnCount
    };
    Q_ENUM(Column)

    enum Role {
        RawValueRole = VaultKeyTableModel::RawValueRole,
        KeyIdRole = VaultKeyTableModel::KeyIdRole,
        DisplayStatusRole = VaultKeyTableModel::DisplayStatusRole,
        ExportRole = Qt::UserRole + 41,
        LabelRole,
        KindRole,
    };
    Q_ENUM(Role)

    explicit AnomalyModel(client::KeybrakeClient *client, QObject *parent = nullptr);
    ~AnomalyModel() override;

    void setTimeFormatter(const TimeFormatter &formatter) { m_time = formatter; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    const client::AnomalyReport &report() const { return m_report; }
    // "Near cap", "Denial burst", "Run spend rate", ...
    static QString kindText(const QString &kind);
    // The thresholds in one sentence, for the page.
    QString thresholdsText() const;

public Q_SLOTS:
    void refresh() override;

private:
    QString figure(const client::Anomaly &row) const;

    TimeFormatter m_time;
    client::AnomalyReport m_report;
};

} // namespace keybrake
