#include "ui/vaultkeyspage.h"

#include "client/keybrakeclient.h"
#include "models/connectionmonitor.h"
#include "models/consolesession.h"
#include "models/runawaydetector.h"
#include "models/runwaytracker.h"
#include "models/vaultkeyfilterproxymodel.h"
#include "models/vaultkeytablemodel.h"
#include "models/vendortext.h"
#include "ui/caputilisationdelegate.h"
#include "ui/issuekeydialog.h"
#include "ui/keydetailspanel.h"
#include "ui/keystatusdelegate.h"
#include "ui/livetablehold.h"
#include "ui/messagebanner.h"
#include "ui/messageprompt.h"
#include "ui/onetimesecretdialog.h"
#include "ui/pagestatewidget.h"
#include "ui/pagetitle.h"
#include "ui/revokebutton.h"
#include "ui/revokereasonbar.h"
#include "ui/runlabeldelegate.h"
#include "ui/themedicon.h"

#include <QAction>
#include <QButtonGroup>
#include <QClipboard>
#include <QComboBox>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMenu>
#include <QPushButton>
#include <QScrollBar>
#include <QSplitter>
#include <QStackedWidget>
#include <QTableView>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

namespace keybrake {

using client::AdminRole;
using Model = VaultKeyTableModel;
using StatusFilter = VaultKeyFilterProxyModel::StatusFilter;

VaultKeysPage::VaultKeysPage(ConsoleSession *session, QWidget *parent)
    : QWidget(parent)
    , m_session(session)
    , m_model(new VaultKeyTableModel(session->client(), this))
    , m_proxy(new VaultKeyFilterProxyModel(this))
{
    setObjectName(QStringLiteral("vaultKeysPage"));
    m_model->setConnectionMonitor(session->monitor());
    m_model->setLiveAnnotations(session->runway(), session->runaway());
    m_model->setBlockList(session->blocks());
    session->runway()->setKeySource(m_model);
    m_model->setTimeFormatter(session->timeFormatter());
    m_proxy->setSourceModel(m_model);
    buildUi();

    connect(session->monitor(), &ConnectionMonitor::refreshDue, m_model,
            &VaultKeyTableModel::refresh);
    connect(session->monitor(), &ConnectionMonitor::stateChanged, this, [this] {
        updateBanner();
        updatePermissions();
    });
    connect(session, &ConsoleSession::permissionsChanged, this, &VaultKeysPage::updatePermissions);
    connect(session, &ConsoleSession::timeFormatterChanged, this,
            [this](const TimeFormatter &formatter) {
                m_model->setTimeFormatter(formatter);
                updateBanner();
            });
    connect(m_model, &VaultKeyTableModel::loadingChanged, this, &VaultKeysPage::updateState);
    connect(m_model, &VaultKeyTableModel::loadFailed, this, [this] {
        updateState();
        updateBanner();
    });
    connect(m_model, &VaultKeyTableModel::refreshed, this, [this] {
        updateState();
        updateBanner();
        if (!m_selectAfterRefresh.isEmpty()) {
            const int row = m_model->rowOfKey(m_selectAfterRefresh);
            if (row >= 0) {
                const QModelIndex index = m_proxy->mapFromSource(m_model->index(row, 0));
                if (index.isValid()) {
                    m_table->selectionModel()->select(
                        index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
                    m_table->scrollTo(index);
                }
                m_selectAfterRefresh.clear();
            }
        }
        Q_EMIT summaryChanged(summaryText());
    });
    connect(m_proxy, &QAbstractItemModel::rowsInserted, this, &VaultKeysPage::updateState);
    connect(m_proxy, &QAbstractItemModel::rowsRemoved, this, &VaultKeysPage::updateState);
    connect(m_proxy, &QAbstractItemModel::modelReset, this, &VaultKeysPage::updateState);
    connect(m_proxy, &QAbstractItemModel::layoutChanged, this, &VaultKeysPage::updateState);
    connect(m_model, &VaultKeyTableModel::revokeFailed, this,
            [this](const QString &keyId, const QString &message) {
                const client::VaultKey *key = m_model->findKey(keyId);
                const QString name = key ? key->name : keyId;
                m_banner->showMessage(MessageBanner::Kind::Error,
                                      tr("Could not revoke “%1”: %2").arg(name, message));
            });
    connect(m_model, &VaultKeyTableModel::revokeSucceeded, this, &VaultKeysPage::onRevokeSucceeded);
    // "Add reason" on the result line: the reason goes to the key the line names.
    connect(m_revokeResult, &MessageBanner::actionTriggered, this, [this] {
        const QString keyId = m_revokeResult->property("keyId").toString();
        const client::VaultKey *key = m_model->findKey(keyId);
        m_reasonBar->ask(
            keyId,
            tr("“%1” · …%2")
                .arg(key && !key->name.isEmpty() ? key->name : tr("unnamed key"), keyId.right(6)));
    });
    connect(m_reasonBar, &RevokeReasonBar::reasonEntered, m_model,
            &VaultKeyTableModel::addRevokeReason);
    connect(m_model, &VaultKeyTableModel::revokeReasonFinished, this,
            [this](const QString &keyId, const QString &error) {
                if (keyId != m_reasonBar->keyId())
                    return;
                m_reasonBar->finish(error);
                if (error.isEmpty())
                    m_revokeResult->showMessage(MessageBanner::Kind::Information,
                                                m_revokeResult->text() + tr(" · reason saved"));
            });
    connect(m_model, &VaultKeyTableModel::bulkRevokeFinished, this,
            [this](int revoked, int failed, const QString &message) {
                if (failed == 0 && message.isEmpty()) {
                    m_banner->showMessage(MessageBanner::Kind::Information,
                                          tr("Revoked %n key(s).", nullptr, revoked));
                } else {
                    m_banner->showMessage(
                        MessageBanner::Kind::Error,
                        tr("Revoked %1, %2 failed. %3").arg(revoked).arg(failed).arg(message));
                }
            });

    m_model->setQuery(m_proxy->serverQuery());
    updateState();
    updatePermissions();
}

VaultKeysPage::~VaultKeysPage() = default;

void VaultKeysPage::buildUi()
{
    auto *outer = new QVBoxLayout(this);
    outer->setContentsMargins(18, 14, 18, 10);
    outer->setSpacing(10);

    auto *header = new QHBoxLayout;
    auto *title = newPageTitle(tr("Vault Keys"), this);
    title->setAccessibleName(tr("Vault Keys"));
    m_summary = new QLabel(this);
    m_summary->setObjectName(QStringLiteral("vaultKeysSummaryLabel"));
    m_summary->setForegroundRole(QPalette::PlaceholderText);
    header->addWidget(title);
    header->addSpacing(12);
    header->addWidget(m_summary, 1, Qt::AlignBottom);
    // The summary gives way to the search at narrow widths (its text is in the tooltip too).
    m_summary->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    outer->addLayout(header);

    auto *filters = new QHBoxLayout;
    filters->setSpacing(6);
    m_search = new QLineEdit(this);
    m_search->setObjectName(QStringLiteral("searchLineEdit"));
    m_search->setPlaceholderText(tr("Search name, run label or key id"));
    m_search->setAccessibleName(tr("Search vault keys"));
    m_search->setClearButtonEnabled(true);
    m_search->addAction(ThemedIcon::icon(QStringLiteral("search")), QLineEdit::LeadingPosition);
    m_search->setMinimumWidth(260);
    // On the title row, as in the design: the status chips, vendor and Issue key below then fit
    // a 1024 px window without the "All" chip drawn over the search box.
    header->addSpacing(12);
    header->addWidget(m_search);

    m_statusGroup = new QButtonGroup(this);
    m_statusGroup->setExclusive(true);
    for (StatusFilter filter : {StatusFilter::All, StatusFilter::Active, StatusFilter::Capped,
                                StatusFilter::Revoked, StatusFilter::Expired}) {
        auto *chip = new QPushButton(VaultKeyFilterProxyModel::statusFilterName(filter), this);
        chip->setCheckable(true);
        chip->setChecked(filter == StatusFilter::All);
        chip->setObjectName(QStringLiteral("statusFilter%1PushButton")
                                .arg(VaultKeyFilterProxyModel::statusFilterName(filter)));
        chip->setAccessibleName(
            tr("Show %1 keys").arg(VaultKeyFilterProxyModel::statusFilterName(filter).toLower()));
        chip->setFocusPolicy(Qt::StrongFocus);
        // Pills that show which filter is on in both palettes (Fusion's checked button is too
        // faint in the dark one). Set on each chip alone: a style sheet on the page would route
        // the whole table's painting through the style-sheet style.
        chip->setStyleSheet(QStringLiteral(
            "QPushButton { border: 1px solid palette(mid); border-radius: 11px;"
            " padding: 3px 14px; background: palette(button); color: palette(button-text); }"
            "QPushButton:hover { border-color: palette(highlight); }"
            "QPushButton:checked { background: palette(highlight); border-color: "
            "palette(highlight); color: palette(highlighted-text); }"
            "QPushButton:focus { border: 2px solid palette(highlight); }"));
        m_statusGroup->addButton(chip, int(filter));
        filters->addWidget(chip);
    }
    filters->addSpacing(8);
    auto *vendorLabel = new QLabel(tr("&Vendor:"), this);
    m_vendor = new QComboBox(this);
    m_vendor->setObjectName(QStringLiteral("vendorComboBox"));
    m_vendor->setAccessibleName(tr("Vendor filter"));
    m_vendor->addItem(tr("All vendors"), QString());
    for (const QString &vendor : VendorText::known())
        m_vendor->addItem(VendorText::displayName(vendor), vendor);
    vendorLabel->setBuddy(m_vendor);
    filters->addWidget(vendorLabel);
    filters->addWidget(m_vendor);
    filters->addStretch(1);

    auto *refresh = new QToolButton(this);
    refresh->setObjectName(QStringLiteral("refreshToolButton"));
    refresh->setIcon(ThemedIcon::icon(QStringLiteral("refresh")));
    refresh->setToolTip(tr("Refresh now (F5)"));
    refresh->setAccessibleName(tr("Refresh"));
    refresh->setAutoRaise(true);
    filters->addWidget(refresh);

    m_issueButton =
        new QPushButton(ThemedIcon::icon(QStringLiteral("issue-key")), tr("Issue key"), this);
    m_issueButton->setObjectName(QStringLiteral("issueKeyPushButton"));
    m_issueButton->setAccessibleName(tr("Issue a vault key"));
    m_issueButton->setDefault(false);
    filters->addWidget(m_issueButton);
    outer->addLayout(filters);

    m_banner = new MessageBanner(this);
    outer->addWidget(m_banner);
    m_revokeResult = new MessageBanner(this);
    m_revokeResult->setObjectName(QStringLiteral("revokeResultBanner"));
    m_revokeResult->hide();
    outer->addWidget(m_revokeResult);
    m_reasonBar = new RevokeReasonBar(this);
    outer->addWidget(m_reasonBar);
    m_runawayBanner = new MessageBanner(this);
    m_runawayBanner->setObjectName(QStringLiteral("runawayBanner"));
    m_runawayBanner->hide();
    outer->addWidget(m_runawayBanner);

    m_splitter = new QSplitter(Qt::Horizontal, this);
    m_splitter->setChildrenCollapsible(false);
    m_stack = new QStackedWidget(m_splitter);
    m_table = new QTableView(m_stack);
    m_table->setObjectName(QStringLiteral("vaultKeysTableView"));
    m_table->setAccessibleName(tr("Vault keys"));
    m_table->setModel(m_proxy);
    m_table->horizontalHeader()->setSortIndicator(-1, Qt::AscendingOrder);
    m_table->setSortingEnabled(true);
    m_table->horizontalHeader()->setSortIndicatorClearable(true);
    // Spend and utilisation rank on the server, over every matching key (highest first), so the
    // top of the table is the real top and not the top of the rows loaded so far.
    connect(m_table->horizontalHeader(), &QHeaderView::sortIndicatorChanged, this,
            &VaultKeysPage::onSortChanged);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setAlternatingRowColors(true);
    m_table->setWordWrap(false);
    m_table->setTextElideMode(Qt::ElideMiddle);
    m_table->setMouseTracking(true);
    m_table->setShowGrid(false);
    m_table->setContextMenuPolicy(Qt::CustomContextMenu);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 12);
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_table->horizontalHeader()->setHighlightSections(false);
    m_table->horizontalHeader()->setStretchLastSection(false);
    m_table->horizontalHeader()->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    m_table->setHorizontalScrollMode(QAbstractItemView::ScrollPerPixel);
    // Sized so every column but "Allowed operations" fits beside the navigation at 1560 px, with
    // the Revoke button in view; the operations are in the tooltip and the details panel, and
    // the header's context menu shows the column.
    const QList<QPair<int, int>> widths = {
        {Model::NameColumn, 165},
        {Model::KeyHintColumn, 70},
        {Model::StatusColumn, 142},
        {Model::VendorColumn, 62},
        {Model::RunLabelColumn, 200},
        {Model::CapColumn, 72},
        {Model::SpentTodayColumn, 84},
        {Model::UtilisationColumn, 128},
        {Model::CallsColumn, 50},
        {Model::BlockedColumn, 60},
        {Model::AllowedOperationsColumn, 200},
        {Model::RunwayColumn, 118},
        {Model::ExpiresColumn, 96},
        {Model::ActionColumn, 150},
    };
    for (const auto &[column, width] : widths)
        m_table->setColumnWidth(column, width);
    m_table->setColumnHidden(Model::AllowedOperationsColumn, true);
    m_table->viewport()->installEventFilter(this);
    m_table->horizontalHeader()->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_table->horizontalHeader(), &QHeaderView::customContextMenuRequested, this,
            [this](const QPoint &position) {
                auto *menu = new QMenu(this);
                menu->setAttribute(Qt::WA_DeleteOnClose);
                menu->addSection(tr("Columns"));
                for (int column = 0; column < Model::ColumnCount; ++column) {
                    QAction *toggle =
                        menu->addAction(m_model->headerData(column, Qt::Horizontal).toString());
                    toggle->setCheckable(true);
                    toggle->setChecked(!m_table->isColumnHidden(column));
                    // Name and Action stay: without them a row can be neither told nor stopped.
                    toggle->setEnabled(column != Model::NameColumn
                                       && column != Model::ActionColumn);
                    connect(toggle, &QAction::toggled, this, [this, column](bool shown) {
                        // The user's choice wins over fitting the width.
                        m_userColumns.insert(column);
                        m_table->setColumnHidden(column, !shown);
                    });
                }
                menu->popup(m_table->horizontalHeader()->mapToGlobal(position));
            });
    m_table->setItemDelegateForColumn(Model::StatusColumn, new KeyStatusDelegate(m_table));
    m_table->setItemDelegateForColumn(Model::UtilisationColumn,
                                      new CapUtilisationDelegate(m_table));
    m_table->setItemDelegateForColumn(Model::RunLabelColumn, new RunLabelDelegate(m_table));
    m_revokeButton = new RevokeButton(m_table);
    m_table->setItemDelegateForColumn(Model::ActionColumn, m_revokeButton);
    // Live data never changes what a click hits: while the pointer is over the table, new and
    // vanished keys and re-sorts wait (numbers still update in place).
    m_hold = new LiveTableHold(m_table);
    connect(m_hold, &LiveTableHold::heldChanged, this, [this](bool held) {
        if (!held)
            fitColumns();
    });
    connect(m_hold, &LiveTableHold::heldChanged, this, [this](bool held) {
        m_model->setHoldingChanges(held);
        m_proxy->setHoldingOrder(held);
        updateHeldPill();
    });
    connect(m_hold, &LiveTableHold::applyRequested, this, [this] {
        m_model->applyHeldChanges();
        m_proxy->applyHeldOrder();
        updateHeldPill();
    });
    connect(m_model, &VaultKeyTableModel::heldChangesChanged, this, &VaultKeysPage::updateHeldPill);
    connect(m_proxy, &VaultKeyFilterProxyModel::orderStaleChanged, this,
            &VaultKeysPage::updateHeldPill);
    m_stack->addWidget(m_table);
    m_state = new PageStateWidget(m_stack);
    m_stack->addWidget(m_state);
    m_details = new KeyDetailsPanel(m_session, m_model, m_splitter);
    m_details->hide();
    m_splitter->addWidget(m_stack);
    m_splitter->addWidget(m_details);
    m_splitter->setStretchFactor(0, 3);
    m_splitter->setStretchFactor(1, 1);
    outer->addWidget(m_splitter, 1);

