#include "ui/revokebutton.h"

#include "models/vaultkeytablemodel.h"
#include "ui/consolecolors.h"

#include <QAbstractItemView>
#include <QApplication>
#include <QHelpEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>

namespace keybrake {

using Action = VaultKeyTableModel::RowAction;
using RevokeState = VaultKeyTableModel::RevokeState;

RevokeButton::RevokeButton(QObject *parent)
    : QStyledItemDelegate(parent)
{
    // Every press in the view starts a new click: a press that went elsewhere must not leave an
    // old pressed key waiting for a release on its button.
    if (auto *view = qobject_cast<QAbstractItemView *>(parent))
        view->viewport()->installEventFilter(this);
}

bool RevokeButton::eventFilter(QObject *watched, QEvent *event)
{
    const auto *view = qobject_cast<QAbstractItemView *>(parent());
    if (!view || watched != view->viewport()) // an editor: the delegate's own handling
        return QStyledItemDelegate::eventFilter(watched, event);
    if (event->type() == QEvent::MouseButtonPress || event->type() == QEvent::MouseButtonDblClick) {
        m_pressed = QPersistentModelIndex();
        m_pressedKeyId.clear();
    }
    return false;
}

RevokeButton::~RevokeButton() = default;

void RevokeButton::setRevokeBlockedReason(const QString &reason)
{
    m_revokeBlocked = reason;
}

void RevokeButton::setIssueBlockedReason(const QString &reason)
{
    m_issueBlocked = reason;
}

QRect RevokeButton::buttonRect(const QStyleOptionViewItem &option, const QString &text)
{
    const QFontMetrics metrics(option.font);
    const int width = std::min(option.rect.width() - 8, metrics.horizontalAdvance(text) + 22);
    const int height = std::min(option.rect.height() - 4, metrics.height() + 8);
    return QRect(option.rect.left() + 4, option.rect.center().y() - height / 2 + 1, width, height);
}

void RevokeButton::paint(QPainter *painter, const QStyleOptionViewItem &option,
                         const QModelIndex &index) const
{
    QStyleOptionViewItem background = option;
    initStyleOption(&background, index);
    const QString text = background.text;
    background.text.clear();
    const QWidget *widget = option.widget;
    QStyle *style = widget ? widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ItemViewItem, &background, painter, widget);

    const auto action = Action(index.data(VaultKeyTableModel::RowActionRole).toInt());
    const auto revoke = RevokeState(index.data(VaultKeyTableModel::RevokeStateRole).toInt());
    const bool selected = option.state & QStyle::State_Selected;

    if (revoke == RevokeState::Revoked || action == Action::Revoking) {
        // An outcome or a wait, not a control: plain text.
        painter->save();
        QColor color = option.palette.color(selected ? QPalette::HighlightedText : QPalette::Text);
        if (!selected && action == Action::Revoking)
            color = ConsoleColors::warning(option.palette);
        else if (!selected)
            color = ConsoleColors::good(option.palette);
        painter->setPen(color);
        QFont font = option.font;
        painter->setFont(font);
        const QString shown = revoke == RevokeState::Revoked ? QStringLiteral("✓ ") + text : text;
        painter->drawText(option.rect.adjusted(8, 0, -4, 0), Qt::AlignLeft | Qt::AlignVCenter,
                          shown);
        painter->restore();
        return;
    }
    if (action != Action::Revoke && action != Action::IssueSimilar)
        return;

