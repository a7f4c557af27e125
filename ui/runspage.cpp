#include "ui/runspage.h"

#include "client/keybrakeclient.h"
#include "client/runquery.h"
#include "models/auditlogmodel.h"
#include "models/connectionmonitor.h"
#include "models/consolesession.h"
#include "models/livefeed.h"
#include "models/runawaydetector.h"
#include "models/rundetailmodel.h"
#include "models/runexport.h"
#include "models/runtablemodel.h"
#include "models/runtimelinemodel.h"
#include "models/runwaytracker.h"
#include "ui/caputilisationdelegate.h"
#include "ui/keystatusdelegate.h"
#include "ui/livetablehold.h"
#include "ui/messagebanner.h"
#include "ui/pagestatewidget.h"
#include "ui/pagetitle.h"
#include "ui/runlabeldelegate.h"
#include "ui/runspendchart.h"

#include <QAction>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QEvent>
#include <QFileDialog>
#include <QFontDatabase>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHash>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QPushButton>
#include <QSplitter>
#include <QStackedWidget>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

#include <set>

namespace keybrake {

namespace {

QTableView *makeTable(const QString &objectName, const QString &accessibleName, QWidget *parent)
{
    auto *table = new QTableView(parent);
    table->setObjectName(objectName);
    table->setAccessibleName(accessibleName);
    table->verticalHeader()->hide();
    table->verticalHeader()->setDefaultSectionSize(table->fontMetrics().height() + 10);
    table->setShowGrid(false);
    table->setAlternatingRowColors(true);
    table->setSelectionBehavior(QAbstractItemView::SelectRows);
    table->setSelectionMode(QAbstractItemView::SingleSelection);
    table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table->setWordWrap(false);
    table->setTextElideMode(Qt::ElideMiddle);
    table->horizontalHeader()->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    table->horizontalHeader()->setHighlightSections(false);
    table->horizontalHeader()->setStretchLastSection(true);
    return table;
}

// Buckets the whole-run chart asks for: readable bars, far below the server's 2,000.
constexpr int AutoBuckets = 240;

} // namespace

RunsPage::RunsPage(ConsoleSession *session, QWidget *parent)
    : QWidget(parent)
    , m_session(session)
    , m_runs(new RunTableModel(session->client(), this))
    , m_timeline(new RunTimelineModel(session->client(), this))
    , m_detail(new RunDetailModel(session->client(), this))
    , m_calls(new AuditLogModel(session->client(), this))
    , m_export(new RunExport(session->client(), this))
    , m_chooseDirectory([](QWidget *parent, const QString &label) {
        return QFileDialog::getExistingDirectory(
            parent, RunsPage::tr("Export run %1 to folder").arg(label));
    })
    , m_blockPrompt([](QWidget *parent, const QString &prefix) -> std::optional<BlockAnswer> {
        // The prefix is editable (block the agent, or only this run); the reason is required
        // by the server and kept on the block and the audit row.
        QDialog dialog(parent);
        dialog.setWindowTitle(RunsPage::tr("Block a label prefix"));
        auto *form = new QFormLayout(&dialog);
        auto *explain = new QLabel(
            RunsPage::tr("While the block is in force no vault key whose run label starts with "
                         "the prefix is issued, and no call of an existing one is admitted."),
            &dialog);
        explain->setWordWrap(true);
        form->addRow(explain);
        auto *prefixEdit = new QLineEdit(prefix, &dialog);
        prefixEdit->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
        prefixEdit->setMinimumWidth(360);
        auto *reasonEdit = new QLineEdit(&dialog);
        reasonEdit->setPlaceholderText(RunsPage::tr("Why, for the audit log (required)"));
        form->addRow(RunsPage::tr("&Prefix:"), prefixEdit);
        form->addRow(RunsPage::tr("&Reason:"), reasonEdit);
        auto *buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, &dialog);
        QPushButton *block =
            buttons->addButton(RunsPage::tr("&Block prefix"), QDialogButtonBox::AcceptRole);
        const auto check = [=] {
            block->setEnabled(!prefixEdit->text().trimmed().isEmpty()
                              && !reasonEdit->text().trimmed().isEmpty());
            block->setToolTip(
                block->isEnabled() ? QString() : RunsPage::tr("Give a prefix and a reason first"));
        };
        QObject::connect(prefixEdit, &QLineEdit::textChanged, &dialog, check);
        QObject::connect(reasonEdit, &QLineEdit::textChanged, &dialog, check);
        check();
        QObject::connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
        QObject::connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
        form->addRow(buttons);
        reasonEdit->setFocus();
        if (dialog.exec() != QDialog::Accepted)
            return std::nullopt;
        return BlockAnswer {prefixEdit->text(), reasonEdit->text().trimmed()};
    })
{
    setObjectName(QStringLiteral("runsPage"));
    m_runs->setConnectionMonitor(session->monitor());
    m_runs->setRunawayDetector(session->runaway());
    m_timeline->setConnectionMonitor(session->monitor());
    m_detail->setConnectionMonitor(session->monitor());
    m_calls->setConnectionMonitor(session->monitor());
    m_calls->setPageSize(200);
    buildUi();

    const auto applyTime = [this](const TimeFormatter &formatter) {
        m_runs->setTimeFormatter(formatter);
        m_timeline->setTimeFormatter(formatter);
        m_detail->setTimeFormatter(formatter);
        m_calls->setTimeFormatter(formatter);
        m_chart->setTimeFormatter(formatter);
        updateState();
    };
    applyTime(session->timeFormatter());
    connect(session, &ConsoleSession::timeFormatterChanged, this, applyTime);

    connect(m_runs, &RunTableModel::loadingChanged, this, &RunsPage::updateState);
    connect(m_runs, &RunTableModel::refreshed, this, [this] {
        m_banner->hide();
        updateState();
        updatePrefixes();
        selectFirstIfAsked();
        if (!m_label.isEmpty())
            selectRowOf(m_label);
    });
    connect(m_runs, &QAbstractItemModel::rowsInserted, this, [this] {
        updateState();
        updatePrefixes();
    });
    connect(m_runs, &QAbstractItemModel::modelReset, this, &RunsPage::updateState);
    connect(m_runs, &RunTableModel::loadFailed, this, [this](const QString &message) {
        m_banner->showMessage(MessageBanner::Kind::Error,
                              tr("Could not load the runs: %1").arg(message), tr("Retry"));
        updateState();
    });
    connect(m_banner, &MessageBanner::actionTriggered, this, &RunsPage::refresh);

    connect(m_timeline, &RunTimelineModel::loaded, this, [this] {
        m_chart->setTimeline(m_timeline->timeline(), m_timeline->series());
        if (m_timeline->timeline().denialsTruncated)
            m_detailBanner->showMessage(
                MessageBanner::Kind::Information,
                tr("This range has more than 10,000 refused calls; the chart marks the first "
                   "10,000. Narrow the range to see the rest."));
        updateHeadline();
    });
    connect(m_timeline, &RunTimelineModel::loadFailed, this, [this](const QString &message) {
        m_detailBanner->showMessage(MessageBanner::Kind::Error,
                                    tr("Could not load the run's timeline: %1").arg(message),
                                    tr("Retry"));
    });
    connect(m_timeline, &RunTimelineModel::bucketAdjusted, this, [this](const QString &bucket) {
        const QSignalBlocker blocker(m_bucket);
        m_bucket->setCurrentIndex(std::max(0, m_bucket->findData(bucket)));
        m_detailBanner->showMessage(
            MessageBanner::Kind::Information,
            tr("That range has too many intervals for the chosen bucket; showing %1 buckets.")
                .arg(bucket));
    });
    connect(m_detail, &RunDetailModel::loaded, this, [this] {
        QList<QDateTime> starts;
        for (const client::RunDayTotals &day : m_detail->detail().days)
            starts.append(day.windowStart);
        // The day after the last one with calls starts where that one ends.
        if (!m_detail->detail().days.isEmpty())
            starts.append(m_detail->detail().days.constLast().windowEnd);
        m_chart->setDayStarts(starts, m_detail->detail().spendTimezone);
        updateHeadline();
    });
    connect(m_detail, &RunDetailModel::loadFailed, this, [this](const QString &message) {
        m_detailBanner->showMessage(MessageBanner::Kind::Error,
                                    tr("Could not load the run: %1").arg(message), tr("Retry"));
    });
    connect(m_detailBanner, &MessageBanner::actionTriggered, this, [this] {
        m_detailBanner->hide();
        m_detail->refresh();
        loadTimeline();
        m_calls->refresh();
    });
    connect(m_chart, &RunSpendChart::rangeSelected, this, &RunsPage::selectRange);

    connect(m_export, &RunExport::progress, this, [this](const QString &step) {
        m_detailBanner->showMessage(MessageBanner::Kind::Information, step);
    });
    connect(m_export, &RunExport::finished, this, [this](bool ok, const QString &message) {
        m_exportButton->setEnabled(true);
        if (ok)
            m_detailBanner->showMessage(
                MessageBanner::Kind::Information,
                tr("Exported run %1 to %2").arg(m_label, m_export->files().join(u", ")));
        else
            m_detailBanner->showMessage(MessageBanner::Kind::Error,
                                        tr("Could not export the run: %1").arg(message));
        Q_EMIT exportFinished(ok, message);
    });

    // The selected run's calls appear as the live stream delivers them (the model keeps only
    // the rows of its filter, newer than the ones it has).
    connect(session->live(), &LiveFeed::callReceived, m_calls,
            [this](const client::AuditEntry &call) {
                if (!m_label.isEmpty() && call.agentRunLabel == m_label)
                    m_calls->addEntry(call);
            });
    connect(session->monitor(), &ConnectionMonitor::refreshDue, this, [this] {
        if (isVisible())
            refresh();
    });
    connect(session, &ConsoleSession::permissionsChanged, this, &RunsPage::updateActions);
    // The run's runway ("cap in ~12 min") moves with every call and with time.
    connect(session->runway(), &RunwayTracker::updated, this, &RunsPage::updateHeadline);
    updateState();
    updateActions();
    refreshBlocks();
}

