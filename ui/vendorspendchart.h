#pragma once

#include "models/timeformatter.h"

#include <QElapsedTimer>
#include <QList>
#include <QWidget>

class QCategoryAxis;
class QChart;
class QChartView;
class QLineSeries;
class QTimer;
class QValueAxis;

namespace keybrake {

class VendorSpendTodayModel;

// Today's settled spend by vendor over the spend window, one cumulative line per vendor, for the
// Overview. Hover shows each vendor's exact spend at that step. The lines are pushed with
// replace() from the model's prepared points, at most once every 250 ms however many calls the
// model counts.
class VendorSpendChart : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(VendorSpendChart)

public:
    explicit VendorSpendChart(VendorSpendTodayModel *model, QWidget *parent = nullptr);
    ~VendorSpendChart() override;

    void setTimeFormatter(const TimeFormatter &formatter);
    void flush();
    QList<QLineSeries *> vendorSeries() const { return m_series; }
    QChart *chart() const { return m_chart; }
    // The exact figures at an instant, as the tooltip shows them; empty outside the window.
    QString hoverText(qint64 msSinceEpoch) const;

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;
    void changeEvent(QEvent *event) override;

private:
    void redraw();
    void applyPalette();

    VendorSpendTodayModel *m_model;
    TimeFormatter m_time;
    QChart *m_chart;
    QChartView *m_view;
    QList<QLineSeries *> m_series;
    QCategoryAxis *m_timeAxis;
    QValueAxis *m_spendAxis;
    QTimer *m_redrawTimer;
    QElapsedTimer m_sinceRedraw;
    void scheduleRedraw();
};

} // namespace keybrake
