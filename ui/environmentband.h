#pragma once

#include "models/serverprofile.h"

#include <QWidget>

class QLabel;
class QPushButton;

namespace keybrake {

class ConnectionStatusLabel;
class ConsoleSession;

// The strip across the top of the main window in the profile's colour: environment in capitals,
// profile name and server, connection state, the key's role, and the kill switch. Always
// visible, so nobody revokes on the wrong server.
class EnvironmentBand : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EnvironmentBand)

public:
    explicit EnvironmentBand(QWidget *parent = nullptr);
    ~EnvironmentBand() override;

    void setSession(ConsoleSession *session);
    QPushButton *stopRunsButton() const { return m_stopRuns; }
    // Puts `widget` (the notification bell) just before the kill switch.
    void addWidgetBeforeStopRuns(QWidget *widget);
    QString environmentText() const;

Q_SIGNALS:
    void stopRunsRequested();

protected:
    void paintEvent(QPaintEvent *event) override;
    void changeEvent(QEvent *event) override;

private:
    void updateIdentity();
    void applyColors();

    ConsoleSession *m_session = nullptr;
    ServerEnvironment m_environment = ServerEnvironment::Development;
    QLabel *m_environmentLabel;
    QLabel *m_serverLabel;
    ConnectionStatusLabel *m_status;
    QLabel *m_roleLabel;
    QLabel *m_plainHttpLabel; // shown while the admin key travels unencrypted across the network
    QPushButton *m_stopRuns;
};

} // namespace keybrake