RunsPage::~RunsPage() = default;

void RunsPage::buildUi()
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(18, 14, 18, 14);
    layout->setSpacing(10);

    auto *header = new QHBoxLayout;
    auto *title = newPageTitle(tr("Runs"), this);
    m_asOf = new QLabel(this);
    m_asOf->setObjectName(QStringLiteral("runsAsOfLabel"));
    m_asOf->setForegroundRole(QPalette::PlaceholderText);
    header->addWidget(title);
    header->addSpacing(12);
    header->addWidget(m_asOf, 1, Qt::AlignBottom);
    layout->addLayout(header);

    auto *filters = new QHBoxLayout;
    m_search = new QLineEdit(this);
    m_search->setObjectName(QStringLiteral("runsSearchLineEdit"));
    m_search->setPlaceholderText(tr("Search run labels"));
    m_search->setAccessibleName(tr("Search run labels"));
    m_search->setToolTip(tr("Runs whose label contains this text, in any case"));
    m_search->setClearButtonEnabled(true);
    m_search->setMinimumWidth(200); // stretches; narrower only in a 1024 px window
    auto *prefixLabel = new QLabel(tr("A&gent:"), this);
    m_prefix = new QComboBox(this);
    m_prefix->setObjectName(QStringLiteral("runsPrefixComboBox"));
    m_prefix->setAccessibleName(tr("Label prefix"));
    m_prefix->setToolTip(tr("Runs whose label starts with this prefix (the agent); type any "
                            "prefix or pick one seen"));
    m_prefix->setEditable(true);
    m_prefix->setInsertPolicy(QComboBox::NoInsert);
    m_prefix->setMinimumWidth(220);
    m_prefix->lineEdit()->setPlaceholderText(tr("All agents"));
    m_prefix->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    prefixLabel->setBuddy(m_prefix);
    auto *statusLabel = new QLabel(tr("S&tatus:"), this);
    m_status = new QComboBox(this);
    m_status->setObjectName(QStringLiteral("runsStatusComboBox"));
    m_status->setAccessibleName(tr("Run status"));
    m_status->addItem(tr("All"), -1);
    m_status->addItem(tr("Active"), int(client::RunStatus::Active));
    m_status->addItem(tr("Ended"), int(client::RunStatus::Ended));
    statusLabel->setBuddy(m_status);
    auto *refreshButton = new QPushButton(tr("&Refresh"), this);
    refreshButton->setObjectName(QStringLiteral("runsRefreshPushButton"));
    refreshButton->setToolTip(tr("Read the runs and the selected run again (F5)"));
    filters->addWidget(m_search, 2);
    filters->addSpacing(8);
    filters->addWidget(prefixLabel);
    filters->addWidget(m_prefix, 1);
    filters->addSpacing(8);
    filters->addWidget(statusLabel);
    filters->addWidget(m_status);
    filters->addStretch();
    filters->addWidget(refreshButton);
    layout->addLayout(filters);

    m_banner = new MessageBanner(this);
    m_banner->setObjectName(QStringLiteral("runsMessageBanner"));
    layout->addWidget(m_banner);
    // What a run action did (a block created), apart from the load errors a refresh clears.
    m_actionResult = new MessageBanner(this);
    m_actionResult->setObjectName(QStringLiteral("runActionResultBanner"));
    m_actionResult->hide();
    layout->addWidget(m_actionResult);

    auto *splitter = new QSplitter(Qt::Vertical, this);
    splitter->setObjectName(QStringLiteral("runsSplitter"));
    splitter->setChildrenCollapsible(false);
    m_tableStack = new QStackedWidget(splitter);
    m_state = new PageStateWidget(m_tableStack);
    m_state->setObjectName(QStringLiteral("runsStateWidget"));
    m_table = makeTable(QStringLiteral("runsTableView"), tr("Runs"), m_tableStack);
    m_table->setModel(m_runs);
    m_table->setItemDelegateForColumn(RunTableModel::StatusColumn, new KeyStatusDelegate(m_table));
    m_table->setItemDelegateForColumn(RunTableModel::LabelColumn, new RunLabelDelegate(m_table));
    m_table->setItemDelegateForColumn(RunTableModel::UtilisationColumn,
                                      new CapUtilisationDelegate(m_table));
    // Columns are fitted to the rows' width (fitColumns), never wider than the view.
    m_table->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_table->viewport()->installEventFilter(this);
    m_table->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_table, &QWidget::customContextMenuRequested, this, &RunsPage::onContextMenu);
    // Live data never changes what a click hits: while the pointer is over the runs, runs that
    // appear wait (their numbers still update in place), counted in the pill.
    m_hold = new LiveTableHold(m_table);
    connect(m_hold, &LiveTableHold::heldChanged, m_runs, &RunTableModel::setHoldingChanges);
    connect(m_hold, &LiveTableHold::heldChanged, this, [this](bool held) {
        if (!held)
            fitColumns();
    });
    connect(m_hold, &LiveTableHold::applyRequested, m_runs, &RunTableModel::applyHeldChanges);
    connect(m_runs, &RunTableModel::heldChangesChanged, this, &RunsPage::updateHeldPill);
    m_tableStack->addWidget(m_state);
    m_tableStack->addWidget(m_table);
    splitter->addWidget(m_tableStack);
    splitter->addWidget(buildDetail());
    // The runs get as much height as the chart below (at 700 px the table showed two rows).
    splitter->setStretchFactor(0, 1);
    splitter->setStretchFactor(1, 1);
    layout->addWidget(splitter, 1);
    fitColumns();

    m_searchTimer = new QTimer(this);
    m_searchTimer->setSingleShot(true);
    m_searchTimer->setInterval(250);
    connect(m_searchTimer, &QTimer::timeout, this, &RunsPage::applyFilters);
    connect(m_search, &QLineEdit::textChanged, m_searchTimer, qOverload<>(&QTimer::start));
    // Enter: the list for this text, and the first (latest) run of it opened, so a run is one
    // search and one key away.
    connect(m_search, &QLineEdit::returnPressed, this, [this] {
        m_selectFirst = true;
        applyFilters();
        selectFirstIfAsked();
    });
    connect(m_prefix, &QComboBox::currentTextChanged, m_searchTimer, qOverload<>(&QTimer::start));
    connect(m_status, &QComboBox::currentIndexChanged, this, &RunsPage::applyFilters);
    connect(refreshButton, &QPushButton::clicked, this, &RunsPage::refresh);
    connect(m_state, &PageStateWidget::actionTriggered, this, [this] {
        if (!m_runs->lastError().isEmpty()) {
            refresh();
            return;
        }
        m_search->clear();
        m_prefix->setCurrentText(QString());
        m_status->setCurrentIndex(0);
        applyFilters();
    });
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex &current) {
                if (const client::RunSummary *run = m_runs->runAt(current.row()))
                    showRun(run->label);
            });
}

