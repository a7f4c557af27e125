#pragma once

#include <QList>
#include <QWidget>

class QLabel;
class QPushButton;
class QSortFilterProxyModel;
class QStackedWidget;
class QTableView;

namespace keybrake {

class ConsoleSession;
class MessageBanner;
class RunTableModel;
class StatCard;
class StatsModel;
class VaultKeyFilterProxyModel;
class VaultKeyTableModel;
class VendorSpendChart;
class VendorSpendTodayModel;

// The Overview: the four stat cards of GET /v1/stats/today with their "as of" time always
// visible; today's spend by vendor over the spend window (a chart, or the same as a table); the
// top runs of today by spend with their cap utilisation; and every live key at 80 % of its cap or
// more, fullest first, as the server ranks them (independent of the Vault Keys table). Every run
// and key opens where it lives (Enter or double-click).
class OverviewPage : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(OverviewPage)

public:
    explicit OverviewPage(ConsoleSession *session, QWidget *parent = nullptr);
    ~OverviewPage() override;

    StatsModel *model() const { return m_model; }
    StatCard *card(int index) const { return m_cards.value(index); }
    VendorSpendTodayModel *vendorSpendModel() const { return m_vendorSpend; }
    VendorSpendChart *vendorSpendChart() const { return m_vendorChart; }
    QTableView *vendorSpendTable() const { return m_vendorTable; }
    QPushButton *vendorShowAsTableButton() const { return m_vendorShowAsTable; }
    RunTableModel *topRunsModel() const { return m_topRuns; }
    QTableView *topRunsView() const { return m_topRunsView; }
    QTableView *atRiskView() const { return m_atRiskView; }
    VaultKeyTableModel *atRiskModel() const { return m_atRiskKeys; }
    QLabel *atRiskNote() const { return m_atRiskNote; }

Q_SIGNALS:
    void openVaultKeysRequested();
    void openKeyRequested(const QString &keyId);
    void openRunRequested(const QString &label);
    // A stat card: Spent today opens Runs, Calls and Blocked today open the Audit Log.
    void openRunsRequested();
    void openAuditLogRequested();

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void updateCards();
    void openCard(int card);
    void updateAtRisk();
    void updateWindow();
    void updateTodayNotes();
    QWidget *buildVendorSpend();
    QWidget *buildTopRuns();

    ConsoleSession *m_session;
    StatsModel *m_model;
    QList<StatCard *> m_cards;
    QLabel *m_asOf;
    MessageBanner *m_banner;
    VaultKeyTableModel *m_atRiskKeys;
    VaultKeyFilterProxyModel *m_atRisk;
    QTableView *m_atRiskView;
    QLabel *m_atRiskNote;
    VendorSpendTodayModel *m_vendorSpend;
    VendorSpendChart *m_vendorChart = nullptr;
    QTableView *m_vendorTable = nullptr;
    QStackedWidget *m_vendorStack = nullptr;
    QPushButton *m_vendorShowAsTable = nullptr;
    QLabel *m_vendorNote = nullptr;
    RunTableModel *m_topRuns;
    QSortFilterProxyModel *m_topRunsBySpend;
    QTableView *m_topRunsView = nullptr;
    QLabel *m_topRunsNote = nullptr;
};

} // namespace keybrake
