#include "app/memorysecretstore.h"

#include <QPointer>

namespace keybrake {

MemorySecretStore::MemorySecretStore(QObject *parent)
    : SecretStore(parent)
{
}

MemorySecretStore::~MemorySecretStore() = default;

void MemorySecretStore::read(const QString &account, QObject *context, Callback done)
{
    const auto it = m_secrets.constFind(account);
    if (it == m_secrets.cend())
        answer(context, std::move(done), {Status::NotFound, {}, {}});
    else
        answer(context, std::move(done), {Status::Ok, *it, {}});
}

void MemorySecretStore::write(const QString &account, const QString &secret, QObject *context,
                              Callback done)
{
    m_secrets.insert(account, secret);
    answer(context, std::move(done), {Status::Ok, {}, {}});
}

void MemorySecretStore::remove(const QString &account, QObject *context, Callback done)
{
    const bool existed = m_secrets.remove(account) > 0;
    answer(context, std::move(done), {existed ? Status::Ok : Status::NotFound, {}, {}});
}

QString MemorySecretStore::displayName() const
{
    return tr("this session only");
}

void MemorySecretStore::answer(QObject *context, Callback done, const Result &result)
{
    QPointer<QObject> guard(context);
    QMetaObject::invokeMethod(
        context ? context : this,
        [guard, hadContext = context != nullptr, done = std::move(done), result] {
            if ((guard || !hadContext) && done)
                done(result);
        },
        Qt::QueuedConnection);
}

} // namespace keybrake
