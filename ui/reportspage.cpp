#include "ui/reportspage.h"

#include "client/jsoncodec.h"
#include "models/agentreportmodel.h"
#include "models/anomalymodel.h"
#include "models/connectionmonitor.h"
#include "models/consolesession.h"
#include "models/modelcsvfile.h"
#include "models/runtablemodel.h"
#include "models/usdtext.h"
#include "models/vendordailymodel.h"
#include "models/vendortext.h"
#include "ui/consolecolors.h"
#include "ui/keystatusdelegate.h"
#include "ui/messagebanner.h"
#include "ui/pagetitle.h"
#include "ui/reportsection.h"
#include "ui/themedicon.h"
#include "ui/vendorpalette.h"

#include <QBarCategoryAxis>
#include <QBarSet>
#include <QChart>
#include <QComboBox>
#include <QCursor>
#include <QDir>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QHorizontalBarSeries>
#include <QLabel>
#include <QLegend>
#include <QLocale>
#include <QPushButton>
#include <QSet>
#include <QShowEvent>
#include <QSortFilterProxyModel>
#include <QStackedBarSeries>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QToolTip>
#include <QVBoxLayout>
#include <QValueAxis>

#include <algorithm>
#include <numeric>

namespace keybrake {

namespace {

// Dollars as a chart coordinate. Only the plot uses it; every figure a user reads (labels of
// the table, hover text, exports) comes from the exact micro-dollars.
qreal plotDollars(Usd amount)
{
    return qreal(amount.micros()) / 1e6;
}

// A vendor's colour in the stacked bars: the console's one vendor palette.
QColor vendorColor(const QString &vendor, const QPalette &palette)
{
    return VendorPalette::color(vendor, palette);
}

QString elided(const QString &text, int length)
{
    if (text.size() <= length)
        return text;
    const int head = length / 2 - 1;
    return text.left(head) + QChar(0x2026) + text.right(length - head - 1);
}

// A bar's category: the name and its exact spend (the smallest bars are too short to see), unique
// among `taken` (a category axis drops repeats), by invisible zero-width spaces if need be.
QString barLabel(const QString &name, Usd spend, const QStringList &taken)
{
    QString label = QStringLiteral("%1   %2").arg(name, UsdText::display(spend));
    while (taken.contains(label))
        label += QChar(0x200B);
    return label;
}

// The value axis of a money chart: from 0, nice round steps, dollars.
void fitMoneyAxis(QValueAxis *axis, qreal maximum)
{
    axis->setRange(0, maximum > 0 ? maximum * 1.08 : 1.0);
    axis->applyNiceNumbers();
    axis->setLabelFormat(axis->max() >= 100 ? QStringLiteral("$%.0f") : QStringLiteral("$%.2f"));
}

QChart *newChart()
{
    auto *chart = new QChart;
    chart->setAnimationOptions(QChart::NoAnimation);
    return chart;
}

} // namespace

ReportsPage::ReportsPage(ConsoleSession *session, QWidget *parent)
    : QWidget(parent)
    , m_session(session)
    , m_runs(new RunTableModel(session->client(), this))
    , m_runsSorted(new QSortFilterProxyModel(this))
    , m_agents(new AgentReportModel(session->client(), this))
    , m_vendors(new VendorDailyModel(session->client(), this))
    , m_anomalies(new AnomalyModel(session->client(), this))
{
    setObjectName(QStringLiteral("reportsPage"));
    m_runs->setConnectionMonitor(session->monitor());
    m_agents->setConnectionMonitor(session->monitor());
    m_vendors->setConnectionMonitor(session->monitor());
    m_anomalies->setConnectionMonitor(session->monitor());
    m_runs->setTimeFormatter(session->timeFormatter());
    m_agents->setTimeFormatter(session->timeFormatter());
    m_anomalies->setTimeFormatter(session->timeFormatter());
    // A report reads many runs at once: the server's largest page.
    m_runs->setPageSize(1000);
    m_runsSorted->setSourceModel(m_runs);
    m_runsSorted->setSortRole(RunTableModel::RawValueRole);
    buildUi();

    connect(m_agents, &AgentReportModel::loaded, this, [this] {
        // The runs are counted over the same spend windows as the agents (see the class comment).
        client::RunQuery query;
        query.since = m_agents->report().since;
        query.until = m_agents->report().until;
        m_runs->setQuery(query);
        updateAgents();
        updateAsOf();
    });
    connect(m_agents, &AgentReportModel::loadFailed, this, [this](const QString &message) {
        reportFailure(tr("the agents report"), message);
        updateAgents();
    });
    connect(m_vendors, &VendorDailyModel::loaded, this, [this] {
        updateVendors();
        updateAsOf();
    });
    connect(m_vendors, &VendorDailyModel::loadFailed, this, [this](const QString &message) {
        reportFailure(tr("the daily vendor report"), message);
        updateVendors();
    });
    connect(m_anomalies, &AnomalyModel::loaded, this, [this] {
        updateAnomalies();
        updateAsOf();
    });
    connect(m_anomalies, &AnomalyModel::loadFailed, this, [this](const QString &message) {
        reportFailure(tr("the anomalies"), message);
        updateAnomalies();
    });
    connect(m_runs, &RunTableModel::refreshed, this, &ReportsPage::updateRuns);
    connect(m_runs, &RunTableModel::loadingChanged, this, &ReportsPage::updateRuns);
    connect(m_runs, &QAbstractItemModel::rowsInserted, this, [this] {
        updateRuns();
        if (!m_pendingRunsExport.isEmpty()) {
            if (m_runs->canFetchMore({}))
                m_runs->fetchMore({});
            else if (!m_runs->hasMore())
                writeExport(RunsTab, std::exchange(m_pendingRunsExport, QString()));
        }
    });
    connect(m_runs, &RunTableModel::loadFailed, this, [this](const QString &message) {
        reportFailure(tr("the runs"), message);
        if (!m_pendingRunsExport.isEmpty()) {
            m_pendingRunsExport.clear();
            Q_EMIT exportFinished(false, message);
        }
        updateRuns();
    });
    connect(m_banner, &MessageBanner::actionTriggered, this, &ReportsPage::refresh);
    connect(session->monitor(), &ConnectionMonitor::refreshDue, this, [this] {
        // Reports sum days of calls: the console's polling refreshes them at most every
        // AutoRefreshSeconds (Refresh and F5 at once), so charts do not redraw every few seconds.
        if (m_started && isVisible() && m_lastLoad.isValid()
            && m_lastLoad.elapsed() >= AutoRefreshSeconds * 1000)
            refresh();
    });
    connect(session, &ConsoleSession::timeFormatterChanged, this,
            [this](const TimeFormatter &formatter) {
                m_runs->setTimeFormatter(formatter);
                m_agents->setTimeFormatter(formatter);
                m_anomalies->setTimeFormatter(formatter);
                updateAsOf();
            });
}

ReportsPage::~ReportsPage() = default;

ReportSection *ReportsPage::section(Tab tab) const
{
    return m_sections.value(int(tab));
}

void ReportsPage::buildUi()
{
    auto *outer = new QVBoxLayout(this);
    outer->setContentsMargins(18, 14, 18, 10);
    outer->setSpacing(8);
    auto *header = new QHBoxLayout;
    auto *title = newPageTitle(tr("Reports"), this);
    header->addWidget(title);
    header->addSpacing(12);
    m_asOf = new QLabel(this);
    m_asOf->setObjectName(QStringLiteral("reportsAsOfLabel"));
    m_asOf->setForegroundRole(QPalette::PlaceholderText);
    header->addWidget(m_asOf, 1, Qt::AlignBottom);
    m_range = new QComboBox(this);
    m_range->setObjectName(QStringLiteral("reportsRangeComboBox"));
    m_range->setAccessibleName(tr("Report range"));
    for (int days : {1, 7, 30, 90})
        m_range->addItem(days == 1 ? tr("Today") : tr("Last %1 days").arg(days), days);
    m_range->setCurrentIndex(m_range->findData(m_days));
    auto *rangeLabel = new QLabel(tr("&Range"), this);
    rangeLabel->setBuddy(m_range);
    header->addWidget(rangeLabel);
    header->addWidget(m_range);
    m_zone = new QLabel(this);
    m_zone->setObjectName(QStringLiteral("reportsZoneLabel"));
    m_zone->setForegroundRole(QPalette::PlaceholderText);
    header->addWidget(m_zone);
    auto *refreshButton =
        new QPushButton(ThemedIcon::icon(QStringLiteral("refresh")), tr("Refresh"), this);
    refreshButton->setObjectName(QStringLiteral("reportsRefreshPushButton"));
    connect(refreshButton, &QPushButton::clicked, this, &ReportsPage::refresh);
    header->addWidget(refreshButton);
    outer->addLayout(header);
    connect(m_range, &QComboBox::activated, this,
            [this] { setDays(m_range->currentData().toInt()); });

    m_banner = new MessageBanner(this);
    m_banner->setObjectName(QStringLiteral("reportsMessageBanner"));
    outer->addWidget(m_banner);

    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName(QStringLiteral("reportsTabWidget"));
    m_tabs->setDocumentMode(true);

    // 1. Runs.
    m_runChart = newChart();
    m_runSeries = new QHorizontalBarSeries(m_runChart);
    m_runSeries->setBarWidth(0.7);
    auto *runSet = new QBarSet(tr("Spend"), m_runSeries);
    m_runSeries->append(runSet);
    m_runChart->addSeries(m_runSeries);
    auto *runAxis = new QBarCategoryAxis(m_runChart);
    auto *runValues = new QValueAxis(m_runChart);
    m_runChart->addAxis(runAxis, Qt::AlignLeft);
    m_runChart->addAxis(runValues, Qt::AlignBottom);
    m_runSeries->attachAxis(runAxis);
    m_runSeries->attachAxis(runValues);
    m_runChart->legend()->hide();
    auto *runs = new ReportSection(QStringLiteral("runs"), tr("Top runs by spend"), m_runsSorted,
                                   m_runChart, m_tabs);
    runs->table()->setSortingEnabled(true);
    runs->table()->sortByColumn(RunTableModel::SpendColumn, Qt::DescendingOrder);
    runs->table()->setItemDelegateForColumn(RunTableModel::StatusColumn,
                                            new KeyStatusDelegate(runs->table()));
    for (const auto &[column, width] :
         QList<QPair<int, int>> {{RunTableModel::LabelColumn, 300},
                                 {RunTableModel::StatusColumn, 90},
                                 {RunTableModel::VendorsColumn, 120},
                                 {RunTableModel::UtilisationColumn, 150}})
        runs->table()->setColumnWidth(column, width);
    connect(runs->table(), &QTableView::activated, this, [this](const QModelIndex &index) {
        Q_EMIT openRunRequested(index.data(RunTableModel::LabelRole).toString());
    });

    // 2. Agents.
    m_agentChart = newChart();
    m_agentSeries = new QHorizontalBarSeries(m_agentChart);
    m_agentSeries->setBarWidth(0.7);
    auto *agentSet = new QBarSet(tr("Spend"), m_agentSeries);
    m_agentSeries->append(agentSet);
    m_agentChart->addSeries(m_agentSeries);
    auto *agentAxis = new QBarCategoryAxis(m_agentChart);
    auto *agentValues = new QValueAxis(m_agentChart);
    m_agentChart->addAxis(agentAxis, Qt::AlignLeft);
    m_agentChart->addAxis(agentValues, Qt::AlignBottom);
    m_agentSeries->attachAxis(agentAxis);
    m_agentSeries->attachAxis(agentValues);
    m_agentChart->legend()->hide();
    auto *agents = new ReportSection(QStringLiteral("agents"), tr("Spend per agent (label prefix)"),
                                     m_agents, m_agentChart, m_tabs);
    agents->table()->setColumnWidth(AgentReportModel::PrefixColumn, 320);

    connect(agents->table(), &QTableView::activated, this, [this](const QModelIndex &index) {
        const client::AgentReport &report = m_agents->report();
        Q_EMIT auditRequested(index.data(AgentReportModel::LabelPrefixRole).toString(),
                              report.since, report.until);
    });

    // 3. Vendors by day.
    m_vendorChart = newChart();
    m_vendorSeries = new QStackedBarSeries(m_vendorChart);
    m_vendorSeries->setBarWidth(0.8);
    for (const QString &vendor : VendorText::known()) {
        auto *set = new QBarSet(VendorText::displayName(vendor), m_vendorSeries);
        set->setColor(vendorColor(vendor, palette()));
        set->setBorderColor(Qt::transparent);
        m_vendorSeries->append(set);
    }
    m_vendorChart->addSeries(m_vendorSeries);
    auto *dayAxis = new QBarCategoryAxis(m_vendorChart);
    auto *dayValues = new QValueAxis(m_vendorChart);
    m_vendorChart->addAxis(dayAxis, Qt::AlignBottom);
    m_vendorChart->addAxis(dayValues, Qt::AlignLeft);
    m_vendorSeries->attachAxis(dayAxis);
    m_vendorSeries->attachAxis(dayValues);
    auto *vendors = new ReportSection(QStringLiteral("vendors"), tr("Spend per vendor and day"),
                                      m_vendors, m_vendorChart, m_tabs);

    connect(vendors->table(), &QTableView::activated, this, [this](const QModelIndex &index) {
        const client::VendorDay &day = m_vendors->report().data.at(index.row());
        Q_EMIT auditRequested(QString(), day.windowStart, day.windowEnd);
    });

    // 4. Anomalies: findings with reasons; a table is the clearest form.
    auto *anomalies = new ReportSection(QStringLiteral("anomalies"), tr("Anomalies now"),
                                        m_anomalies, nullptr, m_tabs);
    anomalies->table()->setColumnWidth(AnomalyModel::FindingColumn, 140);
    anomalies->table()->setColumnWidth(AnomalyModel::SubjectColumn, 280);
    anomalies->table()->setColumnWidth(AnomalyModel::FigureColumn, 180);
    anomalies->table()->setColumnWidth(AnomalyModel::PeriodColumn, 90);

    connect(anomalies->table(), &QTableView::activated, this, [this](const QModelIndex &index) {
        const QString keyId = index.data(AnomalyModel::KeyIdRole).toString();
        if (keyId.isEmpty())
            Q_EMIT openRunRequested(index.data(AnomalyModel::LabelRole).toString());
        else
            Q_EMIT openKeyRequested(keyId);
    });
    for (ReportSection *section : {agents, vendors, anomalies})
        section->table()->setToolTip(tr("Enter or double-click opens the calls behind a row"));
    runs->table()->setToolTip(tr("Enter or double-click opens the run"));
    anomalies->table()->setToolTip(tr("Enter or double-click opens the key or run"));

    m_sections = {runs, agents, vendors, anomalies};
    m_tabs->addTab(runs, ThemedIcon::icon(QStringLiteral("runs")), tr("R&uns"));
    m_tabs->addTab(agents, ThemedIcon::icon(QStringLiteral("reports")), tr("&Agents"));
    m_tabs->addTab(vendors, ThemedIcon::icon(QStringLiteral("reports")), tr("Vendors by &day"));
    m_tabs->addTab(anomalies, ThemedIcon::icon(QStringLiteral("warning")), tr("Anomal&ies"));
    m_tabs->setCurrentIndex(VendorsTab);
    outer->addWidget(m_tabs, 1);

    for (int tab = RunsTab; tab <= AnomaliesTab; ++tab) {
        ReportSection *section = m_sections.at(tab);
        connect(section, &ReportSection::exportRequested, this,
                [this, tab] { exportWithDialog(Tab(tab)); });
        connect(section, &ReportSection::retryRequested, this, &ReportsPage::refresh);
        section->showLoading(tr("Loading the report…"));
    }

    // Hover: the exact figures behind a bar, never the plotted double.
    connect(runSet, &QBarSet::hovered, this, [this](bool status, int index) {
        if (!status || index < 0 || index >= m_runBarRows.size()) {
            QToolTip::hideText();
            return;
        }
        const client::RunSummary *run = m_runs->runAt(m_runBarRows.at(index));
        if (run)
            QToolTip::showText(
                QCursor::pos(),
                tr("%1\n%2 spent, %3 held, %n call(s)", nullptr, int(run->totals.calls))
                    .arg(run->label, UsdText::exact(run->totals.spendUsd),
                         UsdText::exact(run->totals.heldUsd)));
    });
    connect(agentSet, &QBarSet::hovered, this, [this](bool status, int index) {
        if (!status || index < 0 || index >= m_agentBarRows.size()) {
            QToolTip::hideText();
            return;
        }
        const client::AgentTotals &row = m_agents->report().data.at(m_agentBarRows.at(index));
        QToolTip::showText(
            QCursor::pos(),
            tr("%1\n%2 spent, %3 held, %n call(s)", nullptr, int(row.totals.calls))
                .arg(row.labelPrefix.isEmpty() ? tr("(labels without a prefix)") : row.labelPrefix,
                     UsdText::exact(row.totals.spendUsd), UsdText::exact(row.totals.heldUsd)));
    });
    const QList<QBarSet *> sets = m_vendorSeries->barSets();
    for (int i = 0; i < sets.size(); ++i) {
        connect(sets.at(i), &QBarSet::hovered, this, [this, i](bool status, int index) {
            if (!status || index < 0 || index >= m_vendors->rowCount()) {
                QToolTip::hideText();
                return;
            }
            QToolTip::showText(QCursor::pos(),
                               m_vendors->index(index, VendorDailyModel::StripeColumn + i)
                                   .data(Qt::ToolTipRole)
                                   .toString());
        });
    }
}

void ReportsPage::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    if (!m_started)
        refresh();
}

