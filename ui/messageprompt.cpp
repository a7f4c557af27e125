#include "ui/messageprompt.h"

#include <QMessageBox>
#include <QPointer>
#include <QPushButton>
#include <QTimer>

namespace keybrake {

std::optional<bool> MessagePrompt::s_nextAnswer;
QString MessagePrompt::s_lastQuestion;

void MessagePrompt::ask(QWidget *parent, const QString &title, const QString &text,
                        const QString &confirmText, QObject *context,
                        std::function<void(bool)> answered, bool destructive)
{
    s_lastQuestion = text;
    QPointer<QObject> guard(context);
    if (s_nextAnswer) {
        const bool answer = *s_nextAnswer;
        s_nextAnswer.reset();
        QTimer::singleShot(0, context, [guard, answered = std::move(answered), answer] {
            if (guard)
                answered(answer);
        });
        return;
    }
    auto *box = new QMessageBox(parent);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setIcon(destructive ? QMessageBox::Warning : QMessageBox::Question);
    box->setWindowTitle(title);
    box->setText(text);
    QPushButton *yes = box->addButton(confirmText, QMessageBox::AcceptRole);
    QPushButton *no = box->addButton(QMessageBox::Cancel);
    // Destructive questions default to Cancel, so Enter alone never confirms them.
    box->setDefaultButton(destructive ? no : yes);
    QObject::connect(box, &QMessageBox::finished, context,
                     [box, yes, guard, answered = std::move(answered)](int) {
                         if (guard)
                             answered(box->clickedButton() == yes);
                     });
    box->open();
}

} // namespace keybrake
