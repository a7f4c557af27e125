#pragma once

#include "client/runtimeline.h"
#include "models/timeformatter.h"
#include "models/timelineseries.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QList>
#include <QWidget>

class QAreaSeries;
class QCategoryAxis;
class QChart;
class QChartView;
class QLineSeries;
class QRubberBand;
class QScatterSeries;
class QTimer;
class QValueAxis;

namespace keybrake {

// A run's spend chart: the run's cumulative settled spend over time (left axis, dollars) against
// each key's daily cap as a labelled dashed horizontal line, the calls of each bucket as bars
// (right axis), and every refused call as a red tick on the time axis where it happened.
//
// Hovering shows the exact figures of the bucket under the pointer (from the timeline's Usd
// values, never read back from a drawn point); dragging across the plot selects a time range
// (rangeSelected). Series are pushed with QXYSeries::replace() from TimelineSeries' prepared
// buffers; however many timelines arrive in a burst, the chart redraws at most once every
// 250 ms (the first at once).
class RunSpendChart : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RunSpendChart)

public:
    explicit RunSpendChart(QWidget *parent = nullptr);
    ~RunSpendChart() override;

    void setTimeFormatter(const TimeFormatter &formatter);
    void setTimeline(const client::RunTimeline &timeline, const TimelineSeries &series);
    // Where the server's spend days start (local midnight in its spend zone): the caps reset
    // there, so a run crossing one may pass a cap line without passing a cap. Drawn as vertical
    // dotted lines within the range.
    void setDayStarts(const QList<QDateTime> &starts, const QString &spendTimezone);
    void clear();
    // Draws a pending timeline now (the throttled redraw otherwise comes from the event loop).
    void flush();

    // What is drawn, for the table alternative's tests and for accessibility.
    QLineSeries *cumulativeSeries() const { return m_cumulative; }
    QLineSeries *callSeries() const { return m_callsUpper; }
    QScatterSeries *denialSeries() const { return m_denials; }
    QList<QLineSeries *> capSeries() const { return m_caps; }
    QList<QLineSeries *> dayStartSeries() const { return m_dayStarts; }
    QChart *chart() const { return m_chart; }
    QChartView *chartView() const { return m_view; }
    int redrawCount() const { return m_redraws; }

    // The exact figures at an instant (ms since the Unix epoch), as the hover tooltip shows them;
    // empty outside the timeline.
    QString hoverText(qint64 msSinceEpoch) const;
    // The instant under a point of the chart view's viewport.
    qint64 msAt(const QPoint &viewportPos) const;

Q_SIGNALS:
    // A drag across the plot: the range it covered, rounded outwards to whole milliseconds.
    void rangeSelected(const QDateTime &since, const QDateTime &until);
    void redrawn();

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;
    void changeEvent(QEvent *event) override;

private:
    void redraw();
    void applyPalette();
    void updateTimeAxis();
    void updateDayStarts(qreal spendTop);
    // Each cap line's label over a point chosen so the whole label sits inside the plot, clear
    // of the calls axis on the right (elided when the plot is narrower than the label).
    void placeCapLabels();

    TimeFormatter m_time;
    client::RunTimeline m_timeline;
    TimelineSeries m_series;
    QChart *m_chart;
    QChartView *m_view;
    QLineSeries *m_cumulative;
    QLineSeries *m_callsUpper;
    QLineSeries *m_callsLower;
    QAreaSeries *m_calls;
    QScatterSeries *m_denials;
    QList<QLineSeries *> m_caps;
    QList<QLineSeries *> m_dayStarts;
    QList<QDateTime> m_dayStartTimes;
    QString m_spendTimezone;
    QCategoryAxis *m_timeAxis;
    QValueAxis *m_spendAxis;
    QValueAxis *m_callsAxis;
    QTimer *m_redrawTimer;
    QElapsedTimer m_sinceRedraw;
    void scheduleRedraw();
    QRubberBand *m_rubberBand;
    QPoint m_dragStart;
    bool m_dragging = false;
    bool m_pending = false;
    int m_redraws = 0;
};

} // namespace keybrake