    // Actions: the keyboard path to everything the mouse does.
    m_issueAction =
        new QAction(ThemedIcon::icon(QStringLiteral("issue-key")), tr("&Issue Key…"), this);
    m_issueAction->setObjectName(QStringLiteral("issueKeyAction"));
    m_issueAction->setShortcut(QKeySequence::New);
    m_revokeSelectedAction =
        new QAction(ThemedIcon::icon(QStringLiteral("revoke")), tr("&Revoke Selected Keys"), this);
    m_revokeSelectedAction->setObjectName(QStringLiteral("revokeSelectedAction"));
    m_revokeSelectedAction->setShortcut(QKeySequence::Delete);
    // Only while the table has focus: Delete in the search field deletes text, nothing else.
    m_revokeSelectedAction->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    m_table->addAction(m_revokeSelectedAction);
    m_findAction = new QAction(ThemedIcon::icon(QStringLiteral("search")), tr("&Find…"), this);
    m_findAction->setObjectName(QStringLiteral("findAction"));
    m_findAction->setShortcut(QKeySequence::Find);

    connect(m_issueAction, &QAction::triggered, this, [this] { openIssueDialog(); });
    connect(m_issueButton, &QPushButton::clicked, m_issueAction, &QAction::trigger);
    connect(m_revokeSelectedAction, &QAction::triggered, this, &VaultKeysPage::revokeSelected);
    connect(m_findAction, &QAction::triggered, this, &VaultKeysPage::focusSearch);
    connect(refresh, &QToolButton::clicked, this, &VaultKeysPage::refresh);