void ReportsPage::setDays(int days)
{
    m_days = days;
    const int index = m_range->findData(days);
    if (index >= 0)
        m_range->setCurrentIndex(index);
    m_started = true;
    m_lastLoad.start();
    for (ReportSection *section : std::as_const(m_sections))
        section->showLoading(tr("Loading the report…"));
    m_agents->load(client::ReportRange::lastDays(days));
    m_vendors->load(days);
    m_anomalies->refresh();
}

void ReportsPage::refresh()
{
    if (!m_started) {
        setDays(m_days);
        return;
    }
    m_lastLoad.start();
    m_agents->load(client::ReportRange::lastDays(m_days));
    m_vendors->load(m_days);
    m_anomalies->refresh();
    if (m_runs->hasLoaded())
        m_runs->refresh();
}

void ReportsPage::reportFailure(const QString &what, const QString &message)
{
    m_banner->showMessage(MessageBanner::Kind::Error,
                          tr("Could not load %1: %2").arg(what, message), tr("Retry"));
}

void ReportsPage::updateAsOf()
{
    const TimeFormatter time = m_session->timeFormatter();
    QDateTime asOf = m_vendors->dataAsOf();
    if (!asOf.isValid() || (m_agents->dataAsOf().isValid() && m_agents->dataAsOf() < asOf))
        asOf = m_agents->dataAsOf().isValid() ? m_agents->dataAsOf() : asOf;
    m_asOf->setText(asOf.isValid() ? tr("as of %1 %2").arg(time.clock(asOf), time.zoneName())
                                   : QString());
    const QString zone = m_vendors->report().spendTimezone.isEmpty()
        ? m_agents->report().spendTimezone
        : m_vendors->report().spendTimezone;
    m_zone->setText(zone.isEmpty() ? QString() : tr("days in %1").arg(zone));
    m_zone->setToolTip(tr("Spend days run from midnight to midnight in the server's spend time "
                          "zone (%1), as the daily caps do.")
                           .arg(zone));
    if (m_banner->kind() == MessageBanner::Kind::Error && m_agents->lastError().isEmpty()
        && m_vendors->lastError().isEmpty() && m_anomalies->lastError().isEmpty()
        && m_runs->lastError().isEmpty())
        m_banner->hide();
}

