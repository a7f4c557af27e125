#include "ui/pagestatewidget.h"

#include "ui/themedicon.h"

#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QVBoxLayout>

#include <algorithm>

namespace keybrake {

PageStateWidget::PageStateWidget(QWidget *parent)
    : QWidget(parent)
    , m_icon(new QLabel(this))
    , m_title(new QLabel(this))
    , m_text(new QLabel(this))
    , m_busy(new QProgressBar(this))
    , m_action(new QPushButton(this))
{
    setObjectName(QStringLiteral("pageStateWidget"));
    auto *layout = new QVBoxLayout(this);
    layout->addStretch(2);
    m_icon->setAlignment(Qt::AlignCenter);
    QFont titleFont = m_title->font();
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.25);
    titleFont.setBold(true);
    m_title->setFont(titleFont);
    m_title->setAlignment(Qt::AlignCenter);
    m_title->setObjectName(QStringLiteral("pageStateTitleLabel"));
    m_text->setAlignment(Qt::AlignCenter);
    m_text->setWordWrap(true);
    m_text->setTextFormat(Qt::RichText);
    // The page's whole width, the text in a centred column with the height it needs there
    // (fitText): a word-wrapped label centred by the layout was given a height for another
    // width, and its last line was cut off ("Issue one, or point an").
    m_text->setObjectName(QStringLiteral("pageStateTextLabel"));
    m_busy->setRange(0, 0);
    m_busy->setMaximumWidth(160);
    m_busy->setMaximumHeight(6);
    m_busy->setTextVisible(false);
    m_busy->setAccessibleName(tr("Loading"));
    m_action->setObjectName(QStringLiteral("pageStateActionPushButton"));
    layout->addWidget(m_icon, 0, Qt::AlignHCenter);
    layout->addSpacing(6);
    layout->addWidget(m_title, 0, Qt::AlignHCenter);
    layout->addWidget(m_text); // full width; fitText() centres a column of TextWidth
    layout->addSpacing(10);
    layout->addWidget(m_busy, 0, Qt::AlignHCenter);
    layout->addWidget(m_action, 0, Qt::AlignHCenter);
    layout->addStretch(3);
    connect(m_action, &QPushButton::clicked, this, &PageStateWidget::actionTriggered);
}

PageStateWidget::~PageStateWidget() = default;

void PageStateWidget::resizeEvent(QResizeEvent *event)
{
    fitText();
    QWidget::resizeEvent(event);
}

void PageStateWidget::fitText()
{
    // Width from the page, and the height the text needs at that width: the layout alone gave
    // the label its one-size height and cut the last line.
    const QMargins margins = layout()->contentsMargins();
    const int full = std::max(0, width() - margins.left() - margins.right());
    const int side = std::max(0, (full - TextWidth) / 2);
    m_text->setContentsMargins(side, 0, side, 0);
    const int height = m_text->heightForWidth(full);
    if (height >= 0)
        m_text->setFixedHeight(height);
}

void PageStateWidget::showLoading(const QString &text)
{
    m_icon->hide();
    m_title->setText(text);
    m_text->clear();
    m_text->hide();
    m_busy->show();
    m_action->hide();
    setAccessibleName(text);
}

void PageStateWidget::showMessage(const QString &icon, const QString &title, const QString &text,
                                  const QString &actionText)
{
    m_icon->setPixmap(ThemedIcon::icon(icon).pixmap(40, 40));
    m_icon->setVisible(!icon.isEmpty());
    m_title->setText(title);
    m_text->setText(text);
    m_text->setVisible(!text.isEmpty());
    fitText();
    m_busy->hide();
    m_action->setText(actionText);
    m_action->setVisible(!actionText.isEmpty());
    setAccessibleName(title);
}

QString PageStateWidget::title() const
{
    return m_title->text();
}

QString PageStateWidget::text() const
{
    return m_text->text();
}

} // namespace keybrake
