#include "ui/keydetailspanel.h"

#include "client/adminrole.h"
#include "models/blocklistmodel.h"
#include "models/connectionmonitor.h"
#include "models/consolesession.h"
#include "models/keyauditmodel.h"
#include "models/usdtext.h"
#include "models/vaultkeytablemodel.h"
#include "ui/capbar.h"
#include "ui/consolecolors.h"
#include "ui/themedicon.h"

#include <QClipboard>
#include <QFontDatabase>
#include <QFormLayout>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTableView>
#include <QToolButton>
#include <QVBoxLayout>

namespace keybrake {

using client::AdminRole;
using client::KeyStatus;

KeyDetailsPanel::KeyDetailsPanel(ConsoleSession *session, VaultKeyTableModel *keys, QWidget *parent)
    : QFrame(parent)
    , m_session(session)
    , m_keys(keys)
    , m_audit(new KeyAuditModel(session->client(), this))
{
    setObjectName(QStringLiteral("keyDetailsPanel"));
    setAccessibleName(tr("Key details"));
    setFrameShape(QFrame::StyledPanel);
    setMinimumWidth(400);
    m_audit->setConnectionMonitor(session->monitor());
    m_audit->setTimeFormatter(session->timeFormatter());

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(14, 12, 14, 12);
    layout->setSpacing(8);

    auto *header = new QHBoxLayout;
    m_title = new QLabel(this);
    m_title->setObjectName(QStringLiteral("keyDetailsTitleLabel"));
    QFont titleFont = m_title->font();
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.2);
    titleFont.setBold(true);
    m_title->setFont(titleFont);
    m_title->setWordWrap(true);
    auto *close = new QToolButton(this);
    close->setObjectName(QStringLiteral("keyDetailsCloseToolButton"));
    close->setText(QStringLiteral("✕"));
    close->setAutoRaise(true);
    close->setToolTip(tr("Close the details (Esc)"));
    close->setAccessibleName(tr("Close key details"));
    close->setShortcut(Qt::Key_Escape);
    header->addWidget(m_title, 1);
    header->addWidget(close, 0, Qt::AlignTop);
    layout->addLayout(header);

    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("keyDetailsStatusLabel"));
    m_status->setTextFormat(Qt::RichText);
    layout->addWidget(m_status);
    // Why the key's calls are refused, or who stopped it and why: the first thing asked.
    for (QLabel **line : {&m_block, &m_revoked}) {
        *line = new QLabel(this);
        (*line)->setWordWrap(true);
        (*line)->setTextInteractionFlags(Qt::TextSelectableByMouse);
        (*line)->hide();
        layout->addWidget(*line);
    }
    m_block->setObjectName(QStringLiteral("keyDetailsBlockLabel"));
    m_revoked->setObjectName(QStringLiteral("keyDetailsRevokedLabel"));
    {
        QPalette p = m_block->palette();
        p.setColor(QPalette::WindowText, ConsoleColors::danger(palette()));
        m_block->setPalette(p);
    }

    auto *idRow = new QHBoxLayout;
    m_keyIdLabel = new QLabel(this);
    m_keyIdLabel->setObjectName(QStringLiteral("keyDetailsIdLabel"));
    m_keyIdLabel->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_keyIdLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *copy = new QToolButton(this);
    copy->setObjectName(QStringLiteral("copyKeyIdToolButton"));
    copy->setIcon(ThemedIcon::icon(QStringLiteral("copy")));
    copy->setAutoRaise(true);
    copy->setToolTip(tr("Copy the key id"));
    copy->setAccessibleName(tr("Copy key id"));
    idRow->addWidget(m_keyIdLabel, 1);
    idRow->addWidget(copy);
    layout->addLayout(idRow);

    auto *today = new QLabel(tr("Today"), this);
    QFont section = today->font();
    section.setBold(true);
    today->setFont(section);
    layout->addSpacing(4);
    layout->addWidget(today);
    m_capBar = new CapBar(this);
    m_capBar->setFixedHeight(14);
    layout->addWidget(m_capBar);
    m_spend = new QLabel(this);
    m_spend->setObjectName(QStringLiteral("keyDetailsSpendLabel"));
    m_spend->setWordWrap(true);
    layout->addWidget(m_spend);
    m_resets = new QLabel(this);
    m_resets->setForegroundRole(QPalette::PlaceholderText);
    layout->addWidget(m_resets);

    auto *policy = new QLabel(tr("Policy"), this);
    policy->setFont(section);
    layout->addSpacing(4);
    layout->addWidget(policy);
    auto *form = new QFormLayout;
    form->setLabelAlignment(Qt::AlignLeft);
    form->setHorizontalSpacing(12);
    form->setVerticalSpacing(4);
    m_vendor = addField(form, tr("Vendor"), QStringLiteral("keyDetailsVendorLabel"));
    m_label = addField(form, tr("Run label"), QStringLiteral("keyDetailsRunLabelLabel"));
    m_label->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_operations = addField(form, tr("May call"), QStringLiteral("keyDetailsOperationsLabel"));
    m_scope = addField(form, tr("Scope"), QStringLiteral("keyDetailsScopeLabel"));
    m_velocity = addField(form, tr("Velocity"), QStringLiteral("keyDetailsVelocityLabel"));
    m_created = addField(form, tr("Issued"), QStringLiteral("keyDetailsCreatedLabel"));
    m_issuedBy = addField(form, tr("Issued by"), QStringLiteral("keyDetailsIssuedByLabel"));
    m_expires = addField(form, tr("Expires"), QStringLiteral("keyDetailsExpiresLabel"));
    m_calls = addField(form, tr("Calls today"), QStringLiteral("keyDetailsCallsLabel"));
    layout->addLayout(form);

    auto *recent = new QLabel(tr("Recent calls"), this);
    recent->setFont(section);
    layout->addSpacing(4);
    layout->addWidget(recent);
    m_callsView = new QTableView(this);
    m_callsView->setObjectName(QStringLiteral("keyAuditTableView"));
    m_callsView->setAccessibleName(tr("Recent calls of this key"));
    m_callsView->setModel(m_audit);
    m_callsView->verticalHeader()->hide();
    m_callsView->verticalHeader()->setDefaultSectionSize(m_callsView->fontMetrics().height() + 8);
    m_callsView->setShowGrid(false);
    m_callsView->setAlternatingRowColors(true);
    m_callsView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_callsView->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_callsView->setWordWrap(false);
    // The panel is narrow: time, operation, verdict and cost; status and latency are one click
    // away in the audit log, and in each verdict's tooltip.
    m_callsView->horizontalHeader()->setStretchLastSection(false);
    m_callsView->setColumnWidth(KeyAuditModel::TimeColumn, 92);
    m_callsView->setColumnWidth(KeyAuditModel::VerdictColumn, 118);
    m_callsView->setColumnWidth(KeyAuditModel::CostColumn, 64);
    m_callsView->horizontalHeader()->setSectionResizeMode(KeyAuditModel::OperationColumn,
                                                          QHeaderView::Stretch);
    m_callsView->setColumnHidden(KeyAuditModel::StatusColumn, true);
    m_callsView->setColumnHidden(KeyAuditModel::LatencyColumn, true);
    m_callsView->setTextElideMode(Qt::ElideRight);
    layout->addWidget(m_callsView, 1);

    auto *buttons = new QHBoxLayout;
    m_revoke = new QPushButton(ThemedIcon::icon(QStringLiteral("revoke")), tr("Revoke"), this);
    m_revoke->setObjectName(QStringLiteral("keyDetailsRevokePushButton"));
    m_revoke->setAccessibleName(tr("Revoke this key"));
    m_similar = new QPushButton(ThemedIcon::icon(QStringLiteral("similar")),
                                tr("Issue a similar key…"), this);
    m_similar->setObjectName(QStringLiteral("keyDetailsIssueSimilarPushButton"));
    buttons->addWidget(m_revoke);
    buttons->addWidget(m_similar);
    buttons->addStretch(1);
    layout->addLayout(buttons);

    connect(close, &QToolButton::clicked, this, &KeyDetailsPanel::closeRequested);
    connect(copy, &QToolButton::clicked, this,
            [this] { QGuiApplication::clipboard()->setText(m_keyId); });
    connect(m_revoke, &QPushButton::clicked, this, [this] { m_keys->revoke(m_keyId); });
    connect(m_similar, &QPushButton::clicked, this,
            [this] { Q_EMIT issueSimilarRequested(m_keyId); });
    connect(m_keys, &QAbstractItemModel::dataChanged, this,
            [this](const QModelIndex &topLeft, const QModelIndex &bottomRight) {
                const int row = m_keys->rowOfKey(m_keyId);
                if (row >= topLeft.row() && row <= bottomRight.row())
                    updateFromModel();
            });
    connect(m_keys, &QAbstractItemModel::rowsRemoved, this, &KeyDetailsPanel::updateFromModel);
    connect(m_keys, &QAbstractItemModel::modelReset, this, &KeyDetailsPanel::updateFromModel);
    connect(session->blocks(), &BlockListModel::blocksChanged, this,
            &KeyDetailsPanel::updateFromModel);
    connect(session->monitor(), &ConnectionMonitor::refreshDue, this, [this] {
        if (isVisible())
            m_audit->refresh();
    });
    connect(session, &ConsoleSession::timeFormatterChanged, this,
            [this](const TimeFormatter &formatter) {
                m_audit->setTimeFormatter(formatter);
                updateFromModel();
            });
}

