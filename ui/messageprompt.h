#pragma once

#include <QString>

#include <functional>
#include <optional>

class QObject;
class QWidget;

namespace keybrake {

// Confirmation questions go through here: asked window-modally without a nested event loop,
// answered through a callback, and answerable by tests (setNextAnswer), as KeePassXC's
// MessageBox seam allows.
class MessagePrompt
{
public:
    // Calls `answered(true)` when the user chose `confirmText`; never after `context` died.
    static void ask(QWidget *parent, const QString &title, const QString &text,
                    const QString &confirmText, QObject *context,
                    std::function<void(bool)> answered, bool destructive = true);
    static void setNextAnswer(bool answer) { s_nextAnswer = answer; }
    // The text of the last question asked (for tests).
    static QString lastQuestion() { return s_lastQuestion; }

private:
    static std::optional<bool> s_nextAnswer;
    static QString s_lastQuestion;
};

} // namespace keybrake
