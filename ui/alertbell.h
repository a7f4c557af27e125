#pragma once

#include <QToolButton>

class QSystemTrayIcon;

namespace keybrake {

class AlertPanel;
class ConsoleSession;

// The bell in the environment band: the number of unacknowledged notifications beside it (a
// number, not only a colour), the notification panel on click. Each new notification also goes
// to the desktop's system tray where there is one (QSystemTrayIcon::isSystemTrayAvailable());
// clicking the tray message opens the key or run it is about, as Open in the panel does.
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

Q_SIGNALS:
    void openRequested(const QString &keyId, const QString &label);

private:
    void updateCount();

    ConsoleSession *m_session;
    AlertPanel *m_panel;
    QSystemTrayIcon *m_tray = nullptr;
    QString m_trayKeyId; // what the last tray message is about
    QString m_trayLabel;
};

} // namespace keybrake
