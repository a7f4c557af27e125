#include "ui/alertpanel.h"

#include "models/alertcenter.h"
#include "models/consolesession.h"

#include <QAction>
#include <QHBoxLayout>
#include <QLabel>
#include <QListView>
#include <QMenu>
#include <QPushButton>
#include <QToolButton>
#include <QVBoxLayout>

namespace keybrake {

AlertPanel::AlertPanel(ConsoleSession *session, QWidget *parent)
    : QFrame(parent)
    , m_alerts(session->alerts())
    , m_list(new QListView(this))
    , m_empty(new QLabel(this))
    , m_open(new QPushButton(tr("&Open"), this))
    , m_acknowledge(new QPushButton(tr("Ac&knowledge"), this))
    , m_snooze(new QPushButton(tr("&Mute agent 1 h"), this))
    , m_acknowledgeAll(new QPushButton(tr("Acknowledge &all"), this))
    , m_preferences(new QToolButton(this))
{
    setObjectName(QStringLiteral("alertPanel"));
    setFrameShape(QFrame::StyledPanel);
    setAutoFillBackground(true);
    setMinimumSize(460, 320);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(10, 8, 10, 8);
    auto *header = new QHBoxLayout;
    auto *title = new QLabel(tr("<b>Notifications</b>"), this);
    header->addWidget(title, 1);
    m_preferences->setObjectName(QStringLiteral("alertPreferencesToolButton"));
    m_preferences->setText(tr("Notify me…"));
    m_preferences->setPopupMode(QToolButton::InstantPopup);
    m_preferences->setToolTip(tr("Which events notify: cap thresholds, short runways, runaways"));
    auto *menu = new QMenu(m_preferences);
    for (const int percent : {80, 95, 100}) {
        QAction *action = menu->addAction(tr("When a key reaches %1 % of its cap").arg(percent));
        action->setObjectName(QStringLiteral("notifyThreshold%1Action").arg(percent));
        action->setCheckable(true);
        action->setChecked(m_alerts->thresholdPercents().contains(percent));
        connect(action, &QAction::toggled, this, [this, percent](bool on) {
            QList<int> percents = m_alerts->thresholdPercents();
            percents.removeAll(percent);
            if (on)
                percents.append(percent);
            std::sort(percents.begin(), percents.end());
            m_alerts->setThresholdPercents(percents);
        });
    }
    QAction *runway = menu->addAction(tr("When a run reaches its cap in under 15 minutes"));
    runway->setCheckable(true);
    runway->setChecked(m_alerts->runwayAlerts());
    connect(runway, &QAction::toggled, m_alerts, &AlertCenter::setRunwayAlerts);
    QAction *runaway = menu->addAction(tr("When a run looks like a runaway"));
    runaway->setCheckable(true);
    runaway->setChecked(m_alerts->runawayAlerts());
    connect(runaway, &QAction::toggled, m_alerts, &AlertCenter::setRunawayAlerts);
    m_preferences->setMenu(menu);
    header->addWidget(m_preferences);
    layout->addLayout(header);

    m_list->setObjectName(QStringLiteral("alertListView"));
    m_list->setAccessibleName(tr("Notifications"));
    m_list->setModel(m_alerts);
    m_list->setWordWrap(true);
    m_list->setUniformItemSizes(false);
    m_list->setSpacing(2);
    m_list->setAlternatingRowColors(true);
    m_list->setSelectionMode(QAbstractItemView::SingleSelection);
    layout->addWidget(m_list, 1);
    m_empty->setObjectName(QStringLiteral("alertEmptyLabel"));
    m_empty->setWordWrap(true);
    m_empty->setText(tr("No notifications. You are told here when a key reaches 80 %, 95 % or "
                        "100 % of its cap, when a run will reach its cap within 15 minutes, and "
                        "when a run looks like a runaway."));
    m_empty->setForegroundRole(QPalette::PlaceholderText);
    layout->addWidget(m_empty);

    auto *buttons = new QHBoxLayout;
    for (QPushButton *button : {m_open, m_acknowledge, m_snooze, m_acknowledgeAll}) {
        button->setAutoDefault(false);
        buttons->addWidget(button);
    }
    m_open->setObjectName(QStringLiteral("alertOpenPushButton"));
    m_acknowledge->setObjectName(QStringLiteral("alertAcknowledgePushButton"));
    m_snooze->setObjectName(QStringLiteral("alertSnoozePushButton"));
    m_snooze->setToolTip(tr("No notifications about this row's agent prefix (every run under it) "
                            "for an hour"));
    m_acknowledgeAll->setObjectName(QStringLiteral("alertAcknowledgeAllPushButton"));
    buttons->addStretch(1);
    layout->addLayout(buttons);

    connect(m_open, &QPushButton::clicked, this, &AlertPanel::openSelected);
    connect(m_list, &QListView::doubleClicked, this, &AlertPanel::openSelected);
    connect(m_acknowledge, &QPushButton::clicked, this,
            [this] { m_alerts->acknowledge(selectedSerial()); });
    connect(m_snooze, &QPushButton::clicked, this,
            [this] { m_alerts->snooze(selectedSerial(), 60); });
    connect(m_acknowledgeAll, &QPushButton::clicked, m_alerts, &AlertCenter::acknowledgeAll);
    connect(m_list->selectionModel(), &QItemSelectionModel::currentChanged, this,
            &AlertPanel::updateButtons);
    connect(m_alerts, &QAbstractItemModel::rowsInserted, this, &AlertPanel::updateButtons);
    connect(m_alerts, &QAbstractItemModel::dataChanged, this, &AlertPanel::updateButtons);
    updateButtons();
}

AlertPanel::~AlertPanel() = default;

quint64 AlertPanel::selectedSerial() const
{
    const QModelIndex current = m_list->currentIndex();
    return current.isValid() ? current.data(AlertCenter::SerialRole).toULongLong() : 0;
}

void AlertPanel::openSelected()
{
    const QModelIndex current = m_list->currentIndex();
    if (!current.isValid())
        return;
    m_alerts->acknowledge(current.data(AlertCenter::SerialRole).toULongLong());
    // A group of several opens its agent prefix; one threshold is about its key; runway and
    // runaway are about the run.
    if (current.data(AlertCenter::CountRole).toInt() > 1
        && !current.data(AlertCenter::PrefixRole).toString().isEmpty()) {
        Q_EMIT openRequested(QString(), current.data(AlertCenter::PrefixRole).toString());
        return;
    }
    const auto kind = AlertCenter::Kind(current.data(AlertCenter::KindRole).toInt());
    const bool aboutKey = kind == AlertCenter::Kind::Threshold || kind == AlertCenter::Kind::Capped;
    Q_EMIT openRequested(aboutKey ? current.data(AlertCenter::KeyIdRole).toString() : QString(),
                         current.data(AlertCenter::LabelRole).toString());
}

void AlertPanel::updateButtons()
{
    const bool any = m_alerts->rowCount() > 0;
    m_list->setVisible(any);
    m_empty->setVisible(!any);
    const QModelIndex current = m_list->currentIndex();
    const bool selected = current.isValid();
    m_open->setEnabled(selected);
    m_acknowledge->setEnabled(selected && !current.data(AlertCenter::AcknowledgedRole).toBool());
    m_snooze->setEnabled(selected);
    m_acknowledgeAll->setEnabled(m_alerts->unacknowledgedCount() > 0);
}

} // namespace keybrake
