#include "ui/overviewpage.h"

#include "models/connectionmonitor.h"
#include "models/consolesession.h"
#include "models/livefeed.h"
#include "models/runtablemodel.h"
#include "models/statsmodel.h"
#include "models/vaultkeyfilterproxymodel.h"
#include "models/vaultkeytablemodel.h"
#include "models/vendorspendtodaymodel.h"
#include "ui/caputilisationdelegate.h"
#include "ui/keystatusdelegate.h"
#include "ui/messagebanner.h"
#include "ui/pagetitle.h"
#include "ui/runlabeldelegate.h"
#include "ui/statcard.h"
#include "ui/vendorspendchart.h"

#include <QGridLayout>
#include <QHeaderView>
#include <QKeyEvent>
#include <QLabel>
#include <QMouseEvent>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QStackedWidget>
#include <QTableView>
#include <QVBoxLayout>

namespace keybrake {

OverviewPage::OverviewPage(ConsoleSession *session, QWidget *parent)
    : QWidget(parent)
    , m_session(session)
    , m_model(new StatsModel(session->client(), this))
    , m_asOf(new QLabel(this))
    , m_banner(new MessageBanner(this))
    , m_atRiskKeys(new VaultKeyTableModel(session->client(), this))
    , m_atRisk(new VaultKeyFilterProxyModel(this))
    , m_atRiskView(new QTableView(this))
    , m_atRiskNote(new QLabel(this))
    , m_vendorSpend(new VendorSpendTodayModel(session->client(), this))
    , m_topRuns(new RunTableModel(session->client(), this))
    , m_topRunsBySpend(new QSortFilterProxyModel(this))
{
    setObjectName(QStringLiteral("overviewPage"));
    m_model->setConnectionMonitor(session->monitor());
    m_model->setTimeFormatter(session->timeFormatter());
    m_vendorSpend->setConnectionMonitor(session->monitor());
    m_vendorSpend->setTimeFormatter(session->timeFormatter());
    m_topRuns->setConnectionMonitor(session->monitor());
    m_topRuns->setTimeFormatter(session->timeFormatter());
    // The server ranks today's runs by spend (sort=spend); the view keeps them in that order as
    // live figures move between refreshes.
    m_topRuns->setPageSize(100);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(18, 14, 18, 14);
    layout->setSpacing(12);
    auto *header = new QHBoxLayout;
    auto *title = newPageTitle(tr("Overview"), this);
    m_asOf->setObjectName(QStringLiteral("overviewAsOfLabel"));
    m_asOf->setForegroundRole(QPalette::PlaceholderText);
    header->addWidget(title);
    header->addSpacing(12);
    header->addWidget(m_asOf, 1, Qt::AlignBottom);
    layout->addLayout(header);
    layout->addWidget(m_banner);

    auto *grid = new QGridLayout;
    grid->setSpacing(12);
    for (int card = 0; card < StatsModel::CardCount; ++card) {
        auto *widget = new StatCard(this);
        widget->setObjectName(QStringLiteral("statCard%1").arg(card));
        m_cards.append(widget);
        grid->addWidget(widget, 0, card);
        // Each card opens the page with the rows behind its figure (click, or Enter once
        // focused with Tab).
        widget->setFocusPolicy(Qt::StrongFocus);
        widget->setCursor(Qt::PointingHandCursor);
        widget->installEventFilter(this);
        static const char *const tips[] = {
            QT_TR_NOOP("Open Vault Keys"),
            QT_TR_NOOP("Open Runs: today's spend run by run"),
            QT_TR_NOOP("Open the Audit Log: every call"),
            QT_TR_NOOP("Open the Audit Log: every call"),
        };
        widget->setToolTip(tr(tips[card]));
    }
    layout->addLayout(grid);
    layout->addSpacing(6);
    auto *today = new QHBoxLayout;
    today->setSpacing(18);
    today->addWidget(buildVendorSpend(), 3);
    today->addWidget(buildTopRuns(), 2);
    layout->addLayout(today, 3);
    layout->addSpacing(6);
    auto *atRiskTitle = new QLabel(tr("Keys at or near their cap"), this);
    QFont sectionFont = atRiskTitle->font();
    sectionFont.setBold(true);
    sectionFont.setPointSizeF(sectionFont.pointSizeF() * 1.1);
    atRiskTitle->setFont(sectionFont);
    m_atRiskNote->setObjectName(QStringLiteral("atRiskNoteLabel"));
    m_atRiskNote->setForegroundRole(QPalette::PlaceholderText);
    auto *atRiskHeader = new QHBoxLayout;
    atRiskHeader->addWidget(atRiskTitle);
    atRiskHeader->addSpacing(10);
    atRiskHeader->addWidget(m_atRiskNote, 1, Qt::AlignBottom);
    auto *open = new QPushButton(tr("Open Vault Keys"), this);
    open->setObjectName(QStringLiteral("openVaultKeysPushButton"));
    open->setToolTip(tr("Every key with its spend against its cap (Ctrl+2)"));
    atRiskHeader->addWidget(open);
    layout->addLayout(atRiskHeader);

    // Its own query, not the Vault Keys table's rows: the server lists every key at 80 % of its
    // cap or more, fullest first, whatever that table is filtered to or has loaded. The proxy
    // drops revoked and expired keys (they can no longer spend) and keeps the server's order.
    m_atRiskKeys->setConnectionMonitor(session->monitor());
    m_atRiskKeys->setTimeFormatter(session->timeFormatter());
    m_atRiskKeys->setLiveAnnotations(session->runway(), session->runaway());
    m_atRiskKeys->setPageSize(1000);
    m_atRisk->setSourceModel(m_atRiskKeys);
    m_atRisk->setStatusFilter(VaultKeyFilterProxyModel::StatusFilter::AtRisk);
    m_atRisk->setServerSort(QStringLiteral("utilisation"));
    m_atRiskKeys->setQuery(m_atRisk->serverQuery());
    m_atRiskView->setObjectName(QStringLiteral("atRiskTableView"));
    m_atRiskView->setAccessibleName(tr("Keys at or near their cap"));
    m_atRiskView->setModel(m_atRisk);
    m_atRiskView->verticalHeader()->hide();
    m_atRiskView->verticalHeader()->setDefaultSectionSize(m_atRiskView->fontMetrics().height()
                                                          + 12);
    m_atRiskView->setShowGrid(false);
    m_atRiskView->setAlternatingRowColors(true);
    m_atRiskView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_atRiskView->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_atRiskView->setWordWrap(false);
    m_atRiskView->setTextElideMode(Qt::ElideMiddle);
    m_atRiskView->horizontalHeader()->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    m_atRiskView->horizontalHeader()->setHighlightSections(false);
    m_atRiskView->setItemDelegateForColumn(VaultKeyTableModel::StatusColumn,
                                           new KeyStatusDelegate(m_atRiskView));
    m_atRiskView->setItemDelegateForColumn(VaultKeyTableModel::UtilisationColumn,
                                           new CapUtilisationDelegate(m_atRiskView));
    m_atRiskView->setItemDelegateForColumn(VaultKeyTableModel::RunLabelColumn,
                                           new RunLabelDelegate(m_atRiskView));
    for (int column :
         {int(VaultKeyTableModel::KeyHintColumn), int(VaultKeyTableModel::CallsColumn),
          int(VaultKeyTableModel::BlockedColumn), int(VaultKeyTableModel::AllowedOperationsColumn),
          int(VaultKeyTableModel::ActionColumn)})
        m_atRiskView->setColumnHidden(column, true);
    const QList<QPair<int, int>> widths = {
        {VaultKeyTableModel::NameColumn, 180},        {VaultKeyTableModel::StatusColumn, 120},
        {VaultKeyTableModel::VendorColumn, 70},       {VaultKeyTableModel::RunLabelColumn, 260},
        {VaultKeyTableModel::CapColumn, 80},          {VaultKeyTableModel::SpentTodayColumn, 90},
        {VaultKeyTableModel::UtilisationColumn, 160},
    };
    for (const auto &[column, width] : widths)
        m_atRiskView->setColumnWidth(column, width);
    m_atRiskView->horizontalHeader()->setStretchLastSection(true);
    layout->addWidget(m_atRiskView, 2);
    connect(m_atRiskView, &QTableView::activated, this, [this](const QModelIndex &index) {
        Q_EMIT openKeyRequested(index.data(VaultKeyTableModel::KeyIdRole).toString());
    });
    for (auto signal : {&QAbstractItemModel::rowsInserted, &QAbstractItemModel::rowsRemoved})
        connect(m_atRisk, signal, this, &OverviewPage::updateAtRisk);
    connect(m_atRisk, &QAbstractItemModel::modelReset, this, &OverviewPage::updateAtRisk);
    connect(m_atRisk, &QAbstractItemModel::layoutChanged, this, &OverviewPage::updateAtRisk);
    connect(m_atRiskKeys, &VaultKeyTableModel::refreshed, this, [this] {
        // Every at-risk key, not a page of them: the count beside the title is the server's.
        if (m_atRiskKeys->canFetchMore({}))
            m_atRiskKeys->fetchMore({});
        updateAtRisk();
    });
    connect(m_atRiskKeys, &VaultKeyTableModel::loadingChanged, this, &OverviewPage::updateAtRisk);
    connect(m_atRiskKeys, &VaultKeyTableModel::loadFailed, this, [this](const QString &message) {
        m_banner->showMessage(MessageBanner::Kind::Warning,
                              tr("Could not read the keys near their cap: %1").arg(message),
                              tr("Retry"));
        updateAtRisk();
    });
    connect(open, &QPushButton::clicked, this, &OverviewPage::openVaultKeysRequested);
    connect(session->monitor(), &ConnectionMonitor::refreshDue, this, [this] {
        m_model->refresh();
        m_vendorSpend->refresh();
        m_topRuns->refresh();
        m_atRiskKeys->refresh();
    });
    connect(m_model, &QAbstractItemModel::dataChanged, this, &OverviewPage::updateCards);
    connect(m_model, &StatsModel::refreshed, this, [this] {
        m_banner->hide();
        updateCards();
        updateWindow();
    });
    connect(m_model, &StatsModel::loadFailed, this, [this](const QString &message) {
        m_banner->showMessage(MessageBanner::Kind::Warning,
                              tr("Could not refresh today's figures: %1").arg(message),
                              tr("Retry"));
        updateCards();
    });
    connect(m_banner, &MessageBanner::actionTriggered, this, [this] {
        m_model->refresh();
        m_vendorSpend->refresh();
        m_topRuns->refresh();
        if (m_atRiskKeys->hasLoaded())
            m_atRiskKeys->refresh();
        else
            m_atRiskKeys->reload();
    });
    connect(m_vendorSpend, &VendorSpendTodayModel::loadFailed, this,
            [this](const QString &message) {
                m_banner->showMessage(MessageBanner::Kind::Warning,
                                      tr("Could not read today's calls by vendor: %1").arg(message),
                                      tr("Retry"));
            });
    connect(m_topRuns, &RunTableModel::loadFailed, this, [this](const QString &message) {
        m_banner->showMessage(MessageBanner::Kind::Warning,
                              tr("Could not read today's runs: %1").arg(message), tr("Retry"));
    });
    connect(m_vendorSpend, &VendorSpendTodayModel::updated, this, &OverviewPage::updateTodayNotes);
    // Each call of the live stream moves the vendor lines at once (the next refresh reads the
    // same rows and counts none twice).
    connect(session->live(), &LiveFeed::callReceived, m_vendorSpend,
            [this](const client::AuditEntry &call) { m_vendorSpend->addEntry(call); });
    connect(m_topRuns, &RunTableModel::refreshed, this, &OverviewPage::updateTodayNotes);
    connect(m_topRuns, &QAbstractItemModel::rowsInserted, this, &OverviewPage::updateTodayNotes);
    connect(m_topRuns, &QAbstractItemModel::modelReset, this, &OverviewPage::updateTodayNotes);
    connect(session, &ConsoleSession::timeFormatterChanged, this,
            [this](const TimeFormatter &formatter) {
                m_model->setTimeFormatter(formatter);
                m_vendorSpend->setTimeFormatter(formatter);
                m_vendorChart->setTimeFormatter(formatter);
                m_topRuns->setTimeFormatter(formatter);
                m_atRiskKeys->setTimeFormatter(formatter);
                updateCards();
            });
    // The grey notes beside the section titles give way in a narrow window (1024 px) instead
    // of widening it; the whole note is in their tooltips.
    for (QLabel *note : {m_asOf, m_atRiskNote, m_vendorNote, m_topRunsNote})
        note->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    updateCards();
    updateAtRisk();
    updateTodayNotes();
}

bool OverviewPage::eventFilter(QObject *watched, QEvent *event)
{
    const int card = int(m_cards.indexOf(qobject_cast<StatCard *>(watched)));
    if (card >= 0) {
        if (event->type() == QEvent::MouseButtonRelease
            && static_cast<QMouseEvent *>(event)->button() == Qt::LeftButton) {
            openCard(card);
            return true;
        }
        if (event->type() == QEvent::KeyPress) {
            const int key = static_cast<QKeyEvent *>(event)->key();
            if (key == Qt::Key_Return || key == Qt::Key_Enter || key == Qt::Key_Space) {
                openCard(card);
                return true;
            }
        }
    }
    return QWidget::eventFilter(watched, event);
}

void OverviewPage::openCard(int card)
{
    switch (card) {
    case StatsModel::ActiveKeysCard:
        Q_EMIT openVaultKeysRequested();
        break;
    case StatsModel::SpendTodayCard:
        Q_EMIT openRunsRequested();
        break;
    default:
        Q_EMIT openAuditLogRequested();
        break;
    }
}

namespace {

QLabel *sectionTitle(const QString &text, QWidget *parent)
{
    auto *label = new QLabel(text, parent);
    QFont font = label->font();
    font.setBold(true);
    font.setPointSizeF(font.pointSizeF() * 1.1);
    label->setFont(font);
    return label;
}

void setUpTable(QTableView *view)
{
    view->verticalHeader()->hide();
    view->verticalHeader()->setDefaultSectionSize(view->fontMetrics().height() + 12);
    view->setShowGrid(false);
    view->setAlternatingRowColors(true);
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->setSelectionMode(QAbstractItemView::SingleSelection);
    view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    view->setWordWrap(false);
    view->setTextElideMode(Qt::ElideMiddle);
    view->horizontalHeader()->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    view->horizontalHeader()->setHighlightSections(false);
}

} // namespace

QWidget *OverviewPage::buildVendorSpend()
{
    auto *box = new QWidget(this);
    auto *layout = new QVBoxLayout(box);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(6);
    auto *header = new QHBoxLayout;
    header->addWidget(sectionTitle(tr("Today's spend by vendor"), box));
    m_vendorNote = new QLabel(box);
    m_vendorNote->setObjectName(QStringLiteral("vendorSpendNoteLabel"));
    m_vendorNote->setForegroundRole(QPalette::PlaceholderText);
    header->addSpacing(10);
    header->addWidget(m_vendorNote, 1, Qt::AlignBottom);
    m_vendorShowAsTable = new QPushButton(tr("Show as &table"), box);
    m_vendorShowAsTable->setObjectName(QStringLiteral("vendorShowAsTablePushButton"));
    m_vendorShowAsTable->setCheckable(true);
    m_vendorShowAsTable->setToolTip(tr("Each vendor's settled spend by 5 minutes, exact"));
    header->addWidget(m_vendorShowAsTable);
    layout->addLayout(header);

    m_vendorStack = new QStackedWidget(box);
    m_vendorChart = new VendorSpendChart(m_vendorSpend, m_vendorStack);
    m_vendorChart->setTimeFormatter(m_session->timeFormatter());
    m_vendorTable = new QTableView(m_vendorStack);
    m_vendorTable->setObjectName(QStringLiteral("vendorSpendTableView"));
    m_vendorTable->setAccessibleName(tr("Today's spend by vendor, by 5 minutes"));
    setUpTable(m_vendorTable);
    m_vendorTable->setModel(m_vendorSpend);
    m_vendorTable->horizontalHeader()->setStretchLastSection(true);
    m_vendorStack->addWidget(m_vendorChart);
    m_vendorStack->addWidget(m_vendorTable);
    layout->addWidget(m_vendorStack, 1);
    connect(m_vendorShowAsTable, &QPushButton::toggled, this, [this](bool table) {
        m_vendorStack->setCurrentIndex(table ? 1 : 0);
        m_vendorShowAsTable->setText(table ? tr("Show as &chart") : tr("Show as &table"));
        if (table && m_vendorSpend->rowCount() > 0)
            m_vendorTable->scrollToBottom();
    });
    return box;
}

QWidget *OverviewPage::buildTopRuns()
{
    auto *box = new QWidget(this);
    auto *layout = new QVBoxLayout(box);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(6);
    auto *header = new QHBoxLayout;
    header->addWidget(sectionTitle(tr("Top runs today"), box));
    m_topRunsNote = new QLabel(box);
    m_topRunsNote->setObjectName(QStringLiteral("topRunsNoteLabel"));
    m_topRunsNote->setForegroundRole(QPalette::PlaceholderText);
    header->addSpacing(10);
    header->addWidget(m_topRunsNote, 1, Qt::AlignBottom);
    layout->addLayout(header);

    m_topRunsBySpend->setSourceModel(m_topRuns);
    m_topRunsBySpend->setSortRole(RunTableModel::RawValueRole);
    m_topRunsBySpend->sort(RunTableModel::SpendColumn, Qt::DescendingOrder);
    m_topRunsBySpend->setDynamicSortFilter(true);
    m_topRunsView = new QTableView(box);
    m_topRunsView->setObjectName(QStringLiteral("topRunsTableView"));
    m_topRunsView->setAccessibleName(tr("Top runs today by spend"));
    setUpTable(m_topRunsView);
    m_topRunsView->setModel(m_topRunsBySpend);
    m_topRunsView->setItemDelegateForColumn(RunTableModel::UtilisationColumn,
                                            new CapUtilisationDelegate(m_topRunsView));
    m_topRunsView->setItemDelegateForColumn(RunTableModel::LabelColumn,
                                            new RunLabelDelegate(m_topRunsView));
    for (int column = 0; column < RunTableModel::ColumnCount; ++column) {
        const bool shown = column == RunTableModel::LabelColumn
            || column == RunTableModel::SpendColumn || column == RunTableModel::UtilisationColumn
            || column == RunTableModel::BlockedColumn;
        m_topRunsView->setColumnHidden(column, !shown);
    }
    // The label takes what the figures leave.
    m_topRunsView->horizontalHeader()->setStretchLastSection(false);
    m_topRunsView->horizontalHeader()->setSectionResizeMode(RunTableModel::LabelColumn,
                                                            QHeaderView::Stretch);
    m_topRunsView->setColumnWidth(RunTableModel::SpendColumn, 80);
    m_topRunsView->setColumnWidth(RunTableModel::UtilisationColumn, 150);
    m_topRunsView->setColumnWidth(RunTableModel::BlockedColumn, 64);
    m_topRunsView->setToolTip(tr("Enter or double-click opens the run"));
    layout->addWidget(m_topRunsView, 1);
    connect(m_topRunsView, &QTableView::activated, this, [this](const QModelIndex &index) {
        Q_EMIT openRunRequested(index.data(RunTableModel::LabelRole).toString());
    });
    return box;
}

void OverviewPage::updateWindow()
{
    const std::optional<client::TodayStats> stats = m_model->stats();
    if (!stats || !stats->windowStart.isValid())
        return;
    // A new spend window (midnight in the server's zone) starts both lists over.
    m_vendorSpend->setWindow(stats->windowStart, stats->resetsAt);
    client::RunQuery query;
    query.since = stats->windowStart;
    query.sort = QStringLiteral("spend");
    m_topRuns->setQuery(query);
}

void OverviewPage::updateTodayNotes()
{
    const TimeFormatter time = m_session->timeFormatter();
    if (!m_vendorSpend->hasLoaded()) {
        m_vendorNote->setText(m_vendorSpend->lastError().isEmpty() ? tr("Loading…") : QString());
    } else {
        QString note = tr("settled, from %1 %2; hover for exact figures")
                           .arg(time.clock(m_vendorSpend->windowStart()),
                                time.zoneName(m_vendorSpend->windowStart()));
        if (m_vendorSpend->isPartial())
            note += tr(" (the day's first calls are beyond what was read)");
        m_vendorNote->setText(note);
    }
    if (!m_topRuns->hasLoaded()) {
        m_topRunsNote->setText(m_topRuns->lastError().isEmpty() ? tr("Loading…") : QString());
    } else if (m_topRuns->rowCount() == 0) {
        m_topRunsNote->setText(tr("no run has called a vendor today"));
    } else {
        m_topRunsNote->setText(tr("by spend, against the sum of their keys' caps"));
    }
}

OverviewPage::~OverviewPage() = default;

void OverviewPage::updateAtRisk()
{
    if (!m_atRiskKeys->hasLoaded()) {
        m_atRiskNote->setText(m_atRiskKeys->isLoading() ? tr("Loading…") : QString());
        return;
    }
    // Counted from the server's answer, all pages read; the proxy only drops keys that were
    // revoked or expired since (they can no longer spend).
    const int atRisk = m_atRisk->rowCount();
    QString note = atRisk == 0 ? tr("no live key is at 80 % of its cap or more")
                               : tr("%n live key(s) at 80 % of the cap or more, fullest first; "
                                    "Enter opens one",
                                    nullptr, atRisk);
    if (m_atRiskKeys->hasMore())
        note += tr(" (reading more…)");
    m_atRiskNote->setText(note);
}

void OverviewPage::updateCards()
{
    for (int card = 0; card < StatsModel::CardCount; ++card) {
        const QModelIndex index = m_model->index(card);
        m_cards.at(card)->setContent(index.data(StatsModel::TitleRole).toString(),
                                     index.data(StatsModel::ValueRole).toString(),
                                     index.data(StatsModel::DetailRole).toString(),
                                     index.data(StatsModel::WarningRole).toBool());
    }
    const TimeFormatter time = m_session->timeFormatter();
    m_asOf->setText(m_model->dataAsOf().isValid()
                        ? tr("Today's spend window · as of %1 %2")
                              .arg(time.clock(m_model->dataAsOf()), time.zoneName())
                        : tr("Loading today's figures…"));
}

} // namespace keybrake
