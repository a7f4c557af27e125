// Transport failures as the client's callers see them, against local sockets rather than a fake
// of keybraked: a peer that accepts and never answers (timeout, cancel, a dying context), a port
// nobody listens on (refused), and self-signed TLS peers (refusal with the fingerprint, pinning).
// A few peers answer one fixed response, only to show what happens after the transport succeeded.

#include "client/certificatepin.h"
#include "client/eventstream.h"
#include "client/keybrakeclient.h"
#include "client/serveraddress.h"

#include <QLoggingCategory>
#include <QPointer>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslKey>
#include <QSslSocket>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QTimer>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <optional>

using namespace keybrake;
using namespace keybrake::client;
using namespace Qt::StringLiterals;
using Kind = ApiError::Kind;

namespace {

const QString kAdminKey = QStringLiteral("kb_TestAdminKeyThatMustNeverBeLogged0123456789");

// A throwaway self-signed certificate, made with OpenSSL here so no key material is committed.
struct TestCertificate
{
    QSslCertificate certificate;
    QSslKey key;
    QString sha256; // from OpenSSL's own digest, colon hex
    QByteArray rawSha256;
};

TestCertificate makeSelfSigned(const char *commonName, long serial)
{
    TestCertificate result;
    EVP_PKEY *pkey = EVP_EC_gen("P-256");
    X509 *x509 = X509_new();
    X509_set_version(x509, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x509), serial);
    X509_gmtime_adj(X509_getm_notBefore(x509), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x509), 24 * 3600);
    X509_set_pubkey(x509, pkey);
    X509_NAME *name = X509_get_subject_name(x509);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char *>(commonName), -1, -1, 0);
    X509_set_issuer_name(x509, name);
    X509_sign(x509, pkey, EVP_sha256());

    const auto pem = [](auto write) {
        BIO *bio = BIO_new(BIO_s_mem());
        write(bio);
        char *data = nullptr;
        const long size = BIO_get_mem_data(bio, &data);
        QByteArray bytes(data, size);
        BIO_free(bio);
        return bytes;
    };
    result.certificate = QSslCertificate(pem([x509](BIO *bio) { PEM_write_bio_X509(bio, x509); }));
    result.key =
        QSslKey(pem([pkey](BIO *bio) {
                    PEM_write_bio_PrivateKey(bio, pkey, nullptr, nullptr, 0, nullptr, nullptr);
                }),
                QSsl::Ec);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    X509_digest(x509, EVP_sha256(), digest, &length);
    result.rawSha256 = QByteArray(reinterpret_cast<const char *>(digest), int(length));
    result.sha256 = QString::fromLatin1(result.rawSha256.toHex(':').toUpper());
    X509_free(x509);
    EVP_PKEY_free(pkey);
    return result;
}

// A certificate authority and a server certificate it signed for 127.0.0.1: what a public CA (or
// a company CA the system trusts) gives a server. The test adds the CA to Qt's default
// configuration, so the server certificate verifies without any pin.
struct TestChain
{
    QSslCertificate authority;
    TestCertificate server;
};

