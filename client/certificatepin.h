#pragma once

#include <QByteArray>
#include <QList>
#include <QSslCertificate>
#include <QSslError>
#include <QString>

namespace keybrake::client {

// A user's decision to trust one server certificate (a self-signed certificate of a development or
// on-premises server), identified by the SHA-256 of its DER encoding. A pin means *only* that
// certificate: the verification errors reported for exactly it are forgiven, and any other
// certificate is refused, even one a certificate authority vouches for (admits()).
class CertificatePin
{
public:
    CertificatePin() = default;
    // Accepts the raw 32-byte digest, or its hex form with or without colons ("AB:12:..." or
    // "ab12..."). Anything else gives an empty pin (which trusts nothing).
    explicit CertificatePin(const QByteArray &sha256);

    bool isEmpty() const { return m_digest.isEmpty(); }
    QByteArray digest() const { return m_digest; } // raw 32 bytes, or empty
    bool matches(const QSslCertificate &certificate) const;
    // Whether a connection to a peer presenting `peer` may carry requests: always without a pin,
    // only for the pinned certificate with one. Checked once the handshake has succeeded, before
    // anything is sent.
    bool admits(const QSslCertificate &peer) const { return isEmpty() || matches(peer); }

    // The errors of `errors` that may be ignored under this pin: those about `peer` when `peer`
    // matches the pin, none otherwise. The caller ignores them only if that is all of `errors`.
    QList<QSslError> forgivable(const QSslCertificate &peer, const QList<QSslError> &errors) const;

    // SHA-256 of the certificate's DER as colon-separated upper-case hex, as browsers show it.
    static QString fingerprint(const QSslCertificate &certificate);

private:
    QByteArray m_digest;
};

} // namespace keybrake::client
