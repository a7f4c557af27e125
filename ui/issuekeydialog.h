#pragma once

#include "client/issuedkey.h"
#include "models/keypolicydraft.h"

#include <QDialog>
#include <QHash>
#include <QPointer>

#include <optional>

class QButtonGroup;
class QComboBox;
class QDateTimeEdit;
class QLabel;
class QLineEdit;
class QListView;
class QPlainTextEdit;
class QPushButton;
class QStackedWidget;

namespace keybrake::client {
class ApiRequest;
}

namespace keybrake {

class ConsoleSession;
class OperationChecklistModel;

// The Issue Key form: fields on the left, a live preview on the right (the policy in one
// sentence, the JSON the server will receive, a curl line). Checks what it can before sending;
// the server's validation errors land on the field they name. One Idempotency-Key per opening,
// so pressing Issue twice cannot create two budgets.
class IssueKeyDialog : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(IssueKeyDialog)

public:
    IssueKeyDialog(ConsoleSession *session, const std::optional<KeyPolicyDraft> &draft,
                   QWidget *parent = nullptr);
    ~IssueKeyDialog() override;

    KeyPolicyDraft draft() const;
    OperationChecklistModel *operations() const { return m_operations; }
    // The message shown under a field (request field name, e.g. "daily_usd_cap"); empty if none.
    QString fieldError(const QString &field) const;
    QString summaryText() const;

public Q_SLOTS:
    void submit();

Q_SIGNALS:
    void keyIssued(const keybrake::client::IssuedKey &issued);

private:
    void buildUi();
    void loadDraft(const KeyPolicyDraft &draft);
    void onCatalog();
    void onVendorChanged();
    void updatePreview();
    void clearErrors();
    // A field's error goes away as soon as the field changes (issue 13: a fixed field still
    // showed its old error).
    void clearFieldError(const QString &field);
    void showFieldError(const QString &field, const QString &message);
    void setBusy(bool busy);
    QLabel *errorLabel(const QString &field);

    ConsoleSession *m_session;
    OperationChecklistModel *m_operations;
    QString m_idempotencyKey;
    std::optional<KeyPolicyDraft> m_pending; // applied once the catalog is there

    QComboBox *m_vendor = nullptr;
    QLabel *m_vendorNote = nullptr;
    QListView *m_operationsView = nullptr;
    QLineEdit *m_custom = nullptr;
    QPushButton *m_addCustom = nullptr;
    QLineEdit *m_cap = nullptr;
    QLabel *m_capHint = nullptr;
    QLineEdit *m_maxCalls = nullptr; // velocity: calls a minute, empty for none
    QLineEdit *m_maxUsd = nullptr; // velocity: dollars a minute, empty for none
    QButtonGroup *m_expiry = nullptr;
    QDateTimeEdit *m_customExpiry = nullptr;
    QLineEdit *m_label = nullptr;
    QLineEdit *m_name = nullptr;
    QStackedWidget *m_scopeStack = nullptr;
    QLineEdit *m_stripeCustomers = nullptr;
    QLineEdit *m_stripeAccounts = nullptr;
    QLineEdit *m_twilioNumbers = nullptr;
    QLineEdit *m_resendDomains = nullptr;
    QLabel *m_summary = nullptr;
    QPlainTextEdit *m_json = nullptr;
    QPlainTextEdit *m_curl = nullptr;
    QLabel *m_generalError = nullptr;
    QPushButton *m_issue = nullptr;
    QHash<QString, QLabel *> m_errors;
    QPointer<client::ApiRequest> m_request;
};

} // namespace keybrake
