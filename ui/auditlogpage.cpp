#include "ui/auditlogpage.h"

#include "client/adminkeyinfo.h"
#include "client/keybrakeclient.h"
#include "models/auditexportfile.h"
#include "models/auditlogmodel.h"
#include "models/connectionmonitor.h"
#include "models/consolesession.h"
#include "models/keyauditmodel.h"
#include "models/livefeed.h"
#include "models/vendortext.h"
#include "ui/datetimeeditzone.h"
#include "ui/livetablehold.h"
#include "ui/messagebanner.h"
#include "ui/pagestatewidget.h"
#include "ui/pagetitle.h"
#include "ui/runlabeldelegate.h"
#include "ui/themedicon.h"
#include "ui/verdictdelegate.h"

#include <QAction>
#include <QComboBox>
#include <QDateTimeEdit>
#include <QDir>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>
#include <QScrollBar>
#include <QShowEvent>
#include <QSignalBlocker>
#include <QStackedWidget>
#include <QStandardPaths>
#include <QTableView>
#include <QTimeZone>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

namespace keybrake {

namespace {

// The verdicts of the contract, in the order a security lead looks for them.
const char *const kVerdicts[] = {
    "allowed",         "denied_cap",         "denied_blocked",      "denied_rate",
    "denied_endpoint", "denied_scope",       "denied_revoked",      "denied_expired",
    "denied_vendor",   "denied_invalid_key", "denied_cost_unknown", "denied_idempotency",
    "upstream_error",  "replayed",
};

} // namespace

AuditLogPage::AuditLogPage(ConsoleSession *session, QWidget *parent)
    : QWidget(parent)
    , m_session(session)
    , m_model(new AuditLogModel(session->client(), this))
    , m_export(new AuditExportFile(session->client(), this))
{
    setObjectName(QStringLiteral("auditLogPage"));
    m_model->setConnectionMonitor(session->monitor());
    m_model->setTimeFormatter(session->timeFormatter());
    buildUi();

    connect(m_model, &AuditLogModel::loadingChanged, this, &AuditLogPage::updateState);
    connect(m_model, &QAbstractItemModel::modelReset, this, &AuditLogPage::updateState);
    connect(m_model, &AuditLogModel::pageLoaded, this, [this] {
        m_banner->hide();
        updateState();
    });
    connect(m_model, &AuditLogModel::refreshed, this, [this] {
        if (m_banner->kind() == MessageBanner::Kind::Error)
            m_banner->hide();
        updateState();
    });
    connect(m_model, &QAbstractItemModel::rowsInserted, this, &AuditLogPage::updateState);
    connect(m_model, &AuditLogModel::loadFailed, this, [this](const QString &message) {
        if (m_model->hasLoaded())
            m_banner->showMessage(MessageBanner::Kind::Error,
                                  tr("Could not read more of the audit log: %1").arg(message),
                                  tr("Retry"));
        updateState();
    });
    connect(m_banner, &MessageBanner::actionTriggered, this, [this] {
        if (m_model->hasLoaded() && m_model->canFetchMore({}))
            m_model->fetchMore({});
        else
            refresh();
        m_session->monitor()->retryNow();
    });
    connect(m_state, &PageStateWidget::actionTriggered, this, [this] {
        if (m_model->lastError().isEmpty() || m_model->hasLoaded())
            clearFilters();
        else
            m_model->reload();
    });
    connect(session->monitor(), &ConnectionMonitor::refreshDue, this, [this] {
        if (m_started && isVisible() && !isTailPaused())
            m_model->refresh();
    });
    connect(session->monitor(), &ConnectionMonitor::stateChanged, this,
            &AuditLogPage::updateStaleBanner);
    connect(session, &ConsoleSession::timeFormatterChanged, this,
            [this](const TimeFormatter &formatter) {
                m_model->setTimeFormatter(formatter);
                updateRangeEdits();
                updateSummary();
            });
    connect(m_export, &AuditExportFile::progress, this, [this](qint64 rows) {
        m_summary->setText(tr("Exporting… %1 rows written").arg(QLocale().toString(rows)));
    });
    connect(m_export, &AuditExportFile::finished, this, &AuditLogPage::onExportFinished);
    // The live tail: each call the stream brings goes on top at once (when it matches the
    // filter), no round trip; the refresh that follows confirms it.
    connect(session->live(), &LiveFeed::callReceived, this, [this](const client::AuditEntry &call) {
        if (!m_started)
            return;
        if (isTailPaused()) {
            if (m_model->accepts(call)) {
                ++m_pausedNew;
                updateTailState();
            }
            return;
        }
        m_model->addEntry(call);
    });
    connect(m_model, &QAbstractItemModel::rowsAboutToBeInserted, this,
            [this](const QModelIndex &parent, int first) {
                if (!parent.isValid() && first == 0 && m_model->rowCount() > 0)
                    m_scrollBefore = m_table->verticalScrollBar()->value();
            });
    connect(m_model, &QAbstractItemModel::rowsInserted, this,
            [this](const QModelIndex &parent, int first, int last) {
                if (parent.isValid() || first != 0 || m_scrollBefore < 0)
                    return;
                QScrollBar *bar = m_table->verticalScrollBar();
                const int inserted = last - first + 1;
                const int step = m_table->verticalScrollMode() == QAbstractItemView::ScrollPerPixel
                    ? m_table->verticalHeader()->defaultSectionSize()
                    : 1;
                // At the top and not locked: follow the newest. Otherwise the rows in view stay.
                if (m_scrollBefore == 0 && !m_scrollLock->isChecked())
                    bar->setValue(0);
                else
                    bar->setValue(m_scrollBefore + inserted * step);
                m_scrollBefore = -1;
            });
    connect(m_pauseTail, &QToolButton::toggled, this, [this](bool paused) {
        if (!paused) {
            m_pausedNew = 0;
            refresh();
        }
        updateTailState();
    });
    // Rows never move under the pointer: while it is over the rows the tail waits as if paused,
    // and what came shows when it leaves or on the pill's click.
    m_hold = new LiveTableHold(m_table);
    const auto showHeld = [this] {
        if (m_pauseTail->isChecked())
            return;
        m_pausedNew = 0;
        refresh();
        updateTailState();
    };
    connect(m_hold, &LiveTableHold::heldChanged, this, [this, showHeld](bool held) {
        if (!held && m_pausedNew > 0)
            showHeld();
        updateTailState();
    });
    connect(m_hold, &LiveTableHold::applyRequested, this, showHeld);
    connect(session->live(), &LiveFeed::liveChanged, this, &AuditLogPage::updateTailState);
    updateTailState();
    updateRangeEdits();
    updateState();
}

AuditLogPage::~AuditLogPage() = default;

bool AuditLogPage::isTailPaused() const
{
    return m_pauseTail->isChecked() || (m_hold && m_hold->isHeld());
}

void AuditLogPage::updateTailState()
{
    const bool paused = m_pauseTail->isChecked();
    // SVG icons: the "⏸" glyph is missing from common UI fonts and drew an empty box.
    m_pauseTail->setIcon(
        ThemedIcon::icon(paused ? QStringLiteral("play") : QStringLiteral("pause")));
    m_pauseTail->setText(paused ? tr("Resume") : tr("Pause"));
    m_pauseTail->setToolTip(paused ? tr("Show the calls that arrived while paused, and new ones "
                                        "as they come")
                                   : tr("Stop new calls from arriving, to read what is there"));
    const bool held = !m_pauseTail->isChecked() && m_hold && m_hold->isHeld();
    if (held)
        m_tailState->setText(tr("Held while the pointer is over the rows"));
    else if (paused)
        m_tailState->setText(tr("Paused · new calls not shown: %1").arg(m_pausedNew));
    else
        m_tailState->setText(m_session->live()->isLive() ? tr("● Live tail") : QString());
    if (m_hold)
        m_hold->setPendingText(held && m_pausedNew > 0
                                   ? tr("%n new call(s) — show", nullptr, m_pausedNew)
                                   : QString());
}

void AuditLogPage::buildUi()
{
    auto *outer = new QVBoxLayout(this);
    outer->setContentsMargins(18, 14, 18, 10);
    outer->setSpacing(8);

    auto *header = new QHBoxLayout;
    auto *title = newPageTitle(tr("Audit Log"), this);
    header->addWidget(title);
    header->addSpacing(12);
    m_asOf = new QLabel(this);
    m_asOf->setObjectName(QStringLiteral("auditAsOfLabel"));
    m_asOf->setForegroundRole(QPalette::PlaceholderText);
    header->addWidget(m_asOf, 1, Qt::AlignBottom);
    m_tailState = new QLabel(this);
    m_tailState->setObjectName(QStringLiteral("auditTailStateLabel"));
    // Gives way in a narrow window rather than widening it past 1024 px.
    m_tailState->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    header->addWidget(m_tailState);
    m_pauseTail = new QToolButton(this);
    m_pauseTail->setObjectName(QStringLiteral("auditPauseTailToolButton"));
    m_pauseTail->setCheckable(true);
    m_pauseTail->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    m_pauseTail->setAccessibleName(tr("Pause the live tail"));
    header->addWidget(m_pauseTail);
    m_scrollLock = new QToolButton(this);
    m_scrollLock->setObjectName(QStringLiteral("auditScrollLockToolButton"));
    m_scrollLock->setCheckable(true);
    m_scrollLock->setText(tr("Scroll lock"));
    m_scrollLock->setToolTip(tr("Keep the rows in view where they are as new calls arrive; off, "
                                "the view follows the newest while it is at the top"));
    header->addWidget(m_scrollLock);
    auto *refreshButton =
        new QPushButton(ThemedIcon::icon(QStringLiteral("refresh")), tr("Refresh"), this);
    refreshButton->setObjectName(QStringLiteral("auditRefreshPushButton"));
    refreshButton->setToolTip(tr("Read the newest calls now (F5)"));
    connect(refreshButton, &QPushButton::clicked, this, &AuditLogPage::refresh);
    header->addWidget(refreshButton);
    m_exportButton =
        new QPushButton(ThemedIcon::icon(QStringLiteral("audit-log")), tr("E&xport CSV…"), this);
    m_exportButton->setObjectName(QStringLiteral("auditExportPushButton"));
    m_exportButton->setToolTip(
        tr("Write every call of the current filter to a CSV file, streamed from the server "
           "(Ctrl+E)"));
    header->addWidget(m_exportButton);
    m_cancelExport = new QPushButton(tr("Cancel export"), this);
    m_cancelExport->setObjectName(QStringLiteral("auditCancelExportPushButton"));
    m_cancelExport->hide();
    header->addWidget(m_cancelExport);
    outer->addLayout(header);

    m_exportAction = new QAction(tr("Export Audit Log as CSV…"), this);
    m_exportAction->setObjectName(QStringLiteral("auditExportAction"));
    m_exportAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    m_exportAction->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    addAction(m_exportAction);
    connect(m_exportAction, &QAction::triggered, this, &AuditLogPage::exportCsv);
    connect(m_exportButton, &QPushButton::clicked, this, &AuditLogPage::exportCsv);
    connect(m_cancelExport, &QPushButton::clicked, m_export, &AuditExportFile::cancel);

    // Filters: one row, each with a label that names it for a screen reader and a mnemonic.
    auto *filters = new QHBoxLayout;
    filters->setSpacing(6);
    const auto addLabel = [this, filters](const QString &text, QWidget *buddy) {
        auto *label = new QLabel(text, this);
        label->setBuddy(buddy);
        filters->addWidget(label);
    };
    m_key = new QLineEdit(this);
    m_key->setObjectName(QStringLiteral("auditKeyLineEdit"));
    m_key->setPlaceholderText(tr("vk_… key id"));
    m_key->setAccessibleName(tr("Key id filter"));
    m_key->setClearButtonEnabled(true);
    m_key->setMaximumWidth(200);
    addLabel(tr("Ke&y"), m_key);
    filters->addWidget(m_key);
    m_labelMode = new QComboBox(this);
    m_labelMode->setObjectName(QStringLiteral("auditLabelModeComboBox"));
    m_labelMode->setAccessibleName(tr("How the run label is matched"));
    m_labelMode->addItem(tr("Label prefix"));
    m_labelMode->addItem(tr("Exact label"));
    filters->addWidget(m_labelMode);
    m_label = new QLineEdit(this);
    m_label->setObjectName(QStringLiteral("auditLabelLineEdit"));
    m_label->setPlaceholderText(tr("lambda/billing/"));
    m_label->setAccessibleName(tr("Run label filter"));
    m_label->setToolTip(tr("A run label, or a label prefix such as lambda/billing/ (Ctrl+L)"));
    m_label->setClearButtonEnabled(true);
    m_label->setMinimumWidth(60); // stretches: wider whenever the window is
    auto *labelShortcut = new QAction(this);
    labelShortcut->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_L));
    labelShortcut->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(labelShortcut, &QAction::triggered, this, [this] {
        m_label->setFocus(Qt::ShortcutFocusReason);
        m_label->selectAll();
    });
    addAction(labelShortcut);
    filters->addWidget(m_label, 1);
    m_vendor = new QComboBox(this);
    m_vendor->setObjectName(QStringLiteral("auditVendorComboBox"));
    m_vendor->setAccessibleName(tr("Vendor filter"));
    m_vendor->addItem(tr("All vendors"), QString());
    for (const QString &vendor : VendorText::known())
        m_vendor->addItem(VendorText::displayName(vendor), vendor);
    addLabel(tr("Ve&ndor"), m_vendor);
    filters->addWidget(m_vendor);
    m_verdict = new QComboBox(this);
    m_verdict->setObjectName(QStringLiteral("auditVerdictComboBox"));
    m_verdict->setAccessibleName(tr("Verdict filter"));
    m_verdict->addItem(tr("Any verdict"), QString());
    for (const char *verdict : kVerdicts) {
        const QString wire = QString::fromLatin1(verdict);
        m_verdict->addItem(VerdictDelegate::icon(wire, palette()), KeyAuditModel::verdictText(wire),
                           wire);
    }
    addLabel(tr("V&erdict"), m_verdict);
    filters->addWidget(m_verdict);
    m_status = new QComboBox(this);
    m_status->setObjectName(QStringLiteral("auditStatusComboBox"));
    m_status->setAccessibleName(tr("HTTP status filter"));
    m_status->setToolTip(tr("The class of the HTTP status the proxy answered the agent with"));
    for (HttpStatusClass::Value value : HttpStatusClass::all())
        m_status->addItem(HttpStatusClass::displayName(value), int(value));
    addLabel(tr("&Status"), m_status);
    filters->addWidget(m_status);
    // The combos of this row may be narrower than their longest item (the list shows it whole),
    // so the window shrinks to 1024 px (issue 13).
    for (QComboBox *combo : {m_labelMode, m_verdict, m_status}) {
        combo->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
        combo->setMinimumContentsLength(combo == m_verdict ? 10 : combo == m_status ? 6 : 12);
    }
    outer->addLayout(filters);

    auto *rangeRow = new QHBoxLayout;
    rangeRow->setSpacing(6);
    // Who did what: admin activity (issue, revoke, block, lift, admin-key changes) is its own
    // kind of row, with the actor and the reason.
    m_kind = new QComboBox(this);
    m_kind->setObjectName(QStringLiteral("auditKindComboBox"));
    m_kind->setAccessibleName(tr("Kind of rows"));
    m_kind->addItem(tr("Calls"), int(client::AuditQuery::Kind::Call));
    m_kind->addItem(tr("Admin activity"), int(client::AuditQuery::Kind::Admin));
    m_kind->addItem(tr("All"), int(client::AuditQuery::Kind::All));
    auto *kindLabel = new QLabel(tr("Sho&w"), this);
    kindLabel->setBuddy(m_kind);
    rangeRow->addWidget(kindLabel);
    rangeRow->addWidget(m_kind);
    m_actor = new QComboBox(this);
    m_actor->setObjectName(QStringLiteral("auditActorComboBox"));
    m_actor->setAccessibleName(tr("Actor filter"));
    m_actor->setEditable(true);
    m_actor->setInsertPolicy(QComboBox::NoInsert);
    m_actor->addItem(QString(), QString()); // anyone
    m_actor->lineEdit()->setPlaceholderText(tr("anyone"));
    m_actor->lineEdit()->setClearButtonEnabled(true);
    m_actor->setToolTip(tr("Only the admin activity of this admin key: pick it by name, or type "
                           "its id (as the By column's tooltip shows it)"));
    m_actor->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_actor->setMinimumContentsLength(14);
    auto *actorLabel = new QLabel(tr("&By"), this);
    actorLabel->setBuddy(m_actor);
    rangeRow->addWidget(actorLabel);
    rangeRow->addWidget(m_actor);
    rangeRow->addSpacing(12);
    m_range = new QComboBox(this);
    m_range->setObjectName(QStringLiteral("auditRangeComboBox"));
    m_range->setAccessibleName(tr("Time range"));
    m_range->addItem(tr("Any time"), int(Range::AnyTime));
    m_range->addItem(tr("Last 15 minutes"), int(Range::Last15Minutes));
    m_range->addItem(tr("Last hour"), int(Range::LastHour));
    m_range->addItem(tr("Last 24 hours"), int(Range::Last24Hours));
    m_range->addItem(tr("Last 7 days"), int(Range::Last7Days));
    m_range->addItem(tr("Between…"), int(Range::Custom));
    auto *rangeLabel = new QLabel(tr("&Time"), this);
    rangeLabel->setBuddy(m_range);
    rangeRow->addWidget(rangeLabel);
    rangeRow->addWidget(m_range);
    m_since = new QDateTimeEdit(this);
    m_since->setObjectName(QStringLiteral("auditSinceDateTimeEdit"));
    m_since->setAccessibleName(tr("From (inclusive)"));
    m_since->setCalendarPopup(true);
    m_since->setDisplayFormat(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
    m_until = new QDateTimeEdit(this);
    m_until->setObjectName(QStringLiteral("auditUntilDateTimeEdit"));
    m_until->setAccessibleName(tr("Until (exclusive)"));
    m_until->setCalendarPopup(true);
    m_until->setDisplayFormat(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
    const QDateTime now = QDateTime::currentDateTimeUtc();
    m_since->setDateTime(now.addSecs(-3600));
    m_until->setDateTime(now.addSecs(3600));
    // The custom range's two edits have their own row, shown only for "Between…": on the
    // filter row they kept the window from shrinking to 1024 px (issue 13).
    m_customRange = new QWidget(this);
    m_customRange->setObjectName(QStringLiteral("auditCustomRangeWidget"));
    auto *customRow = new QHBoxLayout(m_customRange);
    customRow->setContentsMargins(0, 0, 0, 0);
    customRow->setSpacing(6);
    auto *fromLabel = new QLabel(tr("from"), m_customRange);
    fromLabel->setBuddy(m_since);
    auto *untilLabel = new QLabel(tr("until"), m_customRange);
    untilLabel->setBuddy(m_until);
    customRow->addWidget(fromLabel);
    customRow->addWidget(m_since);
    customRow->addWidget(untilLabel);
    customRow->addWidget(m_until);
    m_zone = new QLabel(this);
    m_zone->setObjectName(QStringLiteral("auditZoneLabel"));
    m_zone->setForegroundRole(QPalette::PlaceholderText);
    customRow->addWidget(m_zone);
    customRow->addStretch(1);
    auto *clear =
        new QPushButton(ThemedIcon::icon(QStringLiteral("filter")), tr("Clear filters"), this);
    clear->setObjectName(QStringLiteral("auditClearFiltersPushButton"));
    connect(clear, &QPushButton::clicked, this, &AuditLogPage::clearFilters);
    m_summary = new QLabel(this);
    m_summary->setObjectName(QStringLiteral("auditSummaryLabel"));
    m_summary->setForegroundRole(QPalette::PlaceholderText);
    m_summary->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
    // A count, not a control: it gives way in a narrow window rather than widening it.
    m_summary->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    rangeRow->addWidget(m_summary, 1);
    rangeRow->addSpacing(8);
    rangeRow->addWidget(clear);
    outer->addLayout(rangeRow);
    outer->addWidget(m_customRange);

    m_banner = new MessageBanner(this);
    m_banner->setObjectName(QStringLiteral("auditMessageBanner"));
    outer->addWidget(m_banner);

    m_stack = new QStackedWidget(this);
    m_table = new QTableView(m_stack);
    m_table->setObjectName(QStringLiteral("auditTableView"));
    m_table->setAccessibleName(tr("Audit log, newest call first"));
    m_table->setModel(m_model);
    m_table->verticalHeader()->hide();
    // Fixed row heights: the view never measures 100,000 rows to lay them out.
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 10);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    m_table->horizontalHeader()->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    m_table->horizontalHeader()->setHighlightSections(false);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setShowGrid(false);
    m_table->setAlternatingRowColors(true);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setWordWrap(false);
    m_table->setTextElideMode(Qt::ElideMiddle);
    m_table->setItemDelegateForColumn(AuditLogModel::RunLabelColumn, new RunLabelDelegate(m_table));
    m_table->setItemDelegateForColumn(AuditLogModel::VerdictColumn,
                                      new VerdictDelegate(AuditLogModel::VerdictRole, m_table));
    const QList<QPair<int, int>> widths = {
        {AuditLogModel::TimeColumn, 178},   {AuditLogModel::VerdictColumn, 180},
        {AuditLogModel::KeyColumn, 140},    {AuditLogModel::RunLabelColumn, 230},
        {AuditLogModel::VendorColumn, 64},  {AuditLogModel::OperationColumn, 150},
        {AuditLogModel::CostColumn, 100},   {AuditLogModel::HttpStatusColumn, 44},
        {AuditLogModel::LatencyColumn, 64},
    };
    for (const auto &[column, width] : widths)
        m_table->setColumnWidth(column, width);
    m_stack->addWidget(m_table);
    m_state = new PageStateWidget(m_stack);
    m_state->setObjectName(QStringLiteral("auditStateWidget"));
    m_stack->addWidget(m_state);
    outer->addWidget(m_stack, 1);

    m_debounce = new QTimer(this);
    m_debounce->setSingleShot(true);
    m_debounce->setInterval(300);
    connect(m_debounce, &QTimer::timeout, this, &AuditLogPage::applyFilters);
    for (QLineEdit *edit : {m_key, m_label}) {
        connect(edit, &QLineEdit::textEdited, m_debounce, qOverload<>(&QTimer::start));
        connect(edit, &QLineEdit::returnPressed, this, &AuditLogPage::applyFilters);
    }
    connect(m_actor->lineEdit(), &QLineEdit::returnPressed, this, &AuditLogPage::applyFilters);
    connect(m_actor->lineEdit(), &QLineEdit::textEdited, m_debounce, qOverload<>(&QTimer::start));
    connect(m_model, &QAbstractItemModel::rowsInserted, this,
            [this](const QModelIndex &, int first, int last) { addActorsOfRows(first, last); });
    connect(m_model, &QAbstractItemModel::modelReset, this,
            [this] { addActorsOfRows(0, m_model->rowCount() - 1); });
    for (QComboBox *combo : {m_labelMode, m_vendor, m_verdict, m_status, m_kind, m_actor})
        connect(combo, &QComboBox::activated, this, &AuditLogPage::applyFilters);
    connect(m_range, &QComboBox::activated, this, [this] {
        updateRangeEdits();
        applyFilters();
    });
    for (QDateTimeEdit *edit : {m_since, m_until})
        connect(edit, &QDateTimeEdit::editingFinished, this, &AuditLogPage::applyFilters);
    setTabOrder(m_key, m_labelMode);
    setTabOrder(m_labelMode, m_label);
    setTabOrder(m_label, m_vendor);
    setTabOrder(m_vendor, m_verdict);
    setTabOrder(m_verdict, m_status);
    setTabOrder(m_status, m_range);
    setTabOrder(m_range, m_since);
    setTabOrder(m_since, m_until);
    setTabOrder(m_until, m_table);
}

