#include "ui/adminkeyspage.h"

#include "client/adminrole.h"
#include "models/adminkeytablemodel.h"
#include "models/connectionmonitor.h"
#include "models/consolesession.h"
#include "ui/createadminkeydialog.h"
#include "ui/messagebanner.h"
#include "ui/messageprompt.h"
#include "ui/pagestatewidget.h"
#include "ui/pagetitle.h"
#include "ui/themedicon.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QStackedWidget>
#include <QTableView>
#include <QToolButton>
#include <QVBoxLayout>

namespace keybrake {

using client::AdminRole;
using Model = AdminKeyTableModel;

AdminKeysPage::AdminKeysPage(ConsoleSession *session, QWidget *parent)
    : QWidget(parent)
    , m_session(session)
    , m_model(new AdminKeyTableModel(session->client(), this))
{
    setObjectName(QStringLiteral("adminKeysPage"));
    m_model->setConnectionMonitor(session->monitor());

    auto *outer = new QVBoxLayout(this);
    outer->setContentsMargins(18, 14, 18, 10);
    outer->setSpacing(10);
    auto *header = new QHBoxLayout;
    auto *title = newPageTitle(tr("Admin Keys"), this);
    m_summary = new QLabel(this);
    m_summary->setObjectName(QStringLiteral("adminKeysSummaryLabel"));
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
    m_revoke = new QPushButton(ThemedIcon::icon(QStringLiteral("revoke")), tr("Revoke…"), this);
    m_revoke->setObjectName(QStringLiteral("revokeAdminKeyPushButton"));
    m_revoke->setAccessibleName(tr("Revoke the selected admin key"));
    header->addWidget(m_revoke);
    m_create =
        new QPushButton(ThemedIcon::icon(QStringLiteral("issue-key")), tr("New admin key"), this);
    m_create->setObjectName(QStringLiteral("newAdminKeyPushButton"));
    m_create->setAccessibleName(tr("Create an admin key"));
    header->addWidget(m_create);
    outer->addLayout(header);

    auto *hint = new QLabel(tr("Admin keys call the admin API: agents' issuers mint vault keys "
                               "with them. Revoking one stops what it does at its next request."),
                            this);
    hint->setWordWrap(true);
    hint->setForegroundRole(QPalette::PlaceholderText);
    outer->addWidget(hint);

    m_banner = new MessageBanner(this);
    m_banner->setObjectName(QStringLiteral("adminKeysBanner"));
    m_banner->hide();
    outer->addWidget(m_banner);

    m_stack = new QStackedWidget(this);
    m_table = new QTableView(m_stack);
    m_table->setObjectName(QStringLiteral("adminKeysTableView"));
    m_table->setAccessibleName(tr("Admin keys"));
    auto *proxy = new QSortFilterProxyModel(this);
    proxy->setSourceModel(m_model);
    proxy->setSortRole(Model::RawValueRole);
    m_table->setModel(proxy);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(Model::CreatedColumn, Qt::DescendingOrder);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setAlternatingRowColors(true);
    m_table->setShowGrid(false);
    m_table->setWordWrap(false);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 12);
    m_table->horizontalHeader()->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    m_table->horizontalHeader()->setHighlightSections(false);
    m_table->horizontalHeader()->setStretchLastSection(true);
    const QList<QPair<int, int>> widths = {
        {Model::NameColumn, 200},   {Model::RoleColumn, 90},     {Model::KeyHintColumn, 120},
        {Model::StatusColumn, 220}, {Model::CreatedColumn, 150},
    };
    for (const auto &[column, width] : widths)
        m_table->setColumnWidth(column, width);
    m_stack->addWidget(m_table);
    m_state = new PageStateWidget(m_stack);
    m_stack->addWidget(m_state);
    outer->addWidget(m_stack, 1);

    connect(refresh, &QToolButton::clicked, this, &AdminKeysPage::refresh);
    connect(m_create, &QPushButton::clicked, this, &AdminKeysPage::openCreateDialog);
    connect(m_revoke, &QPushButton::clicked, this, &AdminKeysPage::revokeSelected);
    connect(m_state, &PageStateWidget::actionTriggered, this, &AdminKeysPage::refresh);
    connect(m_banner, &MessageBanner::actionTriggered, this, &AdminKeysPage::refresh);
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &AdminKeysPage::updateActions);
    connect(m_model, &Model::loadingChanged, this, &AdminKeysPage::updateState);
    connect(m_model, &Model::refreshed, this, &AdminKeysPage::updateState);
    connect(m_model, &Model::loadFailed, this, [this](const QString &message) {
        updateState();
        if (m_model->hasLoaded())
            m_banner->showMessage(MessageBanner::Kind::Error,
                                  tr("Could not refresh the admin keys: %1").arg(message),
                                  tr("Retry"));
    });
    connect(m_model, &Model::revokeSucceeded, this, [this](const QString &id) {
        const client::AdminKeyInfo *key = m_model->findKey(id);
        m_banner->showMessage(
            MessageBanner::Kind::Information,
            tr("Revoked admin key “%1” (…%2) at %3. Its next request gets 401.")
                .arg(key ? key->name : id, id.right(4),
                     key ? key->revokedAt.toUTC().toString(QStringLiteral("HH:mm:ss 'UTC'"))
                         : QString()));
        m_banner->show();
        updateActions();
    });
    connect(m_model, &Model::revokeFailed, this, [this](const QString &id, const QString &message) {
        m_banner->showMessage(MessageBanner::Kind::Error,
                              tr("Could not revoke admin key …%1: %2").arg(id.right(4), message));
        m_banner->show();
    });
    connect(session, &ConsoleSession::permissionsChanged, this, &AdminKeysPage::updateState);
    connect(session->monitor(), &ConnectionMonitor::stateChanged, this,
            &AdminKeysPage::updateActions);
    connect(session->monitor(), &ConnectionMonitor::refreshDue, this, [this] {
        if (isVisible() && m_session->allows(AdminRole::Admin))
            m_model->refresh();
    });
    updateState();
    updateActions();
}

