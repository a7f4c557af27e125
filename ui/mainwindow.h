#pragma once

#include "models/serverprofile.h"
#include "models/timeformatter.h"

#include <QMainWindow>

class QAction;
class QComboBox;
class QLabel;
class QListWidget;
class QStackedWidget;
class QToolButton;

namespace keybrake {

class AlertBell;
class AdminKeysPage;
class AuditLogPage;
class BlocksPage;
class ConnectionStatusLabel;
class ConsoleSession;
class EnvironmentBand;
class OverviewPage;
class ReportsPage;
class RunsPage;
class VaultKeysPage;

// The console's window: the environment band, navigation with the profile switcher at its foot,
// the pages, and a status bar that always says how live the data is, the role, the server, the
// environment and the time zone.
class MainWindow : public QMainWindow
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MainWindow)

public:
    enum class Page {
        Overview,
        VaultKeys,
        Runs,
        AuditLog,
        Reports,
        AdminKeys, // admin role only
        Blocks, // active prefix blocks
    };
    Q_ENUM(Page)

    explicit MainWindow(ConsoleSession *session, QWidget *parent = nullptr);
    ~MainWindow() override;

    void setProfiles(const QList<ServerProfile> &profiles, const QString &currentId);
    // Shows `banner` across the window under the environment band (the demo's explanation);
    // the window takes it over.
    void addBanner(QWidget *banner);
    void showPage(Page page);
    // The Runs page with `label` selected; the Vault Keys page with the key's details open.
    void openRun(const QString &label);
    void openKey(const QString &keyId);
    Page currentPage() const;

    ConsoleSession *session() const { return m_session; }
    VaultKeysPage *vaultKeysPage() const { return m_vaultKeys; }
    OverviewPage *overviewPage() const { return m_overview; }
    RunsPage *runsPage() const { return m_runs; }
    AuditLogPage *auditLogPage() const { return m_auditLog; }
    ReportsPage *reportsPage() const { return m_reports; }
    AdminKeysPage *adminKeysPage() const { return m_adminKeys; }
    BlocksPage *blocksPage() const { return m_blocks; }
    EnvironmentBand *environmentBand() const { return m_band; }
    ConnectionStatusLabel *connectionStatus() const { return m_connection; }
    AlertBell *alertBell() const { return m_bell; }
    QString statusSummary() const;

Q_SIGNALS:
    void profileSwitchRequested(const QString &profileId);
    void manageProfilesRequested();
    void timeZoneDisplayChanged(keybrake::TimeZoneDisplay zone);
    void closing();

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void buildMenus();
    void buildStatusBar();
    void updateTitle();
    void updateStatusBar();
    void showShortcuts();
    void showAbout();
    // The kill switch, optionally with a run label prefix filled in (a runaway's "Revoke run…").
    void openStopRuns(const QString &prefix = {});
    // A notification's key (its details) or run.
    void openAlertSubject(const QString &keyId, const QString &label);

    ConsoleSession *m_session;
    EnvironmentBand *m_band;
    AlertBell *m_bell = nullptr;
    QListWidget *m_navigation;
    QStackedWidget *m_pages;
    QComboBox *m_profiles;
    VaultKeysPage *m_vaultKeys;
    OverviewPage *m_overview;
    RunsPage *m_runs;
    AuditLogPage *m_auditLog;
    ReportsPage *m_reports;
    AdminKeysPage *m_adminKeys;
    BlocksPage *m_blocks;
    QLabel *m_summary = nullptr;
    ConnectionStatusLabel *m_connection = nullptr;
    QLabel *m_role = nullptr;
    QLabel *m_server = nullptr;
    QLabel *m_environment = nullptr;
    QToolButton *m_zone = nullptr;
    QAction *m_utcAction = nullptr;
    QAction *m_refreshAction = nullptr;
    QAction *m_stopRunsAction = nullptr;
};

} // namespace keybrake
