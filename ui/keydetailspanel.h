#pragma once

#include <QFrame>

class QFormLayout;
class QLabel;
class QPushButton;
class QTableView;

namespace keybrake {

class CapBar;
class ConsoleSession;
class KeyAuditModel;
class VaultKeyTableModel;

// The side panel for one key: its policy, today's spend against its cap, its recent calls from
// the audit log, and Revoke (or "Issue a similar key" once it is revoked or expired). It reads
// the key from the table's model, so it updates with every refresh.
class KeyDetailsPanel : public QFrame
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(KeyDetailsPanel)

public:
    KeyDetailsPanel(ConsoleSession *session, VaultKeyTableModel *keys, QWidget *parent = nullptr);
    ~KeyDetailsPanel() override;

    void setKeyId(const QString &keyId);
    QString keyId() const { return m_keyId; }
    KeyAuditModel *auditModel() const { return m_audit; }
    void updatePermissions();

Q_SIGNALS:
    void issueSimilarRequested(const QString &keyId);
    void closeRequested();

private:
    void updateFromModel();
    QLabel *addField(QFormLayout *form, const QString &label, const QString &objectName);

    ConsoleSession *m_session;
    VaultKeyTableModel *m_keys;
    KeyAuditModel *m_audit;
    QString m_keyId;
    QLabel *m_title;
    QLabel *m_status;
    QLabel *m_keyIdLabel;
    CapBar *m_capBar;
    QLabel *m_spend;
    QLabel *m_resets;
    QLabel *m_label;
    QLabel *m_vendor;
    QLabel *m_operations;
    QLabel *m_scope;
    QLabel *m_block; // "Blocked by prefix … until … — by on-call: reason", hidden when none
    QLabel *m_revoked; // "Revoked 11:42:27 by on-call — reason", hidden while not revoked
    QLabel *m_velocity;
    QLabel *m_created;
    QLabel *m_issuedBy;
    QLabel *m_expires;
    QLabel *m_calls;
    QTableView *m_callsView;
    QPushButton *m_revoke;
    QPushButton *m_similar;
};

} // namespace keybrake