AdminKeysPage::~AdminKeysPage() = default;

void AdminKeysPage::refresh()
{
    if (m_session->allows(AdminRole::Admin))
        m_model->refresh();
}

void AdminKeysPage::openCreateDialog()
{
    const QString blocked = m_session->blockedReason(AdminRole::Admin);
    if (!blocked.isEmpty()) {
        m_banner->showMessage(MessageBanner::Kind::Warning, blocked);
        m_banner->show();
        return;
    }
    auto *dialog = new CreateAdminKeyDialog(m_session, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &CreateAdminKeyDialog::keyCreated, m_model, &Model::refresh);
    dialog->open();
}

void AdminKeysPage::revokeSelected()
{
    const QString id = selectedId();
    const client::AdminKeyInfo *key = m_model->findKey(id);
    if (!key || key->isRevoked())
        return;
    const bool self = m_session->whoAmI() && m_session->whoAmI()->adminKeyId == id;
    const QString question = self
        ? tr("Revoke “%1”, the admin key this console is signed in with?\n\nThe console loses "
             "access at its next request. Revoking cannot be undone.")
              .arg(key->name)
        : tr("Revoke admin key “%1” (%2, …%3)?\n\nWhoever holds it gets 401 from its next "
             "request on; vault keys it issued stay valid until revoked. Revoking cannot be "
             "undone.")
              .arg(key->name, client::adminRoleName(key->role), id.right(4));
    MessagePrompt::ask(this, tr("Revoke admin key"), question, tr("Revoke admin key"), this,
                       [this, id](bool confirmed) {
                           if (confirmed)
                               m_model->revoke(id);
                       });
}

void AdminKeysPage::updateState()
{
    const QString blocked = m_session->blockedReason(AdminRole::Admin);
    if (!blocked.isEmpty() && !m_model->hasLoaded()) {
        m_state->showMessage(QStringLiteral("lock"), tr("Admin keys are for the admin role"),
                             blocked.toHtmlEscaped(), QString());
        m_stack->setCurrentWidget(m_state);
    } else if (m_model->rowCount() > 0) {
        m_stack->setCurrentWidget(m_table);
    } else if (m_model->isLoading() || !m_model->hasLoaded()) {
        if (!m_model->lastError().isEmpty()) {
            m_state->showMessage(QStringLiteral("error"), tr("Could not load the admin keys"),
                                 m_model->lastError().toHtmlEscaped(), tr("Retry"));
        } else {
            m_state->showLoading(tr("Loading admin keys…"));
        }
        m_stack->setCurrentWidget(m_state);
    }
    int active = 0;
    for (int row = 0; row < m_model->rowCount(); ++row)
        active += m_model->index(row, 0).data(Model::RevokedRole).toBool() ? 0 : 1;
    m_summary->setText(tr("%n admin key(s) · %1 active", nullptr, m_model->rowCount()).arg(active));
    updateActions();
}

void AdminKeysPage::updateActions()
{
    const QString blocked = m_session->blockedReason(AdminRole::Admin);
    m_create->setEnabled(blocked.isEmpty());
    m_create->setToolTip(blocked.isEmpty() ? tr("Create an admin key") : blocked);
    const client::AdminKeyInfo *key = m_model->findKey(selectedId());
    const bool revocable = key && !key->isRevoked();
    m_revoke->setEnabled(blocked.isEmpty() && revocable);
    m_revoke->setToolTip(!blocked.isEmpty() ? blocked
                             : revocable    ? tr("Revoke the selected admin key")
                                            : tr("Select an active admin key"));
}

QString AdminKeysPage::selectedId() const
{
    const QModelIndexList rows = m_table->selectionModel()->selectedRows();
    return rows.isEmpty() ? QString() : rows.first().data(Model::IdRole).toString();
}

} // namespace keybrake