    m_searchDebounce = new QTimer(this);
    m_searchDebounce->setSingleShot(true);
    m_searchDebounce->setInterval(300);
    connect(m_search, &QLineEdit::textChanged, this, [this](const QString &text) {
        m_proxy->setSearchText(text); // at once, over the loaded rows
        m_searchDebounce->start(); // and then from the server
    });
    connect(m_searchDebounce, &QTimer::timeout, this, &VaultKeysPage::applyFilters);
    // Enter in the search field goes to the first match, ready for Enter (details) or Delete.
    connect(m_search, &QLineEdit::returnPressed, this, [this] {
        if (m_proxy->rowCount() == 0)
            return;
        const QModelIndex first = m_proxy->index(0, Model::NameColumn);
        m_table->setFocus(Qt::OtherFocusReason);
        m_table->setCurrentIndex(first);
        m_table->selectionModel()->select(
            first, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    });
    connect(m_statusGroup, &QButtonGroup::idClicked, this, &VaultKeysPage::applyFilters);
    connect(m_vendor, &QComboBox::currentIndexChanged, this, &VaultKeysPage::applyFilters);

    connect(m_revokeButton, &RevokeButton::revokeClicked, this, &VaultKeysPage::onRevokeClicked);
    connect(m_revokeButton, &RevokeButton::issueSimilarClicked, this,
            &VaultKeysPage::onIssueSimilar);
    connect(m_table, &QTableView::doubleClicked, this, [this](const QModelIndex &index) {
        if (index.column() != Model::ActionColumn)
            showDetails(keyIdAt(index));
    });
    connect(m_table, &QTableView::activated, this, [this](const QModelIndex &index) {
        if (index.column() != Model::ActionColumn)
            showDetails(keyIdAt(index));
    });
    connect(m_table, &QTableView::customContextMenuRequested, this, &VaultKeysPage::onContextMenu);
    connect(m_state, &PageStateWidget::actionTriggered, this, [this] {
        if (!m_model->hasLoaded()) {
            m_model->reload();
        } else if (m_proxy->statusFilter() != StatusFilter::All || !m_proxy->searchText().isEmpty()
                   || !m_proxy->vendorFilter().isEmpty()) {
            m_search->clear();
            m_statusGroup->button(int(StatusFilter::All))->setChecked(true);
            m_vendor->setCurrentIndex(0);
            applyFilters();
        } else {
            openIssueDialog();
        }
    });
    connect(m_banner, &MessageBanner::actionTriggered, this, &VaultKeysPage::refresh);
    connect(m_runawayBanner, &MessageBanner::actionTriggered, this,
            [this] { Q_EMIT stopRunRequested(m_runawayLabel); });
    connect(m_runawayBanner, &MessageBanner::dismissed, this, [this] {
        m_runawayDismissed = m_runawayBanner->text();
        m_runawayBanner->hide();
    });
    connect(m_session->runaway(), &RunawayDetector::flagsChanged, this,
            &VaultKeysPage::updateRunawayBanner);
    connect(m_details, &KeyDetailsPanel::issueSimilarRequested, this,
            &VaultKeysPage::onIssueSimilar);
    connect(m_details, &KeyDetailsPanel::closeRequested, this, [this] {
        m_details->hide();
        m_table->setFocus();
    });

    // Relative times ("in 12 min") age without any data changing: repaint, nothing more.
    m_clockTicker = new QTimer(this);
    m_clockTicker->setInterval(15000);
    connect(m_clockTicker, &QTimer::timeout, m_table->viewport(), qOverload<>(&QWidget::update));
    m_clockTicker->start();

    setTabOrder(m_search, m_statusGroup->button(int(StatusFilter::All)));
    setTabOrder(m_statusGroup->button(int(StatusFilter::Expired)), m_vendor);
    setTabOrder(m_vendor, m_issueButton);
    setTabOrder(m_issueButton, m_table);
}

QStringList VaultKeysPage::selectedKeyIds() const
{
    QStringList ids;
    const QModelIndexList rows = m_table->selectionModel()->selectedRows();
    for (const QModelIndex &index : rows)
        ids.append(keyIdAt(index));
    return ids;
}

QByteArray VaultKeysPage::saveHeaderState() const
{
    return m_table->horizontalHeader()->saveState();
}

void VaultKeysPage::restoreHeaderState(const QByteArray &state)
{
    if (!state.isEmpty())
        m_table->horizontalHeader()->restoreState(state);
}

QString VaultKeysPage::summaryText() const
{
    int live = 0;
    for (int row = 0; row < m_model->rowCount(); ++row) {
        const client::VaultKey *key = m_model->keyAt(row);
        if (key->status == client::KeyStatus::Active || key->status == client::KeyStatus::Capped)
            ++live;
    }
    const QLocale locale(QLocale::English);
    QString text =
        tr("%n key(s) loaded · %1 active", nullptr, m_model->rowCount()).arg(locale.toString(live));
    if (m_model->hasMore())
        text += tr(" · more load as you scroll");
    if (m_proxy->rowCount() != m_model->rowCount())
        text += tr(" · %1 shown").arg(locale.toString(m_proxy->rowCount()));
    return text;
}

void VaultKeysPage::refresh()
{
    m_session->monitor()->retryNow();
    m_model->refresh();
}

void VaultKeysPage::focusSearch()
{
    m_search->setFocus(Qt::ShortcutFocusReason);
    m_search->selectAll();
}

void VaultKeysPage::revokeSelected()
{
    const QString blocked = m_session->blockedReason(AdminRole::Operator);
    if (!blocked.isEmpty()) {
        m_banner->showMessage(MessageBanner::Kind::Warning, blocked);
        return;
    }
    QStringList ids;
    for (const QModelIndex &index : m_table->selectionModel()->selectedRows()) {
        if (Model::RowAction(index.data(Model::RowActionRole).toInt()) == Model::RowAction::Revoke)
            ids.append(keyIdAt(index));
    }
    if (ids.isEmpty()) {
        m_banner->showMessage(MessageBanner::Kind::Information,
                              tr("Select one or more active keys to revoke."));
        return;
    }
    if (ids.size() == 1) {
        m_model->revoke(ids.first());
        return;
    }
    const ServerProfile &profile = m_session->profile();
    const QString where =
        tr("%1 (%2)").arg(environmentDisplayName(profile.environment).toUpper(), profile.name);
    const QString question =
        tr("Revoke %n vault key(s) on %1?\n\nEvery agent using them gets 401 on its next call. "
           "Revoking cannot be undone.",
           nullptr, int(ids.size()))
            .arg(where);
    MessagePrompt::ask(this, tr("Revoke keys"), question,
                       tr("Revoke %n key(s)", nullptr, int(ids.size())), this,
                       [this, ids](bool confirmed) {
                           if (confirmed)
                               m_model->revokeMany(ids);
                       });
}

void VaultKeysPage::openIssueDialog(const std::optional<KeyPolicyDraft> &draft)
{
    const QString blocked = m_session->blockedReason(AdminRole::Issuer);
    if (!blocked.isEmpty()) {
        m_banner->showMessage(MessageBanner::Kind::Warning, blocked);
        return;
    }
    auto *dialog = new IssueKeyDialog(m_session, draft, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &IssueKeyDialog::keyIssued, this, [this](const client::IssuedKey &issued) {
        m_selectAfterRefresh = issued.key.keyId;
        m_model->refresh();
        auto *secret =
            new OneTimeSecretDialog(issued, m_session->profile().url, m_session->catalog(), this);
        secret->setAttribute(Qt::WA_DeleteOnClose);
        secret->open();
    });
    dialog->open();
}

void VaultKeysPage::showDetails(const QString &keyId)
{
    if (keyId.isEmpty())
        return;
    m_details->setKeyId(keyId);
    if (!m_details->isVisible()) {
        m_details->show();
        const int total = m_splitter->width();
        m_splitter->setSizes({total * 2 / 3, total / 3});
    }
}

bool VaultKeysPage::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_table->viewport() && event->type() == QEvent::Resize)
        QTimer::singleShot(0, this, &VaultKeysPage::fitColumns);
    return QWidget::eventFilter(watched, event);
}

