#pragma once

#include "models/keypolicydraft.h"

#include <QPointer>
#include <QSet>
#include <QWidget>

#include <optional>

class QAction;
class QButtonGroup;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSplitter;
class QStackedWidget;
class QTableView;
class QTimer;

namespace keybrake {

class ConsoleSession;
class KeyDetailsPanel;
class LiveTableHold;
class MessageBanner;
class PageStateWidget;
class RevokeButton;
class RevokeReasonBar;
class VaultKeyFilterProxyModel;
class VaultKeyTableModel;

// The Vault Keys page: every key with its spend against its cap, filters, one-click revoke,
// multi-select revoke with one confirmation, the details panel, and the loading, empty, error
// and stale states.
class VaultKeysPage : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(VaultKeysPage)

public:
    explicit VaultKeysPage(ConsoleSession *session, QWidget *parent = nullptr);
    ~VaultKeysPage() override;

    VaultKeyTableModel *model() const { return m_model; }
    VaultKeyFilterProxyModel *proxy() const { return m_proxy; }
    QTableView *table() const { return m_table; }
    KeyDetailsPanel *detailsPanel() const { return m_details; }

    QAction *issueAction() const { return m_issueAction; }
    QAction *revokeSelectedAction() const { return m_revokeSelectedAction; }
    QAction *findAction() const { return m_findAction; }

    QStringList selectedKeyIds() const;
    QByteArray saveHeaderState() const;
    void restoreHeaderState(const QByteArray &state);

    // "1,204 keys loaded · 37 active"
    QString summaryText() const;
    // "⚠ Runaway? <label> — <reason>" with "Revoke run…", over the table.
    MessageBanner *runawayBanner() const { return m_runawayBanner; }
    // Holds arriving rows and re-sorts while the pointer is over the table.
    LiveTableHold *liveHold() const { return m_hold; }

public Q_SLOTS:
    void refresh();
    void focusSearch();
    // Multi-select + Delete: one confirmation stating the count, then one bulk request.
    void revokeSelected();
    // Opens the Issue Key form, empty or pre-filled ("Issue a similar key").
    void openIssueDialog(const std::optional<keybrake::KeyPolicyDraft> &draft = std::nullopt);
    void showDetails(const QString &keyId);
    // Every key of one run (Runs ▸ Open keys): all statuses, searched by its label.
    void showKeysOfRun(const QString &label);

Q_SIGNALS:
    void summaryChanged(const QString &text);
    // The runaway banner's "Revoke run…": the kill switch for that run label.
    void stopRunRequested(const QString &label);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void buildUi();
    // Hides the least needed columns while the table is narrow (1024 px windows), so the key,
    // its cap utilisation, runway and Revoke stay in view without a horizontal scroll bar.
    void fitColumns();
    void onSortChanged(int column, Qt::SortOrder order);
    void applyFilters();
    void updateState();
    void updatePermissions();
    void updateBanner();
    void updateRunawayBanner();
    void onRevokeClicked(const QString &keyId);
    void onRevokeSucceeded(const QString &keyId, const QDateTime &revokedAt);
    void updateHeldPill();
    void onIssueSimilar(const QString &keyId);
    void onContextMenu(const QPoint &position);
    QString keyIdAt(const QModelIndex &proxyIndex) const;

    ConsoleSession *m_session;
    QSet<int> m_userColumns; // shown or hidden by the user (header menu): not fitted
    VaultKeyTableModel *m_model;
    VaultKeyFilterProxyModel *m_proxy;
    QLineEdit *m_search = nullptr;
    QButtonGroup *m_statusGroup = nullptr;
    QComboBox *m_vendor = nullptr;
    QPushButton *m_issueButton = nullptr;
    QLabel *m_summary = nullptr;
    MessageBanner *m_banner = nullptr;
    RevokeReasonBar *m_reasonBar = nullptr; // "Add reason" of the last revoke
    MessageBanner *m_revokeResult = nullptr; // "Revoked “name” · …id tail · label at 14:03:05"
    MessageBanner *m_runawayBanner = nullptr; // the newest runaway flag, with "Revoke run…"
    QString m_runawayLabel;
    QString m_runawayDismissed; // label + reason the user closed
    QStackedWidget *m_stack = nullptr;
    PageStateWidget *m_state = nullptr;
    QTableView *m_table = nullptr;
    QSplitter *m_splitter = nullptr;
    KeyDetailsPanel *m_details = nullptr;
    RevokeButton *m_revokeButton = nullptr;
    LiveTableHold *m_hold = nullptr;
    QAction *m_issueAction = nullptr;
    QAction *m_revokeSelectedAction = nullptr;
    QAction *m_findAction = nullptr;
    QTimer *m_searchDebounce = nullptr;
    QTimer *m_clockTicker = nullptr;
    QString m_selectAfterRefresh;
};

} // namespace keybrake