TestChain makeCaSigned(long serial)
{
    TestChain chain;
    const auto pem = [](auto write) {
        BIO *bio = BIO_new(BIO_s_mem());
        write(bio);
        char *data = nullptr;
        const long size = BIO_get_mem_data(bio, &data);
        QByteArray bytes(data, size);
        BIO_free(bio);
        return bytes;
    };
    const auto name = [](X509 *x509, const char *commonName) {
        X509_NAME *subject = X509_get_subject_name(x509);
        X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char *>(commonName), -1, -1, 0);
    };
    const auto extend = [](X509 *x509, X509 *issuer, int nid, const char *value) {
        X509V3_CTX context;
        X509V3_set_ctx(&context, issuer, x509, nullptr, nullptr, 0);
        X509_EXTENSION *extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value);
        X509_add_ext(x509, extension, -1);
        X509_EXTENSION_free(extension);
    };

    EVP_PKEY *caKey = EVP_EC_gen("P-256");
    X509 *ca = X509_new();
    X509_set_version(ca, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(ca), serial);
    X509_gmtime_adj(X509_getm_notBefore(ca), -3600);
    X509_gmtime_adj(X509_getm_notAfter(ca), 24 * 3600);
    X509_set_pubkey(ca, caKey);
    name(ca, "keybrake-test-ca");
    X509_set_issuer_name(ca, X509_get_subject_name(ca));
    extend(ca, ca, NID_basic_constraints, "critical,CA:TRUE");
    extend(ca, ca, NID_key_usage, "critical,keyCertSign,cRLSign");
    X509_sign(ca, caKey, EVP_sha256());

    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509 *leaf = X509_new();
    X509_set_version(leaf, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(leaf), serial + 1);
    X509_gmtime_adj(X509_getm_notBefore(leaf), -3600);
    X509_gmtime_adj(X509_getm_notAfter(leaf), 24 * 3600);
    X509_set_pubkey(leaf, key);
    name(leaf, "127.0.0.1");
    X509_set_issuer_name(leaf, X509_get_subject_name(ca));
    extend(leaf, ca, NID_subject_alt_name, "IP:127.0.0.1");
    extend(leaf, ca, NID_ext_key_usage, "serverAuth");
    X509_sign(leaf, caKey, EVP_sha256());

    chain.authority = QSslCertificate(pem([ca](BIO *bio) { PEM_write_bio_X509(bio, ca); }));
    chain.server.certificate =
        QSslCertificate(pem([leaf](BIO *bio) { PEM_write_bio_X509(bio, leaf); }));
    chain.server.key =
        QSslKey(pem([key](BIO *bio) {
                    PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
                }),
                QSsl::Ec);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    X509_digest(leaf, EVP_sha256(), digest, &length);
    chain.server.rawSha256 = QByteArray(reinterpret_cast<const char *>(digest), int(length));
    chain.server.sha256 = QString::fromLatin1(chain.server.rawSha256.toHex(':').toUpper());
    X509_free(leaf);
    X509_free(ca);
    EVP_PKEY_free(key);
    EVP_PKEY_free(caKey);
    return chain;
}

// A local peer: accepts connections (optionally TLS), records what arrives, and either never
// answers or writes one fixed response per request and keeps the connection open.
// Whether an HTTP request has the header NAME with VALUE. Header names are case-insensitive
// (RFC 9110), and Qt 6.7 and newer send them in lower case.
bool hasHeader(const QByteArray &request, const QByteArray &name, const QByteArray &value)
{
    for (QByteArray line : request.split('\n')) {
        if (line.endsWith('\r'))
            line.chop(1);
        const qsizetype colon = line.indexOf(':');
        if (colon > 0 && line.left(colon).compare(name, Qt::CaseInsensitive) == 0
            && line.mid(colon + 1).trimmed() == value)
            return true;
    }
    return false;
}

class Peer : public QTcpServer
{
public:
    explicit Peer(QByteArray response = {}, const TestCertificate *tls = nullptr)
        : m_response(std::move(response))
    {
        if (tls) {
            m_certificate = tls->certificate;
            m_key = tls->key;
        }
        listen(QHostAddress::LocalHost, 0);
    }

    QUrl url() const
    {
        return QUrl(QStringLiteral("%1://127.0.0.1:%2")
                        .arg(m_certificate.isNull() ? u"http" : u"https")
                        .arg(serverPort()));
    }
    QByteArray received() const { return m_received; }
    bool hasRequest() const { return m_received.contains("\r\n\r\n"); }
    int connections() const { return m_connections; }
    int disconnections() const { return m_disconnections; }
    int answered() const { return m_answered; }

protected:
    void incomingConnection(qintptr descriptor) override
    {
        ++m_connections;
        QTcpSocket *socket = nullptr;
        if (m_certificate.isNull()) {
            socket = new QTcpSocket(this);
            socket->setSocketDescriptor(descriptor);
        } else {
            auto *tls = new QSslSocket(this);
            tls->setSocketDescriptor(descriptor);
            tls->setLocalCertificate(m_certificate);
            tls->setPrivateKey(m_key);
            tls->startServerEncryption();
            socket = tls;
        }
        connect(socket, &QTcpSocket::readyRead, this, [this, socket] {
            m_received += socket->readAll();
            if (!m_response.isEmpty() && m_received.count("\r\n\r\n") > m_answered) {
                ++m_answered;
                socket->write(m_response);
            }
        });
        connect(socket, &QTcpSocket::disconnected, this, [this] { ++m_disconnections; });
    }

private:
    QByteArray m_response;
    QSslCertificate m_certificate;
    QSslKey m_key;
    QByteArray m_received;
    int m_connections = 0;
    int m_disconnections = 0;
    int m_answered = 0;
};

QByteArray healthResponse()
{
    const QByteArray body = R"({"status": "ok", "store": "sqlite"})";
    return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Request-Id: peer-1\r\n"
           "Content-Length: "
        + QByteArray::number(body.size()) + "\r\n\r\n" + body;
}

