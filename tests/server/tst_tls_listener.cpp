// keybraked on TLS (KEYBRAKE_TLS_CERT, KEYBRAKE_TLS_KEY): a CA made in the test, a client that
// trusts only that CA, TLS 1.2+ only, and SIGHUP serving a new certificate to new connections.
#include "testserver.h"

#include <QFile>
#include <QProcess>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>

using namespace keybrake::test;

namespace {

bool openssl(const QStringList &arguments, const QString &directory, QByteArray *output = nullptr,
             const QByteArray &input = {}, const QProcessEnvironment &environment = {})
{
    QProcess process;
    process.setWorkingDirectory(directory);
    process.setProcessChannelMode(QProcess::MergedChannels);
    if (!environment.isEmpty())
        process.setProcessEnvironment(environment);
    process.start(QStringLiteral("openssl"), arguments);
    if (!process.waitForStarted(10000))
        return false;
    process.write(input);
    process.closeWriteChannel();
    process.waitForFinished(20000);
    if (output)
        *output = process.readAll();
    return process.exitStatus() == QProcess::NormalExit && process.exitCode() == 0;
}

// A server certificate for localhost and 127.0.0.1 signed by ca.pem, as `name`.pem/.key.
bool makeLeaf(const QString &directory, const QString &name, const QString &commonName)
{
    QFile extensions(directory + QStringLiteral("/leaf.ext"));
    if (!extensions.open(QIODevice::WriteOnly))
        return false;
    extensions.write("subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
                     "keyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n");
    extensions.close();
    return openssl({QStringLiteral("req"), QStringLiteral("-newkey"), QStringLiteral("ec"),
                    QStringLiteral("-pkeyopt"), QStringLiteral("ec_paramgen_curve:P-256"),
                    QStringLiteral("-nodes"), QStringLiteral("-keyout"),
                    name + QStringLiteral(".key"), QStringLiteral("-out"),
                    name + QStringLiteral(".csr"), QStringLiteral("-subj"),
                    QStringLiteral("/CN=") + commonName},
                   directory)
        && openssl({QStringLiteral("x509"), QStringLiteral("-req"), QStringLiteral("-in"),
                    name + QStringLiteral(".csr"), QStringLiteral("-CA"), QStringLiteral("ca.pem"),
                    QStringLiteral("-CAkey"), QStringLiteral("ca.key"),
                    QStringLiteral("-CAcreateserial"), QStringLiteral("-days"), QStringLiteral("1"),
                    QStringLiteral("-extfile"), QStringLiteral("leaf.ext"), QStringLiteral("-out"),
                    name + QStringLiteral(".pem")},
                   directory);
}

struct TlsAnswer
{
    QByteArray response;
    QSslCertificate peer;
    QSsl::SslProtocol protocol = QSsl::UnknownProtocol;
    QString error;
};

// One request on a new TLS connection that trusts only `ca`, verifying the name "localhost".
TlsAnswer tlsRequest(quint16 port, const QSslCertificate &ca, const QByteArray &request)
{
    TlsAnswer answer;
    QSslSocket socket;
    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    configuration.setCaCertificates({ca});
    configuration.setPeerVerifyMode(QSslSocket::VerifyPeer);
    socket.setSslConfiguration(configuration);
    socket.connectToHostEncrypted(QStringLiteral("127.0.0.1"), port, QStringLiteral("localhost"));
    if (!socket.waitForEncrypted(10000)) {
        answer.error = socket.errorString();
        return answer;
    }
    answer.peer = socket.peerCertificate();
    answer.protocol = socket.sessionProtocol();
    socket.write(request);
    QDeadlineTimer deadline(10000);
    while (!deadline.hasExpired() && socket.state() == QAbstractSocket::ConnectedState) {
        socket.waitForReadyRead(100);
        answer.response += socket.readAll();
    }
    answer.response += socket.readAll();
    return answer;
}

} // namespace

class TestTlsListener : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void servesTlsWithTheConfiguredCertificate();
    void refusesTls11EvenWhenOpenSslWouldAllowIt();
    void sighupServesTheNewCertificate();
    void refusesHalfATlsConfiguration();

private:
    QTemporaryDir m_dir;
    QSslCertificate m_ca;
    std::unique_ptr<TestServer> m_server;
};

void TestTlsListener::initTestCase()
{
    QVERIFY(openssl({QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"),
                     QStringLiteral("ec"), QStringLiteral("-pkeyopt"),
                     QStringLiteral("ec_paramgen_curve:P-256"), QStringLiteral("-nodes"),
                     QStringLiteral("-keyout"), QStringLiteral("ca.key"), QStringLiteral("-out"),
                     QStringLiteral("ca.pem"), QStringLiteral("-days"), QStringLiteral("1"),
                     QStringLiteral("-subj"), QStringLiteral("/CN=Keybrake Test CA")},
                    m_dir.path()));
    QVERIFY(makeLeaf(m_dir.path(), QStringLiteral("server"), QStringLiteral("first")));
    const auto cas = QSslCertificate::fromPath(m_dir.filePath(QStringLiteral("ca.pem")));
    QCOMPARE(cas.size(), 1);
    m_ca = cas.front();

    TestServer::Options options;
    options.startSim = false;
    options.serverEnv.insert(QStringLiteral("KEYBRAKE_TLS_CERT"),
                             m_dir.filePath(QStringLiteral("server.pem")));
    options.serverEnv.insert(QStringLiteral("KEYBRAKE_TLS_KEY"),
                             m_dir.filePath(QStringLiteral("server.key")));
    // A system OpenSSL configuration that would accept TLS 1.0 and 1.1: only keybraked's own
    // minimum stands between a client and them.
    QFile permissive(m_dir.filePath(QStringLiteral("permissive.cnf")));
    QVERIFY(permissive.open(QIODevice::WriteOnly));
    permissive.write("openssl_conf = default_conf\n[default_conf]\nssl_conf = ssl_sect\n"
                     "[ssl_sect]\nsystem_default = system_default_sect\n"
                     "[system_default_sect]\nMinProtocol = TLSv1\n"
                     "CipherString = DEFAULT@SECLEVEL=0\n");
    permissive.close();
    options.serverEnv.insert(QStringLiteral("OPENSSL_CONF"), permissive.fileName());
    m_server = std::make_unique<TestServer>(options);
    QVERIFY2(m_server->start(), qPrintable(m_server->errorString()));
    QCOMPARE(m_server->baseUrl().scheme(), QStringLiteral("https"));
}

