#include "ui/runlabeldelegate.h"

#include "client/runsummary.h"

#include <QApplication>
#include <QFontMetrics>
#include <QPainter>
#include <QStyle>

namespace keybrake {

RunLabelDelegate::RunLabelDelegate(QObject *parent)
    : QStyledItemDelegate(parent)
{
}

RunLabelDelegate::~RunLabelDelegate() = default;

QString RunLabelDelegate::elide(const QString &label, const QFontMetrics &metrics, int width)
{
    if (metrics.horizontalAdvance(label) <= width)
        return label;
    static const QString mark = QStringLiteral("⚠ ");
    QString lead;
    QString text = label;
    if (text.startsWith(mark)) {
        lead = mark;
        text = text.mid(mark.size());
    }
    const QString prefix = client::labelPrefixOf(text);
    const QString id = text.mid(prefix.size());
    const QChar ellipsis(0x2026);
    // The agent stays whole while at least "…" and three characters of the id fit beside it.
    const int kept = metrics.horizontalAdvance(lead + prefix);
    if (!prefix.isEmpty() && !id.isEmpty()
        && kept + metrics.horizontalAdvance(ellipsis + id.right(3)) <= width) {
        QString tail = metrics.elidedText(id, Qt::ElideMiddle, width - kept);
        if (tail.isEmpty() || tail == ellipsis)
            tail = ellipsis + id.right(3);
        return lead + prefix + tail;
    }
    return metrics.elidedText(label, Qt::ElideMiddle, width);
}

void RunLabelDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option,
                             const QModelIndex &index) const
{
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    const QWidget *widget = option.widget;
    QStyle *style = widget ? widget->style() : QApplication::style();
    const QRect textRect = style->subElementRect(QStyle::SE_ItemViewItemText, &opt, widget);
    // The style's margin on each side of the text (QCommonStyle: PM_FocusFrameHMargin + 1).
    const int margin = style->pixelMetric(QStyle::PM_FocusFrameHMargin, nullptr, widget) + 1;
    opt.text = elide(opt.text, QFontMetrics(opt.font), textRect.width() - 2 * margin);
    // Already fitted: the style must not elide it again at its end.
    opt.textElideMode = Qt::ElideNone;
    style->drawControl(QStyle::CE_ItemViewItem, &opt, painter, widget);
}

} // namespace keybrake
