#pragma once

#include <QStyledItemDelegate>

class QFontMetrics;

namespace keybrake {

// Paints an agent run label so the part that names the agent stays: when the label does not
// fit, the run id after the agent prefix (client::labelPrefixOf) is elided in its middle,
// "lambda/billing-agent/6b1…8af", never the agent name ("lambda/billin…-61be79ba48af"). A leading
// runaway mark ("⚠ ") stays too. The whole label is in the model's tooltip.
class RunLabelDelegate : public QStyledItemDelegate
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RunLabelDelegate)

public:
    explicit RunLabelDelegate(QObject *parent = nullptr);
    ~RunLabelDelegate() override;

    // The label as it fits in `width` pixels of `metrics`.
    static QString elide(const QString &label, const QFontMetrics &metrics, int width);

protected:
    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;
};

} // namespace keybrake
