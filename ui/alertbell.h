#pragma once

#include "models/alertcenter.h"

#include <QElapsedTimer>
#include <QTimer>
#include <QToolButton>

class QSystemTrayIcon;

namespace keybrake {

class AlertPanel;
class ConsoleSession;

// The bell in the environment band: the number of unacknowledged notifications beside it (a
// number, not only a colour), the notification panel on click. Each new notification also goes
// to the desktop's system tray where there is one (QSystemTrayIcon::isSystemTrayAvailable());
// clicking the tray message opens the key or run it is about, as Open in the panel does.
// At most one desktop message per TrayQuietMs: a fleet crossing its thresholds together (a queue
// burst, each message's key at 80 % then 95 %) becomes one message that counts the rest and opens
// the panel, not a stack of popups at 3 a.m.
class AlertBell : public QToolButton
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AlertBell)

public:
    explicit AlertBell(ConsoleSession *session, QWidget *parent = nullptr);
    ~AlertBell() override;

    AlertPanel *panel() const { return m_panel; }
    bool hasTray() const { return m_tray != nullptr; }
    void showPanel();

    static constexpr int TrayQuietMs = 10'000;

Q_SIGNALS:
    void openRequested(const QString &keyId, const QString &label);

private:
    void updateCount();
    void trayAlert(const AlertCenter::Alert &alert);
    void showTrayMessage(const AlertCenter::Alert &alert);
    void flushHeldBack();

    ConsoleSession *m_session;
    AlertPanel *m_panel;
    QSystemTrayIcon *m_tray = nullptr;
    QString m_trayKeyId; // what the last tray message is about
    QString m_trayLabel;
    bool m_trayOpensPanel = false; // the last message was a summary
    QElapsedTimer m_sinceTray; // since the last tray message
    QTimer m_trayQuiet; // ends the quiet period that holds messages back
    QList<AlertCenter::Alert> m_heldBack;
};

} // namespace keybrake
