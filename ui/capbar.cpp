#include "ui/capbar.h"

#include "models/usdtext.h"
#include "ui/caputilisationdelegate.h"

#include <QPainter>

namespace keybrake {

CapBar::CapBar(QWidget *parent)
    : QWidget(parent)
{
    setObjectName(QStringLiteral("capBar"));
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
}

CapBar::~CapBar() = default;

void CapBar::setValues(Usd settled, Usd held, Usd cap)
{
    m_settled = settled;
    m_held = held;
    m_cap = cap;
    setAccessibleName(UsdText::ofCap(settled + held, cap));
    update();
}

void CapBar::paintEvent(QPaintEvent *)
{
    QPainter painter(this);
    CapUtilisationDelegate::paintBar(&painter, QRectF(rect()).adjusted(0, 1, 0, -1), m_settled,
                                     m_held, m_cap, palette());
}

} // namespace keybrake
