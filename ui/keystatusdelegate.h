#pragma once

#include <QStyledItemDelegate>

namespace keybrake {

// The Status cell: a shape, a word and a colour together: Active (green disc), Near cap (amber
// triangle with the percentage), Capped (red square), Revoking (hollow ring), Revoked (grey
// square, with the time), Expired (grey ring).
class KeyStatusDelegate : public QStyledItemDelegate
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(KeyStatusDelegate)

public:
    explicit KeyStatusDelegate(QObject *parent = nullptr);
    ~KeyStatusDelegate() override;

    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;

    // The shape alone, also used by the key details panel.
    static void paintShape(QPainter *painter, const QRectF &box, int displayStatus,
                           const QPalette &palette);
};

} // namespace keybrake