void TestTlsListener::servesTlsWithTheConfiguredCertificate()
{
    const TlsAnswer health =
        tlsRequest(m_server->port(), m_ca,
                   "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    QVERIFY2(health.error.isEmpty(), qPrintable(health.error));
    QVERIFY2(health.response.startsWith("HTTP/1.1 200"), health.response.constData());
    QCOMPARE(health.peer.subjectInfo(QSslCertificate::CommonName), QStringList {"first"});
    QVERIFY(health.protocol == QSsl::TlsV1_2 || health.protocol == QSsl::TlsV1_3);

    // The admin API over the same listener (Host is one of its names).
    const TlsAnswer keys =
        tlsRequest(m_server->port(), m_ca,
                   "GET /v1/keys HTTP/1.1\r\nHost: localhost\r\nAuthorization: "
                   "Bearer "
                       + m_server->adminKey().toLatin1() + "\r\nConnection: close\r\n\r\n");
    QVERIFY2(keys.response.startsWith("HTTP/1.1 200"), keys.response.constData());

    // Plain HTTP on the TLS port gets no answer.
    const HttpResult plain =
        rawHttp(m_server->port(), "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n", 3000);
    QCOMPARE(plain.status, 0);
}

void TestTlsListener::refusesTls11EvenWhenOpenSslWouldAllowIt()
{
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("OPENSSL_CONF"),
                       m_dir.filePath(QStringLiteral("permissive.cnf")));
    const QString connect = QStringLiteral("127.0.0.1:%1").arg(m_server->port());
    QByteArray output;
    const bool tls11 = openssl({QStringLiteral("s_client"), QStringLiteral("-connect"), connect,
                                QStringLiteral("-tls1_1"), QStringLiteral("-cipher"),
                                QStringLiteral("DEFAULT@SECLEVEL=0")},
                               m_dir.path(), &output, "Q\n", environment);
    QVERIFY2(!tls11, output.constData());
    // The server's own refusal (alert 70), not a client that never offered TLS 1.1.
    QVERIFY2(output.contains("alert protocol version"), output.constData());
    const bool tls12 = openssl({QStringLiteral("s_client"), QStringLiteral("-connect"), connect,
                                QStringLiteral("-tls1_2")},
                               m_dir.path(), &output, "Q\n", environment);
    QVERIFY2(tls12, output.constData());
    QVERIFY2(output.contains("TLSv1.2"), output.constData());
}

void TestTlsListener::sighupServesTheNewCertificate()
{
    const QByteArray request =
        "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    // A broken file on reload leaves the running certificate in place.
    QVERIFY(QFile::rename(m_dir.filePath(QStringLiteral("server.pem")),
                          m_dir.filePath(QStringLiteral("first.pem"))));
    QFile broken(m_dir.filePath(QStringLiteral("server.pem")));
    QVERIFY(broken.open(QIODevice::WriteOnly));
    broken.write("not a certificate\n");
    broken.close();
    ::kill(static_cast<pid_t>(m_server->serverProcess().processId()), SIGHUP);
    QTest::qWait(500);
    TlsAnswer answer = tlsRequest(m_server->port(), m_ca, request);
    QVERIFY2(answer.response.startsWith("HTTP/1.1 200"), qPrintable(answer.error));
    QCOMPARE(answer.peer.subjectInfo(QSslCertificate::CommonName), QStringList {"first"});

    QVERIFY(QFile::remove(broken.fileName()));
    QVERIFY(makeLeaf(m_dir.path(), QStringLiteral("server"), QStringLiteral("second")));
    ::kill(static_cast<pid_t>(m_server->serverProcess().processId()), SIGHUP);
    QTRY_COMPARE_WITH_TIMEOUT(
        tlsRequest(m_server->port(), m_ca, request).peer.subjectInfo(QSslCertificate::CommonName),
        QStringList {"second"}, 10000);
    answer = tlsRequest(m_server->port(), m_ca, request);
    QVERIFY2(answer.response.startsWith("HTTP/1.1 200"), answer.response.constData());
    QCOMPARE(m_server->serverProcess().state(), QProcess::Running);
}

void TestTlsListener::refusesHalfATlsConfiguration()
{
    TestServer::Options options;
    options.startSim = false;
    options.serverEnv.insert(QStringLiteral("KEYBRAKE_TLS_CERT"),
                             m_dir.filePath(QStringLiteral("server.pem")));
    TestServer half(options);
    QVERIFY(!half.start());
    QVERIFY2(half.errorString().contains(QStringLiteral("KEYBRAKE_TLS_KEY")),
             qPrintable(half.errorString()));
}

QTEST_GUILESS_MAIN(TestTlsListener)
#include "tst_tls_listener.moc"