QWidget *RunsPage::buildDetail()
{
    m_detailStack = new QStackedWidget(this);
    m_detailState = new PageStateWidget(m_detailStack);
    m_detailState->setObjectName(QStringLiteral("runDetailStateWidget"));
    m_detailState->showMessage(
        QStringLiteral("runs"), tr("No run selected"),
        tr("Select a run above to see its spend over time against its keys' caps, every call "
           "it made, and the moment it was stopped."));
    m_detailStack->addWidget(m_detailState);

    auto *detail = new QWidget(m_detailStack);
    auto *layout = new QVBoxLayout(detail);
    layout->setContentsMargins(0, 8, 0, 0);
    layout->setSpacing(6);
    auto *headline = new QHBoxLayout;
    m_runTitle = new QLabel(detail);
    m_runTitle->setObjectName(QStringLiteral("runTitleLabel"));
    m_runTitle->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    mono.setBold(true);
    mono.setPointSizeF(mono.pointSizeF() * 1.1);
    m_runTitle->setFont(mono);
    m_runSummary = new QLabel(detail);
    m_runSummary->setObjectName(QStringLiteral("runSummaryLabel"));
    m_runSummary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    // Title and summary give way to the run's buttons in a narrow window (both in tooltips).
    m_runTitle->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    m_runTitle->setMinimumWidth(160);
    m_runSummary->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    headline->addWidget(m_runTitle, 1);
    headline->addSpacing(12);
    headline->addWidget(m_runSummary, 2);
    // What the run's page is for in an incident: stop it, keep its agent out, see its keys.
    m_revokeRunButton = new QPushButton(tr("Re&voke run…"), detail);
    m_revokeRunButton->setObjectName(QStringLiteral("revokeRunPushButton"));
    m_blockPrefixButton = new QPushButton(tr("B&lock prefix…"), detail);
    m_blockPrefixButton->setObjectName(QStringLiteral("blockPrefixPushButton"));
    m_openKeysButton = new QPushButton(tr("Open &keys"), detail);
    m_openKeysButton->setObjectName(QStringLiteral("openRunKeysPushButton"));
    m_openKeysButton->setToolTip(tr("The keys of this run on Vault Keys"));
    headline->addWidget(m_openKeysButton);
    headline->addWidget(m_blockPrefixButton);
    headline->addWidget(m_revokeRunButton);
    connect(m_revokeRunButton, &QPushButton::clicked, this, [this] { revokeRun(m_label); });
    connect(m_blockPrefixButton, &QPushButton::clicked, this, [this] { blockPrefix(m_label); });
    connect(m_openKeysButton, &QPushButton::clicked, this, [this] { openKeys(m_label); });
    layout->addLayout(headline);

    auto *controls = new QHBoxLayout;
    auto *rangeLabel = new QLabel(tr("R&ange:"), detail);
    m_range = new QComboBox(detail);
    m_range->setObjectName(QStringLiteral("runRangeComboBox"));
    m_range->setAccessibleName(tr("Chart time range"));
    m_range->addItem(tr("Whole run"), int(Range::WholeRun));
    m_range->addItem(tr("Last 15 minutes"), int(Range::Last15Minutes));
    m_range->addItem(tr("Last hour"), int(Range::LastHour));
    m_range->addItem(tr("Last 24 hours"), int(Range::Last24Hours));
    m_range->addItem(tr("Selection"), int(Range::Selection));
    m_range->setToolTip(tr("Drag across the chart to select a range"));
    rangeLabel->setBuddy(m_range);
    auto *bucketLabel = new QLabel(tr("&Interval:"), detail);
    m_bucket = new QComboBox(detail);
    m_bucket->setObjectName(QStringLiteral("runBucketComboBox"));
    m_bucket->setAccessibleName(tr("Chart interval"));
    m_bucket->addItem(tr("Auto"), QString());
    m_bucket->addItem(tr("10 s"), QStringLiteral("10s"));
    m_bucket->addItem(tr("1 min"), QStringLiteral("1m"));
    m_bucket->addItem(tr("5 min"), QStringLiteral("5m"));
    m_bucket->addItem(tr("1 h"), QStringLiteral("1h"));
    bucketLabel->setBuddy(m_bucket);
    m_showAsTable = new QPushButton(tr("Show as &table"), detail);
    m_showAsTable->setObjectName(QStringLiteral("showAsTablePushButton"));
    m_showAsTable->setCheckable(true);
    m_showAsTable->setToolTip(tr("The chart's figures as a table, exact to the micro-dollar"));
    m_exportButton = new QPushButton(tr("E&xport run…"), detail);
    m_exportButton->setObjectName(QStringLiteral("exportRunPushButton"));
    m_exportButton->setToolTip(
        tr("Write the run, its timeline and every call as JSON and CSV for an incident review"));
    controls->addWidget(rangeLabel);
    controls->addWidget(m_range);
    controls->addSpacing(8);
    controls->addWidget(bucketLabel);
    controls->addWidget(m_bucket);
    controls->addStretch();
    controls->addWidget(m_showAsTable);
    controls->addWidget(m_exportButton);
    layout->addLayout(controls);

    m_detailBanner = new MessageBanner(detail);
    m_detailBanner->setObjectName(QStringLiteral("runDetailMessageBanner"));
    layout->addWidget(m_detailBanner);

    auto *split = new QSplitter(Qt::Vertical, detail);
    split->setChildrenCollapsible(false);
    m_chartStack = new QStackedWidget(split);
    m_chart = new RunSpendChart(m_chartStack);
    m_timelineTable = makeTable(QStringLiteral("runTimelineTableView"), tr("Run spend by interval"),
                                m_chartStack);
    m_timelineTable->setModel(m_timeline);
    m_timelineTable->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_chartStack->addWidget(m_chart);
    m_chartStack->addWidget(m_timelineTable);
    split->addWidget(m_chartStack);

    m_tabs = new QTabWidget(split);
    m_tabs->setObjectName(QStringLiteral("runTabWidget"));
    m_callsTable = makeTable(QStringLiteral("runCallsTableView"), tr("Calls of the run"), m_tabs);
    m_callsTable->setModel(m_calls);
    m_callsTable->setColumnHidden(AuditLogModel::RunLabelColumn, true);
    const QList<QPair<int, int>> callWidths = {
        {AuditLogModel::TimeColumn, 200},      {AuditLogModel::VerdictColumn, 200},
        {AuditLogModel::KeyColumn, 170},       {AuditLogModel::VendorColumn, 70},
        {AuditLogModel::OperationColumn, 150}, {AuditLogModel::CostColumn, 80},
        {AuditLogModel::HttpStatusColumn, 60}, {AuditLogModel::LatencyColumn, 80},
    };
    for (const auto &[column, width] : callWidths)
        m_callsTable->setColumnWidth(column, width);
    m_keysTable = makeTable(QStringLiteral("runKeysTableView"), tr("Keys of the run"), m_tabs);
    m_keysTable->setModel(m_detail);
    m_keysTable->setItemDelegateForColumn(RunDetailModel::StatusColumn,
                                          new KeyStatusDelegate(m_keysTable));
    m_keysTable->setItemDelegateForColumn(RunDetailModel::TodayColumn,
                                          new CapUtilisationDelegate(m_keysTable));
    m_keysTable->setColumnWidth(RunDetailModel::NameColumn, 200);
    m_keysTable->setColumnWidth(RunDetailModel::TodayColumn, 200);
    m_keysTable->setToolTip(tr("Enter opens the key in Vault Keys"));
    m_tabs->addTab(m_callsTable, tr("&Calls"));
    m_tabs->addTab(m_keysTable, tr("&Keys"));
    split->addWidget(m_tabs);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    layout->addWidget(split, 1);
    m_detailStack->addWidget(detail);

    connect(m_range, &QComboBox::currentIndexChanged, this, [this] {
        if (Range(m_range->currentData().toInt()) == Range::Selection
            && !m_selectionSince.isValid()) {
            m_detailBanner->showMessage(MessageBanner::Kind::Information,
                                        tr("Drag across the chart to select a range."));
            return;
        }
        loadTimeline();
    });
    connect(m_bucket, &QComboBox::currentIndexChanged, this, &RunsPage::loadTimeline);
    connect(m_showAsTable, &QPushButton::toggled, this, &RunsPage::setShowAsTable);
    connect(m_exportButton, &QPushButton::clicked, this, &RunsPage::exportRun);
    connect(m_keysTable, &QTableView::activated, this, [this](const QModelIndex &index) {
        Q_EMIT openKeyRequested(index.data(RunDetailModel::KeyIdRole).toString());
    });
    return m_detailStack;
}

