#pragma once

#include "models/serverprofile.h"

#include <QDialog>

class QListWidget;
class QPushButton;

namespace keybrake {

class SecretStore;

// File → Manage Profiles: add, edit, remove and open saved servers. Editing goes through the
// sign-in dialog, so a changed URL or key is tested before it is saved; removing a profile also
// removes its key from the keychain.
class ProfileManagerDialog : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ProfileManagerDialog)

public:
    ProfileManagerDialog(const QList<ServerProfile> &profiles, const QString &currentId,
                         SecretStore *keychain, SecretStore *sessionStore,
                         QWidget *parent = nullptr);
    ~ProfileManagerDialog() override;

    QList<ServerProfile> profiles() const { return m_profiles; }

Q_SIGNALS:
    void profilesEdited(const QList<keybrake::ServerProfile> &profiles);
    // A profile was added or signed in to with a new key: open it now.
    void openRequested(const keybrake::ServerProfile &profile, const QString &adminKey);

private:
    void reloadList();
    void addProfile();
    void editProfile();
    void removeProfile();
    void openProfile();
    int currentRow() const;

    QList<ServerProfile> m_profiles;
    QString m_currentId;
    SecretStore *m_keychain;
    SecretStore *m_sessionStore;
    QListWidget *m_list;
    QPushButton *m_edit;
    QPushButton *m_remove;
    QPushButton *m_open;
};

} // namespace keybrake