void ReportsPage::updateRuns()
{
    ReportSection *section = m_sections.at(RunsTab);
    if (m_runs->rowCount() == 0) {
        if (m_runs->isLoading() || !m_runs->hasLoaded()) {
            if (!m_runs->lastError().isEmpty() && !m_runs->hasLoaded())
                section->showError(m_runs->lastError());
            else
                section->showLoading(tr("Loading the runs…"));
        } else {
            section->showEmpty(tr("No runs called anything in this range"),
                               tr("A run is every key issued with one agent_run_label. Issue "
                                  "keys with a label and point an agent at the proxy, or widen "
                                  "the range."));
        }
        return;
    }
    section->showContent();
    QList<int> rows(m_runs->rowCount());
    std::iota(rows.begin(), rows.end(), 0);
    const QList<client::RunSummary> all = m_runs->runs();
    std::stable_sort(rows.begin(), rows.end(), [&all](int a, int b) {
        return all.at(a).totals.spendUsd > all.at(b).totals.spendUsd;
    });
    rows.resize(std::min<qsizetype>(rows.size(), TopBars));
    std::reverse(rows.begin(), rows.end());
    m_runBarRows = rows;
    QStringList categories;
    QList<qreal> values;
    qreal maximum = 0;
    for (int row : std::as_const(rows)) {
        const client::RunSummary &run = all.at(row);
        categories.append(barLabel(elided(run.label, 34), run.totals.spendUsd, categories));
        values.append(plotDollars(run.totals.spendUsd));
        maximum = std::max(maximum, values.constLast());
    }
    QBarSet *set = m_runSeries->barSets().constFirst();
    set->remove(0, set->count());
    auto *axis = qobject_cast<QBarCategoryAxis *>(m_runChart->axes(Qt::Vertical).constFirst());
    axis->clear();
    axis->append(categories);
    set->append(values);
    set->setColor(ConsoleColors::accent(palette()));
    fitMoneyAxis(qobject_cast<QValueAxis *>(m_runChart->axes(Qt::Horizontal).constFirst()),
                 maximum);
    ReportSection::applyPalette(m_runChart, palette());
    const QLocale locale;
    section->setNote(
        m_runs->hasMore()
            ? tr("%1 runs loaded (most recently active first; more load as the table scrolls); "
                 "the chart shows the top %2 of them")
                  .arg(locale.toString(m_runs->rowCount()))
                  .arg(rows.size())
            : tr("%n run(s) with calls in the range; the chart shows the top %1", nullptr,
                 m_runs->rowCount())
                  .arg(rows.size()));
}

