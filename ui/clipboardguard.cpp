#include "ui/clipboardguard.h"

#include <QClipboard>
#include <QCryptographicHash>
#include <QDateTime>
#include <QGuiApplication>
#include <QMimeData>

namespace keybrake {

namespace {

QByteArray fingerprintOf(const QString &text)
{
    return QCryptographicHash::hash(text.toUtf8(), QCryptographicHash::Sha256);
}

} // namespace

ClipboardGuard *ClipboardGuard::instance()
{
    static ClipboardGuard *guard = new ClipboardGuard(QCoreApplication::instance());
    return guard;
}

ClipboardGuard::ClipboardGuard(QObject *parent)
    : QObject(parent)
{
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &ClipboardGuard::clearNow);
    m_ticker.setInterval(1000);
    connect(&m_ticker, &QTimer::timeout, this, [this] { Q_EMIT tick(secondsLeft()); });
}

ClipboardGuard::~ClipboardGuard() = default;

void ClipboardGuard::copySecret(const QString &secret, int seconds)
{
    auto *data = new QMimeData;
    data->setText(secret);
    // KDE Klipper and other clipboard managers skip entries marked as passwords.
    data->setData(QStringLiteral("x-kde-passwordManagerHint"), QByteArrayLiteral("secret"));
    QGuiApplication::clipboard()->setMimeData(data);
    m_fingerprint = fingerprintOf(secret);
    m_deadlineMs = QDateTime::currentMSecsSinceEpoch() + qint64(seconds) * 1000;
    m_timer.start(seconds * 1000);
    m_ticker.start();
    Q_EMIT tick(secondsLeft());
}

int ClipboardGuard::secondsLeft() const
{
    if (!m_timer.isActive())
        return 0;
    return int(
        std::max<qint64>(0, (m_deadlineMs - QDateTime::currentMSecsSinceEpoch() + 999) / 1000));
}

void ClipboardGuard::clearNow()
{
    m_timer.stop();
    m_ticker.stop();
    QClipboard *clipboard = QGuiApplication::clipboard();
    if (!m_fingerprint.isEmpty() && fingerprintOf(clipboard->text()) == m_fingerprint)
        clipboard->clear();
    m_fingerprint.clear();
    Q_EMIT tick(0);
    Q_EMIT cleared();
}

} // namespace keybrake