client::AuditQuery AuditLogPage::currentQuery() const
{
    client::AuditQuery query;
    query.keyId = m_key->text().trimmed();
    const QString label = m_label->text().trimmed();
    if (m_labelMode->currentIndex() == 0)
        query.labelPrefix = label;
    else
        query.label = label;
    query.vendor = m_vendor->currentData().toString();
    query.verdict = m_verdict->currentData().toString();
    query.kind = client::AuditQuery::Kind(m_kind->currentData().toInt());
    query.actor = currentActor();
    const QDateTime now = QDateTime::currentDateTimeUtc();
    switch (Range(m_range->currentData().toInt())) {
    case Range::AnyTime:
        break;
    case Range::Last15Minutes:
        query.since = now.addSecs(-15 * 60);
        break;
    case Range::LastHour:
        query.since = now.addSecs(-3600);
        break;
    case Range::Last24Hours:
        query.since = now.addDays(-1);
        break;
    case Range::Last7Days:
        query.since = now.addDays(-7);
        break;
    case Range::Custom:
        query.since = m_since->dateTime().toUTC();
        query.until = m_until->dateTime().toUTC();
        break;
    }
    return query;
}

HttpStatusClass::Value AuditLogPage::currentStatus() const
{
    return HttpStatusClass::Value(m_status->currentData().toInt());
}

