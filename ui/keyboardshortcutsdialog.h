#pragma once

#include <QDialog>

namespace keybrake {

// Help → Keyboard Shortcuts: every shortcut of the console in one list.
class KeyboardShortcutsDialog : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(KeyboardShortcutsDialog)

public:
    explicit KeyboardShortcutsDialog(QWidget *parent = nullptr);
    ~KeyboardShortcutsDialog() override;
};

} // namespace keybrake
