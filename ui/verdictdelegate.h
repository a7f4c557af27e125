#pragma once

#include <QStyledItemDelegate>

namespace keybrake {

// The Verdict cell of the audit log: an icon, the verdict in words and a colour together, so a
// refusal reads as one without colour: allowed (green check), replayed (grey arrows), refused
// by the policy or the cap (red cross, red text), the vendor failed (amber warning).
class VerdictDelegate : public QStyledItemDelegate
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(VerdictDelegate)

public:
    // `verdictRole` holds the wire verdict ("denied_cap") in the model.
    explicit VerdictDelegate(int verdictRole, QObject *parent = nullptr);
    ~VerdictDelegate() override;

    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;

    // The icon for a wire verdict, in the palette's status colours.
    static QIcon icon(const QString &verdict, const QPalette &palette);

private:
    int m_verdictRole;
};

} // namespace keybrake
