#pragma once

#include "client/timelinequery.h"

#include <QDateTime>
#include <QWidget>

#include <functional>
#include <optional>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QStackedWidget;
class QTabWidget;
class QTableView;
class QTimer;

namespace keybrake {

class AuditLogModel;
class ConsoleSession;
class LiveTableHold;
class MessageBanner;
class PageStateWidget;
class RunDetailModel;
class RunExport;
class RunSpendChart;
class RunTableModel;
class RunTimelineModel;

// The Runs page: every run (report 1) with search, a label-prefix filter and a status filter,
// paged from the server as the table scrolls; the selected run's spend chart (or the same
// figures as a table), its calls and its keys; and "Export run…" for an incident review.
class RunsPage : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RunsPage)

public:
    // Where "Export run…" writes: asks for a folder (a seam, so tests need no dialog). An empty
    // answer cancels.
    using DirectoryChooser = std::function<QString(QWidget *parent, const QString &label)>;
    // "Block prefix…": asks for the prefix (pre-filled with the run's agent) and the reason the
    // server requires (a seam, so tests need no dialog). nullopt cancels.
    struct BlockAnswer
    {
        QString prefix;
        QString reason;
    };
    using BlockPrompt =
        std::function<std::optional<BlockAnswer>(QWidget *parent, const QString &prefix)>;

    // The time ranges of the chart.
    enum class Range {
        WholeRun,
        Last15Minutes,
        LastHour,
        Last24Hours,
        Selection, // dragged on the chart
    };
    Q_ENUM(Range)

    explicit RunsPage(ConsoleSession *session, QWidget *parent = nullptr);
    ~RunsPage() override;

    RunTableModel *model() const { return m_runs; }
    RunTimelineModel *timelineModel() const { return m_timeline; }
    RunDetailModel *detailModel() const { return m_detail; }
    AuditLogModel *callsModel() const { return m_calls; }
    RunSpendChart *chart() const { return m_chart; }
    QTableView *table() const { return m_table; }
    QTableView *timelineTable() const { return m_timelineTable; }
    QTableView *callsTable() const { return m_callsTable; }
    QLineEdit *searchEdit() const { return m_search; }
    QComboBox *prefixCombo() const { return m_prefix; }
    QComboBox *statusCombo() const { return m_status; }
    QComboBox *bucketCombo() const { return m_bucket; }
    QComboBox *rangeCombo() const { return m_range; }
    QPushButton *showAsTableButton() const { return m_showAsTable; }
    QPushButton *exportButton() const { return m_exportButton; }
    RunExport *exporter() const { return m_export; }
    MessageBanner *banner() const { return m_banner; }
    PageStateWidget *stateWidget() const { return m_state; }
    QPushButton *revokeRunButton() const { return m_revokeRunButton; }
    QPushButton *blockPrefixButton() const { return m_blockPrefixButton; }
    QPushButton *openKeysButton() const { return m_openKeysButton; }
    LiveTableHold *liveHold() const { return m_hold; }
    void setBlockPrompt(BlockPrompt prompt) { m_blockPrompt = std::move(prompt); }
    // The actions of a run's context menu (the same as the buttons, for that row's run).
    QList<QAction *> runActions(const QString &label);

    QString currentRun() const { return m_label; }
    bool isShowingTable() const;
    void setDirectoryChooser(DirectoryChooser chooser) { m_chooseDirectory = std::move(chooser); }
    // The timeline query the chart asks for now (range and bucket).
    client::TimelineQuery timelineQuery() const;

public Q_SLOTS:
    void refresh();
    // Shows one run below the table (selecting its row when loaded): its chart, calls and keys.
    void showRun(const QString &label);
    void focusSearch();
    void setShowAsTable(bool table);
    void exportRun();
    // The chart's range: a drag, or the range selector.
    void selectRange(const QDateTime &since, const QDateTime &until);
    // The run's actions: the kill switch for its label (stopRunRequested), a block on its agent
    // prefix, and its keys on Vault Keys (openKeysRequested).
    void revokeRun(const QString &label);
    void blockPrefix(const QString &label);
    void openKeys(const QString &label);

Q_SIGNALS:
    void openKeyRequested(const QString &keyId);
    // "Revoke run…": the kill switch with this run label filled in.
    void stopRunRequested(const QString &label);
    // "Open keys": Vault Keys showing the keys of this run.
    void openKeysRequested(const QString &label);
    void blockCreated(const QString &prefix);
    void exportFinished(bool ok, const QString &message);

protected:
    void showEvent(QShowEvent *event) override;
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void buildUi();
    QWidget *buildDetail();
    void applyFilters();
    void updateState();
    void updatePrefixes();
    void loadTimeline();
    void updateHeadline();
    void selectRowOf(const QString &label);
    void selectFirstIfAsked();
    void updateActions();
    void refreshBlocks();
    void onContextMenu(const QPoint &position);
    void updateHeldPill();
    // At 1024 px the run, its status, spend, cap and Revoke stay in view: the other columns give
    // way while the rows are narrow, and the label narrows (it elides in the run id).
    void fitColumns();

    ConsoleSession *m_session;
    RunTableModel *m_runs;
    RunTimelineModel *m_timeline;
    RunDetailModel *m_detail;
    AuditLogModel *m_calls;
    RunExport *m_export;
    DirectoryChooser m_chooseDirectory;
    BlockPrompt m_blockPrompt;
    LiveTableHold *m_hold = nullptr;
    QPushButton *m_revokeRunButton = nullptr;
    QPushButton *m_blockPrefixButton = nullptr;
    QPushButton *m_openKeysButton = nullptr;
    QString m_label;
    QDateTime m_selectionSince;
    QDateTime m_selectionUntil;
    bool m_selectFirst = false; // Enter in the search field: open the first match once listed
    bool m_shownOnce = false;

    QLabel *m_asOf = nullptr;
    QLineEdit *m_search = nullptr;
    QComboBox *m_prefix = nullptr;
    QComboBox *m_status = nullptr;
    MessageBanner *m_banner = nullptr;
    MessageBanner *m_actionResult = nullptr;
    QStackedWidget *m_tableStack = nullptr;
    PageStateWidget *m_state = nullptr;
    QTableView *m_table = nullptr;
    QStackedWidget *m_detailStack = nullptr;
    PageStateWidget *m_detailState = nullptr;
    QLabel *m_runTitle = nullptr;
    QLabel *m_runSummary = nullptr;
    MessageBanner *m_detailBanner = nullptr;
    QComboBox *m_range = nullptr;
    QComboBox *m_bucket = nullptr;
    QPushButton *m_showAsTable = nullptr;
    QPushButton *m_exportButton = nullptr;
    QStackedWidget *m_chartStack = nullptr;
    RunSpendChart *m_chart = nullptr;
    QTableView *m_timelineTable = nullptr;
    QTabWidget *m_tabs = nullptr;
    QTableView *m_callsTable = nullptr;
    QTableView *m_keysTable = nullptr;
    QTimer *m_searchTimer = nullptr;
};

} // namespace keybrake
