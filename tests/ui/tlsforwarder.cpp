#include "tlsforwarder.h"

#include <QCryptographicHash>
#include <QHostAddress>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QTcpSocket>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

namespace {

template<typename Write>
QByteArray pem(Write write)
{
    BIO *bio = BIO_new(BIO_s_mem());
    write(bio);
    char *data = nullptr;
    const long length = BIO_get_mem_data(bio, &data);
    QByteArray out(data, int(length));
    BIO_free(bio);
    return out;
}

// A fresh self-signed certificate for 127.0.0.1: each forwarder has a different one.
std::pair<QSslCertificate, QSslKey> selfSigned()
{
    static long serial = 1;
    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509 *x509 = X509_new();
    X509_set_version(x509, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x509), serial++);
    X509_gmtime_adj(X509_getm_notBefore(x509), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x509), 24 * 3600);
    X509_set_pubkey(x509, key);
    X509_NAME *name = X509_get_subject_name(x509);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char *>("127.0.0.1"), -1, -1, 0);
    X509_set_issuer_name(x509, name);
    X509_sign(x509, key, EVP_sha256());
    const QSslCertificate certificate(pem([x509](BIO *bio) { PEM_write_bio_X509(bio, x509); }));
    const QSslKey privateKey(pem([key](BIO *bio) {
                                 PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr,
                                                          nullptr);
                             }),
                             QSsl::Ec);
    X509_free(x509);
    EVP_PKEY_free(key);
    return {certificate, privateKey};
}

} // namespace

TlsForwarder::TlsForwarder(quint16 targetPort, QObject *parent)
    : QObject(parent)
    , m_target(targetPort)
{
    std::tie(m_certificate, m_key) = selfSigned();
    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    configuration.setLocalCertificate(m_certificate);
    configuration.setPrivateKey(m_key);
    configuration.setPeerVerifyMode(QSslSocket::VerifyNone);
    m_server.setSslConfiguration(configuration);
    connect(&m_server, &QTcpServer::pendingConnectionAvailable, this, &TlsForwarder::onConnection);
}

bool TlsForwarder::listen()
{
    return m_server.listen(QHostAddress::LocalHost, 0);
}

quint16 TlsForwarder::port() const
{
    return m_server.serverPort();
}

QByteArray TlsForwarder::fingerprint() const
{
    return m_certificate.digest(QCryptographicHash::Sha256).toHex();
}

void TlsForwarder::onConnection()
{
    while (m_server.hasPendingConnections()) {
        QTcpSocket *client = m_server.nextPendingConnection();
        auto *upstream = new QTcpSocket(client);
        connect(client, &QTcpSocket::readyRead, upstream,
                [client, upstream] { upstream->write(client->readAll()); });
        connect(upstream, &QTcpSocket::readyRead, client,
                [client, upstream] { client->write(upstream->readAll()); });
        connect(upstream, &QTcpSocket::connected, client,
                [client, upstream] { upstream->write(client->readAll()); });
        connect(upstream, &QTcpSocket::disconnected, client, &QTcpSocket::disconnectFromHost);
        connect(client, &QTcpSocket::disconnected, client, &QObject::deleteLater);
        upstream->connectToHost(QHostAddress::LocalHost, m_target);
    }
}