void RunsPage::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    // The page loads when first shown, not with the window: most sessions never open it.
    if (!m_runs->hasLoaded() && !m_runs->isLoading())
        applyFilters();
    if (!m_shownOnce) {
        m_shownOnce = true;
        m_search->setFocus(Qt::OtherFocusReason);
    }
}

void RunsPage::selectFirstIfAsked()
{
    if (!m_selectFirst || m_runs->isLoading() || !m_runs->hasLoaded())
        return;
    m_selectFirst = false;
    if (m_runs->rowCount() == 0)
        return;
    m_table->setFocus(Qt::OtherFocusReason);
    m_table->setCurrentIndex(m_runs->index(0, RunTableModel::LabelColumn));
}

bool RunsPage::isShowingTable() const
{
    return m_chartStack->currentWidget() == m_timelineTable;
}

void RunsPage::setShowAsTable(bool table)
{
    m_chartStack->setCurrentWidget(table ? static_cast<QWidget *>(m_timelineTable) : m_chart);
    if (m_showAsTable->isChecked() != table)
        m_showAsTable->setChecked(table);
    m_showAsTable->setText(table ? tr("Show as &chart") : tr("Show as &table"));
}

bool RunsPage::eventFilter(QObject *watched, QEvent *event)
{
    if (m_table && watched == m_table->viewport() && event->type() == QEvent::Resize)
        QTimer::singleShot(0, this, &RunsPage::fitColumns);
    return QWidget::eventFilter(watched, event);
}

