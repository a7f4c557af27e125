#pragma once

#include "models/revokereceipt.h"

#include <QDialog>
#include <QHash>
#include <QPointer>
#include <QTimer>

#include <chrono>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;

namespace keybrake::client {
class ApiRequest;
}

namespace keybrake {

class ConsoleSession;

// The kill switch ("Revoke by label prefix", Ctrl+Shift+K): every active key whose run label
// starts with a prefix, and by default a block on the prefix for an hour, so an agent whose
// issuer keeps minting keys is stopped too (its new keys are refused, and so is every call under
// the prefix), with the operator's optional reason. A dry run first says what would stop ("This
// stops 37 keys, $412.50 held"); on production the prefix must be typed again to confirm; then a
// revoke receipt lists each key with the server's revocation time and every call admitted between
// the click and the revocation (audit log, cross-checked with the live stream), exportable as text
// or CSV.
class StopRunsDialog : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(StopRunsDialog)

public:
    explicit StopRunsDialog(ConsoleSession *session, QWidget *parent = nullptr);
    ~StopRunsDialog() override;

    // Fills the prefix in and asks for the dry run (a runaway's "Revoke run…").
    void setPrefix(const QString &prefix);
    // The receipt once the revocation and the audit read are done (receiptReady).
    const RevokeReceipt &receipt() const { return m_receiptData; }
    bool hasReceipt() const { return m_hasReceipt; }
    // Writes the receipt: CSV for a .csv name, the text otherwise.
    bool exportReceipt(const QString &fileName, QString *error = nullptr) const;

Q_SIGNALS:
    void runsStopped(int keys);
    void receiptReady();
    // A call admitted before the revocation that was still at the vendor then has completed:
    // the receipt now lists it.
    void receiptUpdated();

private:
    void preview();
    void stop();
    void updateButtons();
    void readAdmittedCalls(const QString &cursor);
    void finishReceipt();
    void addLateCall(const client::AuditEntry &call);
    void showReceipt();
    // Re-reads the block the stop created, for its refused-attempt counters.
    void readBlock();
    std::chrono::seconds blockDuration() const;

    ConsoleSession *m_session;
    QLineEdit *m_prefix;
    QComboBox *m_vendor;
    QCheckBox *m_block;
    QComboBox *m_blockFor;
    QLineEdit *m_reason;
    QPushButton *m_preview;
    QLabel *m_impact;
    QLabel *m_confirmLabel;
    QLineEdit *m_confirm;
    QPushButton *m_stop;
    QPlainTextEdit *m_receipt;
    QPushButton *m_export;
    RevokeReceipt m_receiptData;
    bool m_hasReceipt = false;
    bool m_revoking = false;
    bool m_auditDone = false;
    bool m_streamWaitExpired = false;
    QTimer m_blockPoll; // the block's refused counters, while the receipt is shown
    QPointer<client::ApiRequest> m_blockRequest;
    QTimer m_streamWait; // how long the receipt waits for the stream's key.revoked events
    // What the live stream said during and after the click: key.revoked times, admitted calls.
    QHash<QString, QDateTime> m_streamRevokedAt;
    QHash<QString, QPair<QString, QString>> m_revokedKeyNames; // key id -> name, run label
    QList<client::AuditEntry> m_streamCalls;
    QString m_previewedPrefix;
    qint64 m_previewCount = -1;
    QPointer<client::ApiRequest> m_request;
};

} // namespace keybrake
