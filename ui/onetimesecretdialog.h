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
//
// The countdown speaks only of this dialog's key and only once the clipboard really holds it
// (another dialog's copy, or a clipboard that refused, shows no "Copied"). Closing (Escape, the
// window's close button) before the key was copied asks first: the key is lost otherwise.
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
    bool wasCopied() const { return m_copied; }

public Q_SLOTS:
    void copyKey();

protected:
    void done(int result) override;

private:
    void onTick(int secondsLeft);
    bool confirmCloseWithoutCopy();

    QLineEdit *m_key;
    QPushButton *m_copy;
    QLabel *m_countdown;
    QPlainTextEdit *m_environment;
    QPlainTextEdit *m_curl;
    bool m_copied = false;
};

} // namespace keybrake
