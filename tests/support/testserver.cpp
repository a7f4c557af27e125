#include "testserver.h"

#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QProcessEnvironment>
#include <QRegularExpression>
#include <QTcpSocket>
#include <QTimer>
#include <QtTest/QTest>

#include <csignal>

namespace keybrake::test {

namespace {

// Waits (spinning the event loop) until `process` printed a line matching `pattern` on standard
// output; returns the first capture.
QString waitForLine(QProcess &process, const QRegularExpression &pattern, QByteArray &seen,
                    int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    while (!deadline.hasExpired()) {
        seen += process.readAllStandardOutput();
        const auto match = pattern.match(QString::fromUtf8(seen));
        if (match.hasMatch())
            return match.captured(1);
        if (process.state() == QProcess::NotRunning)
            return {};
        process.waitForReadyRead(50);
    }
    return {};
}

QProcessEnvironment vendorEnvironment()
{
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("KEYBRAKE_STRIPE_SECRET_KEY"),
                       QString::fromLatin1(kStripeSecret));
    environment.insert(QStringLiteral("KEYBRAKE_TWILIO_ACCOUNT_SID"),
                       QString::fromLatin1(kTwilioSid));
    environment.insert(QStringLiteral("KEYBRAKE_TWILIO_AUTH_TOKEN"),
                       QString::fromLatin1(kTwilioToken));
    environment.insert(QStringLiteral("KEYBRAKE_RESEND_API_KEY"), QString::fromLatin1(kResendKey));
    return environment;
}

} // namespace

TestServer::TestServer()
    : TestServer(Options {})
{
}

TestServer::TestServer(Options options)
    : m_options(std::move(options))
    , m_dir(std::make_unique<QTemporaryDir>())
    , m_keyDir(std::make_unique<QTemporaryDir>())
    , m_network(std::make_unique<QNetworkAccessManager>())
{
    m_storePath = m_options.storePath.isEmpty() ? m_dir->filePath(QStringLiteral("keybrake.db"))
                                                : m_options.storePath;
}

TestServer::~TestServer()
{
    for (auto *process : {m_server.get(), m_sim.get()}) {
        if (!process || process->state() == QProcess::NotRunning)
            continue;
        ::kill(static_cast<pid_t>(process->processId()), SIGCONT);
        process->kill();
        process->waitForFinished(5000);
    }
}

bool TestServer::start()
{
    if (m_options.startSim && !startSim())
        return false;
    return startServer();
}

bool TestServer::startSim()
{
    const QString binary = qEnvironmentVariable("KEYBRAKE_SIM");
    if (binary.isEmpty()) {
        m_error = QStringLiteral("KEYBRAKE_SIM is not set");
        return false;
    }
    m_sim = std::make_unique<QProcess>();
    m_sim->setProcessEnvironment(vendorEnvironment());
    m_sim->setProcessChannelMode(QProcess::SeparateChannels);
    QStringList arguments {QStringLiteral("vendors"), QStringLiteral("--listen"),
                           QStringLiteral("127.0.0.1:0")};
    arguments += m_options.simArgs;
    m_sim->start(binary, arguments);
    QByteArray seen;
    const QString url = waitForLine(
        *m_sim, QRegularExpression(QStringLiteral("vendors listening on (http://\\S+)")), seen,
        15000);
    if (url.isEmpty()) {
        m_error = QStringLiteral("keybrake-sim did not start: ") + QString::fromUtf8(seen)
            + QString::fromUtf8(m_sim->readAllStandardError());
        return false;
    }
    m_simUrl = QUrl(url);
    return true;
}