void RunsPage::fitColumns()
{
    // Given way first to last while the rows are too narrow; back when there is room.
    static const int giveWay[] = {
        RunTableModel::FirstCallColumn, RunTableModel::KeysColumn,  RunTableModel::VendorsColumn,
        RunTableModel::BlockedColumn,   RunTableModel::CallsColumn,
    };
    static const QHash<int, int> widths = {
        {RunTableModel::StatusColumn, 100},      {RunTableModel::VendorsColumn, 110},
        {RunTableModel::KeysColumn, 90},         {RunTableModel::SpendColumn, 90},
        {RunTableModel::UtilisationColumn, 190}, {RunTableModel::CallsColumn, 70},
        {RunTableModel::BlockedColumn, 70},      {RunTableModel::FirstCallColumn, 110},
        {RunTableModel::LastCallColumn, 110},
    };
    constexpr int LabelWidth = 300;
    constexpr int LabelMinimum = 170;
    const int available = m_table->viewport()->width();
    // Not while the pointer is over the rows: nothing moves under it (the hold's end fits them).
    if (available <= 0 || (m_hold && m_hold->isHeld()))
        return;
    // The last column stretches to the edge: counted at its own width, not the stretched one.
    const auto shownWidth = [this] {
        int total = widths.value(RunTableModel::LastCallColumn);
        for (int column = RunTableModel::StatusColumn; column < RunTableModel::LastCallColumn;
             ++column)
            if (!m_table->isColumnHidden(column))
                total += m_table->columnWidth(column);
        return total;
    };
    for (auto it = widths.cbegin(); it != widths.cend(); ++it) {
        m_table->setColumnHidden(it.key(), false);
        m_table->setColumnWidth(it.key(), it.value());
    }
    for (int column : giveWay) {
        if (shownWidth() + LabelWidth <= available)
            break;
        m_table->setColumnHidden(column, true);
    }
    m_table->setColumnWidth(RunTableModel::LabelColumn,
                            std::clamp(available - shownWidth(), LabelMinimum, LabelWidth));
}

