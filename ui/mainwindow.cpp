#include "ui/mainwindow.h"

#include "models/connectionmonitor.h"
#include "models/consolesession.h"
#include "models/vaultkeytablemodel.h"
#include "ui/adminkeyspage.h"
#include "ui/alertbell.h"
#include "ui/auditlogpage.h"
#include "ui/blockspage.h"
#include "ui/connectionstatuslabel.h"
#include "ui/consolecolors.h"
#include "ui/environmentband.h"
#include "ui/keyboardshortcutsdialog.h"
#include "ui/overviewpage.h"
#include "ui/reportspage.h"
#include "ui/runspage.h"
#include "ui/stoprunsdialog.h"
#include "ui/themedicon.h"
#include "ui/vaultkeyspage.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QPushButton>
#include <QScreen>
#include <QStackedWidget>
#include <QStatusBar>
#include <QToolButton>
#include <QVBoxLayout>

namespace keybrake {

using client::AdminRole;

MainWindow::MainWindow(ConsoleSession *session, QWidget *parent)
    : QMainWindow(parent)
    , m_session(session)
    , m_band(new EnvironmentBand(this))
    , m_navigation(new QListWidget(this))
    , m_pages(new QStackedWidget(this))
    , m_profiles(new QComboBox(this))
    , m_vaultKeys(new VaultKeysPage(session, m_pages))
    , m_overview(new OverviewPage(session, m_pages))
    , m_runs(new RunsPage(session, m_pages))
    , m_auditLog(new AuditLogPage(session, m_pages))
    , m_reports(new ReportsPage(session, m_pages))
    , m_adminKeys(new AdminKeysPage(session, m_pages))
    , m_blocks(new BlocksPage(session, m_pages))
{
    setObjectName(QStringLiteral("mainWindow"));
    // Wide enough for every default column of the key table beside the navigation, where the
    // screen allows.
    const QRect available = screen()->availableGeometry();
    resize(std::min(1600, available.width() - 40), std::min(960, available.height() - 40));
    auto *central = new QWidget(this);
    auto *outer = new QVBoxLayout(central);
    outer->setContentsMargins(0, 0, 0, 0);
    outer->setSpacing(0);
    m_band->setSession(session);
    m_bell = new AlertBell(session, m_band);
    m_band->addWidgetBeforeStopRuns(m_bell);
    outer->addWidget(m_band);

    auto *body = new QHBoxLayout;
    body->setContentsMargins(0, 0, 0, 0);
    body->setSpacing(0);
    auto *side = new QWidget(central);
    side->setObjectName(QStringLiteral("navigationPanel"));
    side->setAutoFillBackground(true);
    side->setBackgroundRole(QPalette::Base);
    side->setFixedWidth(196);
    auto *sideLayout = new QVBoxLayout(side);
    sideLayout->setContentsMargins(8, 10, 8, 10);
    sideLayout->setSpacing(6);
    m_navigation->setObjectName(QStringLiteral("navigationListWidget"));
    m_navigation->setAccessibleName(tr("Pages"));
    m_navigation->setFrameShape(QFrame::NoFrame);
    m_navigation->setIconSize(QSize(18, 18));
    m_navigation->setSpacing(2);
    const QList<QPair<QString, QString>> pages = {
        {QStringLiteral("overview"), tr("Overview")},
        {QStringLiteral("vault-keys"), tr("Vault Keys")},
        {QStringLiteral("runs"), tr("Runs")},
        {QStringLiteral("audit-log"), tr("Audit Log")},
        {QStringLiteral("reports"), tr("Reports")},
        {QStringLiteral("lock"), tr("Admin Keys")},
        {QStringLiteral("stop-runs"), tr("Blocks")},
    };
    for (int i = 0; i < pages.size(); ++i) {
        auto *item = new QListWidgetItem(ThemedIcon::icon(pages.at(i).first), pages.at(i).second,
                                         m_navigation);
        item->setToolTip(tr("%1 (Ctrl+%2)").arg(pages.at(i).second).arg(i + 1));
        item->setSizeHint(QSize(0, m_navigation->fontMetrics().height() + 14));
    }
    sideLayout->addWidget(m_navigation, 1);
    auto *profileLabel = new QLabel(tr("&Profile"), side);
    profileLabel->setForegroundRole(QPalette::PlaceholderText);
    profileLabel->setBuddy(m_profiles);
    m_profiles->setObjectName(QStringLiteral("profileComboBox"));
    m_profiles->setAccessibleName(tr("Server profile"));
    sideLayout->addWidget(profileLabel);
    sideLayout->addWidget(m_profiles);
    body->addWidget(side);

    auto *divider = new QFrame(central);
    divider->setFrameShape(QFrame::VLine);
    divider->setFrameShadow(QFrame::Plain);
    divider->setForegroundRole(QPalette::Mid);
    body->addWidget(divider);

    m_pages->addWidget(m_overview);
    m_pages->addWidget(m_vaultKeys);
    m_pages->addWidget(m_runs);
    m_pages->addWidget(m_auditLog);
    m_pages->addWidget(m_reports);
    m_pages->addWidget(m_adminKeys);
    m_pages->addWidget(m_blocks);
    body->addWidget(m_pages, 1);
    outer->addLayout(body, 1);
    setCentralWidget(central);

    buildMenus();
    buildStatusBar();

    connect(m_navigation, &QListWidget::currentRowChanged, m_pages,
            &QStackedWidget::setCurrentIndex);
    connect(m_overview, &OverviewPage::openVaultKeysRequested, this,
            [this] { showPage(Page::VaultKeys); });
    connect(m_overview, &OverviewPage::openKeyRequested, this, [this](const QString &keyId) {
        showPage(Page::VaultKeys);
        m_vaultKeys->showDetails(keyId);
    });
    connect(m_overview, &OverviewPage::openRunRequested, this, &MainWindow::openRun);
    connect(m_overview, &OverviewPage::openRunsRequested, this, [this] { showPage(Page::Runs); });
    connect(m_overview, &OverviewPage::openAuditLogRequested, this,
            [this] { showPage(Page::AuditLog); });
    connect(m_runs, &RunsPage::openKeyRequested, this, &MainWindow::openKey);
    connect(m_runs, &RunsPage::stopRunRequested, this, &MainWindow::openStopRuns);
    connect(m_runs, &RunsPage::openKeysRequested, this, [this](const QString &label) {
        showPage(Page::VaultKeys);
        m_vaultKeys->showKeysOfRun(label);
    });
    connect(m_reports, &ReportsPage::openRunRequested, this, &MainWindow::openRun);
    connect(m_reports, &ReportsPage::openKeyRequested, this, &MainWindow::openKey);
    connect(m_reports, &ReportsPage::auditRequested, this,
            [this](const QString &prefix, const QDateTime &since, const QDateTime &until) {
                showPage(Page::AuditLog);
                m_auditLog->showCalls(prefix, since, until);
            });
    connect(m_profiles, &QComboBox::activated, this, [this](int index) {
        const QString id = m_profiles->itemData(index).toString();
        if (id.isEmpty()) {
            Q_EMIT manageProfilesRequested();
            // Back to the open profile: the manager decides what happens next.
            m_profiles->setCurrentIndex(m_profiles->findData(m_session->profile().id));
        } else if (id != m_session->profile().id) {
            Q_EMIT profileSwitchRequested(id);
        }
    });
    connect(m_band, &EnvironmentBand::stopRunsRequested, this, [this] { openStopRuns(); });
    connect(m_vaultKeys, &VaultKeysPage::stopRunRequested, this, &MainWindow::openStopRuns);
    connect(m_bell, &AlertBell::openRequested, this, &MainWindow::openAlertSubject);
    connect(session, &ConsoleSession::identityChanged, this, [this] {
        updateTitle();
        updateStatusBar();
    });
    connect(session, &ConsoleSession::permissionsChanged, this, &MainWindow::updateStatusBar);
    // Admin Keys is there for admin keys only.
    const auto showAdminPages = [this] {
        const bool admin = m_session->allows(AdminRole::Admin);
        m_navigation->item(int(Page::AdminKeys))->setHidden(!admin);
        if (!admin && currentPage() == Page::AdminKeys)
            showPage(Page::VaultKeys);
    };
    connect(session, &ConsoleSession::permissionsChanged, this, showAdminPages);
    showAdminPages();
    connect(m_navigation, &QListWidget::currentRowChanged, this, [this](int row) {
        if (row == int(Page::AdminKeys))
            m_adminKeys->refresh();
    });
    connect(session->monitor(), &ConnectionMonitor::dataAsOfChanged, this,
            &MainWindow::updateStatusBar);
    connect(session, &ConsoleSession::timeFormatterChanged, this, &MainWindow::updateStatusBar);
    connect(m_vaultKeys, &VaultKeysPage::summaryChanged, this, &MainWindow::updateStatusBar);

    showPage(Page::VaultKeys);
    updateTitle();
    updateStatusBar();
}

MainWindow::~MainWindow() = default;

void MainWindow::buildMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *manage =
        file->addAction(ThemedIcon::icon(QStringLiteral("server")), tr("&Manage Profiles…"));
    manage->setObjectName(QStringLiteral("manageProfilesAction"));
    manage->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_P));
    connect(manage, &QAction::triggered, this, &MainWindow::manageProfilesRequested);
    file->addSeparator();
    QAction *quit = file->addAction(tr("&Quit"));
    quit->setShortcut(QKeySequence::Quit);
    quit->setMenuRole(QAction::QuitRole);
    connect(quit, &QAction::triggered, this, &QWidget::close);

    QMenu *keys = menuBar()->addMenu(tr("&Keys"));
    keys->addAction(m_vaultKeys->issueAction());
    keys->addAction(m_vaultKeys->revokeSelectedAction());
    keys->addSeparator();
    QAction *find = m_vaultKeys->findAction();
    // Ctrl+F searches the page in view where it has a search; elsewhere the vault keys.
    connect(find, &QAction::triggered, this, [this] {
        if (currentPage() == Page::Runs)
            m_runs->focusSearch();
        else if (currentPage() == Page::AuditLog)
            m_auditLog->focusSearch();
        else
            showPage(Page::VaultKeys);
    });
    keys->addAction(find);
    addAction(find);
    addAction(m_vaultKeys->issueAction());
    m_refreshAction = keys->addAction(ThemedIcon::icon(QStringLiteral("refresh")), tr("&Refresh"));
    m_refreshAction->setObjectName(QStringLiteral("refreshAction"));
    m_refreshAction->setShortcut(QKeySequence::Refresh);
    connect(m_refreshAction, &QAction::triggered, this, [this] {
        m_vaultKeys->refresh();
        if (currentPage() == Page::Runs)
            m_runs->refresh();
        if (currentPage() == Page::AuditLog)
            m_auditLog->refresh();
        else if (currentPage() == Page::Reports)
            m_reports->refresh();
        m_session->monitor()->retryNow();
    });
    addAction(m_refreshAction);
    keys->addSeparator();
    m_stopRunsAction =
        keys->addAction(ThemedIcon::icon(QStringLiteral("stop-runs")), tr("&Stop Runs…"));
    m_stopRunsAction->setObjectName(QStringLiteral("stopRunsAction"));
    m_stopRunsAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_K));
    connect(m_stopRunsAction, &QAction::triggered, this, [this] { openStopRuns(); });
    addAction(m_stopRunsAction);

    QMenu *view = menuBar()->addMenu(tr("&View"));
    view->setObjectName(QStringLiteral("viewMenu")); // the application adds View ▸ Theme
    const QStringList names = {tr("&Overview"),  tr("&Vault Keys"), tr("&Runs"),
                               tr("&Audit Log"), tr("Re&ports"),    tr("Ad&min Keys")};
    for (int i = 0; i < names.size(); ++i) {
        QAction *go = view->addAction(names.at(i));
        go->setObjectName(QStringLiteral("showPage%1Action").arg(i + 1));
        go->setShortcut(QKeySequence(Qt::CTRL | Qt::Key(Qt::Key_1 + i)));
        connect(go, &QAction::triggered, this, [this, i] { showPage(Page(i)); });
        addAction(go);
    }
    view->addSeparator();
    m_utcAction = view->addAction(tr("Show Times in &UTC"));
    m_utcAction->setObjectName(QStringLiteral("showUtcAction"));
    m_utcAction->setCheckable(true);
    m_utcAction->setChecked(m_session->timeFormatter().zone() == TimeZoneDisplay::Utc);
    m_utcAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_U));
    connect(m_utcAction, &QAction::toggled, this, [this](bool utc) {
        const TimeZoneDisplay zone = utc ? TimeZoneDisplay::Utc : TimeZoneDisplay::Local;
        m_session->setTimeZoneDisplay(zone);
        Q_EMIT timeZoneDisplayChanged(zone);
    });

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    QAction *shortcuts =
        help->addAction(ThemedIcon::icon(QStringLiteral("keyboard")), tr("&Keyboard Shortcuts"));
    shortcuts->setObjectName(QStringLiteral("keyboardShortcutsAction"));
    shortcuts->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Slash));
    connect(shortcuts, &QAction::triggered, this, &MainWindow::showShortcuts);
    addAction(shortcuts);
    QAction *about = help->addAction(tr("&About Keybrake Console"));
    about->setMenuRole(QAction::AboutRole);
    connect(about, &QAction::triggered, this, &MainWindow::showAbout);
}

