// The real OS keychain: a private D-Bus session with an unlocked gnome-keyring (label
// `keychain`, run through keychain-session.sh).
#include "app/application.h"
#include "app/keychainsecretstore.h"

#include <QDirIterator>
#include <QFile>
#include <QTest>

using namespace keybrake;

namespace {

SecretStore::Result wait(const std::function<void(SecretStore::Callback)> &start, QObject *context)
{
    std::optional<SecretStore::Result> result;
    start([&result](const SecretStore::Result &r) { result = r; });
    Q_UNUSED(context)
    if (!QTest::qWaitFor([&result] { return result.has_value(); }, 20000))
        return {SecretStore::Status::Failed, {}, QStringLiteral("timed out")};
    return *result;
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

} // namespace

class TestKeychainSecretStore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        if (qEnvironmentVariableIsEmpty("DBUS_SESSION_BUS_ADDRESS"))
            QSKIP("needs a private D-Bus session with gnome-keyring (run via keychain-session.sh)");
        Application::setIdentity();
    }

    void roundTripThroughTheRealKeychain()
    {
        const QString account = QStringLiteral("profile/round-trip/admin-key");
        const QString secret = QStringLiteral("kb_RoundTrip0123456789abcdefghijklmnopqrstuvwxyzAB");
        {
            KeychainSecretStore store(Application::keychainService());
            const auto written =
                wait([&](auto done) { store.write(account, secret, this, done); }, this);
            QVERIFY2(written.ok(), qPrintable(written.message));
        }
        // A new store object (as after a restart) finds the key in the keychain, not in memory.
        KeychainSecretStore again(Application::keychainService());
        const auto read = wait([&](auto done) { again.read(account, this, done); }, this);
        QVERIFY2(read.ok(), qPrintable(read.message));
        QCOMPARE(read.secret, secret);

        // The keyring on disk is encrypted: the key never appears in plaintext under the user's
        // data directory (where gnome-keyring keeps its files).
        QVERIFY(!filesUnderContain(qEnvironmentVariable("XDG_DATA_HOME"), secret.toLatin1()));
        QVERIFY(!filesUnderContain(qEnvironmentVariable("XDG_CONFIG_HOME"), secret.toLatin1()));

        const auto removed = wait([&](auto done) { again.remove(account, this, done); }, this);
        QVERIFY2(removed.ok(), qPrintable(removed.message));
        const auto gone = wait([&](auto done) { again.read(account, this, done); }, this);
        QCOMPARE(gone.status, SecretStore::Status::NotFound);
    }

    void missingEntryIsNotFoundNotAnError()
    {
        KeychainSecretStore store(Application::keychainService());
        const auto read =
            wait([&](auto done) { store.read(QStringLiteral("profile/never-saved"), this, done); },
                 this);
        QCOMPARE(read.status, SecretStore::Status::NotFound);
        QVERIFY(read.secret.isEmpty());
    }

    void profilesAreSeparateEntries()
    {
        KeychainSecretStore store(Application::keychainService());
        const auto a = wait(
            [&](auto done) {
                store.write(QStringLiteral("profile/a/admin-key"),
                            QStringLiteral("kb_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), this,
                            done);
            },
            this);
        QVERIFY(a.ok());
        const auto b = wait(
            [&](auto done) {
                store.write(QStringLiteral("profile/b/admin-key"),
                            QStringLiteral("kb_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"), this,
                            done);
            },
            this);
        QVERIFY(b.ok());
        const auto readA =
            wait([&](auto done) { store.read(QStringLiteral("profile/a/admin-key"), this, done); },
                 this);
        QCOMPARE(readA.secret, QStringLiteral("kb_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
    }
};

QTEST_GUILESS_MAIN(TestKeychainSecretStore)
#include "tst_keychainsecretstore.moc"
