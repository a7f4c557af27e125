#include "ui/alertbell.h"

#include "models/alertcenter.h"
#include "models/consolesession.h"
#include "ui/alertpanel.h"
#include "ui/themedicon.h"

#include <QApplication>
#include <QListView>
#include <QScreen>
#include <QSystemTrayIcon>

namespace keybrake {

AlertBell::AlertBell(ConsoleSession *session, QWidget *parent)
    : QToolButton(parent)
    , m_session(session)
    , m_panel(new AlertPanel(session, this))
{
    setObjectName(QStringLiteral("alertBellToolButton"));
    setIcon(ThemedIcon::icon(QStringLiteral("bell")));
    setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    setAutoRaise(true);
    setCursor(Qt::PointingHandCursor);
    m_panel->setWindowFlags(Qt::Popup);
    connect(this, &QToolButton::clicked, this, &AlertBell::showPanel);
    connect(m_panel, &AlertPanel::openRequested, this, [this](const QString &k, const QString &l) {
        m_panel->hide();
        Q_EMIT openRequested(k, l);
    });
    AlertCenter *alerts = session->alerts();
    connect(alerts, &AlertCenter::unacknowledgedCountChanged, this, &AlertBell::updateCount);
    if (QSystemTrayIcon::isSystemTrayAvailable()) {
        m_tray = new QSystemTrayIcon(QApplication::windowIcon(), this);
        m_tray->setToolTip(tr("Keybrake Console — %1").arg(session->profile().name));
        m_tray->show();
        connect(m_tray, &QSystemTrayIcon::messageClicked, this,
                [this] { Q_EMIT openRequested(m_trayKeyId, m_trayLabel); });
        connect(m_tray, &QSystemTrayIcon::activated, this, &AlertBell::showPanel);
    }
    connect(alerts, &AlertCenter::raised, this, [this](const AlertCenter::Alert &alert) {
        if (!m_tray)
            return;
        m_trayKeyId = alert.kind == AlertCenter::Kind::Threshold ? alert.keyId : QString();
        m_trayLabel = alert.label;
        // The profile's name first: a desktop notification must say which server it is about.
        m_tray->showMessage(tr("%1 — %2").arg(m_session->profile().name, alert.title), alert.body,
                            alert.kind == AlertCenter::Kind::Threshold ? QSystemTrayIcon::Warning
                                                                       : QSystemTrayIcon::Critical,
                            15'000);
    });
    updateCount();
}

AlertBell::~AlertBell() = default;

void AlertBell::showPanel()
{
    m_panel->adjustSize();
    QPoint at = mapToGlobal(QPoint(width() - m_panel->width(), height()));
    if (const QScreen *s = screen())
        at.setX(std::max(s->availableGeometry().left(), at.x()));
    m_panel->move(at);
    m_panel->show();
    m_panel->list()->setFocus();
}

void AlertBell::updateCount()
{
    const int count = m_session->alerts()->unacknowledgedCount();
    setText(count > 0 ? QString::number(count) : QString());
    setAccessibleName(tr("Notifications: %n unacknowledged", nullptr, count));
    setToolTip(count > 0 ? tr("Unacknowledged notifications: %1 (click to open)").arg(count)
                         : tr("Notifications (none new)"));
    QFont f = font();
    f.setBold(count > 0);
    setFont(f);
}

} // namespace keybrake