void ReportsPage::updateAgents()
{
    ReportSection *section = m_sections.at(AgentsTab);
    if (!m_agents->hasReport()) {
        if (!m_agents->lastError().isEmpty())
            section->showError(m_agents->lastError());
        return;
    }
    const client::AgentReport &report = m_agents->report();
    if (report.data.isEmpty()) {
        section->showEmpty(tr("No agent spent anything in this range"),
                           tr("An agent is a label prefix such as lambda/billing/: every run "
                              "labelled under it. Issue keys with run labels to see them here."));
        return;
    }
    section->showContent();
    QList<int> rows(report.data.size());
    std::iota(rows.begin(), rows.end(), 0);
    rows.resize(std::min<qsizetype>(rows.size(), TopBars)); // the server sorts by spend
    std::reverse(rows.begin(), rows.end());
    m_agentBarRows = rows;
    QStringList categories;
    QList<qreal> values;
    qreal maximum = 0;
    for (int row : std::as_const(rows)) {
        const client::AgentTotals &agent = report.data.at(row);
        categories.append(barLabel(agent.labelPrefix.isEmpty() ? tr("(no prefix)")
                                                               : elided(agent.labelPrefix, 34),
                                   agent.totals.spendUsd, categories));
        values.append(plotDollars(agent.totals.spendUsd));
        maximum = std::max(maximum, values.constLast());
    }
    QBarSet *set = m_agentSeries->barSets().constFirst();
    set->remove(0, set->count());
    auto *axis = qobject_cast<QBarCategoryAxis *>(m_agentChart->axes(Qt::Vertical).constFirst());
    axis->clear();
    axis->append(categories);
    set->append(values);
    set->setColor(ConsoleColors::accent(palette()));
    fitMoneyAxis(qobject_cast<QValueAxis *>(m_agentChart->axes(Qt::Horizontal).constFirst()),
                 maximum);
    ReportSection::applyPalette(m_agentChart, palette());
    section->setNote(tr("%n agent(s): %1 spent, %2 held, %3 calls, %4 blocked · %5", nullptr,
                        int(report.data.size()))
                         .arg(UsdText::display(report.totals.totals.spendUsd),
                              UsdText::display(report.totals.totals.heldUsd),
                              QLocale().toString(report.totals.totals.calls),
                              QLocale().toString(report.totals.totals.blocked),
                              report.spendTimezone));
}

