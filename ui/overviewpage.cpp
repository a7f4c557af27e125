#include "ui/overviewpage.h"

#include "models/connectionmonitor.h"
#include "models/consolesession.h"
#include "models/statsmodel.h"
#include "models/vaultkeyfilterproxymodel.h"
#include "models/vaultkeytablemodel.h"
#include "ui/caputilisationdelegate.h"
#include "ui/keystatusdelegate.h"
#include "ui/messagebanner.h"
#include "ui/statcard.h"

#include <QGridLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTableView>
#include <QVBoxLayout>

namespace keybrake {

OverviewPage::OverviewPage(ConsoleSession *session, VaultKeyTableModel *keys, QWidget *parent)
    : QWidget(parent)
    , m_session(session)
    , m_model(new StatsModel(session->client(), this))
    , m_asOf(new QLabel(this))
    , m_banner(new MessageBanner(this))
    , m_keys(keys)
    , m_atRisk(new VaultKeyFilterProxyModel(this))
    , m_atRiskView(new QTableView(this))
    , m_atRiskNote(new QLabel(this))
{
    setObjectName(QStringLiteral("overviewPage"));
    m_model->setConnectionMonitor(session->monitor());
    m_model->setTimeFormatter(session->timeFormatter());

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(18, 14, 18, 14);
    layout->setSpacing(12);
    auto *header = new QHBoxLayout;
    auto *title = new QLabel(tr("Overview"), this);
    QFont titleFont = title->font();
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.45);
    titleFont.setBold(true);
    title->setFont(titleFont);
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
    }
    layout->addLayout(grid);
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

    m_atRisk->setSourceModel(keys);
    m_atRisk->setStatusFilter(VaultKeyFilterProxyModel::StatusFilter::AtRisk);
    m_atRisk->sort(VaultKeyTableModel::UtilisationColumn, Qt::DescendingOrder);
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
    layout->addWidget(m_atRiskView, 1);
    connect(m_atRiskView, &QTableView::activated, this, [this](const QModelIndex &index) {
        Q_EMIT openKeyRequested(index.data(VaultKeyTableModel::KeyIdRole).toString());
    });
    for (auto signal : {&QAbstractItemModel::rowsInserted, &QAbstractItemModel::rowsRemoved})
        connect(m_atRisk, signal, this, &OverviewPage::updateAtRisk);
    connect(m_atRisk, &QAbstractItemModel::modelReset, this, &OverviewPage::updateAtRisk);
    connect(m_atRisk, &QAbstractItemModel::layoutChanged, this, &OverviewPage::updateAtRisk);
    connect(keys, &QAbstractItemModel::rowsInserted, this, &OverviewPage::updateAtRisk);
    connect(open, &QPushButton::clicked, this, &OverviewPage::openVaultKeysRequested);
    connect(session->monitor(), &ConnectionMonitor::refreshDue, m_model, &StatsModel::refresh);
    connect(m_model, &QAbstractItemModel::dataChanged, this, &OverviewPage::updateCards);
    connect(m_model, &StatsModel::refreshed, this, [this] {
        m_banner->hide();
        updateCards();
    });
    connect(m_model, &StatsModel::loadFailed, this, [this](const QString &message) {
        m_banner->showMessage(MessageBanner::Kind::Warning,
                              tr("Could not refresh today's figures: %1").arg(message),
                              tr("Retry"));
        updateCards();
    });
    connect(m_banner, &MessageBanner::actionTriggered, m_model, &StatsModel::refresh);
    connect(session, &ConsoleSession::timeFormatterChanged, this,
            [this](const TimeFormatter &formatter) {
                m_model->setTimeFormatter(formatter);
                updateCards();
            });
    updateCards();
    updateAtRisk();
}

OverviewPage::~OverviewPage() = default;

void OverviewPage::updateAtRisk()
{
    const int atRisk = m_atRisk->rowCount();
    const int loaded = m_keys->rowCount();
    QString note = atRisk == 0
        ? tr("none of the %n loaded key(s) is at 80 % of its cap or more", nullptr, loaded)
        : tr("%1 of the %n loaded key(s), fullest first; Enter opens one", nullptr, loaded)
              .arg(atRisk);
    if (m_keys->hasMore())
        note += tr(" (more keys load on the Vault Keys page)");
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
