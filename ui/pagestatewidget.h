#pragma once

#include <QWidget>

class QLabel;
class QProgressBar;
class QPushButton;

namespace keybrake {

// What a page shows instead of its content while loading, when empty, or when the first load
// failed: a quiet spinner, or a sentence that teaches and the action that fills the page.
class PageStateWidget : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(PageStateWidget)

public:
    explicit PageStateWidget(QWidget *parent = nullptr);
    ~PageStateWidget() override;

    void showLoading(const QString &text);
    // An empty actionText hides the button.
    void showMessage(const QString &icon, const QString &title, const QString &text,
                     const QString &actionText = {});
    QString title() const;
    QString text() const;

    QLabel *textLabel() const { return m_text; }

Q_SIGNALS:
    void actionTriggered();

protected:
    void resizeEvent(QResizeEvent *event) override;

private:
    void fitText();
    static constexpr int TextWidth = 520;
    QLabel *m_icon;
    QLabel *m_title;
    QLabel *m_text;
    QProgressBar *m_busy;
    QPushButton *m_action;
};

} // namespace keybrake