void MainWindow::buildStatusBar()
{
    QStatusBar *bar = statusBar();
    bar->setObjectName(QStringLiteral("mainStatusBar"));
    m_summary = new QLabel(bar);
    m_summary->setObjectName(QStringLiteral("statusSummaryLabel"));
    bar->addWidget(m_summary, 1);
    m_connection = new ConnectionStatusLabel(bar);
    m_connection->setObjectName(QStringLiteral("statusConnectionLabel"));
    m_connection->setSession(m_session);
    m_role = new QLabel(bar);
    m_role->setObjectName(QStringLiteral("statusRoleLabel"));
    m_server = new QLabel(bar);
    m_server->setObjectName(QStringLiteral("statusServerLabel"));
    m_environment = new QLabel(bar);
    m_environment->setObjectName(QStringLiteral("statusEnvironmentLabel"));
    m_zone = new QToolButton(bar);
    m_zone->setObjectName(QStringLiteral("timeZoneToolButton"));
    m_zone->setAutoRaise(true);
    m_zone->setAccessibleName(tr("Time zone of the times shown"));
    m_zone->setDefaultAction(m_utcAction);
    m_zone->setToolButtonStyle(Qt::ToolButtonTextOnly);
    for (QWidget *widget : {static_cast<QWidget *>(m_connection), static_cast<QWidget *>(m_role),
                            static_cast<QWidget *>(m_server), static_cast<QWidget *>(m_environment),
                            static_cast<QWidget *>(m_zone)})
        bar->addPermanentWidget(widget);
}

