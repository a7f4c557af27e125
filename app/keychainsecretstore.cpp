#include "app/keychainsecretstore.h"

#include <QLoggingCategory>
#include <QPointer>
#include <qt6keychain/keychain.h>

namespace keybrake {

Q_LOGGING_CATEGORY(lcKeychain, "keybrake.keychain")

namespace {

// Windows Credential Manager blobs hold at most 2,560 bytes; an admin key is about 60 characters,
// so anything near the limit is a mistake and gets a clear error before CredWrite fails.
constexpr qsizetype MaxSecretChars = 1024;

SecretStore::Result resultOf(const QKeychain::Job &job)
{
    SecretStore::Result result;
    result.message = job.errorString();
    switch (job.error()) {
    case QKeychain::NoError:
        result.status = SecretStore::Status::Ok;
        result.message.clear();
        return result;
    case QKeychain::EntryNotFound:
        result.status = SecretStore::Status::NotFound;
        return result;
    case QKeychain::AccessDenied:
    case QKeychain::AccessDeniedByUser:
        result.status = SecretStore::Status::AccessDenied;
        return result;
    case QKeychain::NoBackendAvailable:
    case QKeychain::NotImplemented:
        result.status = SecretStore::Status::NoBackend;
        return result;
    case QKeychain::CouldNotDeleteEntry:
    case QKeychain::OtherError:
        break;
    }
    // QtKeychain 0.13.2's libsecret backend reports a missing Secret Service or a missing session
    // bus as OtherError with the GDBus text, and a locked collection the same way; only the text
    // tells them apart. 0.14 adds isAvailable(), which would make the first check unnecessary.
    const QString text = job.errorString();
    if (text.contains(QLatin1String("org.freedesktop.secrets"))
        || text.contains(QLatin1String("autolaunch"), Qt::CaseInsensitive)
        || text.contains(QLatin1String("Could not connect"))
        || text.contains(QLatin1String("No such interface"))
        || text.contains(QLatin1String("ServiceUnknown"))
        || text.contains(QLatin1String("Unknown error"))) {
        result.status = SecretStore::Status::NoBackend;
    } else if (text.contains(QLatin1String("locked"), Qt::CaseInsensitive)
               // gnome-keyring without a login collection (never unlocked in this session)
               || text.contains(QLatin1String("Object does not exist at path"))
               || text.contains(QLatin1String("dismissed"), Qt::CaseInsensitive)) {
        result.status = SecretStore::Status::AccessDenied;
    } else {
        result.status = SecretStore::Status::Failed;
    }
    return result;
}

void runJob(QKeychain::Job *job, QObject *context, SecretStore::Callback done, bool readsSecret)
{
    job->setAutoDelete(true);
    job->setInsecureFallback(false);
    QPointer<QObject> guard(context);
    QObject::connect(job, &QKeychain::Job::finished, context,
                     [guard, done = std::move(done), readsSecret](QKeychain::Job *finished) {
                         SecretStore::Result result = resultOf(*finished);
                         if (result.ok() && readsSecret) {
                             result.secret =
                                 static_cast<QKeychain::ReadPasswordJob *>(finished)->textData();
                         }
                         if (!result.ok() && result.status != SecretStore::Status::NotFound)
                             qCWarning(lcKeychain)
                                 << "keychain job failed:" << result.status << result.message;
                         if (guard && done)
                             done(result);
                     });
    job->start();
}

} // namespace

KeychainSecretStore::KeychainSecretStore(const QString &service, QObject *parent)
    : SecretStore(parent)
    , m_service(service)
{
}

KeychainSecretStore::~KeychainSecretStore() = default;

void KeychainSecretStore::read(const QString &account, QObject *context, Callback done)
{
    auto *job = new QKeychain::ReadPasswordJob(m_service);
    job->setKey(qualifiedKey(account));
    runJob(job, context, std::move(done), true);
}

void KeychainSecretStore::write(const QString &account, const QString &secret, QObject *context,
                                Callback done)
{
    if (secret.size() > MaxSecretChars) {
        QPointer<QObject> guard(context);
        QMetaObject::invokeMethod(
            context,
            [guard, done = std::move(done)] {
                if (guard && done)
                    done({Status::Failed, {}, tr("the key is too long for the keychain")});
            },
            Qt::QueuedConnection);
        return;
    }
    auto *job = new QKeychain::WritePasswordJob(m_service);
    job->setKey(qualifiedKey(account));
    job->setTextData(secret);
    runJob(job, context, std::move(done), false);
}

void KeychainSecretStore::remove(const QString &account, QObject *context, Callback done)
{
    auto *job = new QKeychain::DeletePasswordJob(m_service);
    job->setKey(qualifiedKey(account));
    runJob(job, context, std::move(done), false);
}

QString KeychainSecretStore::displayName() const
{
    return tr("system keychain");
}

QString KeychainSecretStore::qualifiedKey(const QString &account) const
{
    // Windows Credential Manager does not namespace entries by service, so the key carries it.
    return m_service + QLatin1Char('/') + account;
}

} // namespace keybrake
