#include "ui/messagebanner.h"

#include "ui/consolecolors.h"
#include "ui/themedicon.h"

#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QPainter>
#include <QPushButton>
#include <QToolButton>

namespace keybrake {

MessageBanner::MessageBanner(QWidget *parent)
    : QFrame(parent)
    , m_icon(new QLabel(this))
    , m_text(new QLabel(this))
    , m_action(new QPushButton(this))
    , m_close(new QToolButton(this))
{
    setObjectName(QStringLiteral("messageBanner"));
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(10, 6, 6, 6);
    layout->setSpacing(8);
    m_icon->setFixedSize(18, 18);
    m_text->setWordWrap(true);
    m_text->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_text->setObjectName(QStringLiteral("messageBannerLabel"));
    m_action->setObjectName(QStringLiteral("messageBannerActionPushButton"));
    m_close->setObjectName(QStringLiteral("messageBannerCloseToolButton"));
    m_close->setAutoRaise(true);
    m_close->setText(QStringLiteral("✕"));
    m_close->setToolTip(tr("Dismiss"));
    m_close->setAccessibleName(tr("Dismiss message"));
    layout->addWidget(m_icon, 0, Qt::AlignTop);
    layout->addWidget(m_text, 1);
    layout->addWidget(m_action, 0, Qt::AlignVCenter);
    layout->addWidget(m_close, 0, Qt::AlignTop);
    connect(m_action, &QPushButton::clicked, this, &MessageBanner::actionTriggered);
    connect(m_close, &QToolButton::clicked, this, [this] {
        hide();
        Q_EMIT dismissed();
    });
    hide();
}

MessageBanner::~MessageBanner() = default;

void MessageBanner::showMessage(Kind kind, const QString &text, const QString &actionText)
{
    m_kind = kind;
    m_text->setText(text);
    m_action->setText(actionText);
    m_action->setVisible(!actionText.isEmpty());
    setAccessibleName(text);
    applyColors();
    show();
}

QString MessageBanner::text() const
{
    return m_text->text();
}

void MessageBanner::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::PaletteChange)
        applyColors();
    QFrame::changeEvent(event);
}

void MessageBanner::paintEvent(QPaintEvent *)
{
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setPen(QPen(m_tone, 1));
    painter.setBrush(m_background);
    painter.drawRoundedRect(QRectF(rect()).adjusted(0.5, 0.5, -0.5, -0.5), 4, 4);
}

void MessageBanner::applyColors()
{
    const QPalette base = parentWidget() ? parentWidget()->palette() : palette();
    QColor tone;
    QString icon;
    switch (m_kind) {
    case Kind::Information:
        tone = ConsoleColors::accent(base);
        icon = QStringLiteral("info");
        break;
    case Kind::Warning:
        tone = ConsoleColors::warning(base);
        icon = QStringLiteral("warning");
        break;
    case Kind::Error:
        tone = ConsoleColors::danger(base);
        icon = QStringLiteral("error");
        break;
    }
    QColor background = base.color(QPalette::Base);
    background = QColor::fromRgbF(background.redF() * 0.85 + tone.redF() * 0.15,
                                  background.greenF() * 0.85 + tone.greenF() * 0.15,
                                  background.blueF() * 0.85 + tone.blueF() * 0.15);
    // Painted here rather than by a style sheet: a style sheet re-polishes the widget tree, which
    // costs tens of milliseconds each time a banner appears.
    m_tone = tone;
    m_background = background;
    update();
    m_icon->setPixmap(ThemedIcon::icon(icon, tone).pixmap(18, 18));
}

} // namespace keybrake
