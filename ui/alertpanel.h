#pragma once

#include <QFrame>

class QLabel;
class QListView;
class QPushButton;
class QToolButton;

namespace keybrake {

class AlertCenter;
class ConsoleSession;

// The in-app notification panel (always there, tray or not): the session's notifications newest
// first, unacknowledged ones marked "●" and bold; Open (or a double-click) goes to the key or
// run (Runs page), Acknowledge, Snooze 1 h, Acknowledge all, and "Notify me…" with the preferences
// (which cap thresholds, runway and runaway alerts). Shown as a popup under the bell.
class AlertPanel : public QFrame
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AlertPanel)

public:
    explicit AlertPanel(ConsoleSession *session, QWidget *parent = nullptr);
    ~AlertPanel() override;

    QListView *list() const { return m_list; }
    // Opens the selected notification (as the Open button does).
    void openSelected();

Q_SIGNALS:
    void openRequested(const QString &keyId, const QString &label);

private:
    quint64 selectedSerial() const;
    void updateButtons();

    AlertCenter *m_alerts;
    QListView *m_list;
    QLabel *m_empty;
    QPushButton *m_open;
    QPushButton *m_acknowledge;
    QPushButton *m_snooze;
    QPushButton *m_acknowledgeAll;
    QToolButton *m_preferences;
};

} // namespace keybrake