bool TestServer::startServer()
{
    const QString binary = qEnvironmentVariable("KEYBRAKED");
    if (binary.isEmpty()) {
        m_error = QStringLiteral("KEYBRAKED is not set");
        return false;
    }
    m_server = std::make_unique<QProcess>();
    QProcessEnvironment environment = vendorEnvironment();
    const QString simBase =
        m_simUrl.isValid() ? m_simUrl.toString() : QStringLiteral("http://127.0.0.1:9");
    environment.insert(QStringLiteral("KEYBRAKE_UPSTREAM_STRIPE"), simBase);
    environment.insert(QStringLiteral("KEYBRAKE_UPSTREAM_TWILIO"), simBase);
    environment.insert(QStringLiteral("KEYBRAKE_UPSTREAM_RESEND"), simBase);
    environment.insert(QStringLiteral("KEYBRAKE_LOG_LEVEL"), QStringLiteral("info"));
    // Outside the store's directory, as keybraked demands (a copy of the state must not carry it).
    environment.insert(QStringLiteral("KEYBRAKE_MASTER_KEY_FILE"),
                       m_keyDir->filePath(QStringLiteral("master.key")));
    for (auto it = m_options.serverEnv.cbegin(); it != m_options.serverEnv.cend(); ++it)
        environment.insert(it.key(), it.value());
    for (const QString &name : m_options.unsetEnv)
        environment.remove(name);
    m_server->setProcessEnvironment(environment);
    m_server->setProcessChannelMode(QProcess::SeparateChannels);
    QStringList arguments {QStringLiteral("--listen"), QStringLiteral("127.0.0.1:%1").arg(m_port),
                           QStringLiteral("--store"), QStringLiteral("sqlite:") + m_storePath};
    if (m_options.testClock)
        arguments << QStringLiteral("--test-clock");
    arguments += m_options.serverArgs;
    m_server->start(binary, arguments);
    QByteArray seen;
    const QString url = waitForLine(
        *m_server, QRegularExpression(QStringLiteral("keybraked listening on (https?://\\S+)")),
        seen, 15000);
    m_serverOutput += seen;
    if (url.isEmpty()) {
        m_error = QStringLiteral("keybraked did not start: ") + QString::fromUtf8(seen)
            + QString::fromUtf8(m_server->readAllStandardError());
        return false;
    }
    m_baseUrl = QUrl(url);
    m_port = static_cast<quint16>(m_baseUrl.port());
    const auto key = QRegularExpression(QStringLiteral("bootstrap admin key: (kb_[A-Za-z0-9]+)"))
                         .match(QString::fromUtf8(seen));
    if (key.hasMatch())
        m_adminKey = key.captured(1);
    if (m_adminKey.isEmpty()) {
        m_error = QStringLiteral("keybraked printed no bootstrap admin key");
        return false;
    }
    return true;
}

int TestServer::stopServer(int graceMs)
{
    if (!m_server || m_server->state() == QProcess::NotRunning)
        return m_server ? m_server->exitCode() : -1;
    ::kill(static_cast<pid_t>(m_server->processId()), SIGCONT);
    m_server->terminate();
    if (!m_server->waitForFinished(graceMs)) {
        m_server->kill();
        m_server->waitForFinished(5000);
        return -1;
    }
    m_serverOutput += m_server->readAllStandardOutput() + m_server->readAllStandardError();
    return m_server->exitStatus() == QProcess::NormalExit ? m_server->exitCode() : -1;
}

bool TestServer::restartServer()
{
    stopServer();
    // The store already has an admin key, so keybraked prints none on a restart: hand it the one
    // we have as the bootstrap key (ignored by the server, which already has admins), and keep it.
    const QString adminKey = m_adminKey;
    const bool started = startServer();
    m_adminKey = adminKey;
    if (!started && m_baseUrl.isValid() && m_error.contains(QStringLiteral("no bootstrap"))) {
        m_error.clear();
        return true;
    }
    return started;
}

void TestServer::freezeServer()
{
    ::kill(static_cast<pid_t>(m_server->processId()), SIGSTOP);
}

void TestServer::thawServer()
{
    ::kill(static_cast<pid_t>(m_server->processId()), SIGCONT);
}

void TestServer::stopSim()
{
    if (m_sim) {
        m_sim->kill();
        m_sim->waitForFinished(5000);
    }
}

