#include "ui/verdictdelegate.h"

#include "ui/consolecolors.h"
#include "ui/themedicon.h"

#include <QApplication>
#include <QPainter>

namespace keybrake {

VerdictDelegate::VerdictDelegate(int verdictRole, QObject *parent)
    : QStyledItemDelegate(parent)
    , m_verdictRole(verdictRole)
{
}

VerdictDelegate::~VerdictDelegate() = default;

QIcon VerdictDelegate::icon(const QString &verdict, const QPalette &palette)
{
    if (verdict == u"allowed")
        return ThemedIcon::icon(QStringLiteral("check"), ConsoleColors::good(palette));
    if (verdict == u"replayed")
        return ThemedIcon::icon(QStringLiteral("refresh"), ConsoleColors::muted(palette));
    if (verdict.startsWith(u"denied_"))
        return ThemedIcon::icon(QStringLiteral("error"), ConsoleColors::danger(palette));
    if (verdict == u"admin")
        return ThemedIcon::icon(QStringLiteral("edit"), ConsoleColors::muted(palette));
    return ThemedIcon::icon(QStringLiteral("warning"), ConsoleColors::warning(palette));
}

void VerdictDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option,
                            const QModelIndex &index) const
{
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    const QString text = opt.text;
    opt.text.clear();
    const QWidget *widget = option.widget;
    QStyle *style = widget ? widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ItemViewItem, &opt, painter, widget);

    const QString verdict = index.data(m_verdictRole).toString();
    const int side = std::min(14, option.rect.height() - 4);
    const QRect box(option.rect.left() + 5, option.rect.center().y() - side / 2, side, side);
    icon(verdict, option.palette).paint(painter, box);

    painter->save();
    const bool selected = option.state & QStyle::State_Selected;
    QColor color = option.palette.color(selected ? QPalette::HighlightedText : QPalette::Text);
    if (!selected && verdict.startsWith(u"denied_"))
        color = ConsoleColors::danger(option.palette);
    painter->setPen(color);
    painter->setFont(option.font);
    const QRect textRect = option.rect.adjusted(5 + side + 6, 0, -4, 0);
    painter->drawText(textRect, Qt::AlignLeft | Qt::AlignVCenter,
                      QFontMetrics(option.font).elidedText(text, Qt::ElideRight, textRect.width()));
    painter->restore();
}

QSize VerdictDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    QSize size = QStyledItemDelegate::sizeHint(option, index);
    size.setWidth(size.width() + 24);
    return size;
}

} // namespace keybrake
