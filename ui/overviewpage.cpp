#include "ui/overviewpage.h"

#include "models/connectionmonitor.h"
#include "models/consolesession.h"
#include "models/statsmodel.h"
#include "ui/messagebanner.h"
#include "ui/statcard.h"

#include <QGridLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

namespace keybrake {

OverviewPage::OverviewPage(ConsoleSession *session, QWidget *parent)
    : QWidget(parent)
    , m_session(session)
    , m_model(new StatsModel(session->client(), this))
    , m_asOf(new QLabel(this))
    , m_banner(new MessageBanner(this))
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
    auto *open = new QPushButton(tr("Open Vault Keys"), this);
    open->setObjectName(QStringLiteral("openVaultKeysPushButton"));
    open->setToolTip(tr("Every key with its spend against its cap (Ctrl+2)"));
    auto *row = new QHBoxLayout;
    row->addWidget(open);
    row->addStretch(1);
    layout->addLayout(row);
    layout->addStretch(1);

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
}

OverviewPage::~OverviewPage() = default;

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
