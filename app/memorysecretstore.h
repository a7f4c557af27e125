#pragma once

#include "models/secretstore.h"

#include <QHash>

namespace keybrake {

// Keeps keys in this process only: the explicit "use for this session only" choice when the
// keychain is unavailable, and the store tests use. Nothing reaches a disk.
class MemorySecretStore : public SecretStore
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MemorySecretStore)

public:
    explicit MemorySecretStore(QObject *parent = nullptr);
    ~MemorySecretStore() override;

    void read(const QString &account, QObject *context, Callback done) override;
    void write(const QString &account, const QString &secret, QObject *context,
               Callback done) override;
    void remove(const QString &account, QObject *context, Callback done) override;
    QString displayName() const override;

    bool contains(const QString &account) const { return m_secrets.contains(account); }

private:
    // Answers on the next event-loop turn, like the keychain, so callers cannot come to rely on
    // a synchronous answer that the real store never gives.
    void answer(QObject *context, Callback done, const Result &result);

    QHash<QString, QString> m_secrets;
};

} // namespace keybrake