void AuditLogPage::focusSearch()
{
    m_label->setFocus(Qt::ShortcutFocusReason);
    m_label->selectAll();
}

void AuditLogPage::showKey(const QString &keyId)
{
    clearFilters();
    m_key->setText(keyId);
    applyFilters();
}

void AuditLogPage::showLabel(const QString &label, bool prefix)
{
    clearFilters();
    m_labelMode->setCurrentIndex(prefix ? 0 : 1);
    m_label->setText(label);
    applyFilters();
}

void AuditLogPage::setCustomRange(const QDateTime &since, const QDateTime &until)
{
    m_range->setCurrentIndex(m_range->findData(int(Range::Custom)));
    updateRangeEdits();
    m_since->setDateTime(dateTimeEditIsUtc(m_since) ? since.toUTC() : since.toLocalTime());
    m_until->setDateTime(dateTimeEditIsUtc(m_until) ? until.toUTC() : until.toLocalTime());
    applyFilters();
}

void AuditLogPage::showCalls(const QString &labelPrefix, const QDateTime &since,
                             const QDateTime &until)
{
    clearFilters();
    m_labelMode->setCurrentIndex(0);
    m_label->setText(labelPrefix);
    if (since.isValid() || until.isValid())
        setCustomRange(since.isValid() ? since : QDateTime::fromSecsSinceEpoch(0, QTimeZone::utc()),
                       until.isValid() ? until : QDateTime::currentDateTimeUtc().addDays(1));
    else
        applyFilters();
}

