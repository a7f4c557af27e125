#include "ui/blockspage.h"

#include "client/adminrole.h"
#include "models/blocklistmodel.h"
#include "models/connectionmonitor.h"
#include "models/consolesession.h"
#include "ui/messagebanner.h"
#include "ui/pagestatewidget.h"
#include "ui/pagetitle.h"
#include "ui/themedicon.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QStackedWidget>
#include <QTableView>
#include <QToolButton>
#include <QVBoxLayout>

namespace keybrake {

using client::AdminRole;
using Model = BlockListModel;

BlocksPage::BlocksPage(ConsoleSession *session, QWidget *parent)
    : QWidget(parent)
    , m_session(session)
{
    setObjectName(QStringLiteral("blocksPage"));
    Model *model = session->blocks();

    auto *outer = new QVBoxLayout(this);
    outer->setContentsMargins(18, 14, 18, 10);
    outer->setSpacing(10);
    auto *header = new QHBoxLayout;
    auto *title = newPageTitle(tr("Blocks"), this);
    m_summary = new QLabel(this);
    m_summary->setObjectName(QStringLiteral("blocksSummaryLabel"));
    m_summary->setForegroundRole(QPalette::PlaceholderText);
    header->addWidget(title);
    header->addSpacing(12);
    header->addWidget(m_summary, 1, Qt::AlignBottom);
    auto *refresh = new QToolButton(this);
    refresh->setIcon(ThemedIcon::icon(QStringLiteral("refresh")));
    refresh->setToolTip(tr("Refresh now"));
    refresh->setAccessibleName(tr("Refresh"));
    refresh->setAutoRaise(true);
    header->addWidget(refresh);
    m_liftReason = new QLineEdit(this);
    m_liftReason->setObjectName(QStringLiteral("liftReasonLineEdit"));
    m_liftReason->setAccessibleName(tr("Reason for lifting"));
    m_liftReason->setPlaceholderText(tr("Reason for lifting (optional)"));
    m_liftReason->setMaxLength(500);
    m_liftReason->setMinimumWidth(260);
    header->addWidget(m_liftReason);
    m_lift = new QPushButton(ThemedIcon::icon(QStringLiteral("check")), tr("Lift block"), this);
    m_lift->setObjectName(QStringLiteral("liftBlockPushButton"));
    m_lift->setAccessibleName(tr("Lift the selected block"));
    header->addWidget(m_lift);
    outer->addLayout(header);

    auto *hint = new QLabel(tr("While a block is active, no vault key whose run label starts with "
                               "its prefix is issued, and every call of an existing one is "
                               "refused (403 prefix_blocked). Stop runs… creates one; lifting it "
                               "lets the agent issue keys and call again."),
                            this);
    hint->setWordWrap(true);
    hint->setForegroundRole(QPalette::PlaceholderText);
    outer->addWidget(hint);

    m_banner = new MessageBanner(this);
    m_banner->setObjectName(QStringLiteral("blocksBanner"));
    m_banner->hide();
    outer->addWidget(m_banner);

    m_stack = new QStackedWidget(this);
    m_table = new QTableView(m_stack);
    m_table->setObjectName(QStringLiteral("blocksTableView"));
    m_table->setAccessibleName(tr("Active prefix blocks"));
    m_table->setModel(model);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setAlternatingRowColors(true);
    m_table->setShowGrid(false);
    m_table->setWordWrap(false);
    m_table->setTextElideMode(Qt::ElideMiddle);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 12);
    m_table->horizontalHeader()->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    m_table->horizontalHeader()->setHighlightSections(false);
    m_table->horizontalHeader()->setStretchLastSection(false);
    m_table->horizontalHeader()->setSectionResizeMode(Model::ReasonColumn, QHeaderView::Stretch);
    const QList<QPair<int, int>> widths = {
        {Model::PrefixColumn, 220}, {Model::VendorColumn, 100}, {Model::CreatedByColumn, 120},
        {Model::SinceColumn, 110},  {Model::EndsColumn, 170},   {Model::RefusedColumn, 170},
    };
    for (const auto &[column, width] : widths)
        m_table->setColumnWidth(column, width);
    m_stack->addWidget(m_table);
    m_state = new PageStateWidget(m_stack);
    m_stack->addWidget(m_state);
    outer->addWidget(m_stack, 1);