KeyDetailsPanel::~KeyDetailsPanel() = default;

QLabel *KeyDetailsPanel::addField(QFormLayout *form, const QString &label,
                                  const QString &objectName)
{
    auto *value = new QLabel(this);
    value->setObjectName(objectName);
    value->setWordWrap(true);
    value->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *name = new QLabel(label, this);
    name->setForegroundRole(QPalette::PlaceholderText);
    form->addRow(name, value);
    value->setAccessibleName(label);
    return value;
}

void KeyDetailsPanel::setKeyId(const QString &keyId)
{
    m_keyId = keyId;
    m_audit->setKeyId(keyId);
    updateFromModel();
}

void KeyDetailsPanel::updatePermissions()
{
    const client::VaultKey *key = m_keys->findKey(m_keyId);
    const bool live = key && (key->status == KeyStatus::Active || key->status == KeyStatus::Capped);
    const auto revokeState = m_keys->revokeState(m_keyId);
    const QString revokeBlocked = m_session->blockedReason(AdminRole::Operator);
    m_revoke->setVisible(live || revokeState == VaultKeyTableModel::RevokeState::Revoking);
    m_revoke->setEnabled(live && revokeBlocked.isEmpty()
                         && revokeState != VaultKeyTableModel::RevokeState::Revoking);
    m_revoke->setText(revokeState == VaultKeyTableModel::RevokeState::Revoking ? tr("Revoking…")
                                                                               : tr("Revoke"));
    m_revoke->setToolTip(revokeBlocked.isEmpty()
                             ? tr("Revoke now: the next call with this key gets 401")
                             : revokeBlocked);
    const QString issueBlocked = m_session->blockedReason(AdminRole::Issuer);
    m_similar->setEnabled(key && issueBlocked.isEmpty());
    m_similar->setToolTip(issueBlocked.isEmpty()
                              ? tr("Open the Issue Key form with this key's policy")
                              : issueBlocked);
}