void VaultKeysPage::fitColumns()
{
    // What must be in view without scrolling sideways, at 1024 px too: the key (name, status),
    // its cap utilisation and runway, and its Revoke button. The other columns give way in this
    // order while the rows are too narrow, and come back when there is room; the run label
    // narrows (it elides in its run id, the agent stays) before anything above goes.
    static const int giveWay[] = {
        Model::KeyHintColumn, Model::CallsColumn,   Model::BlockedColumn,    Model::VendorColumn,
        Model::CapColumn,     Model::ExpiresColumn, Model::SpentTodayColumn,
    };
    static const QHash<int, int> widths = {
        {Model::NameColumn, 165},        {Model::KeyHintColumn, 70},
        {Model::StatusColumn, 142},      {Model::VendorColumn, 62},
        {Model::CapColumn, 72},          {Model::SpentTodayColumn, 84},
        {Model::UtilisationColumn, 128}, {Model::CallsColumn, 50},
        {Model::BlockedColumn, 60},      {Model::AllowedOperationsColumn, 200},
        {Model::RunwayColumn, 118},      {Model::ExpiresColumn, 96},
        {Model::ActionColumn, 150},
    };
    constexpr int LabelWidth = 200;
    constexpr int LabelMinimum = 110;
    const int available = m_table->viewport()->width();
    // Never while the pointer is over the rows: a column giving way would move Revoke under it
    // (a scroll bar appearing as rows arrive narrows the rows too). The hold's end fits them.
    if (available <= 0 || (m_hold && m_hold->isHeld()))
        return;
    const auto shownWidth = [this](int except) {
        int total = 0;
        for (int column = 0; column < Model::ColumnCount; ++column)
            if (column != except && !m_table->isColumnHidden(column))
                total += m_table->columnWidth(column);
        return total;
    };
    // Start from everything the user has not hidden, then give way.
    for (int column : giveWay) {
        if (!m_userColumns.contains(column)) {
            m_table->setColumnHidden(column, false);
            m_table->setColumnWidth(column, widths.value(column));
        }
    }
    if (!m_userColumns.contains(Model::RunLabelColumn))
        m_table->setColumnHidden(Model::RunLabelColumn, false);
    m_table->setColumnWidth(Model::NameColumn, widths.value(Model::NameColumn));
    for (int column : giveWay) {
        if (shownWidth(Model::RunLabelColumn) + LabelWidth <= available)
            break;
        if (!m_userColumns.contains(column))
            m_table->setColumnHidden(column, true);
    }
    const int room = available - shownWidth(Model::RunLabelColumn);
    m_table->setColumnWidth(Model::RunLabelColumn, std::clamp(room, LabelMinimum, LabelWidth));
    // Narrower still (the details panel open beside it): the name gives up width too, down to
    // what shows its start; the label stays in the details.
    if (shownWidth(-1) > available && !m_userColumns.contains(Model::RunLabelColumn))
        m_table->setColumnHidden(Model::RunLabelColumn, true);
    const int nameRoom = available - shownWidth(Model::NameColumn);
    m_table->setColumnWidth(Model::NameColumn,
                            std::clamp(nameRoom, 100, widths.value(Model::NameColumn)));
}

