#include "ui/statcard.h"

#include "ui/consolecolors.h"

#include <QLabel>
#include <QVBoxLayout>

namespace keybrake {

StatCard::StatCard(QWidget *parent)
    : QFrame(parent)
    , m_title(new QLabel(this))
    , m_value(new QLabel(this))
    , m_detail(new QLabel(this))
{
    setObjectName(QStringLiteral("statCard"));
    setFrameShape(QFrame::StyledPanel);
    setAutoFillBackground(true);
    setBackgroundRole(QPalette::Base);
    // Four in a row fit a 1024 px window beside the navigation (issue 13).
    setMinimumSize(176, 118);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(16, 12, 16, 12);
    layout->setSpacing(4);
    m_title->setForegroundRole(QPalette::PlaceholderText);
    QFont titleFont = m_title->font();
    titleFont.setBold(true);
    m_title->setFont(titleFont);
    QFont valueFont = m_value->font();
    valueFont.setPointSizeF(valueFont.pointSizeF() * 2.1);
    valueFont.setBold(true);
    m_value->setFont(valueFont);
    m_value->setObjectName(QStringLiteral("statValueLabel"));
    m_value->setTextFormat(Qt::RichText);
    m_value->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_detail->setWordWrap(true);
    m_detail->setForegroundRole(QPalette::PlaceholderText);
    layout->addWidget(m_title);
    layout->addWidget(m_value);
    layout->addWidget(m_detail);
    layout->addStretch(1);
}

StatCard::~StatCard() = default;

void StatCard::setContent(const QString &title, const QString &value, const QString &detail,
                          bool warning)
{
    m_title->setText(title.toUpper());
    // Red for a figure that deserves attention; the title says what it is, so colour is not the
    // only signal.
    m_value->setText(warning
                         ? QStringLiteral("<span style=\"color:%1\">%2</span>")
                               .arg(ConsoleColors::danger(palette()).name(), value.toHtmlEscaped())
                         : value.toHtmlEscaped());
    m_plainValue = value;
    m_detail->setText(detail);
    setAccessibleName(tr("%1: %2. %3").arg(title, value, detail));
}

QString StatCard::value() const
{
    return m_plainValue;
}

} // namespace keybrake