QByteArray TestServer::serverOutput()
{
    if (m_server)
        m_serverOutput += m_server->readAllStandardOutput() + m_server->readAllStandardError();
    return m_serverOutput;
}

HttpResult TestServer::request(const QByteArray &method, const QString &pathAndQuery,
                               const QByteArray &body, const QString &bearer,
                               const QMap<QByteArray, QByteArray> &headers, int timeoutMs)
{
    QNetworkRequest request(QUrl(m_baseUrl.toString() + pathAndQuery));
    request.setTransferTimeout(timeoutMs);
    if (!bearer.isEmpty())
        request.setRawHeader("Authorization", "Bearer " + bearer.toUtf8());
    for (auto it = headers.cbegin(); it != headers.cend(); ++it)
        request.setRawHeader(it.key(), it.value());
    if (!body.isEmpty() && !headers.contains("Content-Type"))
        request.setHeader(QNetworkRequest::ContentTypeHeader,
                          QByteArrayLiteral("application/json"));
    QNetworkReply *reply = m_network->sendCustomRequest(request, method, body);
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    loop.exec();
    HttpResult result;
    result.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    result.body = reply->readAll();
    if (reply->error() != QNetworkReply::NoError && result.status == 0)
        result.networkError = reply->errorString();
    for (const auto &pair : reply->rawHeaderPairs())
        result.headers.insert(pair.first.toLower(), pair.second);
    const QJsonDocument document = QJsonDocument::fromJson(result.body);
    if (document.isObject())
        result.json = document.object();
    reply->deleteLater();
    return result;
}

HttpResult TestServer::admin(const QByteArray &method, const QString &pathAndQuery,
                             const QJsonObject &body)
{
    return request(method, pathAndQuery,
                   body.isEmpty() ? QByteArray()
                                  : QJsonDocument(body).toJson(QJsonDocument::Compact),
                   m_adminKey);
}

QString TestServer::createAdminKey(const QString &role, const QString &name)
{
    const HttpResult result =
        admin("POST", QStringLiteral("/v1/admin-keys"),
              {{QStringLiteral("name"), name}, {QStringLiteral("role"), role}});
    if (result.status != 201)
        qWarning("createAdminKey(%s) failed: %d %s", qPrintable(role), result.status,
                 result.body.constData());
    return result.json.value(QStringLiteral("api_key")).toString();
}

QJsonObject TestServer::issueKey(const QJsonObject &policy, const QByteArray &idempotencyKey)
{
    QMap<QByteArray, QByteArray> headers;
    if (!idempotencyKey.isEmpty())
        headers.insert("Idempotency-Key", idempotencyKey);
    const HttpResult result =
        request("POST", QStringLiteral("/v1/keys"),
                QJsonDocument(policy).toJson(QJsonDocument::Compact), m_adminKey, headers);
    if (result.status != 201) {
        qWarning("issueKey failed: %d %s", result.status, result.body.constData());
        return {};
    }
    return result.json;
}

HttpResult TestServer::proxy(const QByteArray &method, const QString &pathAndQuery,
                             const QByteArray &body, const QString &vaultKey,
                             const QByteArray &contentType,
                             const QMap<QByteArray, QByteArray> &headers)
{
    QMap<QByteArray, QByteArray> all = headers;
    if (!body.isEmpty() && !all.contains("Content-Type"))
        all.insert("Content-Type", contentType);
    return request(method, pathAndQuery, body, vaultKey, all);
}

QJsonObject TestServer::simStats()
{
    QNetworkRequest request(QUrl(m_simUrl.toString() + QStringLiteral("/_sim/stats")));
    request.setTransferTimeout(10000);
    QNetworkReply *reply = m_network->get(request);
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    loop.exec();
    const QJsonObject stats = QJsonDocument::fromJson(reply->readAll()).object();
    reply->deleteLater();
    return stats;
}

