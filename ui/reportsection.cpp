#include "ui/reportsection.h"

#include "ui/consolecolors.h"
#include "ui/pagestatewidget.h"
#include "ui/themedicon.h"

#include <QAbstractAxis>
#include <QChart>
#include <QChartView>
#include <QEvent>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLegend>
#include <QPushButton>
#include <QStackedWidget>
#include <QTableView>
#include <QVBoxLayout>

namespace keybrake {

ReportSection::ReportSection(const QString &name, const QString &title,
                             QAbstractItemModel *tableModel, QChart *chart, QWidget *parent)
    : QWidget(parent)
    , m_chart(chart)
    , m_table(new QTableView(this))
    , m_note(new QLabel(this))
    , m_export(
          new QPushButton(ThemedIcon::icon(QStringLiteral("audit-log")), tr("Export CSV…"), this))
    , m_stack(new QStackedWidget(this))
    , m_views(new QStackedWidget(this))
    , m_state(new PageStateWidget(this))
{
    setObjectName(name + QStringLiteral("ReportSection"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 8, 0, 0);
    layout->setSpacing(6);
    auto *header = new QHBoxLayout;
    auto *heading = new QLabel(title, this);
    QFont font = heading->font();
    font.setBold(true);
    font.setPointSizeF(font.pointSizeF() * 1.1);
    heading->setFont(font);
    header->addWidget(heading);
    header->addSpacing(10);
    m_note->setObjectName(name + QStringLiteral("NoteLabel"));
    m_note->setForegroundRole(QPalette::PlaceholderText);
    m_note->setWordWrap(true);
    m_note->setTextInteractionFlags(Qt::TextSelectableByMouse);
    header->addWidget(m_note, 1, Qt::AlignBottom);
    if (chart) {
        m_toggle = new QPushButton(tr("Show as table"), this);
        m_toggle->setObjectName(name + QStringLiteral("TableTogglePushButton"));
        m_toggle->setCheckable(true);
        m_toggle->setToolTip(tr("The chart's figures as a table a screen reader can read"));
        header->addWidget(m_toggle);
        connect(m_toggle, &QPushButton::toggled, this, &ReportSection::setShowsTable);
    }
    m_export->setObjectName(name + QStringLiteral("ExportPushButton"));
    m_export->setToolTip(tr("Write this report's table to a CSV file: exact amounts, UTC times"));
    header->addWidget(m_export);
    layout->addLayout(header);
    connect(m_export, &QPushButton::clicked, this, &ReportSection::exportRequested);

    m_table->setObjectName(name + QStringLiteral("TableView"));
    m_table->setAccessibleName(title);
    m_table->setModel(tableModel);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 10);
    m_table->horizontalHeader()->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    m_table->horizontalHeader()->setHighlightSections(false);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setShowGrid(false);
    m_table->setAlternatingRowColors(true);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setWordWrap(false);
    m_table->setTextElideMode(Qt::ElideMiddle);
    if (chart) {
        m_chartView = new QChartView(chart, m_views);
        m_chartView->setObjectName(name + QStringLiteral("ChartView"));
        m_chartView->setAccessibleName(tr("%1, chart").arg(title));
        m_chartView->setAccessibleDescription(
            tr("The same figures are in the table: press Show as table."));
        m_chartView->setRenderHint(QPainter::Antialiasing);
        m_chartView->setMinimumHeight(220);
        chart->setBackgroundVisible(false);
        chart->setMargins(QMargins(4, 4, 4, 4));
        chart->legend()->setAlignment(Qt::AlignTop);
        applyPalette(chart, palette());
        m_views->addWidget(m_chartView);
    }
    m_views->addWidget(m_table);
    m_stack->addWidget(m_views);
    m_state->setObjectName(name + QStringLiteral("StateWidget"));
    m_stack->addWidget(m_state);
    layout->addWidget(m_stack, 1);
    connect(m_state, &PageStateWidget::actionTriggered, this, &ReportSection::retryRequested);
}

ReportSection::~ReportSection() = default;

bool ReportSection::showsTable() const
{
    return m_views->currentWidget() == m_table;
}

void ReportSection::setShowsTable(bool table)
{
    if (!m_chartView)
        return;
    m_views->setCurrentWidget(table ? static_cast<QWidget *>(m_table) : m_chartView);
    if (m_toggle->isChecked() != table)
        m_toggle->setChecked(table);
    m_toggle->setText(table ? tr("Show as chart") : tr("Show as table"));
}

void ReportSection::setNote(const QString &text)
{
    m_note->setText(text);
}

QString ReportSection::note() const
{
    return m_note->text();
}

void ReportSection::showContent()
{
    m_stack->setCurrentWidget(m_views);
    m_export->setEnabled(true);
}

void ReportSection::showLoading(const QString &text)
{
    m_state->showLoading(text);
    m_stack->setCurrentWidget(m_state);
    m_export->setEnabled(false);
}

void ReportSection::showEmpty(const QString &title, const QString &text)
{
    m_state->showMessage(QStringLiteral("reports"), title, text);
    m_stack->setCurrentWidget(m_state);
    m_export->setEnabled(false);
}

void ReportSection::showError(const QString &text)
{
    m_state->showMessage(QStringLiteral("error"), tr("Could not load this report"), text,
                         tr("Retry"));
    m_stack->setCurrentWidget(m_state);
    m_export->setEnabled(false);
}

void ReportSection::applyPalette(QChart *chart, const QPalette &palette)
{
    const QColor text = palette.color(QPalette::WindowText);
    QColor grid = palette.color(QPalette::Mid);
    grid.setAlpha(110);
    chart->setBackgroundVisible(false);
    chart->setTitleBrush(text);
    chart->legend()->setLabelColor(text);
    const QList<QAbstractAxis *> axes = chart->axes();
    for (QAbstractAxis *axis : axes) {
        axis->setLabelsColor(text);
        axis->setTitleBrush(text);
        axis->setLinePenColor(palette.color(QPalette::Mid));
        axis->setGridLineColor(grid);
    }
}

void ReportSection::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange && m_chart)
        applyPalette(m_chart, palette());
}

} // namespace keybrake