void AuditLogPage::clearFilters()
{
    m_key->clear();
    m_labelMode->setCurrentIndex(0);
    m_label->clear();
    m_vendor->setCurrentIndex(0);
    m_verdict->setCurrentIndex(0);
    m_status->setCurrentIndex(0);
    m_kind->setCurrentIndex(0);
    m_actor->setCurrentIndex(0);
    m_actor->setEditText(QString());
    m_range->setCurrentIndex(0);
    updateRangeEdits();
    applyFilters();
}

void AuditLogPage::applyFilters()
{
    m_debounce->stop();
    m_started = true;
    // Both at once, then one load: the status change alone would load the old filter first.
    m_model->setStatusClass(currentStatus(), false);
    m_model->setQuery(currentQuery());
    // Admin activity has no vendor call: its who and why come into view instead.
    const bool admin = m_kind->currentData().toInt() == int(client::AuditQuery::Kind::Admin);
    for (int column : {AuditLogModel::VendorColumn, AuditLogModel::OperationColumn,
                       AuditLogModel::CostColumn, AuditLogModel::HttpStatusColumn,
                       AuditLogModel::LatencyColumn, AuditLogModel::RequestIdColumn})
        m_table->setColumnHidden(column, admin);
    if (!m_model->isLoading() && !m_model->hasLoaded())
        m_model->reload();
    updateState();
}

