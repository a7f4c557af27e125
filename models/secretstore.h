#pragma once

#include <QObject>
#include <QString>

#include <functional>

namespace keybrake {

// Where the console keeps an admin key: the OS keychain, or memory for one session. Every call
// is asynchronous because the keychain may prompt or wait on D-Bus, and the UI thread never
// waits. The callback runs at most once, and never after `context` is destroyed.
class SecretStore : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SecretStore)

public:
    // Distinct states, because each asks the user for something different.
    enum class Status {
        Ok,
        NotFound, // nothing saved yet: ask for the key
        AccessDenied, // the keychain is locked or the user refused: say so, offer session-only
        NoBackend, // no keychain service at all (headless Linux): offer session-only
        Failed, // anything else, with the backend's message
    };
    Q_ENUM(Status)

    struct Result
    {
        Status status = Status::Failed;
        QString secret; // only for a successful read
        QString message; // for people; never contains the secret

        bool ok() const { return status == Status::Ok; }
    };
    using Callback = std::function<void(const Result &)>;

    explicit SecretStore(QObject *parent = nullptr)
        : QObject(parent)
    {
    }
    ~SecretStore() override = default;

    virtual void read(const QString &account, QObject *context, Callback done) = 0;
    virtual void write(const QString &account, const QString &secret, QObject *context,
                       Callback done) = 0;
    virtual void remove(const QString &account, QObject *context, Callback done) = 0;
    // "system keychain", "this session only": shown next to a saved key.
    virtual QString displayName() const = 0;

    // A sentence for the user: what failed, why, and what to do next.
    static QString explain(const Result &result);
};

} // namespace keybrake
