#include "ui/vendorspendchart.h"

#include "models/timeaxisticks.h"
#include "models/timelineseries.h"
#include "models/usdtext.h"
#include "models/vendorspendtodaymodel.h"
#include "models/vendortext.h"
#include "ui/consolecolors.h"
#include "ui/vendorpalette.h"

#include <QCategoryAxis>
#include <QChart>
#include <QChartView>
#include <QEvent>
#include <QLineSeries>
#include <QMouseEvent>
#include <QTimer>
#include <QToolTip>
#include <QVBoxLayout>
#include <QValueAxis>

#include <algorithm>
#include <limits>

namespace keybrake {

VendorSpendChart::VendorSpendChart(VendorSpendTodayModel *model, QWidget *parent)
    : QWidget(parent)
    , m_model(model)
    , m_chart(new QChart)
    , m_view(new QChartView(m_chart, this))
    , m_timeAxis(new QCategoryAxis(this))
    , m_spendAxis(new QValueAxis(this))
    , m_redrawTimer(new QTimer(this))
{
    setObjectName(QStringLiteral("vendorSpendChart"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_view);
    m_view->setAccessibleName(tr("Today's spend by vendor"));
    m_view->setAccessibleDescription(
        tr("Cumulative settled spend of each vendor since the start of today's spend window. "
           "Use Show as table for the figures."));
    m_view->setRenderHint(QPainter::Antialiasing);
    m_view->viewport()->setMouseTracking(true);
    m_view->viewport()->installEventFilter(this);
    m_view->setMinimumHeight(180);
    m_chart->setAnimationOptions(QChart::NoAnimation);
    m_chart->legend()->setAlignment(Qt::AlignBottom);
    m_chart->setMargins(QMargins(4, 4, 4, 4));
    m_timeAxis->setLabelsPosition(QCategoryAxis::AxisLabelsPositionOnValue);
    m_spendAxis->setLabelFormat(QStringLiteral("$%.2f"));
    m_chart->addAxis(m_timeAxis, Qt::AlignBottom);
    m_chart->addAxis(m_spendAxis, Qt::AlignLeft);
    for (const QString &vendor : m_model->vendors()) {
        auto *series = new QLineSeries(this);
        series->setName(VendorText::displayName(vendor));
        m_chart->addSeries(series);
        series->attachAxis(m_timeAxis);
        series->attachAxis(m_spendAxis);
        m_series.append(series);
    }
    m_redrawTimer->setSingleShot(true);
    connect(m_redrawTimer, &QTimer::timeout, this, &VendorSpendChart::redraw);
    connect(m_model, &QAbstractItemModel::modelReset, this, &VendorSpendChart::scheduleRedraw);
    connect(m_model, &QAbstractItemModel::rowsInserted, this, &VendorSpendChart::scheduleRedraw);
    connect(m_model, &QAbstractItemModel::dataChanged, this, &VendorSpendChart::scheduleRedraw);
    applyPalette();
    redraw();
}

VendorSpendChart::~VendorSpendChart() = default;

void VendorSpendChart::setTimeFormatter(const TimeFormatter &formatter)
{
    m_time = formatter;
    scheduleRedraw();
}

void VendorSpendChart::flush()
{
    if (m_redrawTimer->isActive())
        redraw();
}

void VendorSpendChart::redraw()
{
    m_redrawTimer->stop();
    m_sinceRedraw.start();
    const QStringList vendors = m_model->vendors();
    qreal top = 0;
    for (int i = 0; i < vendors.size() && i < m_series.size(); ++i) {
        const QList<QPointF> points = m_model->series(vendors.at(i));
        for (const QPointF &point : points)
            top = std::max(top, point.y());
        m_series.at(i)->replace(points);
        m_series.at(i)->setName(tr("%1 %2").arg(VendorText::displayName(vendors.at(i)),
                                                UsdText::display(m_model->totalOf(vendors.at(i)))));
    }
    m_spendAxis->setRange(0, std::max<qreal>(1, top * 1.15));
    m_spendAxis->applyNiceNumbers();

    for (const QString &label : m_timeAxis->categoriesLabels())
        m_timeAxis->remove(label);
    const QDateTime start = m_model->windowStart();
    if (!start.isValid())
        return;
    // From an hour before the day's first spend (the quiet hours before it are a flat line
    // that says nothing) to now, at least an hour.
    qint64 firstSpend = std::numeric_limits<qint64>::max();
    for (QLineSeries *series : std::as_const(m_series)) {
        const QList<QPointF> points = series->points();
        for (const QPointF &point : points) {
            if (point.y() > 0) {
                firstSpend =
                    std::min(firstSpend, qint64(point.x()) - VendorSpendTodayModel::StepMs);
                break;
            }
        }
    }
    constexpr qint64 Hour = 3600 * 1000;
    qint64 from = start.toMSecsSinceEpoch();
    if (firstSpend != std::numeric_limits<qint64>::max())
        from = std::max(from, (firstSpend - Hour) / Hour * Hour);
    const qint64 to = std::max(QDateTime::currentMSecsSinceEpoch(), from + Hour);
    m_timeAxis->setStartValue(qreal(from));
    for (const TimeAxisTicks::Tick &tick :
         TimeAxisTicks::compute(from, to, std::max(2, m_view->width() / 90), m_time))
        m_timeAxis->append(tick.label, tick.msSinceEpoch);
    m_timeAxis->setRange(qreal(from), qreal(to));
    m_timeAxis->setTitleText(tr("Today (%1)").arg(m_time.zoneName(start)));
}

QString VendorSpendChart::hoverText(qint64 msSinceEpoch) const
{
    const int step = m_model->stepAt(msSinceEpoch);
    if (step < 0)
        return {};
    const QDateTime end =
        m_model->windowStart().addMSecs((step + 1) * VendorSpendTodayModel::StepMs);
    QStringList lines;
    lines << tr("Settled by %1 %2").arg(m_time.clock(end), m_time.zoneName(end));
    Usd total;
    for (const QString &vendor : m_model->vendors()) {
        const Usd amount = m_model->cumulativeAt(vendor, step);
        total = total + amount;
        lines << tr("%1: %2").arg(VendorText::displayName(vendor), UsdText::exact(amount));
    }
    lines << tr("All vendors: %1").arg(UsdText::exact(total));
    return lines.join(u'\n');
}

bool VendorSpendChart::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_view->viewport() && event->type() == QEvent::MouseMove
        && !m_series.isEmpty()) {
        auto *mouse = static_cast<QMouseEvent *>(event);
        const QPointF value = m_chart->mapToValue(
            m_chart->mapFromScene(m_view->mapToScene(mouse->position().toPoint())),
            m_series.first());
        const QString text = hoverText(qint64(value.x()));
        if (text.isEmpty())
            QToolTip::hideText();
        else
            QToolTip::showText(mouse->globalPosition().toPoint(), text, m_view);
    } else if (watched == m_view->viewport() && event->type() == QEvent::Resize) {
        scheduleRedraw();
    }
    return QWidget::eventFilter(watched, event);
}

