#pragma once

#include <QWidget>

class QAbstractItemModel;
class QChart;
class QChartView;
class QLabel;
class QPushButton;
class QStackedWidget;
class QTableView;

namespace keybrake {

class PageStateWidget;

// One report on the Reports page: a chart with a "Show as table" alternative (or the table
// alone), an "Export CSV…" button, a note under the title (range, zone, totals), and the
// loading, empty and error states in place of the content.
//
// The chart is the page's to fill; the section keeps it readable in the current palette (theme,
// label and grid colours follow the window's light or dark palette).
class ReportSection : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ReportSection)

public:
    // `chart` may be null: the table is the report. `name` is the stem of object names.
    ReportSection(const QString &name, const QString &title, QAbstractItemModel *tableModel,
                  QChart *chart, QWidget *parent = nullptr);
    ~ReportSection() override;

    QTableView *table() const { return m_table; }
    QChart *chart() const { return m_chart; }
    QChartView *chartView() const { return m_chartView; }
    QPushButton *tableToggle() const { return m_toggle; }
    QPushButton *exportButton() const { return m_export; }
    bool showsTable() const;
    void setShowsTable(bool table);
    void setNote(const QString &text);
    QString note() const;

    void showContent();
    void showLoading(const QString &text);
    void showEmpty(const QString &title, const QString &text);
    void showError(const QString &text);

    // Colours of the chart's axes, labels and legend from `palette` (light or dark).
    static void applyPalette(QChart *chart, const QPalette &palette);

Q_SIGNALS:
    void exportRequested();
    void retryRequested();

protected:
    void changeEvent(QEvent *event) override;

private:
    QChart *m_chart;
    QChartView *m_chartView = nullptr;
    QTableView *m_table;
    QLabel *m_note;
    QPushButton *m_toggle = nullptr;
    QPushButton *m_export;
    QStackedWidget *m_stack;
    QStackedWidget *m_views;
    PageStateWidget *m_state;
};

} // namespace keybrake