    const bool enabled =
        action == Action::Revoke ? m_revokeBlocked.isEmpty() : m_issueBlocked.isEmpty();
    QStyleOptionButton button;
    button.rect = buttonRect(option, text);
    button.text = text;
    button.state = QStyle::State_Raised;
    if (enabled)
        button.state |= QStyle::State_Enabled;
    if (enabled && (option.state & QStyle::State_MouseOver)
        && button.rect.contains(widget ? widget->mapFromGlobal(QCursor::pos()) : QPoint(-1, -1)))
        button.state |= QStyle::State_MouseOver;
    if (m_pressed.isValid() && m_pressed == index)
        button.state |= QStyle::State_Sunken;
    button.fontMetrics = option.fontMetrics;
    button.palette = option.palette;
    if (action == Action::Revoke && enabled) {
        button.palette.setColor(QPalette::ButtonText, ConsoleColors::danger(option.palette));
    } else if (action == Action::IssueSimilar) {
        button.features |= QStyleOptionButton::Flat;
        if (enabled)
            button.palette.setColor(QPalette::ButtonText, ConsoleColors::accent(option.palette));
    }
    style->drawControl(QStyle::CE_PushButton, &button, painter, widget);
    if (revoke == RevokeState::Failed) {
        // The last attempt failed: a small warning mark after the button; the tooltip says why.
        painter->save();
        painter->setPen(ConsoleColors::danger(option.palette));
        const QRect mark(button.rect.right() + 4, option.rect.top(), 14, option.rect.height());
        painter->drawText(mark, Qt::AlignCenter, QStringLiteral("!"));
        painter->restore();
    }
}

QSize RevokeButton::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    QSize size = QStyledItemDelegate::sizeHint(option, index);
    const QFontMetrics metrics(option.font);
    size.setWidth(
        std::max(size.width() + 30,
                 metrics.horizontalAdvance(QStringLiteral("✓ Revoked 00:00:00.000")) + 16));
    size.setHeight(std::max(size.height(), metrics.height() + 10));
    return size;
}

bool RevokeButton::editorEvent(QEvent *event, QAbstractItemModel *model,
                               const QStyleOptionViewItem &option, const QModelIndex &index)
{
    Q_UNUSED(model)
    if (event->type() != QEvent::MouseButtonPress && event->type() != QEvent::MouseButtonRelease
        && event->type() != QEvent::MouseButtonDblClick)
        return false;
    const auto *mouse = static_cast<QMouseEvent *>(event);
    if (mouse->button() != Qt::LeftButton)
        return false;
    const auto action = Action(index.data(VaultKeyTableModel::RowActionRole).toInt());
    if (action != Action::Revoke && action != Action::IssueSimilar)
        return false;
    const auto revoke = RevokeState(index.data(VaultKeyTableModel::RevokeStateRole).toInt());
    if (revoke == RevokeState::Revoked)
        return false;
    const QRect rect = buttonRect(option, index.data(Qt::DisplayRole).toString());
    const bool inside = rect.contains(mouse->position().toPoint());
    if (event->type() == QEvent::MouseButtonPress || event->type() == QEvent::MouseButtonDblClick) {
        if (!inside)
            return false;
        m_pressed = index;
        m_pressedKeyId = index.data(VaultKeyTableModel::KeyIdRole).toString();
        return true; // the click belongs to the button, not to the row selection
    }
    // The key under the release, not the row number: a row moved in between is not the key
    // that was pressed.
    const QString pressedKeyId = std::exchange(m_pressedKeyId, QString());
    const QString releasedKeyId = index.data(VaultKeyTableModel::KeyIdRole).toString();
    m_pressed = QPersistentModelIndex();
    if (pressedKeyId.isEmpty() || pressedKeyId != releasedKeyId || !inside)
        return false;
    if (action == Action::Revoke && m_revokeBlocked.isEmpty())
        Q_EMIT revokeClicked(pressedKeyId);
    else if (action == Action::IssueSimilar && m_issueBlocked.isEmpty())
        Q_EMIT issueSimilarClicked(pressedKeyId);
    return true;
}

bool RevokeButton::helpEvent(QHelpEvent *event, QAbstractItemView *view,
                             const QStyleOptionViewItem &option, const QModelIndex &index)
{
    const auto action = Action(index.data(VaultKeyTableModel::RowActionRole).toInt());
    const QString &blocked = action == Action::Revoke ? m_revokeBlocked
        : action == Action::IssueSimilar              ? m_issueBlocked
                                                      : QString();
    if (event->type() == QEvent::ToolTip && !blocked.isEmpty()) {
        QToolTip::showText(event->globalPos(), blocked, view);
        return true;
    }
    return QStyledItemDelegate::helpEvent(event, view, option, index);
}

} // namespace keybrake
