#include "ui/pagetitle.h"

#include <QLabel>

namespace keybrake {

QLabel *newPageTitle(const QString &text, QWidget *parent)
{
    auto *title = new QLabel(text, parent);
    QFont font = title->font();
    font.setPointSizeF(font.pointSizeF() * 1.45);
    font.setBold(true);
    title->setFont(font);
    return title;
}

} // namespace keybrake