void ReportsPage::updateVendors()
{
    ReportSection *section = m_sections.at(VendorsTab);
    if (!m_vendors->hasReport()) {
        if (!m_vendors->lastError().isEmpty())
            section->showError(m_vendors->lastError());
        return;
    }
    const client::VendorDailyReport &report = m_vendors->report();
    section->showContent();
    QStringList categories;
    QString dayAxisTitle;
    const int rows = m_vendors->rowCount();
    // Day-of-month labels fit under 30 bars (a whole date would be elided to "11…"); the axis
    // title gives the dates. Long ranges label every 7th day; the table has every day.
    const int step = rows > 31 ? 7 : 1;
    QSet<QString> used;
    for (int row = 0; row < rows; ++row) {
        const QDate day = QDate::fromString(report.data.at(row).day, Qt::ISODate);
        QString label = row % step == 0 || row == rows - 1 ? QString::number(day.day()) : QString();
        // Category names must be unique: repeats get zero-width spaces, invisible on screen.
        while (used.contains(label))
            label += QChar(0x200B);
        used.insert(label);
        categories.append(label);
    }
    if (rows > 0) {
        const QLocale locale;
        const QDate first = QDate::fromString(report.data.constFirst().day, Qt::ISODate);
        const QDate last = QDate::fromString(report.data.constLast().day, Qt::ISODate);
        dayAxisTitle =
            tr("Spend day in %1: %2 to %3")
                .arg(report.spendTimezone, locale.toString(first, QStringLiteral("d MMM")),
                     locale.toString(last, QStringLiteral("d MMM yyyy")));
    }
    qreal maximum = 0;
    const QList<QBarSet *> sets = m_vendorSeries->barSets();
    QList<qreal> dayTotals(rows, 0);
    for (int i = 0; i < sets.size(); ++i) {
        const QString vendor = VendorText::known().value(i);
        QList<qreal> values;
        values.reserve(rows);
        for (int row = 0; row < rows; ++row) {
            values.append(plotDollars(report.data.at(row).vendors.value(vendor).spendUsd));
            dayTotals[row] += values.constLast();
        }
        sets.at(i)->remove(0, sets.at(i)->count());
        sets.at(i)->append(values);
        sets.at(i)->setColor(vendorColor(vendor, palette()));
    }
    for (qreal total : std::as_const(dayTotals))
        maximum = std::max(maximum, total);
    auto *axis = qobject_cast<QBarCategoryAxis *>(m_vendorChart->axes(Qt::Horizontal).constFirst());
    axis->clear();
    axis->append(categories);
    axis->setTitleText(dayAxisTitle);
    fitMoneyAxis(qobject_cast<QValueAxis *>(m_vendorChart->axes(Qt::Vertical).constFirst()),
                 maximum);
    ReportSection::applyPalette(m_vendorChart, palette());
    QStringList perVendor;
    for (const QString &vendor : report.vendors)
        perVendor.append(
            tr("%1 %2").arg(VendorText::displayName(vendor),
                            UsdText::display(report.vendorTotals.value(vendor).spendUsd)));
    section->setNote(tr("%n day(s) in %1: %2 spent (%3), %4 calls, %5 blocked", nullptr, rows)
                         .arg(report.spendTimezone, UsdText::display(report.totals.spendUsd),
                              perVendor.join(QStringLiteral(", ")),
                              QLocale().toString(report.totals.calls),
                              QLocale().toString(report.totals.blocked)));
}

