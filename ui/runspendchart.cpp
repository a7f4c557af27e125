#include "ui/runspendchart.h"

#include "models/timeaxisticks.h"
#include "models/usdtext.h"
#include "ui/consolecolors.h"

#include <QAreaSeries>
#include <QCategoryAxis>
#include <QChart>
#include <QChartView>
#include <QEvent>
#include <QFontMetricsF>
#include <QLegendMarker>
#include <QLineSeries>
#include <QLocale>
#include <QMap>
#include <QMouseEvent>
#include <QPainter>
#include <QRubberBand>
#include <QScatterSeries>
#include <QTimeZone>
#include <QTimer>
#include <QToolTip>
#include <QVBoxLayout>
#include <QValueAxis>

#include <algorithm>
#include <cmath>

namespace keybrake {

namespace {

// A drag shorter than this is a click, not a range.
constexpr int MinDragPixels = 8;

// The image drawn at each refused call: a short vertical red tick across the time axis.
QImage denialTick(const QColor &color, qreal ratio)
{
    const QSize size(qRound(4 * ratio), qRound(16 * ratio));
    QImage image(size, QImage::Format_ARGB32_Premultiplied);
    image.setDevicePixelRatio(ratio);
    image.fill(Qt::transparent);
    QPainter painter(&image);
    painter.fillRect(QRectF(1, 0, 2, 16), color);
    return image;
}

} // namespace

RunSpendChart::RunSpendChart(QWidget *parent)
    : QWidget(parent)
    , m_chart(new QChart)
    , m_view(new QChartView(m_chart, this))
    , m_cumulative(new QLineSeries(this))
    , m_callsUpper(new QLineSeries(this))
    , m_callsLower(new QLineSeries(this))
    , m_calls(new QAreaSeries(m_callsUpper, m_callsLower))
    , m_denials(new QScatterSeries(this))
    , m_timeAxis(new QCategoryAxis(this))
    , m_spendAxis(new QValueAxis(this))
    , m_callsAxis(new QValueAxis(this))
    , m_redrawTimer(new QTimer(this))
    , m_rubberBand(new QRubberBand(QRubberBand::Rectangle, m_view->viewport()))
{
    setObjectName(QStringLiteral("runSpendChart"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_view);
    m_view->setObjectName(QStringLiteral("runSpendChartView"));
    m_view->setAccessibleName(tr("Run spend chart"));
    m_view->setAccessibleDescription(
        tr("Cumulative spend of the run against each key's daily cap, calls per interval as "
           "bars, refused calls as red ticks. Use Show as table for the figures."));
    m_view->setRenderHint(QPainter::Antialiasing);
    m_view->setMouseTracking(true);
    m_view->viewport()->setMouseTracking(true);
    m_view->viewport()->installEventFilter(this);
    // High enough that Qt Charts keeps the axis ticks and titles readable instead of eliding them
    // to "…", low enough that the runs above it keep five rows in a 700 px window (issue 13).
    m_view->setMinimumHeight(200);

    m_chart->setAnimationOptions(QChart::NoAnimation);
    m_chart->legend()->setAlignment(Qt::AlignBottom);
    m_chart->setMargins(QMargins(4, 4, 4, 4));
    // The plot narrows and widens with the window: the cap labels follow its right edge.
    connect(m_chart, &QChart::plotAreaChanged, this, &RunSpendChart::placeCapLabels,
            Qt::QueuedConnection);
    m_calls->setParent(this);

    m_calls->setName(tr("Calls per interval"));
    m_cumulative->setName(tr("Run total (settled)"));
    m_denials->setName(tr("Refused call"));
    // No OpenGL (QXYSeries::setUseOpenGL): it needs a GPU context that offscreen tests and
    // remote desktops lack, and a run has at most 2,000 buckets.
    m_chart->addSeries(m_calls);
    m_chart->addSeries(m_cumulative);
    m_chart->addSeries(m_denials);

    m_timeAxis->setLabelsPosition(QCategoryAxis::AxisLabelsPositionOnValue);
    m_spendAxis->setLabelFormat(QStringLiteral("$%.2f"));
    m_spendAxis->setTitleText(tr("Spend (USD)"));
    m_callsAxis->setLabelFormat(QStringLiteral("%d"));
    m_callsAxis->setTitleText(tr("Calls"));
    m_chart->addAxis(m_timeAxis, Qt::AlignBottom);
    m_chart->addAxis(m_spendAxis, Qt::AlignLeft);
    m_chart->addAxis(m_callsAxis, Qt::AlignRight);
    m_calls->attachAxis(m_timeAxis);
    m_calls->attachAxis(m_callsAxis);
    for (QXYSeries *series :
         {static_cast<QXYSeries *>(m_cumulative), static_cast<QXYSeries *>(m_denials)}) {
        series->attachAxis(m_timeAxis);
        series->attachAxis(m_spendAxis);
    }
    m_denials->setMarkerSize(16);

    // Timelines can arrive in bursts (a refresh per second while a run is busy, a bucket change
    // right after): one redraw per turn of the event loop is enough.
    m_redrawTimer->setSingleShot(true);
    connect(m_redrawTimer, &QTimer::timeout, this, &RunSpendChart::redraw);

    for (QLineSeries *series : {m_cumulative, m_callsUpper})
        connect(series, &QXYSeries::hovered, this, [this](const QPointF &point, bool state) {
            if (state)
                QToolTip::showText(QCursor::pos(), hoverText(qint64(point.x())), m_view);
        });
    applyPalette();
    clear();
}

RunSpendChart::~RunSpendChart() = default;

void RunSpendChart::setTimeFormatter(const TimeFormatter &formatter)
{
    m_time = formatter;
    updateTimeAxis();
}

void RunSpendChart::setTimeline(const client::RunTimeline &timeline, const TimelineSeries &series)
{
    m_timeline = timeline;
    m_series = series;
    m_pending = true;
    scheduleRedraw();
}

void RunSpendChart::setDayStarts(const QList<QDateTime> &starts, const QString &spendTimezone)
{
    m_dayStartTimes = starts;
    m_spendTimezone = spendTimezone;
    scheduleRedraw();
}

void RunSpendChart::updateDayStarts(qreal spendTop)
{
    QList<qreal> inRange;
    for (const QDateTime &start : std::as_const(m_dayStartTimes)) {
        const qreal x = qreal(start.toMSecsSinceEpoch());
        if (x > m_series.xMin && x < m_series.xMax)
            inRange.append(x);
    }
    while (m_dayStarts.size() > inRange.size()) {
        QLineSeries *series = m_dayStarts.takeLast();
        m_chart->removeSeries(series);
        delete series;
    }
    while (m_dayStarts.size() < inRange.size()) {
        auto *series = new QLineSeries(this);
        m_chart->addSeries(series);
        series->attachAxis(m_timeAxis);
        series->attachAxis(m_spendAxis);
        m_dayStarts.append(series);
    }
    QPen pen(palette().color(QPalette::WindowText));
    pen.setStyle(Qt::DotLine);
    pen.setWidthF(1.2);
    for (int i = 0; i < m_dayStarts.size(); ++i) {
        QLineSeries *series = m_dayStarts.at(i);
        series->setName(tr("Spend day starts (%1): caps reset").arg(m_spendTimezone));
        series->setPen(pen);
        series->replace({QPointF(inRange.at(i), 0), QPointF(inRange.at(i), spendTop)});
        // One legend entry for all of them.
        const QList<QLegendMarker *> markers = m_chart->legend()->markers(series);
        for (QLegendMarker *marker : markers)
            marker->setVisible(i == 0);
    }
}

void RunSpendChart::clear()
{
    m_dayStartTimes.clear();
    setTimeline({}, {});
}

void RunSpendChart::flush()
{
    if (m_pending)
        redraw();
}

void RunSpendChart::redraw()
{
    m_redrawTimer->stop();
    m_sinceRedraw.start();
    m_pending = false;
    ++m_redraws;
    // Whole lists in one replace() each: one repaint per series, not one per point.
    m_cumulative->replace(m_series.cumulative);
    m_callsUpper->replace(m_series.callBars);
    QList<QPointF> baseline;
    baseline.reserve(m_series.callBars.size());
    for (const QPointF &point : std::as_const(m_series.callBars))
        baseline.append(QPointF(point.x(), 0));
    m_callsLower->replace(baseline);
    m_denials->replace(m_series.denials);

    // Keys with the same cap share one line, named after all of them.
    QMap<qint64, QStringList> namesOfCap;
    for (const TimelineSeries::CapLine &line : std::as_const(m_series.caps))
        namesOfCap[line.cap.micros()].append(line.name.isEmpty() ? line.keyId : line.name);
    while (m_caps.size() > namesOfCap.size()) {
        QLineSeries *series = m_caps.takeLast();
        m_chart->removeSeries(series);
        delete series;
    }
    bool added = false;
    while (m_caps.size() < namesOfCap.size()) {
        auto *series = new QLineSeries(this);
        m_chart->addSeries(series);
        series->attachAxis(m_timeAxis);
        series->attachAxis(m_spendAxis);
        series->setPointLabelsClipping(false);
        m_caps.append(series);
        added = true;
    }
    if (added) {
        // The run's line and the refusals stay on top of the cap lines they reach.
        for (QXYSeries *series :
             {static_cast<QXYSeries *>(m_cumulative), static_cast<QXYSeries *>(m_denials)}) {
            m_chart->removeSeries(series);
            m_chart->addSeries(series);
            series->attachAxis(m_timeAxis);
            series->attachAxis(m_spendAxis);
        }
        applyPalette();
    }
    const QPalette palette = this->palette();
    int index = 0;
    for (auto it = namesOfCap.cbegin(); it != namesOfCap.cend(); ++it, ++index) {
        QLineSeries *series = m_caps.at(index);
        const Usd cap = Usd::fromMicros(it.key());
        const qreal y = TimelineSeries::dollars(cap);
        const QString text = tr("Daily cap %1: %2")
                                 .arg(UsdText::display(cap), it.value().join(QStringLiteral(", ")));
        series->setName(text);
        // The line across the range, its label over the middle point (placeCapLabels moves it).
        const qreal labelX = (m_series.xMin + m_series.xMax) / 2;
        series->replace({QPointF(m_series.xMin, y), QPointF(labelX, y), QPointF(m_series.xMax, y)});
        series->setPointLabelsFormat(text);
        series->setPointLabelsVisible(true);
        series->setPointConfiguration(0, QXYSeries::PointConfiguration::LabelVisibility, false);
        series->setPointConfiguration(2, QXYSeries::PointConfiguration::LabelVisibility, false);
        QPen pen(ConsoleColors::warning(palette));
        pen.setWidthF(1.5);
        pen.setStyle(Qt::DashLine);
        series->setPen(pen);
        series->setPointLabelsColor(palette.color(QPalette::WindowText));
    }

    const qreal spendTop = std::max(1.0, m_series.spendMax * 1.12);
    m_spendAxis->setRange(0, spendTop);
    m_spendAxis->applyNiceNumbers();
    // The bars stay in the lower part of the plot, under the spend line they explain.
    m_callsAxis->setRange(0, std::max<qreal>(4, std::ceil(qreal(m_series.callsMax) * 2.2)));
    m_callsAxis->applyNiceNumbers();
    m_callsAxis->setTitleText(
        m_timeline.bucket.isEmpty() ? tr("Calls") : tr("Calls per %1").arg(m_timeline.bucket));
    m_calls->setName(m_callsAxis->titleText());
    updateDayStarts(m_spendAxis->max());
    updateTimeAxis();
    placeCapLabels();
    Q_EMIT redrawn();
}

void RunSpendChart::placeCapLabels()
{
    const QRectF plot = m_chart->plotArea();
    const qreal from = m_timeAxis->min();
    const qreal to = m_timeAxis->max();
    if (plot.width() <= 0 || to <= from)
        return;
    constexpr qreal Margin = 8; // px between the label and the plot's edges
    const qreal unitsPerPixel = (to - from) / plot.width();
    for (QLineSeries *series : std::as_const(m_caps)) {
        if (series->count() != 3)
            continue;
        // A point label is centred over its point: the point sits half the label's width (and
        // a margin) inside the right edge, where the line is least likely to meet the spend.
        const QFontMetricsF metrics(series->pointLabelsFont());
        const QString text =
            metrics.elidedText(series->name(), Qt::ElideRight, plot.width() - 2 * Margin);
        const qreal half = metrics.horizontalAdvance(text) / 2 + Margin;
        const qreal x = std::max(to - half * unitsPerPixel, from + half * unitsPerPixel);
        const qreal y = series->at(1).y();
        if (series->pointLabelsFormat() != text)
            series->setPointLabelsFormat(text);
        if (!qFuzzyCompare(series->at(1).x(), x))
            series->replace(1, QPointF(x, y));
    }
}

void RunSpendChart::updateTimeAxis()
{
    const QStringList labels = m_timeAxis->categoriesLabels();
    for (const QString &label : labels)
        m_timeAxis->remove(label);
    const qreal from = m_series.xMin;
    const qreal to = m_series.xMax > m_series.xMin ? m_series.xMax : m_series.xMin + 60'000;
    m_timeAxis->setStartValue(from);
    // Ticks at round instants in the zone the user reads times in; a category axis because Qt
    // Charts' own date-time axis only speaks local time.
    const int maxTicks = std::max(2, m_view->width() / 90);
    const QList<TimeAxisTicks::Tick> ticks =
        TimeAxisTicks::compute(qint64(from), qint64(to), maxTicks, m_time);
    for (const TimeAxisTicks::Tick &tick : ticks)
        m_timeAxis->append(tick.label, tick.msSinceEpoch);
    m_timeAxis->setRange(from, to);
    m_timeAxis->setTitleText(
        tr("Time (%1)")
            .arg(m_time.zoneName(QDateTime::fromMSecsSinceEpoch(qint64(from), QTimeZone::utc()))));
}

qint64 RunSpendChart::msAt(const QPoint &viewportPos) const
{
    const QPointF scene = m_view->mapToScene(viewportPos);
    const QPointF value = m_chart->mapToValue(m_chart->mapFromScene(scene), m_cumulative);
    return qint64(std::llround(value.x()));
}

QString RunSpendChart::hoverText(qint64 msSinceEpoch) const
{
    const qint64 length = m_timeline.bucketSeconds * 1000;
    if (m_timeline.buckets.isEmpty() || length <= 0)
        return {};
    const qint64 first = m_timeline.buckets.constFirst().start.toMSecsSinceEpoch();
    if (msSinceEpoch < first)
        return {};
    const qint64 row = (msSinceEpoch - first) / length;
    if (row >= m_timeline.buckets.size())
        return {};
    const client::TimelineBucket &bucket = m_timeline.buckets.at(row);
    const QDateTime end = bucket.start.addSecs(m_timeline.bucketSeconds);
    const QLocale locale(QLocale::English);
    QStringList lines;
    lines << tr("%1 – %2 %3")
                 .arg(m_time.clock(bucket.start), m_time.clock(end), m_time.zoneName(bucket.start));
    lines << tr("Run total at %1: %2")
                 .arg(m_time.clock(end), UsdText::exact(bucket.cumulativeSpendUsd));
    lines << tr("Spent in this interval: %1").arg(UsdText::exact(bucket.spendUsd));
    lines << tr("Calls: %1 (%2 allowed, %3 refused)")
                 .arg(locale.toString(bucket.calls), locale.toString(bucket.allowed),
                      locale.toString(bucket.denied));
    // The refusals of this interval by reason, with the first one's exact time.
    QMap<QString, int> reasons;
    QDateTime firstDenial;
    for (const client::TimelineDenial &denial : m_timeline.denials) {
        if (denial.ts < bucket.start || denial.ts >= end)
            continue;
        ++reasons[denial.reason.isEmpty() ? denial.verdict : denial.reason];
        if (!firstDenial.isValid())
            firstDenial = denial.ts;
    }
    if (!reasons.isEmpty()) {
        QStringList parts;
        for (auto it = reasons.cbegin(); it != reasons.cend(); ++it)
            parts << tr("%1 × %2").arg(it.key()).arg(it.value());
        lines << tr("Refused: %1 (first at %2)")
                     .arg(parts.join(QStringLiteral(", ")), m_time.clock(firstDenial, true));
    }
    return lines.join(u'\n');
}

bool RunSpendChart::eventFilter(QObject *watched, QEvent *event)
{
    if (watched != m_view->viewport())
        return QWidget::eventFilter(watched, event);
    switch (event->type()) {
    case QEvent::MouseButtonPress: {
        auto *mouse = static_cast<QMouseEvent *>(event);
        if (mouse->button() == Qt::LeftButton
            && m_chart->plotArea().contains(
                m_chart->mapFromScene(m_view->mapToScene(mouse->position().toPoint())))) {
            m_dragStart = mouse->position().toPoint();
            m_dragging = true;
            m_rubberBand->setGeometry(QRect(m_dragStart, QSize()));
            m_rubberBand->show();
            return true;
        }
        break;
    }
    case QEvent::MouseMove: {
        auto *mouse = static_cast<QMouseEvent *>(event);
        const QPoint pos = mouse->position().toPoint();
        if (m_dragging) {
            const QRectF plot =
                m_view->mapFromScene(m_chart->mapToScene(m_chart->plotArea())).boundingRect();
            m_rubberBand->setGeometry(
                QRect(QPoint(std::min(m_dragStart.x(), pos.x()), int(plot.top())),
                      QPoint(std::max(m_dragStart.x(), pos.x()), int(plot.bottom()))));
            return true;
        }
        const QString text = hoverText(msAt(pos));
        if (text.isEmpty())
            QToolTip::hideText();
        else
            QToolTip::showText(mouse->globalPosition().toPoint(), text, m_view);
        break;
    }
    case QEvent::MouseButtonRelease: {
        auto *mouse = static_cast<QMouseEvent *>(event);
        if (!m_dragging || mouse->button() != Qt::LeftButton)
            break;
        m_dragging = false;
        m_rubberBand->hide();
        const QPoint end = mouse->position().toPoint();
        if (std::abs(end.x() - m_dragStart.x()) < MinDragPixels)
            return true;
        qint64 from = msAt(m_dragStart);
        qint64 to = msAt(end);
        if (from > to)
            std::swap(from, to);
        from = std::max(from, qint64(m_series.xMin));
        to = std::min(to, qint64(m_series.xMax));
        if (to > from)
            Q_EMIT rangeSelected(QDateTime::fromMSecsSinceEpoch(from, QTimeZone::utc()),
                                 QDateTime::fromMSecsSinceEpoch(to, QTimeZone::utc()));
        return true;
    }
    case QEvent::Resize:
        updateTimeAxis();
        break;
    default:
        break;
    }
    return QWidget::eventFilter(watched, event);
}

void RunSpendChart::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::StyleChange) {
        applyPalette();
        if (!m_pending)
            redraw();
    }
}

