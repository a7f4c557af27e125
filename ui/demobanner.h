#pragma once

#include <QFrame>

class QLabel;

namespace keybrake {

class MessageBanner;

// The strip under the environment band of a demo session: it says the traffic is simulated
// (agents and vendors, no real money) and what to try, and shows it when a process of the demo
// stopped, with its last messages and a way to restart.
class DemoBanner : public QFrame
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DemoBanner)

public:
    explicit DemoBanner(QWidget *parent = nullptr);
    ~DemoBanner() override;

    QString text() const;
    // `details`: the stopped program's last lines of output.
    void showFailure(const QString &text, const QStringList &details);
    void clearFailure();
    MessageBanner *failureBanner() const { return m_failure; }

Q_SIGNALS:
    void restartRequested();

protected:
    void changeEvent(QEvent *event) override;
    void paintEvent(QPaintEvent *event) override;

private:
    QLabel *m_icon;
    QLabel *m_text;
    MessageBanner *m_failure;
};

} // namespace keybrake