// Runs one call to completion and hands back its result.
template<typename T>
struct Outcome
{
    std::optional<Result<T>> result;
    int calls = 0;
    bool done() const { return calls > 0; }
    KeybrakeClient::Callback<T> callback()
    {
        return [this](const Result<T> &r) {
            result.emplace(r);
            ++calls;
        };
    }
};

// For failure messages: QVERIFY2 evaluates its message even when the check passes.
template<typename T>
QByteArray describe(const Result<T> &result)
{
    return result.isOk() ? QByteArray("ok") : result.error().message.toUtf8();
}

// Collects every message of the keybrake.client category.
QStringList *s_logged = nullptr;
QtMessageHandler s_previousHandler = nullptr;
void collect(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    if (s_logged)
        *s_logged << QString::fromLatin1(context.category) + u' ' + message;
    s_previousHandler(type, context, message);
}

} // namespace

class TestClientErrors : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<KeybrakeClient> makeClient(const QUrl &url)
    {
        auto client = std::make_unique<KeybrakeClient>();
        client->setBaseUrl(url);
        client->setAdminKey(kAdminKey);
        return client;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(QSslSocket::supportsSsl());
        QLoggingCategory::setFilterRules(QStringLiteral("keybrake.client*=true"));
        s_previousHandler = qInstallMessageHandler(collect);
    }

    void init()
    {
        m_logged.clear();
        s_logged = &m_logged;
    }

    // Whatever happened in a test, the admin key never reached a log line.
    void cleanup()
    {
        s_logged = nullptr;
        for (const QString &line : std::as_const(m_logged))
            QVERIFY2(!line.contains(kAdminKey), qPrintable(line));
    }

    void transferTimeoutFiresWithoutBlocking()
    {
        Peer peer;
        auto client = makeClient(peer.url());
        client->setTransferTimeout(300);
        QCOMPARE(client->transferTimeout(), 300);

        int ticks = 0;
        QTimer ticker;
        ticker.setInterval(0);
        connect(&ticker, &QTimer::timeout, this, [&ticks] { ++ticks; });
        ticker.start();

        Outcome<Health> outcome;
        int ticksWhenDone = -1;
        client->health(this, [&](const Result<Health> &result) {
            outcome.result.emplace(result);
            ++outcome.calls;
            ticksWhenDone = ticks;
        });
        QVERIFY(!outcome.done()); // the call returned before anything was answered
        QTRY_VERIFY_WITH_TIMEOUT(outcome.done(), 10'000);
        QVERIFY(ticksWhenDone > 0); // the event loop kept turning while the peer hung
        QVERIFY(peer.received().startsWith("GET /healthz HTTP/1.1\r\n"));
        QCOMPARE(outcome.calls, 1);
        QVERIFY(!outcome.result->isOk());
        QVERIFY(!outcome.result->isOk());
        const ApiError &error = outcome.result->error();
        QCOMPARE(error.kind, Kind::Timeout);
        QCOMPARE(error.httpStatus, 0);
        QVERIFY(error.isTransient());
        QVERIFY(error.message.startsWith(u"Could not check the server's health."));
        QVERIFY(!error.message.contains(kAdminKey));
    }

    void timeoutFromTheEnvironmentIsTheDefault()
    {
        qputenv("KEYBRAKE_HTTP_TIMEOUT_MS", "1234");
        KeybrakeClient fromEnvironment;
        qunsetenv("KEYBRAKE_HTTP_TIMEOUT_MS");
        QCOMPARE(fromEnvironment.transferTimeout(), 1234);
        KeybrakeClient plain;
        QCOMPARE(plain.transferTimeout(), KeybrakeClient::DefaultTransferTimeoutMs);
        // Every request keeps a timeout: zero or less is refused.
        plain.setTransferTimeout(0);
        QCOMPARE(plain.transferTimeout(), KeybrakeClient::DefaultTransferTimeoutMs);
    }

    void cancelGivesCancelledNotTimeout()
    {
        Peer peer;
        auto client = makeClient(peer.url());
        Outcome<KeyPage> outcome;
        QPointer<ApiRequest> request = client->listKeys({}, this, outcome.callback());
        QSignalSpy finished(request.data(), &ApiRequest::finished);
        QCOMPARE(request->method(), "GET");
        QCOMPARE(request->path(), u"/v1/keys");
        QTRY_VERIFY(peer.hasRequest());
        QVERIFY(!outcome.done());

        request->cancel();
        QCOMPARE(outcome.calls, 1);
        QVERIFY(!outcome.result->isOk());
        QCOMPARE(outcome.result->error().kind, Kind::Cancelled);
        QVERIFY(!outcome.result->error().isTransient());
        QCOMPARE(finished.count(), 1);
        QTRY_VERIFY(request.isNull()); // deleted itself after finished()
        QTRY_COMPARE(peer.disconnections(), 1); // the transfer was really aborted
        QCOMPARE(outcome.calls, 1);
        QCOMPARE(finished.count(), 1);
    }

    void cancelBeforeAnyByteMoved()
    {
        Peer peer;
        auto client = makeClient(peer.url());
        Outcome<WhoAmI> outcome;
        QPointer<ApiRequest> request = client->whoAmI(this, outcome.callback());
        request->cancel();
        QCOMPARE(outcome.calls, 1);
        QVERIFY(!outcome.result->isOk());
        QCOMPARE(outcome.result->error().kind, Kind::Cancelled);
        QTRY_VERIFY(request.isNull());
        QCOMPARE(outcome.calls, 1);
    }

    void deadContextGetsNoCallback()
    {
        Peer peer;
        auto client = makeClient(peer.url());
        auto *context = new QObject;
        Outcome<TodayStats> outcome;
        QPointer<ApiRequest> request = client->todayStats(context, outcome.callback());
        QSignalSpy finished(request.data(), &ApiRequest::finished);
        QTRY_VERIFY(peer.hasRequest());

        delete context;
        QCOMPARE(finished.count(), 1);
        QTRY_VERIFY(request.isNull());
        QTRY_COMPARE(peer.disconnections(), 1); // nobody wanted the answer: the transfer stopped
        QCOMPARE(outcome.calls, 0);
    }

    void deletingTheClientDropsPendingCalls()
    {
        Peer peer;
        auto client = makeClient(peer.url());
        Outcome<Health> outcome;
        QPointer<ApiRequest> request = client->health(this, outcome.callback());
        QTRY_VERIFY(peer.hasRequest());
        client.reset();
        QVERIFY(request.isNull());
        QTRY_COMPARE(peer.disconnections(), 1);
        QCOMPARE(outcome.calls, 0);
    }

    void connectionRefusedIsNetwork()
    {
        quint16 port = 0;
        {
            QTcpServer probe;
            QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
            port = probe.serverPort();
        }
        auto client = makeClient(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port)));
        Outcome<WhoAmI> outcome;
        client->whoAmI(this, outcome.callback());
        QVERIFY(!outcome.done());
        QTRY_VERIFY(outcome.done());
        QVERIFY(!outcome.result->isOk());
        const ApiError &error = outcome.result->error();
        QCOMPARE(error.kind, Kind::Network);
        QVERIFY(error.isTransient());
        QVERIFY2(error.message.contains(u"refused the connection"), qPrintable(error.message));
    }

    void unusableBaseUrlFailsLater_data()
    {
        QTest::addColumn<QUrl>("url");
        QTest::newRow("empty") << QUrl();
        QTest::newRow("no scheme") << QUrl(QStringLiteral("keybrake.example.com"));
        QTest::newRow("ftp") << QUrl(QStringLiteral("ftp://keybrake.example.com"));
    }
    void unusableBaseUrlFailsLater()
    {
        QFETCH(QUrl, url);
        auto client = makeClient(url);
        Outcome<Health> outcome;
        client->health(this, outcome.callback());
        QVERIFY(!outcome.done()); // callbacks never run inside the call
        QTRY_VERIFY(outcome.done());
        QVERIFY(!outcome.result->isOk());
        QCOMPARE(outcome.result->error().kind, Kind::Network);
        QVERIFY(outcome.result->error().message.contains(u"http://"));
    }

    // What goes on the wire: the path under the base URL's prefix, the query encoded so that
    // '+' survives, the bearer key, and the Idempotency-Key of an issue request.
    void requestsCarryTheRightPathAndHeaders()
    {
        Peer peer;
        QUrl base = peer.url();
        base.setPath(QStringLiteral("/keybrake/"));
        auto client = makeClient(base);
        client->setAdminKey(u"  "_s + kAdminKey + u"\n"_s); // pasted with stray whitespace

        KeyQuery query;
        query.labelPrefix = QStringLiteral("sqs/a+b c");
        query.limit = 50;
        Outcome<KeyPage> list;
        QPointer<ApiRequest> listing = client->listKeys(query, this, list.callback());
        QTRY_VERIFY(peer.hasRequest());
        const QByteArray get = peer.received();
        QVERIFY2(get.startsWith("GET /keybrake/v1/keys?label_prefix=sqs%2Fa%2Bb%20c&limit=50 "
                                "HTTP/1.1\r\n"),
                 get.constData());
        QVERIFY(hasHeader(get, "Authorization", "Bearer " + kAdminKey.toLatin1()));
        QVERIFY(hasHeader(get, "Accept", "application/json"));
        listing->cancel();

        Peer issuePeer;
        client->setBaseUrl(issuePeer.url());
        IssueKeyRequest issue;
        issue.vendor = QStringLiteral("stripe");
        issue.dailyUsdCap = Usd::fromDollars(50);
        issue.allowedEndpoints = {QStringLiteral("charges.create")};
        issue.expiresIn = std::chrono::minutes(15);
        issue.idempotencyKey = QStringLiteral("msg-6b1f0c1e");
        Outcome<IssuedKey> issued;
        QPointer<ApiRequest> issuing = client->issueKey(issue, this, issued.callback());
        QTRY_VERIFY(issuePeer.received().contains("\"charges.create\"]"));
        const QByteArray post = issuePeer.received();
        QVERIFY2(post.startsWith("POST /v1/keys HTTP/1.1\r\n"), post.constData());
        QVERIFY(hasHeader(post, "Idempotency-Key", "msg-6b1f0c1e"));
        QVERIFY(hasHeader(post, "Content-Type", "application/json; charset=utf-8"));
        QVERIFY(post.contains("\"expires_in\":900"));
        issuing->cancel();

        Peer deletePeer;
        client->setBaseUrl(deletePeer.url());
        Outcome<RevokeResult> revoked;
        QPointer<ApiRequest> revoking =
            client->revokeKey(QStringLiteral("vk_a/b"), this, revoked.callback());
        QTRY_VERIFY(deletePeer.hasRequest());
        QVERIFY2(deletePeer.received().startsWith("DELETE /v1/keys/vk_a%2Fb HTTP/1.1\r\n"),
                 deletePeer.received().constData());
        revoking->cancel();
    }

    void healthSendsNoAdminKey()
    {
        Peer peer;
        auto client = makeClient(peer.url());
        Outcome<Health> outcome;
        QPointer<ApiRequest> request = client->health(this, outcome.callback());
        QTRY_VERIFY(peer.hasRequest());
        QVERIFY(!peer.received().contains("Authorization"));
        request->cancel();
    }

    void adminKeyWithControlCharactersIsNotSent()
    {
        Peer peer;
        auto client = makeClient(peer.url());
        client->setAdminKey(QStringLiteral("kb_abc\r\nX-Injected: 1"));
        Outcome<WhoAmI> outcome;
        client->whoAmI(this, outcome.callback());
        QTRY_VERIFY(outcome.done());
        QVERIFY(!outcome.result->isOk());
        QCOMPARE(outcome.result->error().kind, Kind::Unauthenticated);
        QCOMPARE(peer.connections(), 0);
    }

    // The Authorization header must not follow a redirect; the caller learns where it pointed.
    void redirectsAreNotFollowed()
    {
        Peer elsewhere;
        const QByteArray location = elsewhere.url().toEncoded() + "/v1/whoami";
        Peer redirecting("HTTP/1.1 307 Temporary Redirect\r\nLocation: " + location
                         + "\r\nContent-Length: 0\r\n\r\n");
        auto client = makeClient(redirecting.url());
        Outcome<WhoAmI> outcome;
        client->whoAmI(this, outcome.callback());
        QTRY_VERIFY(outcome.done());
        QVERIFY(!outcome.result->isOk());
        const ApiError &error = outcome.result->error();
        QCOMPARE(error.kind, Kind::Server);
        QCOMPARE(error.httpStatus, 307);
        QVERIFY2(error.message.contains(QString::fromLatin1(location)), qPrintable(error.message));
        QCOMPARE(elsewhere.connections(), 0);
    }

    void selfSignedCertificateIsRefusedWithItsFingerprint()
    {
        const TestCertificate certificate = makeSelfSigned("keybrake-test-a", 1);
        Peer peer(healthResponse(), &certificate);
        auto client = makeClient(peer.url());
        Outcome<Health> outcome;
        client->health(this, outcome.callback());
        QTRY_VERIFY(outcome.done());
        QVERIFY(!outcome.result->isOk());
        const ApiError &error = outcome.result->error();
        QCOMPARE(error.kind, Kind::Tls);
        QCOMPARE(error.certificateSha256, certificate.sha256);
        QVERIFY(error.message.contains(certificate.sha256));
        QVERIFY(!error.isTransient());
        QCOMPARE(peer.answered(), 0); // nothing was sent over the untrusted connection
    }

    void pinnedCertificateIsAccepted_data()
    {
        QTest::addColumn<int>("form");
        QTest::newRow("colon hex") << 0;
        QTest::newRow("plain lower-case hex") << 1;
        QTest::newRow("raw digest") << 2;
    }
    void pinnedCertificateIsAccepted()
    {
        QFETCH(int, form);
        const TestCertificate certificate = makeSelfSigned("keybrake-test-a", 2);
        Peer peer(healthResponse(), &certificate);
        auto client = makeClient(peer.url());
        const QByteArray pins[] = {certificate.sha256.toLatin1(), certificate.rawSha256.toHex(),
                                   certificate.rawSha256};
        client->setPinnedCertificateSha256(pins[form]);
        QCOMPARE(client->pinnedCertificateSha256(), certificate.rawSha256);

        Outcome<Health> outcome;
        client->health(this, outcome.callback());
        QTRY_VERIFY(outcome.done());
        QVERIFY2(outcome.result->isOk(), describe(*outcome.result).constData());
        QCOMPARE((*outcome.result)->status, u"ok");
        QCOMPARE(peer.answered(), 1);
    }

    void anotherCertificateStaysRefused()
    {
        const TestCertificate pinned = makeSelfSigned("keybrake-test-a", 3);
        const TestCertificate other = makeSelfSigned("keybrake-test-b", 4);
        Peer peer(healthResponse(), &other);
        auto client = makeClient(peer.url());
        client->setPinnedCertificateSha256(pinned.sha256.toLatin1());

        Outcome<Health> outcome;
        client->health(this, outcome.callback());
        QTRY_VERIFY(outcome.done());
        QVERIFY(!outcome.result->isOk());
        QCOMPARE(outcome.result->error().kind, Kind::Tls);
        QCOMPARE(outcome.result->error().certificateSha256, other.sha256);
        QCOMPARE(peer.answered(), 0);
    }

    // A connection accepted under a pin is kept alive for reuse; after the pin changes it must not
    // be reused, or the old decision would outlive the user's.
    void changingThePinDropsAcceptedConnections()
    {
        const TestCertificate certificate = makeSelfSigned("keybrake-test-a", 5);
        const TestCertificate other = makeSelfSigned("keybrake-test-b", 6);
        Peer peer(healthResponse(), &certificate);
        auto client = makeClient(peer.url());
        client->setPinnedCertificateSha256(certificate.sha256.toLatin1());

        for (int i = 0; i < 2; ++i) {
            Outcome<Health> outcome;
            client->health(this, outcome.callback());
            QTRY_VERIFY(outcome.done());
            QVERIFY(outcome.result->isOk());
        }
        QCOMPARE(peer.connections(), 1); // the second call reused the accepted connection

        client->setPinnedCertificateSha256(other.sha256.toLatin1());
        Outcome<Health> afterChange;
        client->health(this, afterChange.callback());
        QTRY_VERIFY(afterChange.done());
        QVERIFY(!afterChange.result->isOk());
        QCOMPARE(afterChange.result->error().kind, Kind::Tls);
        QCOMPARE(afterChange.result->error().certificateSha256, certificate.sha256);
        QCOMPARE(peer.answered(), 2);

        client->setPinnedCertificateSha256({});
        Outcome<Health> unpinned;
        client->health(this, unpinned.callback());
        QTRY_VERIFY(unpinned.done());
        QVERIFY(!unpinned.result->isOk());
        QCOMPARE(unpinned.result->error().kind, Kind::Tls);
    }

    // A pin means only that certificate. Before, the pin only added trust: a server presenting
    // another certificate that a trusted CA had signed was accepted under the pin, and the admin
    // key was sent to it.
    void pinRefusesAnotherCertificateEvenWhenCaTrusted()
    {
        const TestChain chain = makeCaSigned(20);
        const TestCertificate pinned = makeSelfSigned("keybrake-test-a", 22);
        const QSslConfiguration before = QSslConfiguration::defaultConfiguration();
        QSslConfiguration trusting = before;
        trusting.addCaCertificate(chain.authority);
        QSslConfiguration::setDefaultConfiguration(trusting);
        const auto restore =
            qScopeGuard([&before] { QSslConfiguration::setDefaultConfiguration(before); });

        Peer peer(healthResponse(), &chain.server);
        auto client = makeClient(peer.url());
        client->setAdminKey(kAdminKey);

        // Without a pin the CA-signed certificate verifies: the refusal below is the pin's.
        Outcome<Health> unpinned;
        client->health(this, unpinned.callback());
        QTRY_VERIFY(unpinned.done());
        QVERIFY2(unpinned.result->isOk(), describe(*unpinned.result).constData());

        client->setPinnedCertificateSha256(pinned.sha256.toLatin1());
        const int answeredBefore = peer.answered();
        const qsizetype receivedBefore = peer.received().size();
        Outcome<WhoAmI> refused;
        client->whoAmI(this, refused.callback());
        QTRY_VERIFY(refused.done());
        QVERIFY(!refused.result->isOk());
        const ApiError &error = refused.result->error();
        QCOMPARE(error.kind, Kind::Tls);
        QCOMPARE(error.certificateSha256, chain.server.sha256);
        QVERIFY(error.details.value(u"pin_mismatch").toBool());
        QVERIFY2(error.message.contains(u"not the one pinned"), qPrintable(error.message));
        QVERIFY(error.message.contains(chain.server.sha256));
        // Refused after the handshake and before the request: not a byte of it, nor the key.
        QCOMPARE(peer.answered(), answeredBefore);
        QCOMPARE(peer.received().size(), receivedBefore);
        QVERIFY(!peer.received().contains(kAdminKey.toLatin1()));

        // Pinning the server's own certificate accepts it again.
        client->setPinnedCertificateSha256(chain.server.sha256.toLatin1());
        Outcome<Health> accepted;
        client->health(this, accepted.callback());
        QTRY_VERIFY(accepted.done());
        QVERIFY2(accepted.result->isOk(), describe(*accepted.result).constData());
    }

    // The live event stream follows the same rule as every other request.
    void eventStreamRefusesAnotherCertificateEvenWhenCaTrusted()
    {
        const TestChain chain = makeCaSigned(30);
        const TestCertificate pinned = makeSelfSigned("keybrake-test-a", 32);
        const QSslConfiguration before = QSslConfiguration::defaultConfiguration();
        QSslConfiguration trusting = before;
        trusting.addCaCertificate(chain.authority);
        QSslConfiguration::setDefaultConfiguration(trusting);
        const auto restore =
            qScopeGuard([&before] { QSslConfiguration::setDefaultConfiguration(before); });

        Peer peer(healthResponse(), &chain.server);
        auto client = makeClient(peer.url());
        client->setAdminKey(kAdminKey);
        client->setPinnedCertificateSha256(pinned.sha256.toLatin1());
        EventStream stream(client.get());
        stream.start();
        QTRY_COMPARE(stream.state(), EventStream::State::Failed);
        QVERIFY(stream.lastError().has_value());
        QCOMPARE(stream.lastError()->kind, Kind::Tls);
        QVERIFY(stream.lastError()->details.value(u"pin_mismatch").toBool());
        QVERIFY(peer.received().isEmpty());
    }

    // Plain http:// goes only to this machine unless allowed; misspelt addresses are refused with
    // a sentence, never read as another host ("htps//keybrake" used to become http://htps).
    void serverAddressesAreParsedStrictly_data()
    {
        QTest::addColumn<QString>("typed");
        QTest::addColumn<bool>("allowPlainHttp");
        QTest::addColumn<QString>("url"); // empty: refused
        QTest::addColumn<QString>("says");
        QTest::newRow("https") << u"https://keybrake.example.com:8443/kb"_s << false
                               << u"https://keybrake.example.com:8443/kb"_s << QString();
        QTest::newRow("bare host means https")
            << u"keybrake.example.com"_s << false << u"https://keybrake.example.com"_s << QString();
        QTest::newRow("bare host and port")
            << u"10.0.0.5:8443"_s << false << u"https://10.0.0.5:8443"_s << QString();
        QTest::newRow("http on loopback")
            << u"http://127.0.0.1:8080"_s << false << u"http://127.0.0.1:8080"_s << QString();
        QTest::newRow("http on localhost")
            << u"http://localhost:8080"_s << false << u"http://localhost:8080"_s << QString();
        QTest::newRow("http on ::1")
            << u"http://[::1]:8080"_s << false << u"http://[::1]:8080"_s << QString();
        QTest::newRow("http across the network")
            << u"http://keybrake.example.com"_s << false << QString() << u"unencrypted"_s;
        QTest::newRow("http across the network, allowed")
            << u"http://keybrake.example.com"_s << true << u"http://keybrake.example.com"_s
            << QString();
        QTest::newRow("misspelt scheme with a space")
            << u"htps//keybrake prod"_s << false << QString() << u"contains a space"_s;
        QTest::newRow("misspelt scheme")
            << u"htps//keybrake"_s << false << QString() << u"is not a plain host name"_s;
        QTest::newRow("missing slash")
            << u"http:/keybrake"_s << false << QString() << u"is not a plain host name"_s;
        QTest::newRow("unknown scheme")
            << u"ftp://keybrake"_s << false << QString() << u"“ftp://” is not a scheme"_s;
        QTest::newRow("no host") << u"https://"_s << false << QString() << u"no host"_s;
        QTest::newRow("user info")
            << u"https://me:pw@keybrake"_s << false << QString() << u"user name or password"_s;
        QTest::newRow("empty") << u"  "_s << false << QString() << u"Enter the server"_s;
    }
    void serverAddressesAreParsedStrictly()
    {
        QFETCH(QString, typed);
        QFETCH(bool, allowPlainHttp);
        QFETCH(QString, url);
        QFETCH(QString, says);
        const ServerAddress::Parsed parsed = ServerAddress::parse(typed, allowPlainHttp);
        if (url.isEmpty()) {
            QVERIFY2(!parsed.problem.isEmpty(), qPrintable(parsed.url.toString()));
            QVERIFY2(parsed.problem.contains(says), qPrintable(parsed.problem));
            QVERIFY(!parsed.url.isValid());
        } else {
            QVERIFY2(parsed.problem.isEmpty(), qPrintable(parsed.problem));
            QCOMPARE(parsed.url.toString(), url);
        }
    }

    // The client itself refuses, unsent, plain HTTP to another machine unless the profile allows
    // it: nothing reaches the network with the admin key in clear.
    void plainHttpAcrossTheNetworkIsNotSent()
    {
        auto client = makeClient(QUrl(u"http://192.0.2.10:8080"_s));
        client->setAdminKey(kAdminKey);
        QVERIFY(!client->allowsPlainHttp());
        Outcome<WhoAmI> outcome;
        client->whoAmI(this, outcome.callback());
        QTRY_VERIFY(outcome.done());
        QVERIFY(!outcome.result->isOk());
        QCOMPARE(outcome.result->error().kind, Kind::Network);
        QCOMPARE(outcome.result->error().httpStatus, 0);
        QVERIFY2(outcome.result->error().message.contains(u"unencrypted"),
                 qPrintable(outcome.result->error().message));

        // On this machine plain HTTP is fine without asking.
        Peer local(healthResponse());
        auto loopback = makeClient(local.url());
        Outcome<Health> health;
        loopback->health(this, health.callback());
        QTRY_VERIFY(health.done());
        QVERIFY2(health.result->isOk(), describe(*health.result).constData());
    }

    // Something that is not keybraked at the address: a web server's 404 page. It must not be
    // reported as a refused key.
    void aWebServerIsNotMistakenForKeybrake()
    {
        const QByteArray page = "<html><body><h1>Not Found</h1></body></html>";
        Peer web("HTTP/1.1 404 Not Found\r\nContent-Type: text/html; charset=utf-8\r\n"
                 "Content-Length: "
                 + QByteArray::number(page.size()) + "\r\n\r\n" + page);
        auto client = makeClient(web.url());
        client->setAdminKey(kAdminKey);
        Outcome<WhoAmI> outcome;
        client->whoAmI(this, outcome.callback());
        QTRY_VERIFY(outcome.done());
        QVERIFY(!outcome.result->isOk());
        const ApiError &error = outcome.result->error();
        QVERIFY(error.notKeybrake);
        QVERIFY2(error.message.contains(u"does not look like a Keybrake server"),
                 qPrintable(error.message));
        QVERIFY2(error.message.contains(u"HTTP 404 (text/html)"), qPrintable(error.message));
    }

    void certificatePinForms()
    {
        const TestCertificate certificate = makeSelfSigned("keybrake-test-a", 7);
        QCOMPARE(CertificatePin::fingerprint(certificate.certificate), certificate.sha256);
        QVERIFY(CertificatePin(certificate.sha256.toLatin1()).matches(certificate.certificate));
        QVERIFY(CertificatePin(certificate.rawSha256.toHex().toUpper())
                    .matches(certificate.certificate));
        QVERIFY(CertificatePin(certificate.rawSha256).matches(certificate.certificate));
        // Not a SHA-256: nothing is pinned, nothing matches.
        QVERIFY(CertificatePin(QByteArray("AB:CD")).isEmpty());
        // A non-hex digit in an otherwise well-formed fingerprint (always the first: a random
        // fingerprint need not contain any given letter).
        QByteArray notHex = certificate.sha256.toLatin1();
        notHex[0] = 'Z';
        QVERIFY(CertificatePin(notHex).isEmpty());
        QVERIFY(!CertificatePin().matches(certificate.certificate));
    }

private:
    QStringList m_logged;
};

QTEST_GUILESS_MAIN(TestClientErrors)
#include "tst_client_errors.moc"