void RunsPage::focusSearch()
{
    m_search->setFocus(Qt::ShortcutFocusReason);
    m_search->selectAll();
}

void RunsPage::applyFilters()
{
    m_searchTimer->stop();
    client::RunQuery query;
    query.q = m_search->text().trimmed();
    query.labelPrefix = m_prefix->currentText().trimmed();
    const int status = m_status->currentData().toInt();
    if (status >= 0)
        query.status = client::RunStatus(status);
    m_runs->setQuery(query);
    updateState();
}

QList<QAction *> RunsPage::runActions(const QString &label)
{
    const QString prefix = client::labelPrefixOf(label);
    auto *revoke = new QAction(tr("Revoke run…"), this);
    revoke->setObjectName(QStringLiteral("revokeRunAction"));
    auto *block = new QAction(
        prefix.isEmpty() ? tr("Block this run…") : tr("Block prefix %1…").arg(prefix), this);
    block->setObjectName(QStringLiteral("blockPrefixAction"));
    auto *keys = new QAction(tr("Open keys"), this);
    keys->setObjectName(QStringLiteral("openRunKeysAction"));
    const QString blocked = m_session->blockedReason(client::AdminRole::Operator);
    for (QAction *action : {revoke, block}) {
        action->setEnabled(blocked.isEmpty());
        action->setToolTip(blocked);
    }
    connect(revoke, &QAction::triggered, this, [this, label] { revokeRun(label); });
    connect(block, &QAction::triggered, this, [this, label] { blockPrefix(label); });
    connect(keys, &QAction::triggered, this, [this, label] { openKeys(label); });
    return {keys, block, revoke};
}

void RunsPage::onContextMenu(const QPoint &position)
{
    // The run under the pointer now, captured: the menu acts on it whatever arrives meanwhile.
    const client::RunSummary *run = m_runs->runAt(m_table->indexAt(position).row());
    if (!run)
        return;
    auto *menu = new QMenu(this);
    menu->setAttribute(Qt::WA_DeleteOnClose);
    menu->setToolTipsVisible(true);
    menu->addSection(run->label);
    const QList<QAction *> actions = runActions(run->label);
    for (QAction *action : actions) {
        action->setParent(menu);
        menu->addAction(action);
    }
    m_hold->holdWhileOpen(menu);
    menu->popup(m_table->viewport()->mapToGlobal(position));
}