    connect(refresh, &QToolButton::clicked, this, &BlocksPage::refresh);
    connect(m_lift, &QPushButton::clicked, this, &BlocksPage::liftSelected);
    connect(m_liftReason, &QLineEdit::returnPressed, this, &BlocksPage::liftSelected);
    connect(m_state, &PageStateWidget::actionTriggered, this, &BlocksPage::refresh);
    connect(m_banner, &MessageBanner::actionTriggered, this, &BlocksPage::refresh);
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &BlocksPage::updateActions);
    connect(model, &Model::modelReset, this, &BlocksPage::updateActions);
    connect(model, &Model::blocksChanged, this, &BlocksPage::updateState);
    connect(model, &Model::loadFailed, this, [this](const QString &message) {
        updateState();
        m_banner->showMessage(MessageBanner::Kind::Error,
                              tr("Could not read the blocks: %1").arg(message), tr("Retry"));
        m_banner->show();
    });
    connect(model, &Model::liftFinished, this, [this](const QString &id, const QString &error) {
        if (error.isEmpty()) {
            m_banner->showMessage(MessageBanner::Kind::Information,
                                  tr("Lifted block …%1. Keys under its prefix may be issued and "
                                     "called again.")
                                      .arg(id.right(6)));
            m_liftReason->clear();
        } else {
            m_banner->showMessage(MessageBanner::Kind::Error,
                                  tr("Could not lift block …%1: %2").arg(id.right(6), error));
        }
        m_banner->show();
        m_lift->setText(tr("Lift block"));
        updateActions();
    });
    connect(session, &ConsoleSession::permissionsChanged, this, &BlocksPage::updateActions);
    connect(session->monitor(), &ConnectionMonitor::stateChanged, this, &BlocksPage::updateActions);
    updateState();
    updateActions();
}

BlocksPage::~BlocksPage() = default;

void BlocksPage::refresh()
{
    m_session->blocks()->refresh();
}

QString BlocksPage::selectedId() const
{
    const QModelIndexList rows = m_table->selectionModel()->selectedRows();
    return rows.isEmpty() ? QString() : rows.first().data(Model::IdRole).toString();
}

void BlocksPage::liftSelected()
{
    const QString id = selectedId();
    if (id.isEmpty() || !m_session->allows(AdminRole::Operator))
        return;
    m_lift->setEnabled(false);
    m_lift->setText(tr("Lifting…"));
    m_session->blocks()->lift(id, m_liftReason->text().trimmed());
}

void BlocksPage::updateState()
{
    const Model *model = m_session->blocks();
    const int count = model->rowCount();
    m_summary->setText(model->hasLoaded() ? tr("%n active block(s)", nullptr, count) : QString());
    if (!model->hasLoaded() && model->lastError().isEmpty()) {
        m_state->showLoading(tr("Reading the blocks…"));
        m_stack->setCurrentWidget(m_state);
    } else if (count == 0 && model->hasLoaded()) {
        m_state->showMessage(QStringLiteral("check"), tr("No prefix is blocked"),
                             tr("Stop runs… (Ctrl+Shift+K) revokes an agent's keys and blocks "
                                "its prefix for an hour by default, so it cannot issue itself "
                                "new ones."));
        m_stack->setCurrentWidget(m_state);
    } else {
        m_stack->setCurrentWidget(m_table);
    }
    if (model->lastError().isEmpty() && m_banner->kind() == MessageBanner::Kind::Error
        && m_banner->text().startsWith(tr("Could not read")))
        m_banner->hide();
    updateActions();
}

void BlocksPage::updateActions()
{
    const QString blocked = m_session->blockedReason(AdminRole::Operator);
    const bool selected = !selectedId().isEmpty();
    const bool lifting = m_lift->text() != tr("Lift block");
    m_lift->setEnabled(blocked.isEmpty() && selected && !lifting);
    m_liftReason->setEnabled(blocked.isEmpty());
    m_lift->setToolTip(!blocked.isEmpty() ? blocked
                           : !selected    ? tr("Select a block to lift it")
                                          : tr("Lift the selected block now"));
}

} // namespace keybrake