void ReportsPage::updateAnomalies()
{
    ReportSection *section = m_sections.at(AnomaliesTab);
    if (!m_anomalies->hasReport()) {
        if (!m_anomalies->lastError().isEmpty())
            section->showError(m_anomalies->lastError());
        return;
    }
    if (m_anomalies->rowCount() == 0) {
        section->showEmpty(tr("Nothing unusual right now"), m_anomalies->thresholdsText());
        return;
    }
    section->showContent();
    section->setNote(tr("%n finding(s) as of %1. %2", nullptr, m_anomalies->rowCount())
                         .arg(m_session->timeFormatter().clock(m_anomalies->report().asOf),
                              m_anomalies->thresholdsText()));
}

QStringList ReportsPage::headerLines(Tab tab) const
{
    const ServerProfile &profile = m_session->profile();
    const auto time = [](const QDateTime &when) {
        return when.isValid() ? client::JsonCodec::timeToJson(when).toString()
                              : QStringLiteral("open");
    };
    QStringList lines;
    QString zone;
    switch (tab) {
    case RunsTab:
        lines << tr("Keybrake report: per-run cost summary (GET /v1/runs)")
              << tr("Range: calls from %1 until %2 (the last %n spend day(s))", nullptr, m_days)
                     .arg(time(m_runs->query().since), time(m_runs->query().until));
        zone = m_runs->spendTimezone();
        break;
    case AgentsTab:
        lines << tr("Keybrake report: totals per agent label prefix (GET /v1/reports/agents)")
              << tr("Range: %1 until %2 (the last %n spend day(s))", nullptr, m_days)
                     .arg(time(m_agents->report().since), time(m_agents->report().until));
        zone = m_agents->report().spendTimezone;
        break;
    case VendorsTab:
        lines << tr("Keybrake report: spend per vendor and day (GET /v1/reports/vendors/daily)")
              << tr("Range: %1 until %2 (the last %n spend day(s))", nullptr, m_days)
                     .arg(time(m_vendors->report().since), time(m_vendors->report().until));
        zone = m_vendors->report().spendTimezone;
        break;
    case AnomaliesTab:
        lines << tr("Keybrake report: anomalies (GET /v1/reports/anomalies)")
              << tr("As of %1. %2")
                     .arg(time(m_anomalies->report().asOf), m_anomalies->thresholdsText());
        zone = m_anomalies->report().spendTimezone;
        break;
    }
    lines << tr("Server: %1 (%2)").arg(profile.name, profile.url.toString())
          << tr("Times: UTC (RFC 3339); money: USD, exact decimals; spend days: %1")
                 .arg(zone.isEmpty() ? QStringLiteral("UTC") : zone)
          << tr("Exported: %1").arg(time(QDateTime::currentDateTimeUtc()))
          << tr("Text cells a spreadsheet would run as a formula (starting with = + - @) begin "
                "with an apostrophe");
    return lines;
}

