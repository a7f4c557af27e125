#pragma once

#include <QElapsedTimer>
#include <QWidget>

class QBarCategoryAxis;
class QBarSet;
class QChart;
class QComboBox;
class QHorizontalBarSeries;
class QLabel;
class QSortFilterProxyModel;
class QStackedBarSeries;
class QTabWidget;
class QValueAxis;

namespace keybrake {

class AgentReportModel;
class AnomalyModel;
class ConsoleSession;
class MessageBanner;
class ReportSection;
class RunTableModel;
class VendorDailyModel;

// The Reports page: the four reports of issue 5 over one range of spend days, each as a table
// with a chart where a chart helps, "Show as table", and a CSV export of its table:
//   1. per-run cost summary (GET /v1/runs), top runs by spend as bars;
//   2. per-agent totals by label prefix (GET /v1/reports/agents), top agents as bars;
//   3. per-vendor daily trend (GET /v1/reports/vendors/daily) as stacked bars;
//   4. anomalies (GET /v1/reports/anomalies), a table of findings with the server's reasons.
// The range is the last N spend windows in the server's spend time zone; runs are counted from
// the first window's start (the agents report's `since`), so the three spend reports reconcile.
class ReportsPage : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ReportsPage)

public:
    enum Tab {
        RunsTab,
        AgentsTab,
        VendorsTab,
        AnomaliesTab,
    };
    Q_ENUM(Tab)

    // Bars shown in the run and agent charts; the tables hold every row.
    static constexpr int TopBars = 10;
    static constexpr int AutoRefreshSeconds = 30;

    explicit ReportsPage(ConsoleSession *session, QWidget *parent = nullptr);
    ~ReportsPage() override;

    RunTableModel *runModel() const { return m_runs; }
    AgentReportModel *agentModel() const { return m_agents; }
    VendorDailyModel *vendorModel() const { return m_vendors; }
    AnomalyModel *anomalyModel() const { return m_anomalies; }
    ReportSection *section(Tab tab) const;
    QTabWidget *tabs() const { return m_tabs; }
    int days() const { return m_days; }

    // The chart data as plotted: bar values in dollars per category.
    QStackedBarSeries *vendorSeries() const { return m_vendorSeries; }
    QHorizontalBarSeries *agentSeries() const { return m_agentSeries; }
    QHorizontalBarSeries *runSeries() const { return m_runSeries; }

public Q_SLOTS:
    void setDays(int days);
    void refresh();
    // Writes the table of `tab` to `path` (every row; the runs are read to the end first).
    void exportTo(ReportsPage::Tab tab, const QString &path);

Q_SIGNALS:
    void exportFinished(bool ok, const QString &message);
    void openRunRequested(const QString &label);
    void openKeyRequested(const QString &keyId);
    // The calls behind a row: an agent's (label prefix) or a day's, in the audit log.
    void auditRequested(const QString &labelPrefix, const QDateTime &since, const QDateTime &until);

protected:
    void showEvent(QShowEvent *event) override;

private:
    void buildUi();
    void exportWithDialog(Tab tab);
    void writeExport(Tab tab, const QString &path);
    void updateRuns();
    void updateAgents();
    void updateVendors();
    void updateAnomalies();
    void updateAsOf();
    void reportFailure(const QString &what, const QString &message);
    QStringList headerLines(Tab tab) const;

    ConsoleSession *m_session;
    RunTableModel *m_runs;
    QSortFilterProxyModel *m_runsSorted;
    AgentReportModel *m_agents;
    VendorDailyModel *m_vendors;
    AnomalyModel *m_anomalies;
    QComboBox *m_range = nullptr;
    QLabel *m_asOf = nullptr;
    QLabel *m_zone = nullptr;
    MessageBanner *m_banner = nullptr;
    QTabWidget *m_tabs = nullptr;
    QList<ReportSection *> m_sections;
    QChart *m_runChart = nullptr;
    QHorizontalBarSeries *m_runSeries = nullptr;
    QChart *m_agentChart = nullptr;
    QHorizontalBarSeries *m_agentSeries = nullptr;
    QChart *m_vendorChart = nullptr;
    QStackedBarSeries *m_vendorSeries = nullptr;
    // The model rows behind each bar, bottom bar first (QHorizontalBarSeries draws upwards).
    QList<int> m_runBarRows;
    QList<int> m_agentBarRows;
    QString m_pendingRunsExport;
    int m_days = 30;
    bool m_started = false;
    QElapsedTimer m_lastLoad;
};

} // namespace keybrake
