#include "client/certificatepin.h"

#include <QCryptographicHash>

#include <cctype>

namespace keybrake::client {

namespace {
constexpr qsizetype kDigestSize = 32;
}

CertificatePin::CertificatePin(const QByteArray &sha256)
{
    if (sha256.size() == kDigestSize) {
        m_digest = sha256;
        return;
    }
    QByteArray hex = sha256.trimmed();
    hex.replace(':', QByteArray());
    if (hex.size() != kDigestSize * 2)
        return;
    for (char c : hex) {
        if (!std::isxdigit(static_cast<unsigned char>(c)))
            return;
    }
    m_digest = QByteArray::fromHex(hex);
}

bool CertificatePin::matches(const QSslCertificate &certificate) const
{
    return !m_digest.isEmpty() && !certificate.isNull()
        && certificate.digest(QCryptographicHash::Sha256) == m_digest;
}

QList<QSslError> CertificatePin::forgivable(const QSslCertificate &peer,
                                            const QList<QSslError> &errors) const
{
    QList<QSslError> forgiven;
    if (!matches(peer))
        return forgiven;
    for (const QSslError &error : errors) {
        if (error.certificate() == peer)
            forgiven << error;
    }
    return forgiven;
}

QString CertificatePin::fingerprint(const QSslCertificate &certificate)
{
    if (certificate.isNull())
        return {};
    return QString::fromLatin1(certificate.digest(QCryptographicHash::Sha256).toHex(':').toUpper());
}

} // namespace keybrake::client
