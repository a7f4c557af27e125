#pragma once

#include "usd.h"

#include <QStyledItemDelegate>

namespace keybrake {

// The Cap utilisation cell: settled spend as a solid bar, held spend hatched after it, the rest
// empty, and the percentage beside it. Amber from 80 %, red at 100 %; the percentage is written
// out, so the colour is never the only signal.
class CapUtilisationDelegate : public QStyledItemDelegate
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CapUtilisationDelegate)

public:
    explicit CapUtilisationDelegate(QObject *parent = nullptr);
    ~CapUtilisationDelegate() override;

    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;

    // Shared with the key details panel's larger bar.
    static void paintBar(QPainter *painter, const QRectF &rect, Usd settled, Usd held, Usd cap,
                         const QPalette &palette);
    static QColor toneFor(Usd committed, Usd cap, const QPalette &palette);
};

} // namespace keybrake
