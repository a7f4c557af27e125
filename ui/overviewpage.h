#pragma once

#include <QList>
#include <QWidget>

class QLabel;

namespace keybrake {

class ConsoleSession;
class MessageBanner;
class StatCard;
class StatsModel;

// The first Overview: the four stat cards of GET /v1/stats/today, refreshed with the rest of the
// console, with their "as of" time always visible.
class OverviewPage : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(OverviewPage)

public:
    explicit OverviewPage(ConsoleSession *session, QWidget *parent = nullptr);
    ~OverviewPage() override;

    StatsModel *model() const { return m_model; }
    StatCard *card(int index) const { return m_cards.value(index); }

Q_SIGNALS:
    void openVaultKeysRequested();

private:
    void updateCards();

    ConsoleSession *m_session;
    StatsModel *m_model;
    QList<StatCard *> m_cards;
    QLabel *m_asOf;
    MessageBanner *m_banner;
};

} // namespace keybrake