void KeyDetailsPanel::updateFromModel()
{
    const client::VaultKey *key = m_keys->findKey(m_keyId);
    if (!key) {
        m_title->setText(tr("Key not loaded"));
        m_status->clear();
        updatePermissions();
        return;
    }
    const TimeFormatter time = m_session->timeFormatter();
    const QDateTime now = QDateTime::currentDateTimeUtc();
    m_title->setText(key->name.isEmpty() ? key->agentRunLabel : key->name);
    const int row = m_keys->rowOfKey(m_keyId);
    const QModelIndex statusIndex = m_keys->index(row, VaultKeyTableModel::StatusColumn);
    const auto status = VaultKeyTableModel::DisplayStatus(
        statusIndex.data(VaultKeyTableModel::DisplayStatusRole).toInt());
    QColor tone = ConsoleColors::good(palette());
    QString shape = QStringLiteral("●");
    switch (status) {
    case VaultKeyTableModel::DisplayStatus::NearCap:
        tone = ConsoleColors::warning(palette());
        shape = QStringLiteral("▲");
        break;
    case VaultKeyTableModel::DisplayStatus::Capped:
        tone = ConsoleColors::danger(palette());
        shape = QStringLiteral("■");
        break;
    case VaultKeyTableModel::DisplayStatus::Revoking:
        tone = ConsoleColors::warning(palette());
        shape = QStringLiteral("◌");
        break;
    case VaultKeyTableModel::DisplayStatus::Blocked:
        tone = ConsoleColors::danger(palette());
        shape = QStringLiteral("⛔");
        break;
    case VaultKeyTableModel::DisplayStatus::Revoked:
        tone = ConsoleColors::muted(palette());
        shape = QStringLiteral("■");
        break;
    case VaultKeyTableModel::DisplayStatus::Expired:
    case VaultKeyTableModel::DisplayStatus::Unknown:
        tone = ConsoleColors::muted(palette());
        shape = QStringLiteral("○");
        break;
    case VaultKeyTableModel::DisplayStatus::Active:
        break;
    }
    m_status->setText(
        QStringLiteral("<span style=\"color:%1\">%2</span> %3")
            .arg(tone.name(), shape,
                 (status == VaultKeyTableModel::DisplayStatus::NearCap
                      ? tr("Near cap · %1").arg(statusIndex.data(Qt::DisplayRole).toString())
                      : statusIndex.data(Qt::DisplayRole).toString())
                     .toHtmlEscaped()));
    m_status->setToolTip(statusIndex.data(Qt::ToolTipRole).toString());
    m_keyIdLabel->setText(key->keyId);
    m_keyIdLabel->setToolTip(tr("%1 (hint %2)").arg(key->keyId, key->keyHint));

    m_capBar->setValues(key->spentTodayUsd, key->heldUsd, key->dailyUsdCap);
    m_spend->setText(tr("%1 settled + %2 held of %3 · %4 %")
                         .arg(UsdText::display(key->spentTodayUsd), UsdText::display(key->heldUsd),
                              UsdText::display(key->dailyUsdCap))
                         .arg(UsdText::percentOf(key->committedUsd(), key->dailyUsdCap)));
    m_resets->setText(key->resetsAt.isValid() ? tr("Resets at %1").arg(time.absolute(key->resetsAt))
                                              : QString());

    m_vendor->setText(
        statusIndex.siblingAtColumn(VaultKeyTableModel::VendorColumn).data().toString());
    m_label->setText(key->agentRunLabel);
    m_operations->setText(key->allowedEndpoints.join(QLatin1Char('\n')));
    QStringList scope;
    if (!key->scope.stripeCustomers.isEmpty())
        scope.append(tr("customers: %1").arg(key->scope.stripeCustomers.join(u", ")));
    if (!key->scope.stripeAccounts.isEmpty())
        scope.append(tr("accounts: %1").arg(key->scope.stripeAccounts.join(u", ")));
    if (!key->scope.twilioFromNumbers.isEmpty())
        scope.append(tr("from numbers: %1").arg(key->scope.twilioFromNumbers.join(u", ")));
    if (!key->scope.resendFromDomains.isEmpty())
        scope.append(tr("from domains: %1").arg(key->scope.resendFromDomains.join(u", ")));
    m_scope->setText(scope.isEmpty() ? tr("no restriction") : scope.join(QLatin1Char('\n')));
    m_created->setText(time.absolute(key->createdAt));
    const auto who = [](const client::AdminRef &ref) {
        return ref.name.isEmpty() ? ref.adminKeyId : ref.name;
    };
    m_issuedBy->setText(key->issuedBy.isValid() ? who(key->issuedBy) : tr("not recorded"));
    m_issuedBy->setToolTip(key->issuedBy.adminKeyId);
    QStringList velocity;
    if (key->maxCallsPerMinute)
        velocity.append(tr("at most %n call(s) a minute", nullptr, int(*key->maxCallsPerMinute)));
    if (key->maxUsdPerMinute)
        velocity.append(tr("at most %1 a minute").arg(UsdText::display(*key->maxUsdPerMinute)));
    m_velocity->setText(velocity.isEmpty() ? tr("no limit (only the daily cap)")
                                           : velocity.join(tr("; ")));
    const client::PrefixBlock *block = key->revokedAt.isValid()
        ? nullptr
        : m_session->blocks()->blockFor(key->agentRunLabel, key->vendor);
    m_block->setVisible(block);
    m_block->setText(block ? BlockListModel::describe(*block, time) : QString());
    m_revoked->setVisible(key->revokedAt.isValid());
    if (key->revokedAt.isValid()) {
        QString text = tr("Revoked %1 %2").arg(time.clock(key->revokedAt, true), time.zoneName());
        if (key->revokedBy.isValid())
            text += QLatin1Char(' ') + tr("by %1").arg(who(key->revokedBy));
        text += key->revokeReason.isEmpty() ? tr(" — no reason given")
                                            : tr(" — %1").arg(key->revokeReason);
        m_revoked->setText(text);
    }
    m_expires->setText(
        tr("%1 (%2)").arg(time.absolute(key->expiresAt), time.relative(key->expiresAt, now)));
    m_calls->setText(key->lastCallAt.isValid() ? tr("%1, %2 blocked; last at %3")
                                                     .arg(key->callsToday)
                                                     .arg(key->blockedToday)
                                                     .arg(time.clock(key->lastCallAt))
                                               : tr("none yet"));
    updatePermissions();
}

} // namespace keybrake
