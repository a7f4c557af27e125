#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>
#include <QUrl>

#include <memory>

class QNetworkAccessManager;

namespace keybrake::test {

// The credentials keybrake-sim accepts and keybraked substitutes in every test.
inline constexpr const char *kStripeSecret = "sk_test_keybrake_0123456789abcdefghijklmn";
inline constexpr const char *kTwilioSid = "AC00000000000000000000000000000001";
inline constexpr const char *kTwilioToken = "twilio_test_token_0123456789abcdef";
inline constexpr const char *kResendKey = "re_test_keybrake_0123456789abcdef";

// One HTTP exchange, as a test sees it.
struct HttpResult
{
    int status = 0; // 0: no answer (connection failed or timed out)
    QByteArray body;
    QJsonObject json; // the body when it is a JSON object
    QMap<QByteArray, QByteArray> headers; // names in lower case
    QString networkError;
    QByteArray header(const QByteArray &name) const { return headers.value(name.toLower()); }
};

// A real keybraked with a real keybrake-sim vendors as its upstreams, on free loopback ports,
// with a throwaway SQLite file: what every server, client, model and UI test runs against. The
// binaries come from $KEYBRAKED and $KEYBRAKE_SIM (set by keybrake_add_test).
class TestServer
{
public:
    struct Options
    {
        QStringList serverArgs; // extra keybraked flags
        QMap<QString, QString> serverEnv; // extra KEYBRAKE_* variables
        QStringList simArgs; // extra `keybrake-sim vendors` flags
        bool startSim = true;
        bool testClock = false; // --test-clock: setClock()/advanceClock() work
        QString storePath; // default: a file in a temporary directory
        // KEYBRAKE_* variables removed from keybraked's environment (the vendor credentials, to
        // take them from a config file instead).
        QStringList unsetEnv;
    };

    TestServer();
    explicit TestServer(Options options);
    ~TestServer();
    TestServer(const TestServer &) = delete;
    TestServer &operator=(const TestServer &) = delete;

    // Starts keybrake-sim (when asked) and keybraked; false with errorString() on failure.
    bool start();
    // SIGTERM and wait; returns the server's exit code (or -1 when it had to be killed).
    int stopServer(int graceMs = 10000);
    // Starts keybraked again on the same store and port.
    bool restartServer();
    // SIGSTOP / SIGCONT: a server that accepts connections but never answers.
    void freezeServer();
    void thawServer();
    void stopSim();

    QString errorString() const { return m_error; }
    QUrl baseUrl() const { return m_baseUrl; }
    quint16 port() const { return m_port; }
    QUrl simUrl() const { return m_simUrl; }
    QString adminKey() const { return m_adminKey; }
    QString storePath() const { return m_storePath; }
    QString dataDir() const { return m_dir->path(); }
    QString masterKeyDir() const { return m_keyDir->path(); }
    // Everything keybraked printed so far (standard output and error).
    QByteArray serverOutput();
    QProcess &serverProcess() { return *m_server; }

    // --- synchronous helpers (tests only: they spin a local event loop)
    HttpResult request(const QByteArray &method, const QString &pathAndQuery,
                       const QByteArray &body = {}, const QString &bearer = {},
                       const QMap<QByteArray, QByteArray> &headers = {}, int timeoutMs = 30000);
    HttpResult admin(const QByteArray &method, const QString &pathAndQuery,
                     const QJsonObject &body = {});
    // Creates an admin key with the given role; returns its secret (kb_...).
    QString createAdminKey(const QString &role, const QString &name = QStringLiteral("test"));
    // POST /v1/keys with the bootstrap admin key; returns the created key object (with
    // "vault_key") or an empty object on failure (QTest::qWarn says why).
    QJsonObject issueKey(const QJsonObject &policy, const QByteArray &idempotencyKey = {});
    // A proxied call authenticated with `vaultKey` (Bearer).
    HttpResult proxy(const QByteArray &method, const QString &pathAndQuery, const QByteArray &body,
                     const QString &vaultKey,
                     const QByteArray &contentType = "application/x-www-form-urlencoded",
                     const QMap<QByteArray, QByteArray> &headers = {});
    QJsonObject simStats();
    QList<QJsonObject> simRequests(int limit = 50);
    void resetSim();
    // With testClock: POST /v1/test/clock.
    bool setClock(const QString &rfc3339);
    bool advanceClock(const QString &duration);

private:
    bool startSim();
    bool startServer();

    Options m_options;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<QTemporaryDir> m_keyDir; // the master key's, apart from the store's
    std::unique_ptr<QProcess> m_sim;
    std::unique_ptr<QProcess> m_server;
    std::unique_ptr<QNetworkAccessManager> m_network;
    QByteArray m_serverOutput;
    QString m_error;
    QString m_storePath;
    QUrl m_baseUrl;
    QUrl m_simUrl;
    quint16 m_port = 0;
    QString m_adminKey;
};

// Writes `bytes` exactly as given on a fresh connection to 127.0.0.1:`port` and reads one HTTP/1.1
// response (by Content-Length, or until the server closes). For what Qt's network stack refuses
// or rewrites: absolute-form targets, NUL bytes, broken headers, bodies announced but never sent.
// status 0 with networkError when nothing parsable came back.
HttpResult rawHttp(quint16 port, const QByteArray &bytes, int timeoutMs = 15000);

// A Stripe charge body for `dollars` (form-encoded).
QByteArray stripeCharge(qint64 cents, const QByteArray &currency = "usd",
                        const QByteArray &customer = {});

} // namespace keybrake::test
