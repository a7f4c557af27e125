#pragma once

#include "client/whoami.h"
#include "models/serverprofile.h"

#include <QDialog>
#include <QPointer>

#include <optional>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QToolButton;

namespace keybrake::client {
class ApiRequest;
class KeybrakeClient;
} // namespace keybrake::client

namespace keybrake {

class MessageBanner;
class SecretStore;

// First run, a new profile, or a profile that needs its key again: name, server URL,
// environment and admin key. "Test connection" asks /v1/whoami and shows the role and server
// version, or says plainly what is wrong: the key was not accepted, the address is not a Keybrake
// server, the address is malformed (client::ServerAddress), or the certificate is not trusted. A
// self-signed certificate is refused with its SHA-256 fingerprint and may be pinned for this
// profile. Plain http:// to another machine needs the profile's explicit "allow plain HTTP". The
// key goes to the keychain; if the keychain fails, the user is told why and may keep the key for
// this session only. There is no silent plaintext fallback.
class SignInDialog : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SignInDialog)

public:
    enum class KeyStorage {
        Keychain,
        SessionOnly,
        Unchanged, // editing a profile without typing a new key
    };

    // `profile` empty for a new profile. `reason` explains why the dialog opened (e.g. "The
    // keychain has no key for this profile").
    SignInDialog(SecretStore *keychain, SecretStore *sessionStore,
                 const std::optional<ServerProfile> &profile = std::nullopt,
                 const QString &reason = {}, QWidget *parent = nullptr);
    ~SignInDialog() override;

    // Suggestions for a new profile (from --server or --profile).
    void prefill(const QUrl &url, const QString &name);
    ServerProfile profile() const;
    // The key typed in (empty when unchanged). Handed to the session once, then dropped.
    QString adminKey() const;
    KeyStorage keyStorage() const { return m_storage; }
    std::optional<client::WhoAmI> testedIdentity() const { return m_tested; }
    QString resultText() const;

public Q_SLOTS:
    void testConnection();
    void signIn();
    void useForThisSessionOnly();

protected:
    void done(int result) override;

private:
    void buildUi();
    void setBusy(bool busy, const QString &what = {});
    void runWhoAmI(std::function<void(bool ok)> then);
    void saveKey();
    bool validateFields();
    void updateEnvironmentSwatch();
    void updatePinLabel();
    // The address as typed, parsed under the profile's plain-HTTP choice.
    QUrl typedUrl(QString *problem = nullptr) const;
    // A result shown for other inputs is stale once the address or key changes.
    void forgetResult();

    SecretStore *m_keychain;
    SecretStore *m_sessionStore;
    ServerProfile m_profile;
    bool m_editing = false;
    KeyStorage m_storage = KeyStorage::Keychain;
    std::optional<client::WhoAmI> m_tested;
    QString m_testedFingerprint; // offered for pinning after a TLS refusal
    client::KeybrakeClient *m_probe;
    QPointer<client::ApiRequest> m_request;

    QLineEdit *m_name = nullptr;
    QLineEdit *m_url = nullptr;
    QComboBox *m_environment = nullptr;
    QLabel *m_swatch = nullptr;
    QLineEdit *m_key = nullptr;
    QToolButton *m_showKey = nullptr;
    QCheckBox *m_allowPlainHttp = nullptr;
    QLabel *m_pin = nullptr;
    QPushButton *m_forgetPin = nullptr;
    QPushButton *m_test = nullptr;
    QLabel *m_result = nullptr;
    QPushButton *m_trust = nullptr;
    MessageBanner *m_keychainBanner = nullptr;
    QPushButton *m_sessionOnly = nullptr;
    QPushButton *m_signIn = nullptr;
};

} // namespace keybrake
