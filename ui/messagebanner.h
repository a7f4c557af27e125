#pragma once

#include <QFrame>

class QLabel;
class QPushButton;
class QToolButton;

namespace keybrake {

// An inline banner above a page's content: what failed, why, and an action (usually Retry).
// Background failures show here, never in a modal dialog.
class MessageBanner : public QFrame
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MessageBanner)

public:
    enum class Kind {
        Information,
        Warning,
        Error,
    };

    explicit MessageBanner(QWidget *parent = nullptr);
    ~MessageBanner() override;

    // Shows the banner; an empty actionText hides the action button.
    void showMessage(Kind kind, const QString &text, const QString &actionText = {});
    QString text() const;
    Kind kind() const { return m_kind; }

Q_SIGNALS:
    void actionTriggered();
    void dismissed();

protected:
    void changeEvent(QEvent *event) override;
    void paintEvent(QPaintEvent *event) override;

private:
    void applyColors();

    Kind m_kind = Kind::Information;
    QColor m_tone;
    QColor m_background;
    QLabel *m_icon;
    QLabel *m_text;
    QPushButton *m_action;
    QToolButton *m_close;
};

} // namespace keybrake
