#pragma once

#include <QWidget>

class QLabel;
class QLineEdit;
class QPushButton;
class QStackedWidget;
class QTableView;

namespace keybrake {

class ConsoleSession;
class MessageBanner;
class PageStateWidget;

// Blocks: the active prefix blocks, server-wide (prefix, vendor, who, why, since, when it ends,
// what it refused), and Lift with an optional reason. Its own page rather than a tab of Vault
// Keys: a block outlives the keys it stopped (it exists to refuse the keys not issued yet), so
// the keys table, filtered to some keys, is the wrong place to look for it during an incident.
class BlocksPage : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(BlocksPage)

public:
    explicit BlocksPage(ConsoleSession *session, QWidget *parent = nullptr);
    ~BlocksPage() override;

    QTableView *table() const { return m_table; }
    MessageBanner *banner() const { return m_banner; }

public Q_SLOTS:
    void refresh();
    void liftSelected();

private:
    void updateState();
    void updateActions();
    QString selectedId() const;

    ConsoleSession *m_session;
    QLabel *m_summary = nullptr;
    MessageBanner *m_banner = nullptr;
    QStackedWidget *m_stack = nullptr;
    QTableView *m_table = nullptr;
    PageStateWidget *m_state = nullptr;
    QLineEdit *m_liftReason = nullptr;
    QPushButton *m_lift = nullptr;
};

} // namespace keybrake
