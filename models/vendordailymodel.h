#pragma once

#include "client/vendordailyreport.h"
#include "models/reporttablemodel.h"
#include "models/timeformatter.h"

namespace keybrake {

// Report 3 (GET /v1/reports/vendors/daily): one row per spend window, oldest first, with each
// vendor's spend, the day's total, holds, calls and blocked calls. The stacked-bar chart draws
// the same rows.
class VendorDailyModel : public ReportTableModel
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

    void load(int days);
    int days() const { return m_days; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    const client::VendorDailyReport &report() const { return m_report; }
    static QString vendorOfColumn(int column); // "stripe" for StripeColumn; empty otherwise

public Q_SLOTS:
    void refresh() override;

private:
    int m_days = 30;
    client::VendorDailyReport m_report;
};

} // namespace keybrake