void VaultKeysPage::showKeysOfRun(const QString &label)
{
    m_statusGroup->button(int(StatusFilter::All))->setChecked(true);
    m_vendor->setCurrentIndex(0);
    {
        const QSignalBlocker block(m_search);
        m_search->setText(label);
    }
    applyFilters();
}

void VaultKeysPage::onSortChanged(int column, Qt::SortOrder order)
{
    QString sort;
    if (column == Model::SpentTodayColumn)
        sort = QStringLiteral("spend");
    else if (column == Model::UtilisationColumn)
        sort = QStringLiteral("utilisation");
    QHeaderView *header = m_table->horizontalHeader();
    if (!sort.isEmpty() && order == Qt::AscendingOrder) {
        // The server ranks highest first only; a second click on the same column clears the
        // order instead of showing the lowest of the loaded rows.
        const bool again = m_proxy->serverSort() == sort;
        QSignalBlocker block(header);
        header->setSortIndicator(again ? -1 : column, Qt::DescendingOrder);
        if (again) {
            sort.clear();
            column = -1;
        }
        m_proxy->sort(column, Qt::DescendingOrder);
    }
    if (sort == m_proxy->serverSort())
        return;
    m_proxy->setServerSort(sort);
    m_model->setQuery(m_proxy->serverQuery());
    updateState();
}

