#include "ui/placeholderpage.h"

#include "ui/pagestatewidget.h"

#include <QLabel>
#include <QVBoxLayout>

namespace keybrake {

PlaceholderPage::PlaceholderPage(const QString &icon, const QString &title, const QString &promise,
                                 QWidget *parent)
    : QWidget(parent)
{
    setObjectName(QStringLiteral("placeholderPage"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(18, 14, 18, 14);
    auto *heading = new QLabel(title, this);
    QFont titleFont = heading->font();
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.45);
    titleFont.setBold(true);
    heading->setFont(titleFont);
    layout->addWidget(heading);
    auto *state = new PageStateWidget(this);
    state->showMessage(icon, tr("Coming soon"), promise);
    layout->addWidget(state, 1);
    setAccessibleName(tr("%1, coming soon").arg(title));
}

PlaceholderPage::~PlaceholderPage() = default;

} // namespace keybrake
