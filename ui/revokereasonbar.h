#pragma once

#include <QFrame>

class QLabel;
class QLineEdit;
class QPushButton;

namespace keybrake {

// The inline "Add reason" of a one-click revoke: under the result line, a reason field for the
// key just revoked, Save and Cancel. No modal, so the revoke itself stays one click; the reason
// is sent afterwards (a repeated DELETE with the reason, which the server keeps once).
class RevokeReasonBar : public QFrame
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RevokeReasonBar)

public:
    explicit RevokeReasonBar(QWidget *parent = nullptr);
    ~RevokeReasonBar() override;

    // Opens the bar for this key ("Why was “billing m1” · …6b1f0c revoked?").
    void ask(const QString &keyId, const QString &keyWords);
    QString keyId() const { return m_keyId; }
    // The server's answer: closes the bar, or keeps it open with the error.
    void finish(const QString &error);

Q_SIGNALS:
    void reasonEntered(const QString &keyId, const QString &reason);

private:
    void save();

    QString m_keyId;
    QLabel *m_prompt;
    QLineEdit *m_reason;
    QPushButton *m_save;
    QLabel *m_error;
};

} // namespace keybrake