void VaultKeysPage::applyFilters()
{
    m_proxy->setStatusFilter(StatusFilter(m_statusGroup->checkedId()));
    m_proxy->setVendorFilter(m_vendor->currentData().toString());
    m_proxy->setSearchText(m_search->text());
    m_model->setQuery(m_proxy->serverQuery());
    updateState();
}

void VaultKeysPage::updateState()
{
    const bool filtered = m_proxy->statusFilter() != StatusFilter::All
        || !m_proxy->searchText().isEmpty() || !m_proxy->vendorFilter().isEmpty();
    if (m_proxy->rowCount() > 0) {
        m_stack->setCurrentWidget(m_table);
    } else if (m_model->isLoading()) {
        m_state->showLoading(tr("Loading vault keys…"));
        m_stack->setCurrentWidget(m_state);
    } else if (!m_model->hasLoaded()) {
        m_state->showMessage(QStringLiteral("error"), tr("Could not load the vault keys"),
                             m_model->lastError().toHtmlEscaped(), tr("Retry"));
        m_stack->setCurrentWidget(m_state);
    } else if (m_model->canFetchMore({})) {
        // Nothing loaded matches yet, but the server has more: keep reading.
        m_state->showLoading(tr("Looking for matching keys…"));
        m_stack->setCurrentWidget(m_state);
        QTimer::singleShot(0, m_model, [this] { m_model->fetchMore({}); });
    } else if (filtered) {
        m_state->showMessage(QStringLiteral("filter"), tr("No keys match these filters"),
                             tr("Revoked and expired keys stay listed under their own filters."),
                             tr("Clear filters"));
        m_stack->setCurrentWidget(m_state);
    } else {
        const QString base = m_session->profile().url.toString(QUrl::StripTrailingSlash);
        const bool canIssue = m_session->allows(AdminRole::Issuer);
        m_state->showMessage(
            QStringLiteral("vault-keys"), tr("No vault keys yet"),
            tr("Issue one, or point an agent at <code>%1/stripe/v1</code> with a vault key.")
                .arg(base.toHtmlEscaped()),
            canIssue ? tr("Issue key") : QString());
        m_stack->setCurrentWidget(m_state);
    }
    m_summary->setText(summaryText());
    m_summary->setToolTip(m_summary->text());
    Q_EMIT summaryChanged(summaryText());
}