void RunsPage::updateHeldPill()
{
    const int waiting = m_runs->heldNewRuns();
    m_hold->setPendingText(waiting > 0 ? tr("%n new run(s) — show", nullptr, waiting) : QString());
}

void RunsPage::revokeRun(const QString &label)
{
    if (label.isEmpty() || !m_session->allows(client::AdminRole::Operator))
        return;
    Q_EMIT stopRunRequested(label);
}

void RunsPage::openKeys(const QString &label)
{
    if (!label.isEmpty())
        Q_EMIT openKeysRequested(label);
}

void RunsPage::blockPrefix(const QString &label)
{
    if (label.isEmpty() || !m_session->allows(client::AdminRole::Operator))
        return;
    QString prefix = client::labelPrefixOf(label);
    if (prefix.isEmpty())
        prefix = label;
    const std::optional<BlockAnswer> answer = m_blockPrompt(this, prefix);
    if (!answer || answer->prefix.isEmpty())
        return;
    client::CreateBlockRequest request;
    request.labelPrefix = answer->prefix;
    request.reason = answer->reason;
    m_session->monitor()->track(m_session->client()->createBlock(
        request, this, [this](const client::Result<client::PrefixBlock> &result) {
            if (!result) {
                m_actionResult->showMessage(
                    MessageBanner::Kind::Error,
                    tr("Could not block the prefix: %1").arg(result.error().message));
                return;
            }
            // Named in words, so a wrong target is seen at once.
            m_actionResult->showMessage(
                MessageBanner::Kind::Information,
                tr("Blocked prefix “%1” (%2): no call of its runs is admitted until lifted.")
                    .arg(result->labelPrefix, result->id));
            Q_EMIT blockCreated(result->labelPrefix);
            refreshBlocks();
            m_runs->refresh();
        }));
}

void RunsPage::refreshBlocks()
{
    m_session->monitor()->track(m_session->client()->blocks(
        false, this, [this](const client::Result<QList<client::PrefixBlock>> &result) {
            // Without the list (a viewer may read it; an old server may not have it) runs just
            // do not say "Blocked"; the refusals still show in their Blocked column.
            if (result)
                m_runs->setBlocks(*result);
        }));
}

void RunsPage::updateActions()
{
    const bool selected = !m_label.isEmpty();
    const QString blocked = m_session->blockedReason(client::AdminRole::Operator);
    m_openKeysButton->setEnabled(selected);
    for (QPushButton *button : {m_revokeRunButton, m_blockPrefixButton})
        button->setEnabled(selected && blocked.isEmpty());
    const QString prefix = client::labelPrefixOf(m_label);
    m_revokeRunButton->setToolTip(
        !blocked.isEmpty() ? blocked
                           : tr("Stop every key of this run: the kill switch with its label "
                                "filled in, a dry run first"));
    m_blockPrefixButton->setToolTip(!blocked.isEmpty()
                                        ? blocked
                                        : tr("Refuse every call and new key under %1")
                                              .arg(prefix.isEmpty() ? m_label : prefix));
}

void RunsPage::refresh()
{
    refreshBlocks();
    if (!m_runs->hasLoaded() && !m_runs->isLoading()) {
        applyFilters();
    } else {
        m_runs->refresh();
    }
    if (!m_label.isEmpty()) {
        m_detail->refresh();
        m_timeline->refresh();
        m_calls->refresh();
    }
}

void RunsPage::showRun(const QString &label)
{
    if (label.isEmpty())
        return;
    if (!m_runs->hasLoaded() && !m_runs->isLoading())
        applyFilters();
    selectRowOf(label);
    if (label == m_label)
        return;
    m_label = label;
    updateActions();
    m_selectionSince = {};
    m_selectionUntil = {};
    {
        const QSignalBlocker blocker(m_range);
        m_range->setCurrentIndex(0);
    }
    m_detailBanner->hide();
    m_detailStack->setCurrentIndex(1);
    m_runTitle->setText(label);
    m_runTitle->setToolTip(label);
    m_runSummary->setText(tr("Loading…"));
    m_chart->clear();
    m_detail->load(label);
    client::AuditQuery calls;
    calls.label = label;
    m_calls->setQuery(calls);
    loadTimeline();
}

void RunsPage::selectRowOf(const QString &label)
{
    const int row = m_runs->rowOfRun(label);
    if (row < 0 || m_table->currentIndex().row() == row)
        return;
    const QSignalBlocker blocker(m_table->selectionModel());
    m_table->setCurrentIndex(m_runs->index(row, RunTableModel::LabelColumn));
    m_table->selectRow(row);
    m_table->scrollTo(m_runs->index(row, 0));
    m_table->viewport()->update();
}

void RunsPage::selectRange(const QDateTime &since, const QDateTime &until)
{
    m_selectionSince = since;
    m_selectionUntil = until;
    const QSignalBlocker blocker(m_range);
    m_range->setCurrentIndex(m_range->findData(int(Range::Selection)));
    loadTimeline();
}

