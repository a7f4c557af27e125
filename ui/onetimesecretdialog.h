#pragma once

#include "client/issuedkey.h"
#include "client/vendorcatalog.h"

#include <QDialog>
#include <QUrl>

class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;

namespace keybrake {

// Shows a new vault key exactly once: the key with Copy (the clipboard is cleared after 60 s,
// with a countdown), ready-to-paste environment variables and a curl example, and the warning
// that it will not be shown again. The secret is dropped from the widgets when the dialog closes.
class OneTimeSecretDialog : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(OneTimeSecretDialog)

public:
    OneTimeSecretDialog(const client::IssuedKey &issued, const QUrl &server,
                        const client::VendorCatalog &catalog = {}, QWidget *parent = nullptr);
    ~OneTimeSecretDialog() override;

    QString environmentText() const;
    QString curlText() const;
    QString countdownText() const;

public Q_SLOTS:
    void copyKey();

protected:
    void done(int result) override;

private:
    void onTick(int secondsLeft);

    QLineEdit *m_key;
    QPushButton *m_copy;
    QLabel *m_countdown;
    QPlainTextEdit *m_environment;
    QPlainTextEdit *m_curl;
};

} // namespace keybrake