void AuditLogPage::refresh()
{
    if (!m_started) {
        applyFilters();
        return;
    }
    // A preset range ("last hour") moves with the clock: a refresh re-reads it from now.
    const Range range = Range(m_range->currentData().toInt());
    if (range != Range::AnyTime && range != Range::Custom)
        applyFilters();
    else
        m_model->refresh();
}

void AuditLogPage::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    if (!m_started) {
        loadActors();
        applyFilters();
    }
}

void AuditLogPage::loadActors()
{
    if (const auto me = m_session->whoAmI())
        addActor(me->adminKeyId, me->name);
    // Only an admin may list the admin keys; everyone else picks from the actors of the rows.
    if (!m_session->allows(client::AdminRole::Admin))
        return;
    m_session->client()->adminKeys(this,
                                   [this](const client::Result<QList<client::AdminKeyInfo>> &keys) {
                                       if (!keys)
                                           return; // the typed id and the rows' actors still work
                                       for (const client::AdminKeyInfo &key : *keys)
                                           addActor(key.id, key.name);
                                   });
}

void AuditLogPage::addActorsOfRows(int first, int last)
{
    for (int row = first; row <= last; ++row) {
        const client::AuditEntry *entry = m_model->entryAt(row);
        if (entry && !entry->actor.isEmpty())
            addActor(entry->actor, entry->actorName);
    }
}

