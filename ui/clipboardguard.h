#pragma once

#include <QObject>
#include <QString>
#include <QTimer>

namespace keybrake {

// Puts a secret on the clipboard and takes it off again after a while, but only if the
// clipboard still holds it (the user may have copied something else since). It lives on the
// application, so closing the dialog that copied does not cancel the clearing.
class ClipboardGuard : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ClipboardGuard)

public:
    static constexpr int DefaultSeconds = 60;

    static ClipboardGuard *instance();

    void copySecret(const QString &secret, int seconds = DefaultSeconds);
    int secondsLeft() const;
    bool isArmed() const { return m_timer.isActive(); }
    // Clears now (when the clipboard still holds the secret).
    void clearNow();

Q_SIGNALS:
    void tick(int secondsLeft);
    void cleared();

private:
    explicit ClipboardGuard(QObject *parent = nullptr);
    ~ClipboardGuard() override;

    QTimer m_timer;
    QTimer m_ticker;
    qint64 m_deadlineMs = 0;
    QByteArray m_fingerprint; // SHA-256 of the secret; the guard keeps no copy of it
};

} // namespace keybrake
