// Without any Secret Service (headless Linux, WSL), the keychain must say "no backend" so the
// console can offer the session-only choice; it must never fall back to a plaintext file.
#include "app/application.h"
#include "app/keychainsecretstore.h"
#include "app/settings.h"

#include <QDirIterator>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace keybrake;

class TestKeychainUnavailable : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { Application::setIdentity(); }

    void writeWithoutSecretServiceIsNoBackendAndStoresNothing()
    {
        QTemporaryDir home;
        QVERIFY(home.isValid());
        qputenv("HOME", home.path().toLocal8Bit());
        qputenv("XDG_CONFIG_HOME", home.filePath(QStringLiteral("config")).toLocal8Bit());
        qputenv("XDG_DATA_HOME", home.filePath(QStringLiteral("share")).toLocal8Bit());

        KeychainSecretStore store(Application::keychainService());
        const QString secret = QStringLiteral("kb_NoBackend0123456789abcdefghijklmnopqrstuvwxyz");
        std::optional<SecretStore::Result> result;
        store.write(QStringLiteral("profile/x/admin-key"), secret, this,
                    [&result](const SecretStore::Result &r) { result = r; });
        QTRY_VERIFY_WITH_TIMEOUT(result.has_value(), 30000);
        // No bus at all gives "no backend"; a bus whose keyring has no unlocked login collection
        // gives "denied". Either way a state the user can act on, never a silent fallback.
        QVERIFY2(result->status == SecretStore::Status::NoBackend
                     || result->status == SecretStore::Status::AccessDenied,
                 qPrintable(result->message));
        QVERIFY(SecretStore::explain(*result).contains(QLatin1String("session only")));

        QDirIterator it(home.path(), QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            QFile file(it.next());
            QVERIFY(file.open(QIODevice::ReadOnly));
            QVERIFY2(!file.readAll().contains(secret.toLatin1()), qPrintable(file.fileName()));
        }
    }
};

QTEST_GUILESS_MAIN(TestKeychainUnavailable)
#include "tst_keychainunavailable.moc"
