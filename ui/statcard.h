#pragma once

#include <QFrame>

class QLabel;

namespace keybrake {

// One figure of the Overview: a title, the value in large tabular digits, and a line of detail.
class StatCard : public QFrame
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(StatCard)

public:
    explicit StatCard(QWidget *parent = nullptr);
    ~StatCard() override;

    void setContent(const QString &title, const QString &value, const QString &detail,
                    bool warning);
    QString value() const;

private:
    QLabel *m_title;
    QLabel *m_value;
    QLabel *m_detail;
    QString m_plainValue;
};

} // namespace keybrake