void MainWindow::setProfiles(const QList<ServerProfile> &profiles, const QString &currentId)
{
    const QSignalBlocker block(m_profiles);
    m_profiles->clear();
    for (const ServerProfile &profile : profiles) {
        m_profiles->addItem(ConsoleColors::environmentIcon(profile.environment, palette()),
                            profile.name, profile.id);
        m_profiles->setItemData(
            m_profiles->count() - 1,
            tr("%1 — %2").arg(environmentDisplayName(profile.environment), profile.url.toString()),
            Qt::ToolTipRole);
    }
    if (m_profiles->findData(m_session->profile().id) < 0) {
        const ServerProfile &current = m_session->profile();
        m_profiles->addItem(ConsoleColors::environmentIcon(current.environment, palette()),
                            tr("%1 (this session)").arg(current.name), current.id);
    }
    m_profiles->insertSeparator(m_profiles->count());
    m_profiles->addItem(tr("Manage profiles…"), QString());
    m_profiles->setCurrentIndex(m_profiles->findData(currentId));
}

void MainWindow::addBanner(QWidget *banner)
{
    auto *outer = qobject_cast<QVBoxLayout *>(centralWidget()->layout());
    banner->setParent(centralWidget());
    outer->insertWidget(outer->indexOf(m_band) + 1, banner);
}

