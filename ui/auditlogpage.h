#pragma once

#include "client/auditquery.h"
#include "models/httpstatusclass.h"

#include <QWidget>

class QAction;
class QComboBox;
class QDateTimeEdit;
class QLabel;
class QLineEdit;
class QPushButton;
class QStackedWidget;
class QTableView;
class QTimer;
class QToolButton;

namespace keybrake {

class LiveTableHold;

class AuditExportFile;
class AuditLogModel;
class ConsoleSession;
class MessageBanner;
class PageStateWidget;

// The Audit Log page: every proxied call, newest first, through the server's cursors as the
// table scrolls; filters by key, run label (exact or prefix), vendor, verdict, HTTP status class
// and time range; and a CSV export of exactly the filter shown, streamed to the file as the
// server sends it.
//
// It loads the first time it is shown, not at sign-in, and then follows the console's refresh
// (new rows on top, the scroll position kept).
class AuditLogPage : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AuditLogPage)

public:
    // The time range choices of the filter bar.
    enum class Range {
        AnyTime,
        Last15Minutes,
        LastHour,
        Last24Hours,
        Last7Days,
        Custom,
    };
    Q_ENUM(Range)

    explicit AuditLogPage(ConsoleSession *session, QWidget *parent = nullptr);
    ~AuditLogPage() override;

    AuditLogModel *model() const { return m_model; }
    QTableView *table() const { return m_table; }
    // The live tail: Pause stops new calls from arriving (they are counted); Scroll lock keeps
    // the rows in view where they are as new ones arrive on top (off: the view follows the
    // newest while it is at the top).
    QToolButton *pauseTailButton() const { return m_pauseTail; }
    QToolButton *scrollLockButton() const { return m_scrollLock; }
    bool isTailPaused() const;
    int callsWhilePaused() const { return m_pausedNew; }
    AuditExportFile *exporter() const { return m_export; }
    QAction *exportAction() const { return m_exportAction; }

    // The filter the filter bar describes now, as the server receives it (presets resolved
    // against now), and the console's own Status filter.
    client::AuditQuery currentQuery() const;
    HttpStatusClass::Value currentStatus() const;

    // Ctrl+F on this page: the run label filter, its text selected.
    void focusSearch();
    // From other pages: "this key's calls", "this run's calls". Clears the other filters.
    void showKey(const QString &keyId);
    void showLabel(const QString &label, bool prefix);
    // Custom range [since, until); an invalid end is open.
    void setCustomRange(const QDateTime &since, const QDateTime &until);
    // The calls behind a report row: a label prefix (or every label) in a range.
    void showCalls(const QString &labelPrefix, const QDateTime &since, const QDateTime &until);

public Q_SLOTS:
    void refresh();
    void applyFilters();
    void clearFilters();
    // Asks for a file name, then exportTo().
    void exportCsv();
    // Streams GET /v1/audit.csv of the shown filter to `path`.
    void exportTo(const QString &path);

Q_SIGNALS:
    void exportFinished(bool ok, const QString &message);

protected:
    void showEvent(QShowEvent *event) override;

private:
    void buildUi();
    void updateState();
    void updateStaleBanner();
    void updateSummary();
    void updateRangeEdits();
    void onExportFinished(bool ok, const QString &message);
    void updateTailState();
    void loadActors();
    void addActor(const QString &id, const QString &name);
    void addActorsOfRows(int first, int last);
    QString currentActor() const;

    ConsoleSession *m_session;
    AuditLogModel *m_model;
    AuditExportFile *m_export;
    QLineEdit *m_key = nullptr;
    QComboBox *m_labelMode = nullptr;
    QLineEdit *m_label = nullptr;
    QComboBox *m_vendor = nullptr;
    QComboBox *m_verdict = nullptr;
    QComboBox *m_status = nullptr;
    QComboBox *m_kind = nullptr; // Calls / Admin activity / All
    // Whose admin activity: "anyone" first, then the admin keys by name (from the server for an
    // admin, else from the rows seen); editable, so an id can be typed too.
    QComboBox *m_actor = nullptr;
    QComboBox *m_range = nullptr;
    QDateTimeEdit *m_since = nullptr;
    QDateTimeEdit *m_until = nullptr;
    QWidget *m_customRange = nullptr; // from, until and the zone: shown for "Between…"
    QLabel *m_zone = nullptr;
    QPushButton *m_exportButton = nullptr;
    QPushButton *m_cancelExport = nullptr;
    QLabel *m_summary = nullptr;
    QLabel *m_asOf = nullptr;
    MessageBanner *m_banner = nullptr;
    QStackedWidget *m_stack = nullptr;
    PageStateWidget *m_state = nullptr;
    QTableView *m_table = nullptr;
    QAction *m_exportAction = nullptr;
    QTimer *m_debounce = nullptr;
    bool m_started = false;
    QToolButton *m_pauseTail = nullptr;
    QToolButton *m_scrollLock = nullptr;
    LiveTableHold *m_hold = nullptr; // the tail also pauses while the pointer is over the rows
    QLabel *m_tailState = nullptr;
    int m_pausedNew = 0; // calls the stream brought while paused
    int m_scrollBefore = -1; // the scroll bar before rows were inserted on top
};

} // namespace keybrake
