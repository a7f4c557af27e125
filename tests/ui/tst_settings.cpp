#include "app/settings.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace keybrake;

class TestSettings : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void profilesSurviveARestart()
    {
        QTemporaryDir dir;
        ServerProfile prod = ServerProfile::create(
            QStringLiteral("acme-prod"), QUrl(QStringLiteral("https://keybrake.acme.internal")),
            ServerEnvironment::Production);
        prod.pinnedCertificateSha256 =
            QByteArrayLiteral("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
        const ServerProfile dev = ServerProfile::create(
            QStringLiteral("laptop"), QUrl(QStringLiteral("http://127.0.0.1:8080")),
            ServerEnvironment::Development);
        {
            Settings settings(dir.path());
            QSignalSpy changed(&settings, &Settings::profilesChanged);
            settings.setProfiles({prod, dev});
            QCOMPARE(changed.size(), 1);
            settings.setValue(Settings::Key::LastProfileId, prod.id);
            QVERIFY(settings.sync());
        }
        Settings reopened(dir.path());
        QCOMPARE(reopened.profiles(), (QList<ServerProfile> {prod, dev}));
        QCOMPARE(reopened.lastProfileId(), prod.id);
        QCOMPARE(reopened.profileByName(QStringLiteral("ACME-PROD"))->id, prod.id);
        QVERIFY(!reopened.profileByName(QStringLiteral("staging")).has_value());
    }

    void environmentVariableChoosesTheDirectory()
    {
        QTemporaryDir dir;
        qputenv("KEYBRAKE_CONSOLE_SETTINGS_DIR", dir.path().toLocal8Bit());
        Settings settings;
        QVERIFY(settings.fileName().startsWith(dir.path()));
        qunsetenv("KEYBRAKE_CONSOLE_SETTINGS_DIR");
    }

    void secretShapedValuesAreRefused_data()
    {
        QTest::addColumn<QString>("value");
        QTest::addColumn<bool>("refused");
        QTest::newRow("admin key")
            << QStringLiteral("kb_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN") << true;
        QTest::newRow("vault key")
            << QStringLiteral("x vault_key_abcdefghijklmnopqrstuvwxyz012345") << true;
        QTest::newRow("profile id")
            << QStringLiteral("2f0e8a47-6f7e-4f0a-9d55-1f7c3f1b8c2e") << false;
        QTest::newRow("label with kb_") << QStringLiteral("lambda/kb_sync") << false;
    }

    void secretShapedValuesAreRefused()
    {
        QFETCH(QString, value);
        QFETCH(bool, refused);
        QTemporaryDir dir;
        Settings settings(dir.path());
        QCOMPARE(settings.setValue(Settings::Key::LastProfileId, value), !refused);
        QCOMPARE(settings.lastProfileId() == value, !refused);
    }

    void typedDefaults()
    {
        QTemporaryDir dir;
        Settings settings(dir.path());
        QCOMPARE(settings.timeZoneDisplay(), TimeZoneDisplay::Local);
        QCOMPARE(settings.theme(), ThemePreference::System);
        QCOMPARE(settings.refreshIntervalSeconds(), 5);
        settings.setValue(Settings::Key::TimeZoneDisplay, QStringLiteral("utc"));
        QCOMPARE(settings.timeZoneDisplay(), TimeZoneDisplay::Utc);
    }
};

QTEST_GUILESS_MAIN(TestSettings)
#include "tst_settings.moc"