void VendorSpendChart::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::StyleChange)
        applyPalette();
}

void VendorSpendChart::applyPalette()
{
    const QPalette palette = this->palette();
    const bool dark = ConsoleColors::isDark(palette);
    m_chart->setTheme(dark ? QChart::ChartThemeDark : QChart::ChartThemeLight);
    m_chart->setBackgroundBrush(palette.color(QPalette::Base));
    m_chart->setBackgroundRoundness(0);
    const QColor text = palette.color(QPalette::WindowText);
    const QColor grid = palette.color(QPalette::Mid);
    for (QAbstractAxis *axis :
         {static_cast<QAbstractAxis *>(m_timeAxis), static_cast<QAbstractAxis *>(m_spendAxis)}) {
        axis->setLabelsColor(text);
        axis->setTitleBrush(text);
        axis->setLinePenColor(grid);
        axis->setGridLineColor(dark ? grid.darker(130) : grid.lighter(125));
    }
    m_chart->legend()->setLabelColor(text);
    const QStringList vendors = m_model->vendors();
    for (int i = 0; i < m_series.size(); ++i) {
        // The same colour as the vendor's bars on Reports.
        QPen pen(VendorPalette::color(vendors.value(i), palette));
        pen.setWidthF(2.2);
        m_series.at(i)->setPen(pen);
    }
}

// Live data can change many times a second: at most one redraw every RedrawGapMs, the first at
// once (on the next turn of the event loop).
void VendorSpendChart::scheduleRedraw()
{
    if (m_redrawTimer->isActive())
        return;
    constexpr qint64 RedrawGapMs = 250;
    const qint64 since = m_sinceRedraw.isValid() ? m_sinceRedraw.elapsed() : RedrawGapMs;
    m_redrawTimer->start(int(std::max<qint64>(0, RedrawGapMs - since)));
}

} // namespace keybrake