void MainWindow::openRun(const QString &label)
{
    showPage(Page::Runs);
    m_runs->showRun(label);
}

void MainWindow::openKey(const QString &keyId)
{
    showPage(Page::VaultKeys);
    m_vaultKeys->showDetails(keyId);
}

void MainWindow::showPage(Page page)
{
    m_navigation->setCurrentRow(int(page));
    m_pages->setCurrentIndex(int(page));
}

MainWindow::Page MainWindow::currentPage() const
{
    return Page(m_pages->currentIndex());
}

QString MainWindow::statusSummary() const
{
    return m_summary->text();
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    Q_EMIT closing();
    QMainWindow::closeEvent(event);
}

void MainWindow::updateTitle()
{
    const ServerProfile &profile = m_session->profile();
    // Production names itself in the title too, so it shows in the task switcher.
    if (profile.environment == ServerEnvironment::Production)
        setWindowTitle(tr("PRODUCTION — %1 — Keybrake Console").arg(profile.name));
    else
        setWindowTitle(tr("%1 (%2) — Keybrake Console")
                           .arg(profile.name, environmentDisplayName(profile.environment)));
}

void MainWindow::updateStatusBar()
{
    const TimeFormatter time = m_session->timeFormatter();
    const ConnectionMonitor *monitor = m_session->monitor();
    QStringList parts;
    parts.append(m_vaultKeys->summaryText());
    if (monitor->dataAsOf().isValid())
        parts.append(tr("data as of %1 %2").arg(time.clock(monitor->dataAsOf()), time.zoneName()));
    if (const auto who = m_session->whoAmI())
        parts.append(tr("server %1").arg(who->serverVersion));
    m_summary->setText(parts.join(QStringLiteral(" · ")));

    if (const auto who = m_session->whoAmI()) {
        m_role->setText(tr("Role: %1").arg(ConsoleSession::roleDisplayName(who->role)));
        m_role->setToolTip(tr("Admin key “%1” (%2)").arg(who->name, who->adminKeyId));
    } else {
        m_role->setText(tr("Role: …"));
    }
    const ServerProfile &profile = m_session->profile();
    m_server->setText(
        profile.url.host()
        + (profile.url.port() > 0 ? QStringLiteral(":%1").arg(profile.url.port()) : QString()));
    m_server->setToolTip(profile.url.toString());
    m_environment->setText(environmentDisplayName(profile.environment));
    m_utcAction->setText(time.zone() == TimeZoneDisplay::Utc
                             ? tr("Times in UTC")
                             : tr("Times in %1").arg(time.zoneName()));
    m_zone->setToolTip(tr("Click to switch between UTC and local time (Ctrl+Shift+U)"));

    const QString stopBlocked = m_session->blockedReason(AdminRole::Operator);
    m_band->stopRunsButton()->setEnabled(stopBlocked.isEmpty());
    m_band->stopRunsButton()->setToolTip(
        stopBlocked.isEmpty() ? tr("Revoke every key of a run label prefix (Ctrl+Shift+K)")
                              : stopBlocked);
    m_stopRunsAction->setEnabled(stopBlocked.isEmpty());
}

