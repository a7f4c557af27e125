// Sign-in against a real keybraked: "Test connection" shows the role and server version; a
// refused key says so; a keychain failure offers "use for this session only" and never falls
// back to a file; a self-signed certificate is refused with its fingerprint, can be pinned, and
// a different certificate is then refused. Through the launcher, the admin key never reaches the
// settings directory or the log.
#include "app/consolelauncher.h"
#include "app/memorysecretstore.h"
#include "app/settings.h"
#include "models/connectionmonitor.h"
#include "models/consolesession.h"
#include "resources/keybrakeresources.h"
#include "testserver.h"
#include "tlsforwarder.h"
#include "ui/environmentband.h"
#include "ui/mainwindow.h"
#include "ui/messagebanner.h"
#include "ui/signindialog.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDirIterator>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace keybrake;

namespace {

// A keychain that is not there, as on a headless Linux machine: every call fails the way
// QtKeychain reports a missing Secret Service.
class MissingKeychain : public SecretStore
{
public:
    using SecretStore::SecretStore;
    void read(const QString &, QObject *context, Callback done) override { fail(context, done); }
    void write(const QString &, const QString &, QObject *context, Callback done) override
    {
        ++writes;
        fail(context, done);
    }
    void remove(const QString &, QObject *context, Callback done) override { fail(context, done); }
    QString displayName() const override { return QStringLiteral("missing"); }
    int writes = 0;

private:
    void fail(QObject *context, Callback done)
    {
        QMetaObject::invokeMethod(
            context,
            [done] {
                if (done)
                    done({Status::NoBackend,
                          {},
                          QStringLiteral("The name org.freedesktop.secrets was not provided "
                                         "by any .service files")});
            },
            Qt::QueuedConnection);
    }
};

QStringList s_log;

void collectLog(QtMsgType, const QMessageLogContext &, const QString &message)
{
    s_log.append(message);
}

void fill(SignInDialog &dialog, const QString &name, const QString &url, const QString &key)
{
    dialog.findChild<QLineEdit *>(QStringLiteral("profileNameLineEdit"))->setText(name);
    dialog.findChild<QLineEdit *>(QStringLiteral("serverUrlLineEdit"))->setText(url);
    auto *keyEdit = dialog.findChild<QLineEdit *>(QStringLiteral("adminKeyLineEdit"));
    keyEdit->clear();
    QTest::keyClicks(keyEdit, key);
}

bool filesUnderContain(const QString &directory, const QByteArray &needle)
{
    QDirIterator it(directory, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        QFile file(it.next());
        if (file.open(QIODevice::ReadOnly) && file.readAll().contains(needle))
            return true;
    }
    return false;
}

template<typename T>
T *waitForTopLevel()
{
    T *found = nullptr;
    (void)QTest::qWaitFor(
        [&found] {
            for (QWidget *widget : QApplication::topLevelWidgets()) {
                if (auto *candidate = qobject_cast<T *>(widget);
                    candidate && candidate->isVisible())
                    found = candidate;
            }
            return found != nullptr;
        },
        20000);
    return found;
}

// A web server that is not keybraked (a default page, another service on the port): it answers
// every request with one fixed response.
class PlainWebServer : public QTcpServer
{
public:
    explicit PlainWebServer(QByteArray response)
        : m_response(std::move(response))
    {
        listen(QHostAddress::LocalHost, 0);
    }
    QString url() const { return QStringLiteral("http://127.0.0.1:%1").arg(serverPort()); }

protected:
    void incomingConnection(qintptr descriptor) override
    {
        auto *socket = new QTcpSocket(this);
        socket->setSocketDescriptor(descriptor);
        connect(socket, &QTcpSocket::readyRead, this, [this, socket] {
            m_received += socket->readAll();
            if (m_received.contains("\r\n\r\n")) {
                m_received.clear();
                socket->write(m_response);
            }
        });
    }

private:
    QByteArray m_response;
    QByteArray m_received;
};

QByteArray htmlResponse(const QByteArray &status)
{
    const QByteArray page = "<!doctype html><html><body><h1>It works!</h1></body></html>";
    return "HTTP/1.1 " + status + "\r\nContent-Type: text/html\r\nContent-Length: "
        + QByteArray::number(page.size()) + "\r\n\r\n" + page;
}

} // namespace

