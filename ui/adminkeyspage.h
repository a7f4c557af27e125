#pragma once

#include <QWidget>

class QLabel;
class QPushButton;
class QStackedWidget;
class QTableView;

namespace keybrake {

class AdminKeyTableModel;
class ConsoleSession;
class MessageBanner;
class PageStateWidget;

// Admin Keys (admin role): every admin key with its name, role, status, when and by whom it was
// created; "New admin key" with the copy-once flow; Revoke, after one confirmation naming the
// key, because an admin key is how an agent's issuer mints vault keys and revoking it stops
// that issuance at the next request.
class AdminKeysPage : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AdminKeysPage)

public:
    explicit AdminKeysPage(ConsoleSession *session, QWidget *parent = nullptr);
    ~AdminKeysPage() override;

    AdminKeyTableModel *model() const { return m_model; }
    QTableView *table() const { return m_table; }
    MessageBanner *banner() const { return m_banner; }

public Q_SLOTS:
    void refresh();
    void openCreateDialog();
    void revokeSelected();

private:
    void updateState();
    void updateActions();
    QString selectedId() const;

    ConsoleSession *m_session;
    AdminKeyTableModel *m_model;
    QLabel *m_summary = nullptr;
    MessageBanner *m_banner = nullptr;
    QStackedWidget *m_stack = nullptr;
    QTableView *m_table = nullptr;
    PageStateWidget *m_state = nullptr;
    QPushButton *m_create = nullptr;
    QPushButton *m_revoke = nullptr;
};

} // namespace keybrake