void AuditLogPage::addActor(const QString &id, const QString &name)
{
    if (id.isEmpty() || m_actor->findData(id) >= 0)
        return;
    const QString text = name.isEmpty() ? id : QStringLiteral("%1 (…%2)").arg(name, id.right(4));
    // Sorted by name after "anyone"; the edit text (a typed id) stays as it is.
    int at = 1;
    while (at < m_actor->count() && QString::localeAwareCompare(m_actor->itemText(at), text) < 0)
        ++at;
    const QString edited = m_actor->currentText();
    const QSignalBlocker quiet(m_actor);
    m_actor->insertItem(at, text, id);
    m_actor->setItemData(at, id, Qt::ToolTipRole);
    m_actor->setEditText(edited);
}

QString AuditLogPage::currentActor() const
{
    const QString typed = m_actor->currentText().trimmed();
    if (typed.isEmpty())
        return {};
    const int index = m_actor->findText(typed);
    return index > 0 ? m_actor->itemData(index).toString() : typed;
}

void AuditLogPage::updateRangeEdits()
{
    const bool custom = Range(m_range->currentData().toInt()) == Range::Custom;
    const TimeFormatter time = m_session->timeFormatter();
    const bool utc = time.zone() == TimeZoneDisplay::Utc;
    for (QDateTimeEdit *edit : {m_since, m_until}) {
        if (dateTimeEditIsUtc(edit) != utc) {
            const QDateTime value = utc ? edit->dateTime().toUTC() : edit->dateTime().toLocalTime();
            setDateTimeEditUtc(edit, utc);
            edit->setDateTime(value);
        }
        edit->setEnabled(custom);
    }
    m_customRange->setVisible(custom);
    m_zone->setText(time.zoneName());
    m_zone->setToolTip(
        tr("Times on this page are shown in %1; the server filters in UTC.").arg(time.zoneName()));
}