void ReportsPage::exportWithDialog(Tab tab)
{
    static const char *const names[] = {"runs", "agents", "vendors-daily", "anomalies"};
    const QString suggested =
        QDir(QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation))
            .filePath(QStringLiteral("keybrake-%1-%2.csv")
                          .arg(QString::fromLatin1(names[tab]),
                               QDateTime::currentDateTimeUtc().toString(
                                   QStringLiteral("yyyyMMdd'T'HHmmss'Z'"))));
    const QString path =
        QFileDialog::getSaveFileName(this, tr("Export Report"), suggested, tr("CSV files (*.csv)"));
    if (!path.isEmpty())
        exportTo(tab, path);
}

void ReportsPage::exportTo(Tab tab, const QString &path)
{
    if (tab == RunsTab && m_runs->hasMore()) {
        // Every run of the range, not only the loaded ones: read on, then write.
        m_pendingRunsExport = path;
        if (m_runs->canFetchMore({}))
            m_runs->fetchMore({});
        return;
    }
    writeExport(tab, path);
}

void ReportsPage::writeExport(Tab tab, const QString &path)
{
    const QAbstractItemModel *model = nullptr;
    int role = 0;
    switch (tab) {
    case RunsTab:
        model = m_runs;
        role = RunTableModel::ExportRole;
        break;
    case AgentsTab:
        model = m_agents;
        role = AgentReportModel::ExportRole;
        break;
    case VendorsTab:
        model = m_vendors;
        role = VendorDailyModel::ExportRole;
        break;
    case AnomaliesTab:
        model = m_anomalies;
        role = AnomalyModel::ExportRole;
        break;
    }
    const QString error = ModelCsvFile::write(path, *model, role, headerLines(tab));
    if (error.isEmpty())
        m_banner->showMessage(MessageBanner::Kind::Information,
                              tr("Exported %n row(s) to %1.", nullptr, model->rowCount())
                                  .arg(QDir::toNativeSeparators(path)));
    else
        m_banner->showMessage(MessageBanner::Kind::Error, error);
    Q_EMIT exportFinished(error.isEmpty(), error);
}

} // namespace keybrake
