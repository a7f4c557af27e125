#pragma once

#include "client/createdadminkey.h"

#include <QDialog>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QStackedWidget;

namespace keybrake {

class ConsoleSession;

// Creates an admin key (POST /v1/admin-keys) and shows its secret exactly once, as the vault
// key's copy-once flow does: Copy puts it on the clipboard for 60 s with a countdown, and the
// secret is dropped from the widgets when the dialog closes.
class CreateAdminKeyDialog : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CreateAdminKeyDialog)

public:
    explicit CreateAdminKeyDialog(ConsoleSession *session, QWidget *parent = nullptr);
    ~CreateAdminKeyDialog() override;

    QString secretText() const;

public Q_SLOTS:
    void create();
    void copySecret();

Q_SIGNALS:
    void keyCreated(const keybrake::client::AdminKeyInfo &key);

protected:
    void done(int result) override;

private:
    void showSecret(const client::CreatedAdminKey &created);

    ConsoleSession *m_session;
    QStackedWidget *m_stack;
    QLineEdit *m_name;
    QComboBox *m_role;
    QLabel *m_error;
    QPushButton *m_create;
    QLabel *m_createdTitle;
    QLineEdit *m_secret;
    QPushButton *m_copy;
    QLabel *m_countdown;
    QPushButton *m_close;
};

} // namespace keybrake
