#pragma once

#include "models/secretstore.h"

namespace keybrake {

// The OS keychain through QtKeychain: Secret Service on Linux, Keychain on macOS, Credential
// Manager on Windows. The insecure plaintext fallback stays off: a key that cannot be stored
// securely is not stored at all, and the user chooses "this session only" instead.
class KeychainSecretStore : public SecretStore
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(KeychainSecretStore)

public:
    explicit KeychainSecretStore(const QString &service, QObject *parent = nullptr);
    ~KeychainSecretStore() override;

    void read(const QString &account, QObject *context, Callback done) override;
    void write(const QString &account, const QString &secret, QObject *context,
               Callback done) override;
    void remove(const QString &account, QObject *context, Callback done) override;
    QString displayName() const override;

private:
    QString qualifiedKey(const QString &account) const;

    QString m_service;
};

} // namespace keybrake
