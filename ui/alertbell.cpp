#include "ui/alertbell.h"

#include "models/alertcenter.h"
#include "models/consolesession.h"
#include "ui/alertpanel.h"
#include "ui/themedicon.h"

#include <QApplication>
#include <QListView>
#include <QScreen>
#include <QSystemTrayIcon>

#include <algorithm>

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
        connect(m_tray, &QSystemTrayIcon::messageClicked, this, [this] {
            if (m_trayOpensPanel) {
                window()->raise();
                window()->activateWindow();
                showPanel();
            } else {
                Q_EMIT openRequested(m_trayKeyId, m_trayLabel);
            }
        });
        connect(m_tray, &QSystemTrayIcon::activated, this, &AlertBell::showPanel);
    }
    m_trayQuiet.setSingleShot(true);
    connect(&m_trayQuiet, &QTimer::timeout, this, &AlertBell::flushHeldBack);
    connect(alerts, &AlertCenter::raised, this, &AlertBell::trayAlert);
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

void AlertBell::trayAlert(const AlertCenter::Alert &alert)
{
    if (!m_tray)
        return;
    if (m_sinceTray.isValid() && m_sinceTray.elapsed() < TrayQuietMs) {
        m_heldBack.append(alert);
        if (!m_trayQuiet.isActive())
            m_trayQuiet.start(int(TrayQuietMs - m_sinceTray.elapsed()));
        return;
    }
    showTrayMessage(alert);
}

void AlertBell::showTrayMessage(const AlertCenter::Alert &alert)
{
    m_trayOpensPanel = false;
    const bool aboutKey =
        alert.kind == AlertCenter::Kind::Threshold || alert.kind == AlertCenter::Kind::Capped;
    m_trayKeyId = aboutKey && alert.members.size() <= 1 ? alert.keyId : QString();
    m_trayLabel = alert.label;
    m_sinceTray.start();
    // The profile's name first: a desktop notification must say which server it is about.
    m_tray->showMessage(tr("%1 — %2").arg(m_session->profile().name, alert.title), alert.body,
                        alert.severity == AlertCenter::Severity::Critical
                            ? QSystemTrayIcon::Critical
                            : QSystemTrayIcon::Warning,
                        15'000);
}

void AlertBell::flushHeldBack()
{
    if (m_heldBack.isEmpty())
        return;
    if (m_heldBack.size() == 1) {
        showTrayMessage(m_heldBack.takeFirst());
        return;
    }
    // A runaway outranks thresholds: if one is among them, it is the one named.
    const auto worst = std::find_if(m_heldBack.cbegin(), m_heldBack.cend(), [](const auto &a) {
        return a.kind == AlertCenter::Kind::Runaway;
    });
    const AlertCenter::Alert &named = worst != m_heldBack.cend() ? *worst : m_heldBack.last();
    m_trayOpensPanel = true;
    m_sinceTray.start();
    m_tray->showMessage(
        tr("%1 — %n new notification(s)", nullptr, int(m_heldBack.size()))
            .arg(m_session->profile().name),
        tr("%1, and %n more. Click to see them all.", nullptr, int(m_heldBack.size()) - 1)
            .arg(named.title),
        worst != m_heldBack.cend() ? QSystemTrayIcon::Critical : QSystemTrayIcon::Warning, 15'000);
    m_heldBack.clear();
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
