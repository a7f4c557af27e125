#include "ui/keystatusdelegate.h"

#include "models/vaultkeytablemodel.h"
#include "ui/consolecolors.h"

#include <QApplication>
#include <QPainter>
#include <QPainterPath>

namespace keybrake {

using Status = VaultKeyTableModel::DisplayStatus;

KeyStatusDelegate::KeyStatusDelegate(QObject *parent)
    : QStyledItemDelegate(parent)
{
}

KeyStatusDelegate::~KeyStatusDelegate() = default;

void KeyStatusDelegate::paintShape(QPainter *painter, const QRectF &box, int displayStatus,
                                   const QPalette &palette)
{
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    const QRectF r = box.adjusted(1, 1, -1, -1);
    switch (Status(displayStatus)) {
    case Status::Active:
        painter->setPen(Qt::NoPen);
        painter->setBrush(ConsoleColors::good(palette));
        painter->drawEllipse(r.adjusted(1, 1, -1, -1));
        break;
    case Status::NearCap: {
        QPainterPath triangle;
        triangle.moveTo(r.center().x(), r.top());
        triangle.lineTo(r.right(), r.bottom());
        triangle.lineTo(r.left(), r.bottom());
        triangle.closeSubpath();
        painter->setPen(Qt::NoPen);
        painter->setBrush(ConsoleColors::warning(palette));
        painter->drawPath(triangle);
        break;
    }
    case Status::Capped:
        painter->setPen(Qt::NoPen);
        painter->setBrush(ConsoleColors::danger(palette));
        painter->drawRect(r.adjusted(1, 1, -1, -1));
        break;
    case Status::Revoking:
        painter->setPen(QPen(ConsoleColors::warning(palette), 1.6, Qt::DotLine));
        painter->setBrush(Qt::NoBrush);
        painter->drawEllipse(r.adjusted(1, 1, -1, -1));
        break;
    case Status::Revoked:
        painter->setPen(Qt::NoPen);
        painter->setBrush(ConsoleColors::muted(palette));
        painter->drawRect(r.adjusted(1, 1, -1, -1));
        break;
    case Status::Expired:
        painter->setPen(QPen(ConsoleColors::muted(palette), 1.6));
        painter->setBrush(Qt::NoBrush);
        painter->drawEllipse(r.adjusted(1.5, 1.5, -1.5, -1.5));
        break;
    case Status::Blocked: {
        // A "no entry" sign: a red disc with a white bar.
        painter->setPen(Qt::NoPen);
        painter->setBrush(ConsoleColors::danger(palette));
        const QRectF disc = r.adjusted(0.5, 0.5, -0.5, -0.5);
        painter->drawEllipse(disc);
        painter->setBrush(palette.color(QPalette::Base));
        const qreal h = disc.height() / 5.0;
        painter->drawRect(QRectF(disc.left() + disc.width() * 0.2, disc.center().y() - h / 2,
                                 disc.width() * 0.6, h));
        break;
    }
    case Status::Unknown:
        painter->setPen(ConsoleColors::muted(palette));
        painter->drawText(r, Qt::AlignCenter, QStringLiteral("?"));
        break;
    }
    painter->restore();
}

void KeyStatusDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option,
                              const QModelIndex &index) const
{
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    const QString text = opt.text;
    opt.text.clear();
    const QWidget *widget = option.widget;
    QStyle *style = widget ? widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ItemViewItem, &opt, painter, widget);

    const int status = index.data(VaultKeyTableModel::DisplayStatusRole).toInt();
    const int side = std::min(12, option.rect.height() - 6);
    const QRectF shape(option.rect.left() + 6, option.rect.center().y() - side / 2.0 + 0.5, side,
                       side);
    paintShape(painter, shape, status, option.palette);

    painter->save();
    const bool selected = option.state & QStyle::State_Selected;
    QColor color = option.palette.color(selected ? QPalette::HighlightedText : QPalette::Text);
    if (!selected && (Status(status) == Status::Revoked || Status(status) == Status::Expired))
        color = ConsoleColors::muted(option.palette);
    else if (!selected && (Status(status) == Status::Capped || Status(status) == Status::Blocked))
        color = ConsoleColors::danger(option.palette);
    painter->setPen(color);
    QFont font = option.font;
    painter->setFont(font);
    const QRect textRect = option.rect.adjusted(6 + side + 6, 0, -4, 0);
    painter->drawText(textRect, Qt::AlignLeft | Qt::AlignVCenter,
                      QFontMetrics(font).elidedText(text, Qt::ElideRight, textRect.width()));
    painter->restore();
}

QSize KeyStatusDelegate::sizeHint(const QStyleOptionViewItem &option,
                                  const QModelIndex &index) const
{
    QSize size = QStyledItemDelegate::sizeHint(option, index);
    size.setWidth(size.width() + 22);
    return size;
}

} // namespace keybrake