void AuditLogPage::updateSummary()
{
    if (m_export->isRunning())
        return;
    const QLocale locale;
    const int rows = m_model->rowCount();
    if (!m_model->hasLoaded()) {
        m_summary->clear();
    } else {
        // Admin activity rows are actions, not calls.
        const auto kind = client::AuditQuery::Kind(m_kind->currentData().toInt());
        if (m_model->hasMore()) {
            const QString count = locale.toString(rows);
            m_summary->setText(kind == client::AuditQuery::Kind::Admin
                                   ? tr("%1 actions loaded, more as you scroll").arg(count)
                                   : kind == client::AuditQuery::Kind::All
                                   ? tr("%1 rows loaded, more as you scroll").arg(count)
                                   : tr("%1 calls loaded, more as you scroll").arg(count));
        } else {
            m_summary->setText(
                kind == client::AuditQuery::Kind::Admin     ? tr("%n action(s)", nullptr, rows)
                    : kind == client::AuditQuery::Kind::All ? tr("%n row(s)", nullptr, rows)
                                                            : tr("%n call(s)", nullptr, rows));
        }
    }
    m_summary->setToolTip(m_summary->text()); // whole when the row clips it
    const TimeFormatter time = m_session->timeFormatter();
    m_asOf->setText(
        m_model->dataAsOf().isValid()
            ? tr("Newest first · as of %1 %2").arg(time.clock(m_model->dataAsOf()), time.zoneName())
            : QString());
}

