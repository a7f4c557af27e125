#pragma once

#include <QByteArray>
#include <QObject>
#include <QSslCertificate>
#include <QSslKey>
#include <QSslServer>

// A TLS front for the real keybraked, the way a reverse proxy with a self-signed certificate
// fronts it in a small deployment: it terminates TLS with a throwaway certificate and passes the
// bytes through unchanged. Not a fake server: every answer comes from keybraked.
class TlsForwarder : public QObject
{
    Q_OBJECT

public:
    explicit TlsForwarder(quint16 targetPort, QObject *parent = nullptr);

    bool listen();
    quint16 port() const;
    // SHA-256 of the certificate's DER as lower-case hex.
    QByteArray fingerprint() const;

private:
    void onConnection();

    quint16 m_target;
    QSslServer m_server;
    QSslCertificate m_certificate;
    QSslKey m_key;
};