void MainWindow::showShortcuts()
{
    auto *dialog = new KeyboardShortcutsDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->open();
}

void MainWindow::showAbout()
{
    QString server;
    if (const auto who = m_session->whoAmI())
        server = tr("<p>Connected to keybraked %1; spend window in %2.</p>")
                     .arg(who->serverVersion.toHtmlEscaped(), who->spendTimezone.toHtmlEscaped());
    auto *box = new QMessageBox(QMessageBox::NoIcon, tr("About Keybrake Console"),
                                tr("<h3>Keybrake Console %1</h3><p>Watch live vault keys, their "
                                   "spend against their caps, and stop runaway agents.</p>%2")
                                    .arg(QCoreApplication::applicationVersion(), server),
                                QMessageBox::Close, this);
    box->setIconPixmap(QApplication::windowIcon().pixmap(64, 64));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

void MainWindow::openAlertSubject(const QString &keyId, const QString &label)
{
    // A key's notification opens the key; a run's (runway, runaway) the run.
    if (!keyId.isEmpty())
        openKey(keyId);
    else if (!label.isEmpty())
        openRun(label);
    raise();
    activateWindow();
}

void MainWindow::openStopRuns(const QString &prefix)
{
    if (!m_session->allows(AdminRole::Operator))
        return;
    auto *dialog = new StopRunsDialog(m_session, this);
    if (!prefix.isEmpty())
        dialog->setPrefix(prefix);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &StopRunsDialog::runsStopped, m_vaultKeys, &VaultKeysPage::refresh);
    dialog->open();
}

} // namespace keybrake