void VaultKeysPage::updatePermissions()
{
    const QString revokeBlocked = m_session->blockedReason(AdminRole::Operator);
    const QString issueBlocked = m_session->blockedReason(AdminRole::Issuer);
    m_revokeButton->setRevokeBlockedReason(revokeBlocked);
    m_revokeButton->setIssueBlockedReason(issueBlocked);
    m_issueButton->setEnabled(issueBlocked.isEmpty());
    m_issueButton->setToolTip(issueBlocked.isEmpty() ? tr("Issue a new vault key (Ctrl+N)")
                                                     : issueBlocked);
    m_issueAction->setEnabled(issueBlocked.isEmpty());
    m_issueAction->setToolTip(m_issueButton->toolTip());
    m_revokeSelectedAction->setEnabled(revokeBlocked.isEmpty());
    m_revokeSelectedAction->setToolTip(
        revokeBlocked.isEmpty() ? tr("Revoke the selected keys (Delete)") : revokeBlocked);
    m_details->updatePermissions();
    m_table->viewport()->update();
}

void VaultKeysPage::updateRunawayBanner()
{
    const QList<RunawayDetector::Flag> flags = m_session->runaway()->flags();
    if (flags.isEmpty()) {
        m_runawayBanner->hide();
        return;
    }
    const auto newest =
        std::max_element(flags.cbegin(), flags.cend(),
                         [](const auto &a, const auto &b) { return a.firstAt < b.firstAt; });
    m_runawayLabel = newest->label.startsWith(u"key:") ? QString() : newest->label;
    const QString more = flags.size() > 1
        ? tr(" (more flagged runs: %1, marked ⚠ in the table)").arg(flags.size() - 1)
        : QString();
    const QString text = tr("⚠ Runaway? %1 — %2.%3").arg(newest->label, newest->reason, more);
    if (text == m_runawayDismissed)
        return;
    m_runawayBanner->showMessage(MessageBanner::Kind::Error, text,
                                 m_runawayLabel.isEmpty() ? QString() : tr("Revoke run…"));
    m_runawayBanner->show();
}