class TestSignIn : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<test::TestServer> m_server;

private Q_SLOTS:
    void initTestCase()
    {
        installTranslations();
        m_server = std::make_unique<test::TestServer>();
        QVERIFY2(m_server->start(), qPrintable(m_server->errorString()));
    }

    void cleanupTestCase() { m_server.reset(); }

    void testConnectionShowsRoleAndServerVersion()
    {
        MemorySecretStore keychain;
        MemorySecretStore session;
        SignInDialog dialog(&keychain, &session);
        fill(dialog, QStringLiteral("local"), m_server->baseUrl().toString(),
             m_server->createAdminKey(QStringLiteral("operator"), QStringLiteral("on-call")));
        dialog.testConnection();
        QTRY_VERIFY_WITH_TIMEOUT(dialog.testedIdentity().has_value(), 20000);
        QVERIFY2(dialog.resultText().contains(QStringLiteral("<b>operator</b>")),
                 qPrintable(dialog.resultText()));
        QVERIFY(dialog.resultText().contains(QStringLiteral("keybraked ")
                                             + dialog.testedIdentity()->serverVersion));
        QVERIFY(dialog.resultText().contains(QStringLiteral("on-call")));
    }

    void refusedKeyAndWrongKeyKindSayWhy()
    {
        MemorySecretStore keychain;
        MemorySecretStore session;
        SignInDialog dialog(&keychain, &session);
        fill(dialog, QStringLiteral("local"), m_server->baseUrl().toString(),
             QStringLiteral("vault_key_abcdefghijklmnopqrstuvwxyz012345"));
        dialog.testConnection();
        QVERIFY(dialog.resultText().contains(QStringLiteral("admin keys start with kb_")));

        fill(dialog, QStringLiteral("local"), m_server->baseUrl().toString(),
             QStringLiteral("kb_NotAKeyTheServerKnows0123456789abcdefghijkl"));
        dialog.signIn();
        QTRY_VERIFY_WITH_TIMEOUT(dialog.resultText().contains(QStringLiteral("✗")), 20000);
        // Said as what happened to this key, not as the server's sentence for a request that
        // carried none ("This route needs an admin API key: send Authorization: Bearer kb_...").
        QVERIFY2(dialog.resultText().contains(QStringLiteral("did not accept the admin key")),
                 qPrintable(dialog.resultText()));
        QVERIFY2(!dialog.resultText().contains(QStringLiteral("needs an admin API key")),
                 qPrintable(dialog.resultText()));
        QVERIFY(!dialog.testedIdentity());
        QCOMPARE(dialog.result(), int(QDialog::Rejected));
        QVERIFY(!keychain.contains(dialog.profile().secretAccount()));
    }

    void aServerThatIsNotKeybrakeIsSaidToBeOne_data()
    {
        QTest::addColumn<QByteArray>("status");
        QTest::newRow("404 page") << QByteArray("404 Not Found");
        QTest::newRow("401 of another service") << QByteArray("401 Unauthorized");
        QTest::newRow("200 page") << QByteArray("200 OK");
    }
    void aServerThatIsNotKeybrakeIsSaidToBeOne()
    {
        QFETCH(QByteArray, status);
        PlainWebServer web(htmlResponse(status));
        MemorySecretStore keychain;
        MemorySecretStore session;
        SignInDialog dialog(&keychain, &session);
        fill(dialog, QStringLiteral("web"), web.url(), m_server->adminKey());
        dialog.testConnection();
        QTRY_VERIFY_WITH_TIMEOUT(dialog.resultText().contains(QStringLiteral("✗")), 20000);
        QVERIFY2(dialog.resultText().contains(QStringLiteral("does not look like a Keybrake "
                                                             "server")),
                 qPrintable(dialog.resultText()));
        QVERIFY2(!dialog.resultText().contains(QStringLiteral("did not accept")),
                 qPrintable(dialog.resultText()));
        QVERIFY(!dialog.testedIdentity());
    }

    void anOldErrorClearsWhenTheAddressOrKeyChanges()
    {
        MemorySecretStore keychain;
        MemorySecretStore session;
        SignInDialog dialog(&keychain, &session);
        fill(dialog, QStringLiteral("local"), m_server->baseUrl().toString(),
             QStringLiteral("kb_NotAKeyTheServerKnows0123456789abcdefghijkl"));
        dialog.testConnection();
        QTRY_VERIFY_WITH_TIMEOUT(dialog.resultText().contains(QStringLiteral("✗")), 20000);
        auto *url = dialog.findChild<QLineEdit *>(QStringLiteral("serverUrlLineEdit"));
        QTest::keyClick(url, Qt::Key_End);
        QTest::keyClick(url, Qt::Key_Backspace);
        QCOMPARE(dialog.resultText(), QString());

        dialog.testConnection();
        QTRY_VERIFY_WITH_TIMEOUT(dialog.resultText().contains(QStringLiteral("✗")), 20000);
        QTest::keyClicks(dialog.findChild<QLineEdit *>(QStringLiteral("adminKeyLineEdit")),
                         QStringLiteral("x"));
        QCOMPARE(dialog.resultText(), QString());
    }

    void theDialogSaysWhereTheFirstAdminKeyComesFrom()
    {
        MemorySecretStore keychain;
        MemorySecretStore session;
        SignInDialog dialog(&keychain, &session);
        auto *hint = dialog.findChild<QLabel *>(QStringLiteral("adminKeyHintLabel"));
        QVERIFY(hint);
        QVERIFY(hint->text().contains(QStringLiteral("first admin key once")));
        QVERIFY(hint->text().contains(QStringLiteral("keybraked admin-keys create --role admin")));
    }

    // "htps//keybrake prod" used to become http://htps; plain HTTP to another machine went
    // ahead with a red label. Both are refused before anything is sent.
    void malformedAndPlainHttpAddressesAreRefused()
    {
        MemorySecretStore keychain;
        MemorySecretStore session;
        SignInDialog dialog(&keychain, &session);
        dialog.show();
        fill(dialog, QStringLiteral("prod"), QStringLiteral("htps//keybrake prod"),
             m_server->adminKey());
        dialog.testConnection();
        QVERIFY2(dialog.resultText().contains(QStringLiteral("is not a server address")),
                 qPrintable(dialog.resultText()));
        fill(dialog, QStringLiteral("prod"), QStringLiteral("htps//keybrake"),
             m_server->adminKey());
        dialog.signIn();
        QVERIFY2(dialog.resultText().contains(QStringLiteral("is not a server address")),
                 qPrintable(dialog.resultText()));
        QCOMPARE(dialog.result(), int(QDialog::Rejected));

        // A bare host means https.
        fill(dialog, QStringLiteral("prod"), QStringLiteral("keybrake.example.com"),
             m_server->adminKey());
        QCOMPARE(dialog.profile().url, QUrl(QStringLiteral("https://keybrake.example.com")));

        auto *allow = dialog.findChild<QCheckBox *>(QStringLiteral("allowPlainHttpCheckBox"));
        QVERIFY(!allow->isVisible());
        fill(dialog, QStringLiteral("prod"), QStringLiteral("http://192.0.2.10:8080"),
             m_server->adminKey());
        QVERIFY(allow->isVisible());
        dialog.testConnection();
        QVERIFY2(dialog.resultText().contains(QStringLiteral("unencrypted")),
                 qPrintable(dialog.resultText()));
        QVERIFY(!dialog.profile().allowPlainHttp);
        allow->setChecked(true);
        QVERIFY(dialog.profile().allowPlainHttp);
        QCOMPARE(dialog.profile().url, QUrl(QStringLiteral("http://192.0.2.10:8080")));

        // On this machine plain HTTP needs no permission, and none is stored.
        allow->setChecked(false);
        fill(dialog, QStringLiteral("local"), m_server->baseUrl().toString(), m_server->adminKey());
        QVERIFY(!allow->isVisible());
        dialog.testConnection();
        QTRY_VERIFY_WITH_TIMEOUT(dialog.testedIdentity().has_value(), 20000);
        QVERIFY(!dialog.profile().allowPlainHttp);
    }

    // The band says so while a profile sends its key over plain HTTP across the network.
    void theBandShowsPlainHttpAcrossTheNetwork()
    {
        ServerProfile remote = ServerProfile::create(QStringLiteral("lab"),
                                                     QUrl(QStringLiteral("http://192.0.2.10:8080")),
                                                     ServerEnvironment::Staging);
        remote.allowPlainHttp = true;
        ConsoleSession plain(remote, m_server->adminKey());
        EnvironmentBand band;
        band.setSession(&plain);
        band.show();
        auto *label = band.findChild<QLabel *>(QStringLiteral("plainHttpLabel"));
        QVERIFY(label->isVisible());
        QVERIFY(label->text().contains(QStringLiteral("plain HTTP")));

        ConsoleSession local(ServerProfile::create(QStringLiteral("local"), m_server->baseUrl(),
                                                   ServerEnvironment::Development),
                             m_server->adminKey());
        band.setSession(&local);
        QVERIFY(!label->isVisible());
        band.setSession(nullptr);
    }

    void keychainFailureOffersSessionOnlyAndWritesNothing()
    {
        MissingKeychain keychain;
        MemorySecretStore session;
        SignInDialog dialog(&keychain, &session);
        dialog.show();
        fill(dialog, QStringLiteral("local"), m_server->baseUrl().toString(), m_server->adminKey());
        auto *sessionOnly =
            dialog.findChild<QPushButton *>(QStringLiteral("sessionOnlyPushButton"));
        QVERIFY(!sessionOnly->isVisible());
        dialog.signIn();
        QTRY_VERIFY_WITH_TIMEOUT(sessionOnly->isVisible(), 20000);
        QCOMPARE(keychain.writes, 1);
        auto *banner = dialog.findChild<MessageBanner *>(QStringLiteral("keychainBanner"));
        QVERIFY2(banner->text().contains(QStringLiteral("No system keychain is available")),
                 qPrintable(banner->text()));
        QVERIFY(dialog.isVisible());
        QTest::mouseClick(sessionOnly, Qt::LeftButton);
        QTRY_COMPARE(dialog.result(), int(QDialog::Accepted));
        QCOMPARE(dialog.keyStorage(), SignInDialog::KeyStorage::SessionOnly);
        QVERIFY(session.contains(dialog.profile().secretAccount()));
    }

    void selfSignedCertificateIsRefusedThenPinnedThenAnotherRefused()
    {
        TlsForwarder front(m_server->port());
        QVERIFY(front.listen());
        MemorySecretStore keychain;
        MemorySecretStore session;
        SignInDialog dialog(&keychain, &session);
        dialog.show();
        const QString url = QStringLiteral("https://127.0.0.1:%1").arg(front.port());
        fill(dialog, QStringLiteral("tls"), url, m_server->adminKey());
        dialog.testConnection();
        auto *trust = dialog.findChild<QPushButton *>(QStringLiteral("trustCertificatePushButton"));
        QTRY_VERIFY_WITH_TIMEOUT(trust->isVisible(), 20000);
        QVERIFY(!dialog.testedIdentity());
        QVERIFY(dialog.resultText().contains(QStringLiteral("not trusted")));
        const QString shown = formatFingerprint(front.fingerprint());
        QVERIFY2(dialog.resultText().contains(shown), qPrintable(dialog.resultText()));

        QTest::mouseClick(trust, Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(dialog.testedIdentity().has_value(), 20000);
        QCOMPARE(dialog.profile().pinnedCertificateSha256, front.fingerprint());

        // The same profile pointed at a server with another certificate: refused.
        TlsForwarder impostor(m_server->port());
        QVERIFY(impostor.listen());
        QVERIFY(impostor.fingerprint() != front.fingerprint());
        dialog.findChild<QLineEdit *>(QStringLiteral("serverUrlLineEdit"))
            ->setText(QStringLiteral("https://127.0.0.1:%1").arg(impostor.port()));
        dialog.testConnection();
        QTRY_VERIFY_WITH_TIMEOUT(dialog.resultText().contains(QStringLiteral("differs from the "
                                                                             "pinned one")),
                                 20000);
        QVERIFY(dialog.resultText().contains(formatFingerprint(impostor.fingerprint())));

        // And a session with the pinned profile works end to end.
        ConsoleSession pinned(dialog.profile().url.port() == front.port()
                                      ? dialog.profile()
                                      : [&] {
                                            ServerProfile p = dialog.profile();
                                            p.url = QUrl(url);
                                            return p;
                                        }(),
                              m_server->adminKey());
        pinned.start();
        QTRY_COMPARE_WITH_TIMEOUT(pinned.monitor()->state(), ConnectionMonitor::State::Live, 20000);
    }

    void adminKeyNeverReachesTheSettingsDirectoryOrTheLog()
    {
        QTemporaryDir settingsDir;
        qputenv("KEYBRAKE_CONSOLE_SETTINGS_DIR", settingsDir.path().toLocal8Bit());
        qunsetenv("KEYBRAKE_API_KEY");
        s_log.clear();
        const QtMessageHandler previous = qInstallMessageHandler(collectLog);
        const QString adminKey = m_server->adminKey();
        {
            Settings settings;
            QVERIFY(settings.fileName().startsWith(settingsDir.path()));
            MemorySecretStore keychain;
            MemorySecretStore session;
            ConsoleLauncher launcher(&settings, &keychain, &session);
            QSignalSpy opened(&launcher, &ConsoleLauncher::opened);
            launcher.start({});
            // First run: the sign-in dialog.
            auto *dialog = waitForTopLevel<SignInDialog>();
            QVERIFY(dialog);
            fill(*dialog, QStringLiteral("acme-prod"), m_server->baseUrl().toString(), adminKey);
            auto *environment =
                dialog->findChild<QComboBox *>(QStringLiteral("environmentComboBox"));
            environment->setCurrentIndex(environment->findData(int(ServerEnvironment::Production)));
            QTest::mouseClick(dialog->findChild<QPushButton *>(QStringLiteral("signInPushButton")),
                              Qt::LeftButton);
            QVERIFY(opened.wait(20000));
            MainWindow *window = launcher.mainWindow();
            QVERIFY(window->windowTitle().startsWith(QStringLiteral("PRODUCTION")));
            QTRY_COMPARE_WITH_TIMEOUT(launcher.session()->monitor()->state(),
                                      ConnectionMonitor::State::Live, 20000);
            // The key went to the keychain, under the profile.
            QCOMPARE(settings.profiles().size(), 1);
            QVERIFY(keychain.contains(settings.profiles().first().secretAccount()));
            // Use the console a little: preferences and window state are written.
            window->findChild<QAction *>(QStringLiteral("showUtcAction"))->trigger();
            window->close();
            QVERIFY(settings.sync());
        }
        qInstallMessageHandler(previous);
        QVERIFY(QFile::exists(settingsDir.filePath(QStringLiteral("keybrake-console.ini"))));
        QVERIFY(!filesUnderContain(settingsDir.path(), adminKey.toUtf8()));
        // Not even a fragment long enough to matter.
        QVERIFY(!filesUnderContain(settingsDir.path(), adminKey.mid(3, 16).toUtf8()));
        for (const QString &line : std::as_const(s_log))
            QVERIFY2(!line.contains(adminKey.mid(3, 16)), qPrintable(line));
        Settings reopened;
        QCOMPARE(reopened.timeZoneDisplay(), TimeZoneDisplay::Utc);
        QCOMPARE(reopened.profiles().first().environment, ServerEnvironment::Production);
        qunsetenv("KEYBRAKE_CONSOLE_SETTINGS_DIR");
    }
};

QTEST_MAIN(TestSignIn)
#include "tst_signin.moc"