QList<QJsonObject> TestServer::simRequests(int limit)
{
    QNetworkRequest request(
        QUrl(m_simUrl.toString() + QStringLiteral("/_sim/requests?limit=%1").arg(limit)));
    request.setTransferTimeout(10000);
    QNetworkReply *reply = m_network->get(request);
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    loop.exec();
    const QJsonDocument document = QJsonDocument::fromJson(reply->readAll());
    reply->deleteLater();
    QList<QJsonObject> requests;
    const QJsonArray array = document.isArray()
        ? document.array()
        : document.object().value(QStringLiteral("data")).toArray();
    for (const auto &value : array)
        requests.append(value.toObject());
    return requests;
}

void TestServer::resetSim()
{
    QNetworkRequest request(QUrl(m_simUrl.toString() + QStringLiteral("/_sim/reset")));
    request.setTransferTimeout(10000);
    QNetworkReply *reply = m_network->post(request, QByteArray());
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    loop.exec();
    reply->deleteLater();
}

bool TestServer::setClock(const QString &rfc3339)
{
    return admin("POST", QStringLiteral("/v1/test/clock"), {{QStringLiteral("set"), rfc3339}})
               .status
        == 200;
}

bool TestServer::advanceClock(const QString &duration)
{
    return admin("POST", QStringLiteral("/v1/test/clock"), {{QStringLiteral("advance"), duration}})
               .status
        == 200;
}

HttpResult rawHttp(quint16 port, const QByteArray &bytes, int timeoutMs)
{
    HttpResult result;
    QTcpSocket socket;
    QDeadlineTimer deadline(timeoutMs);
    socket.connectToHost(QHostAddress::LocalHost, port);
    if (!socket.waitForConnected(static_cast<int>(deadline.remainingTime()))) {
        result.networkError = socket.errorString();
        return result;
    }
    socket.write(bytes);
    while (socket.bytesToWrite() > 0 && socket.state() == QAbstractSocket::ConnectedState
           && !deadline.hasExpired())
        socket.waitForBytesWritten(static_cast<int>(deadline.remainingTime()));

    QByteArray received;
    qsizetype headerEnd = -1;
    qint64 contentLength = -1;
    for (;;) {
        received += socket.readAll();
        if (headerEnd < 0) {
            headerEnd = received.indexOf("\r\n\r\n");
            if (headerEnd >= 0) {
                const auto lines = received.left(headerEnd).split('\n');
                for (qsizetype i = 1; i < lines.size(); ++i) {
                    const QByteArray line = lines[i].trimmed();
                    const qsizetype colon = line.indexOf(':');
                    if (colon <= 0)
                        continue;
                    const QByteArray name = line.left(colon).trimmed().toLower();
                    const QByteArray value = line.mid(colon + 1).trimmed();
                    result.headers.insert(name, value);
                    if (name == "content-length")
                        contentLength = value.toLongLong();
                }
                const QList<QByteArray> statusLine = lines.value(0).trimmed().split(' ');
                result.status = statusLine.size() >= 2 ? statusLine[1].toInt() : 0;
            }
        }
        if (headerEnd >= 0 && contentLength >= 0
            && received.size() - (headerEnd + 4) >= contentLength)
            break;
        if (socket.state() != QAbstractSocket::ConnectedState || deadline.hasExpired())
            break;
        socket.waitForReadyRead(static_cast<int>(qMin<qint64>(deadline.remainingTime(), 200)));
    }
    if (headerEnd < 0) {
        result.status = 0;
        result.networkError =
            received.isEmpty() ? socket.errorString() : QStringLiteral("unparsable answer");
        return result;
    }
    result.body = received.mid(headerEnd + 4);
    if (contentLength >= 0)
        result.body.truncate(contentLength);
    const QJsonDocument document = QJsonDocument::fromJson(result.body);
    if (document.isObject())
        result.json = document.object();
    return result;
}

QByteArray stripeCharge(qint64 cents, const QByteArray &currency, const QByteArray &customer)
{
    QByteArray body = "amount=" + QByteArray::number(cents) + "&currency=" + currency
        + "&source=tok_visa&metadata[order]=42";
    if (!customer.isEmpty())
        body += "&customer=" + customer;
    return body;
}

} // namespace keybrake::test
