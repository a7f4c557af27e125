#pragma once

#include <QWidget>

namespace keybrake {

// A page that a later release fills (Runs, Audit Log, Reports): says what it will show and where
// to look meanwhile, instead of an empty pane.
class PlaceholderPage : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(PlaceholderPage)

public:
    PlaceholderPage(const QString &icon, const QString &title, const QString &promise,
                    QWidget *parent = nullptr);
    ~PlaceholderPage() override;
};

} // namespace keybrake
