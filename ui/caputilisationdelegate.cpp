#include "ui/caputilisationdelegate.h"

#include "models/usdtext.h"
#include "models/vaultkeytablemodel.h"
#include "ui/consolecolors.h"

#include <QApplication>
#include <QPainter>
#include <QPainterPath>

#include <algorithm>

namespace keybrake {

CapUtilisationDelegate::CapUtilisationDelegate(QObject *parent)
    : QStyledItemDelegate(parent)
{
}

CapUtilisationDelegate::~CapUtilisationDelegate() = default;

QColor CapUtilisationDelegate::toneFor(Usd committed, Usd cap, const QPalette &palette)
{
    const double fraction = UsdText::fractionOf(committed, cap);
    if (fraction >= 1.0)
        return ConsoleColors::danger(palette);
    if (fraction >= VaultKeyTableModel::NearCapFraction)
        return ConsoleColors::warning(palette);
    return ConsoleColors::accent(palette);
}

void CapUtilisationDelegate::paintBar(QPainter *painter, const QRectF &rect, Usd settled, Usd held,
                                      Usd cap, const QPalette &palette)
{
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    const QColor tone = toneFor(settled + held, cap, palette);
    const qreal radius = std::min<qreal>(3.0, rect.height() / 2);
    QPainterPath outline;
    outline.addRoundedRect(rect, radius, radius);
    painter->setClipPath(outline);
    painter->fillRect(rect, palette.color(QPalette::Base));

    const double settledFraction = std::clamp(UsdText::fractionOf(settled, cap), 0.0, 1.0);
    const double heldFraction =
        std::clamp(UsdText::fractionOf(held, cap), 0.0, 1.0 - settledFraction);
    QRectF settledRect = rect;
    settledRect.setWidth(rect.width() * settledFraction);
    painter->fillRect(settledRect, tone);
    if (heldFraction > 0) {
        QRectF heldRect(settledRect.right(), rect.top(), rect.width() * heldFraction,
                        rect.height());
        // At least two pixels, so a small hold is still visible.
        heldRect.setWidth(std::max<qreal>(heldRect.width(), 2.0));
        QColor light = tone;
        light.setAlphaF(0.25);
        painter->fillRect(heldRect, light);
        QBrush hatch(tone, Qt::BDiagPattern);
        painter->fillRect(heldRect, hatch);
    }
    painter->setClipping(false);
    painter->setPen(QPen(palette.color(QPalette::Mid), 1));
    painter->setBrush(Qt::NoBrush);
    painter->drawRoundedRect(rect.adjusted(0.5, 0.5, -0.5, -0.5), radius, radius);
    painter->restore();
}

void CapUtilisationDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option,
                                   const QModelIndex &index) const
{
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    const QString percent = opt.text;
    opt.text.clear();
    const QWidget *widget = option.widget;
    QStyle *style = widget ? widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ItemViewItem, &opt, painter, widget);

    const Usd settled =
        Usd::fromMicros(index.data(VaultKeyTableModel::SettledMicrosRole).toLongLong());
    const Usd held = Usd::fromMicros(index.data(VaultKeyTableModel::HeldMicrosRole).toLongLong());
    const Usd cap = Usd::fromMicros(index.data(VaultKeyTableModel::CapMicrosRole).toLongLong());

    const QRect area = option.rect.adjusted(6, 0, -6, 0);
    QFont font = option.font;
    const QFontMetrics metrics(font);
    const int textWidth = metrics.horizontalAdvance(QStringLiteral("100 %")) + 4;
    const qreal barHeight = std::min(10, area.height() - 8);
    const QRectF bar(area.left(), area.center().y() - barHeight / 2 + 1,
                     std::max(20, area.width() - textWidth - 8), barHeight);
    paintBar(painter, bar, settled, held, cap, option.palette);

    painter->save();
    painter->setFont(font);
    const bool selected = option.state & QStyle::State_Selected;
    QColor textColor = toneFor(settled + held, cap, option.palette);
    if (textColor == ConsoleColors::accent(option.palette) || selected)
        textColor = option.palette.color(selected ? QPalette::HighlightedText : QPalette::Text);
    painter->setPen(textColor);
    const QRect textRect(area.right() - textWidth, area.top(), textWidth, area.height());
    painter->drawText(textRect, Qt::AlignRight | Qt::AlignVCenter, percent);
    painter->restore();
}

QSize CapUtilisationDelegate::sizeHint(const QStyleOptionViewItem &option,
                                       const QModelIndex &index) const
{
    QSize size = QStyledItemDelegate::sizeHint(option, index);
    size.setWidth(std::max(size.width(), 150));
    return size;
}

} // namespace keybrake