void RunSpendChart::applyPalette()
{
    const QPalette palette = this->palette();
    const bool dark = ConsoleColors::isDark(palette);
    // The theme resets series colours, so ours come after it.
    m_chart->setTheme(dark ? QChart::ChartThemeDark : QChart::ChartThemeLight);
    m_chart->setBackgroundBrush(palette.color(QPalette::Base));
    m_chart->setBackgroundRoundness(0);
    m_chart->setPlotAreaBackgroundVisible(false);
    const QColor text = palette.color(QPalette::WindowText);
    const QColor grid = palette.color(QPalette::Mid);
    for (QAbstractAxis *axis :
         {static_cast<QAbstractAxis *>(m_timeAxis), static_cast<QAbstractAxis *>(m_spendAxis),
          static_cast<QAbstractAxis *>(m_callsAxis)}) {
        axis->setLabelsColor(text);
        axis->setTitleBrush(text);
        axis->setLinePenColor(grid);
        axis->setGridLineColor(dark ? grid.darker(130) : grid.lighter(125));
    }
    m_callsAxis->setGridLineVisible(false);
    m_chart->legend()->setLabelColor(text);

    QPen line(ConsoleColors::accent(palette));
    line.setWidthF(2.2);
    m_cumulative->setPen(line);
    QColor bars = palette.color(QPalette::WindowText);
    bars.setAlphaF(dark ? 0.28f : 0.18f);
    m_calls->setBrush(bars);
    m_calls->setPen(Qt::NoPen);
    const QColor red = ConsoleColors::danger(palette);
    m_denials->setColor(red);
    m_denials->setBorderColor(red);
    m_denials->setLightMarker(denialTick(red, devicePixelRatioF()));
}

// Live data can change many times a second: at most one redraw every RedrawGapMs, the first at
// once (on the next turn of the event loop).
void RunSpendChart::scheduleRedraw()
{
    if (m_redrawTimer->isActive())
        return;
    constexpr qint64 RedrawGapMs = 250;
    const qint64 since = m_sinceRedraw.isValid() ? m_sinceRedraw.elapsed() : RedrawGapMs;
    m_redrawTimer->start(int(std::max<qint64>(0, RedrawGapMs - since)));
}

} // namespace keybrake
