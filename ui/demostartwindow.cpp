#include "ui/demostartwindow.h"

#include "ui/pagestatewidget.h"

#include <QApplication>
#include <QCloseEvent>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace keybrake {

namespace {

constexpr int kTextWidth = 520;

} // namespace

DemoStartWindow::DemoStartWindow(QWidget *parent)
    : QWidget(parent, Qt::Window)
    , m_state(new PageStateWidget(this))
    , m_detailsLabel(new QLabel(tr("Its last &messages:"), this))
    , m_details(new QPlainTextEdit(this))
    , m_retry(new QPushButton(tr("&Try Again"), this))
    , m_quit(new QPushButton(tr("&Quit"), this))
{
    setObjectName(QStringLiteral("demoStartWindow"));
    setWindowTitle(tr("Demo — Keybrake Console"));
    setAttribute(Qt::WA_DeleteOnClose, false);
    resize(640, 420);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(20, 16, 20, 16);
    layout->addWidget(m_state, 1);
    // The state's centred text takes its size hint and clips a long explanation (a missing
    // program, where to build it): it gets the window's width, and the height of its lines.
    m_stateText = m_state->findChild<QLabel *>(QStringLiteral("pageStateTextLabel"));
    if (m_stateText)
        m_stateText->setFixedWidth(kTextWidth);
    m_detailsLabel->setBuddy(m_details);
    layout->addWidget(m_detailsLabel);
    m_details->setObjectName(QStringLiteral("demoFailureDetailsPlainTextEdit"));
    m_details->setReadOnly(true);
    m_details->setAccessibleName(tr("Last messages of the program that failed"));
    m_details->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_details->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_details->setMaximumHeight(150);
    layout->addWidget(m_details);
    auto *buttons = new QHBoxLayout;
    buttons->addStretch(1);
    m_retry->setObjectName(QStringLiteral("demoRetryPushButton"));
    m_quit->setObjectName(QStringLiteral("demoQuitPushButton"));
    buttons->addWidget(m_quit);
    buttons->addWidget(m_retry);
    layout->addLayout(buttons);
    connect(m_retry, &QPushButton::clicked, this, &DemoStartWindow::retryRequested);
    connect(m_quit, &QPushButton::clicked, this, &DemoStartWindow::quitRequested);
    showProgress(tr("Starting the demo…"));
}

DemoStartWindow::~DemoStartWindow() = default;

void DemoStartWindow::showProgress(const QString &text)
{
    m_state->showLoading(text);
    m_detailsLabel->hide();
    m_details->hide();
    m_details->clear();
    m_retry->hide();
    m_quit->setText(tr("&Cancel"));
}

void DemoStartWindow::showFailure(const QString &title, const QString &text,
                                  const QStringList &details)
{
    m_state->showMessage(QStringLiteral("error"), title, text.toHtmlEscaped());
    if (m_stateText)
        m_stateText->setMinimumHeight(m_stateText->heightForWidth(kTextWidth));
    m_details->setPlainText(details.join(QLatin1Char('\n')));
    m_detailsLabel->setVisible(!details.isEmpty());
    m_details->setVisible(!details.isEmpty());
    m_retry->show();
    m_retry->setDefault(true);
    m_retry->setFocus();
    m_quit->setText(tr("&Quit"));
    QApplication::alert(this);
}

QString DemoStartWindow::title() const
{
    return m_state->title();
}

QString DemoStartWindow::text() const
{
    return m_state->text();
}

QString DemoStartWindow::details() const
{
    return m_details->toPlainText();
}

bool DemoStartWindow::isShowingFailure() const
{
    return !m_retry->isHidden();
}

void DemoStartWindow::closeEvent(QCloseEvent *event)
{
    // Closing is quitting; the launcher hides this window without closing it once signed in.
    event->accept();
    Q_EMIT quitRequested();
}

} // namespace keybrake
