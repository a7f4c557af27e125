#pragma once

#include <QWidget>

class QLabel;
class QPlainTextEdit;
class QPushButton;

namespace keybrake {

class PageStateWidget;

// The window `keybrake-console --demo` shows while it starts its servers and signs in: one
// sentence per step under a busy bar, and when a step fails, what failed, the last lines the
// failing program wrote, and Try Again or Quit. The main window replaces it once signed in.
class DemoStartWindow : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DemoStartWindow)

public:
    explicit DemoStartWindow(QWidget *parent = nullptr);
    ~DemoStartWindow() override;

    void showProgress(const QString &text);
    // `details`: the failing program's last lines of output (shown as they are), or empty.
    void showFailure(const QString &title, const QString &text, const QStringList &details);

    QString title() const;
    QString text() const;
    QString details() const;
    bool isShowingFailure() const;

Q_SIGNALS:
    void retryRequested();
    // The user closed the window or pressed Quit: stop the demo.
    void quitRequested();

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    PageStateWidget *m_state;
    QLabel *m_stateText = nullptr;
    QLabel *m_detailsLabel;
    QPlainTextEdit *m_details;
    QPushButton *m_retry;
    QPushButton *m_quit;
};

} // namespace keybrake