void AuditLogPage::updateState()
{
    updateSummary();
    updateStaleBanner();
    const bool filtered =
        !(currentQuery() == client::AuditQuery()) || currentStatus() != HttpStatusClass::Any;
    if (m_model->rowCount() > 0) {
        m_stack->setCurrentWidget(m_table);
    } else if (m_model->isLoading() || (!m_model->hasLoaded() && m_model->lastError().isEmpty())) {
        m_state->showLoading(filtered ? tr("Looking for matching calls…")
                                      : tr("Loading the audit log…"));
        m_stack->setCurrentWidget(m_state);
    } else if (!m_model->hasLoaded()) {
        m_state->showMessage(QStringLiteral("error"), tr("Could not load the audit log"),
                             m_model->lastError(), tr("Retry"));
        m_stack->setCurrentWidget(m_state);
    } else if (filtered
               && client::AuditQuery::Kind(m_kind->currentData().toInt())
                   == client::AuditQuery::Kind::Admin) {
        m_state->showMessage(QStringLiteral("filter"), tr("No admin actions match these filters"),
                             tr("Issues, revokes, blocks and admin-key changes appear here with "
                                "who did them. Widen the time range or pick anyone under By."),
                             tr("Clear filters"));
        m_stack->setCurrentWidget(m_state);
    } else if (filtered) {
        m_state->showMessage(QStringLiteral("filter"), tr("No calls match these filters"),
                             tr("Widen the time range or clear a filter. Calls with an unknown "
                                "vault key have no key or run label."),
                             tr("Clear filters"));
        m_stack->setCurrentWidget(m_state);
    } else {
        m_state->showMessage(QStringLiteral("audit-log"), tr("No calls yet"),
                             tr("Every request an agent sends through the proxy appears here, "
                                "allowed or refused. Point an agent at …/stripe/v1 with a vault "
                                "key, or run keybrake-sim agents mixed."));
        m_stack->setCurrentWidget(m_state);
    }
    m_exportButton->setEnabled(!m_export->isRunning());
}

void AuditLogPage::updateStaleBanner()
{
    using State = ConnectionMonitor::State;
    const ConnectionMonitor *monitor = m_session->monitor();
    const State state = monitor->state();
    const bool stale =
        state == State::Reconnecting || state == State::Offline || state == State::Waiting;
    if (stale && m_model->hasLoaded()) {
        const TimeFormatter time = m_session->timeFormatter();
        m_banner->showMessage(
            MessageBanner::Kind::Warning,
            tr("Showing calls as of %1 %2. The server is not answering: %3")
                .arg(time.clock(m_model->dataAsOf()), time.zoneName(), monitor->lastErrorMessage()),
            tr("Retry now"));
    } else if (m_banner->isVisible() && m_banner->kind() == MessageBanner::Kind::Warning
               && m_banner->text().startsWith(tr("Showing calls as of"))) {
        m_banner->hide();
    }
}

void AuditLogPage::exportCsv()
{
    if (m_export->isRunning())
        return;
    const QString directory = QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation);
    const QString suggested = QDir(directory).filePath(
        QStringLiteral("keybrake-audit-%1.csv")
            .arg(QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyyMMdd'T'HHmmss'Z'"))));
    const QString path = QFileDialog::getSaveFileName(this, tr("Export Audit Log"), suggested,
                                                      tr("CSV files (*.csv)"));
    if (!path.isEmpty())
        exportTo(path);
}

void AuditLogPage::exportTo(const QString &path)
{
    AuditExportFile::Options options;
    options.path = path;
    options.query = currentQuery();
    options.status = currentStatus();
    options.defuseFormulas = true;
    const ServerProfile &profile = m_session->profile();
    options.source = tr("%1 (%2)").arg(profile.name, profile.url.toString());
    m_exportButton->setEnabled(false);
    m_cancelExport->show();
    m_summary->setText(tr("Exporting…"));
    m_export->start(options);
}

void AuditLogPage::onExportFinished(bool ok, const QString &message)
{
    m_cancelExport->hide();
    m_exportButton->setEnabled(true);
    updateSummary();
    if (ok) {
        m_banner->showMessage(
            MessageBanner::Kind::Information,
            tr("Exported %n call(s) to %1.", nullptr, int(m_export->rowsWritten()))
                .arg(QDir::toNativeSeparators(m_export->path())));
    } else {
        m_banner->showMessage(MessageBanner::Kind::Error,
                              tr("The export failed and no file was written: %1").arg(message));
    }
    Q_EMIT exportFinished(ok, message);
}

} // namespace keybrake
