#pragma once

#include <QList>
#include <QWidget>

class QLabel;
class QTableView;

namespace keybrake {

class ConsoleSession;
class MessageBanner;
class StatCard;
class StatsModel;
class VaultKeyFilterProxyModel;
class VaultKeyTableModel;

// The first Overview: the four stat cards of GET /v1/stats/today, refreshed with the rest of the
// console, with their "as of" time always visible, and the loaded keys at 80 % of their cap or
// more, fullest first.
class OverviewPage : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(OverviewPage)

public:
    // `keys` is the Vault Keys page's model: the at-risk list shares its rows and refreshes.
    OverviewPage(ConsoleSession *session, VaultKeyTableModel *keys, QWidget *parent = nullptr);
    ~OverviewPage() override;

    StatsModel *model() const { return m_model; }
    StatCard *card(int index) const { return m_cards.value(index); }

Q_SIGNALS:
    void openVaultKeysRequested();
    void openKeyRequested(const QString &keyId);

private:
    void updateCards();
    void updateAtRisk();

    ConsoleSession *m_session;
    StatsModel *m_model;
    QList<StatCard *> m_cards;
    QLabel *m_asOf;
    MessageBanner *m_banner;
    VaultKeyTableModel *m_keys;
    VaultKeyFilterProxyModel *m_atRisk;
    QTableView *m_atRiskView;
    QLabel *m_atRiskNote;
};

} // namespace keybrake