void VaultKeysPage::updateBanner()
{
    const ConnectionMonitor *monitor = m_session->monitor();
    const TimeFormatter time = m_session->timeFormatter();
    using State = ConnectionMonitor::State;
    const State state = monitor->state();
    const bool stale =
        state == State::Reconnecting || state == State::Offline || state == State::Waiting;
    if (state == State::SignedOut) {
        m_banner->showMessage(MessageBanner::Kind::Error,
                              tr("The server refused the admin key (%1). Open the profile and "
                                 "enter a valid key.")
                                  .arg(monitor->lastErrorMessage()));
        return;
    }
    if (stale && m_model->hasLoaded()) {
        const QString asOf = m_model->dataAsOf().isValid()
            ? tr("%1 %2").arg(time.clock(m_model->dataAsOf()), time.zoneName())
            : tr("—");
        const QString why = state == State::Waiting
            ? tr("The server has not answered for %n second(s).", nullptr,
                 monitor->secondsWaiting())
            : tr("The server is not answering: %1").arg(monitor->lastErrorMessage());
        m_banner->showMessage(MessageBanner::Kind::Warning,
                              tr("Showing data as of %1. %2").arg(asOf, why), tr("Retry now"));
        return;
    }
    if (m_banner->isVisible() && m_banner->kind() == MessageBanner::Kind::Warning
        && m_banner->text().startsWith(tr("Showing data as of"))) {
        m_banner->hide();
    }
}

void VaultKeysPage::onRevokeClicked(const QString &keyId)
{
    if (keyId.isEmpty() || !m_session->allows(AdminRole::Operator))
        return;
    m_model->revoke(keyId);
}

void VaultKeysPage::onRevokeSucceeded(const QString &keyId, const QDateTime &revokedAt)
{
    // Named in words, so a wrong target would be seen at once.
    const client::VaultKey *key = m_model->findKey(keyId);
    const QString name = key && !key->name.isEmpty() ? key->name : tr("unnamed key");
    const QString label =
        key && !key->agentRunLabel.isEmpty() ? key->agentRunLabel : tr("no run label");
    const TimeFormatter time = m_session->timeFormatter();
    m_revokeResult->showMessage(
        MessageBanner::Kind::Information,
        tr("Revoked “%1” · …%2 · %3 at %4 %5")
            .arg(name, keyId.right(6), label, time.clock(revokedAt, true), time.zoneName()),
        tr("Add reason…"));
    m_revokeResult->setProperty("keyId", keyId);
    m_reasonBar->hide();
    m_revokeResult->show();
}

void VaultKeysPage::updateHeldPill()
{
    QStringList waiting;
    if (m_model->heldNewKeys() > 0)
        waiting.append(tr("%n new key(s)", nullptr, m_model->heldNewKeys()));
    if (m_model->heldGoneKeys() > 0)
        waiting.append(tr("%n key(s) left the list", nullptr, m_model->heldGoneKeys()));
    if (m_proxy->isOrderStale())
        waiting.append(tr("new order"));
    m_hold->setPendingText(waiting.isEmpty() ? QString()
                                             : tr("%1 — show").arg(waiting.join(tr(" · "))));
}

void VaultKeysPage::onIssueSimilar(const QString &keyId)
{
    const client::VaultKey *key = m_model->findKey(keyId);
    if (!key)
        return;
    openIssueDialog(KeyPolicyDraft::similarTo(*key, m_session->catalog()));
}

void VaultKeysPage::onContextMenu(const QPoint &position)
{
    const QModelIndex index = m_table->indexAt(position);
    if (!index.isValid())
        return;
    const QString keyId = keyIdAt(index);
    const client::VaultKey *key = m_model->findKey(keyId);
    if (!key)
        return;
    const QString label = key->agentRunLabel;
    // popup(), not exec(): the UI thread never runs a nested event loop.
    auto *menu = new QMenu(this);
    menu->setAttribute(Qt::WA_DeleteOnClose);
    m_hold->holdWhileOpen(menu); // the rows stay put while the menu of one of them is open
    menu->setToolTipsVisible(true);
    connect(menu->addAction(ThemedIcon::icon(QStringLiteral("details")), tr("Show &Details")),
            &QAction::triggered, this, [this, keyId] { showDetails(keyId); });
    menu->addSeparator();
    connect(menu->addAction(ThemedIcon::icon(QStringLiteral("copy")), tr("Copy Key &Id")),
            &QAction::triggered, this, [keyId] { QGuiApplication::clipboard()->setText(keyId); });
    connect(menu->addAction(tr("Copy Run &Label")), &QAction::triggered, this,
            [label] { QGuiApplication::clipboard()->setText(label); });
    menu->addSeparator();
    if (Model::RowAction(index.data(Model::RowActionRole).toInt()) == Model::RowAction::Revoke) {
        QAction *revoke =
            menu->addAction(ThemedIcon::icon(QStringLiteral("revoke")), tr("&Revoke"));
        const QString blocked = m_session->blockedReason(AdminRole::Operator);
        revoke->setEnabled(blocked.isEmpty());
        revoke->setToolTip(blocked);
        connect(revoke, &QAction::triggered, this, [this, keyId] { m_model->revoke(keyId); });
    }
    QAction *similar =
        menu->addAction(ThemedIcon::icon(QStringLiteral("similar")), tr("Issue a &Similar Key…"));
    similar->setEnabled(m_session->allows(AdminRole::Issuer));
    similar->setToolTip(m_session->blockedReason(AdminRole::Issuer));
    connect(similar, &QAction::triggered, this, [this, keyId] { onIssueSimilar(keyId); });
    menu->popup(m_table->viewport()->mapToGlobal(position));
}

QString VaultKeysPage::keyIdAt(const QModelIndex &proxyIndex) const
{
    return proxyIndex.data(Model::KeyIdRole).toString();
}

} // namespace keybrake
