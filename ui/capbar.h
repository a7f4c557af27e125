#pragma once

#include "usd.h"

#include <QWidget>

namespace keybrake {

// A larger cap utilisation bar for the key details panel (the table's delegate paints the same).
class CapBar : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CapBar)

public:
    explicit CapBar(QWidget *parent = nullptr);
    ~CapBar() override;

    void setValues(Usd settled, Usd held, Usd cap);
    QSize sizeHint() const override { return {240, 14}; }
    QSize minimumSizeHint() const override { return {80, 10}; }

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    Usd m_settled;
    Usd m_held;
    Usd m_cap;
};

} // namespace keybrake