client::TimelineQuery RunsPage::timelineQuery() const
{
    client::TimelineQuery query;
    const QDateTime now = QDateTime::currentDateTimeUtc();
    qint64 span = 0;
    switch (Range(m_range->currentData().toInt())) {
    case Range::WholeRun: {
        const int row = m_runs->rowOfRun(m_label);
        const client::RunSummary *run = m_runs->runAt(row);
        if (run && run->totals.firstCallAt.isValid())
            span = run->totals.firstCallAt.secsTo(run->totals.lastCallAt);
        else if (m_detail->hasDetail() && m_detail->label() == m_label)
            span =
                m_detail->detail().totals.firstCallAt.secsTo(m_detail->detail().totals.lastCallAt);
        break;
    }
    case Range::Last15Minutes:
        query.since = now.addSecs(-15 * 60);
        break;
    case Range::LastHour:
        query.since = now.addSecs(-3600);
        break;
    case Range::Last24Hours:
        query.since = now.addDays(-1);
        break;
    case Range::Selection:
        query.since = m_selectionSince;
        query.until = m_selectionUntil;
        break;
    }
    if (query.since.isValid())
        span = query.since.secsTo(query.until.isValid() ? query.until : now);
    query.bucket = m_bucket->currentData().toString();
    if (query.bucket.isEmpty())
        query.bucket = client::TimelineQuery::fittingBucket(std::max<qint64>(span, 1), AutoBuckets);
    return query;
}

void RunsPage::loadTimeline()
{
    if (m_label.isEmpty())
        return;
    m_detailBanner->hide();
    m_timeline->load(m_label, timelineQuery());
}

void RunsPage::updateHeadline()
{
    if (!m_detail->hasDetail() || m_detail->label() != m_label)
        return;
    const client::RunDetail &run = m_detail->detail();
    // The row's status when the run is listed (capped, blocked, revoked... from its keys), so
    // the headline never says "Active" beside a "Capped" row; the detail's own status otherwise.
    const client::RunSummary *row = m_runs->runAt(m_runs->rowOfRun(m_label));
    const QString status = row ? RunTableModel::runStateText(m_runs->runState(*row))
                               : RunTableModel::statusText(run.status);
    // Runway at the spend rate of the last 5 minutes, while the run is spending.
    const std::optional<qint64> runway =
        m_session->runway()->runMinutes(m_label, QDateTime::currentDateTimeUtc());
    m_runSummary->setText(
        tr("%1 · %2 · spend days in %3").arg(status, m_detail->summaryText(), run.spendTimezone)
        + (runway ? QStringLiteral(" · ") + RunwayTracker::text(runway) : QString()));
}

void RunsPage::exportRun()
{
    if (m_label.isEmpty() || m_export->isRunning())
        return;
    const QString directory = m_chooseDirectory(this, m_label);
    if (directory.isEmpty())
        return;
    RunExport::Options options;
    options.directory = directory;
    options.label = m_label;
    options.timeline = m_timeline->query();
    if (options.timeline.bucket.isEmpty())
        options.timeline = timelineQuery();
    const ServerProfile &profile = m_session->profile();
    options.source = tr("%1 (%2)").arg(profile.name, profile.url.toDisplayString());
    m_exportButton->setEnabled(false);
    m_export->start(options);
}

void RunsPage::updatePrefixes()
{
    std::set<QString> prefixes;
    for (int row = 0; row < m_runs->rowCount(); ++row)
        if (const client::RunSummary *run = m_runs->runAt(row); !run->labelPrefix.isEmpty())
            prefixes.insert(run->labelPrefix);
    for (int i = 0; i < m_prefix->count(); ++i)
        prefixes.erase(m_prefix->itemText(i));
    if (prefixes.empty())
        return;
    const QSignalBlocker blocker(m_prefix);
    const QString current = m_prefix->currentText();
    for (const QString &prefix : prefixes)
        m_prefix->addItem(prefix);
    m_prefix->model()->sort(0);
    m_prefix->setCurrentText(current);
}

void RunsPage::updateState()
{
    const TimeFormatter time = m_session->timeFormatter();
    QString asOf;
    if (m_runs->dataAsOf().isValid())
        asOf = tr("Runs with calls, latest activity first · as of %1 %2")
                   .arg(time.clock(m_runs->dataAsOf()), time.zoneName());
    if (!m_runs->spendTimezone().isEmpty())
        asOf += tr(" · spend days in %1").arg(m_runs->spendTimezone());
    m_asOf->setText(asOf);

    if (m_runs->rowCount() > 0) {
        m_tableStack->setCurrentWidget(m_table);
        return;
    }
    m_tableStack->setCurrentWidget(m_state);
    if (m_runs->isLoading() || (!m_runs->hasLoaded() && m_runs->lastError().isEmpty())) {
        m_state->showLoading(tr("Loading runs…"));
    } else if (!m_runs->lastError().isEmpty() && !m_runs->hasLoaded()) {
        m_state->showMessage(QStringLiteral("error"), tr("Could not load the runs"),
                             m_runs->lastError(), tr("Retry"));
    } else if (!m_runs->query().q.isEmpty() || !m_runs->query().labelPrefix.isEmpty()
               || m_runs->query().status) {
        m_state->showMessage(QStringLiteral("filter"), tr("No run matches these filters"),
                             tr("A run is listed once one of its keys made a call."),
                             tr("Clear filters"));
    } else {
        m_state->showMessage(
            QStringLiteral("runs"), tr("No runs yet"),
            tr("A run is every vault key issued with one agent_run_label. Issue keys with a "
               "label such as lambda/billing/<message id>, and each run appears here with its "
               "spend once it calls a vendor."));
    }
}

} // namespace keybrake
