#include "models/statsmodel.h"

#include "client/keybrakeclient.h"
#include "models/connectionmonitor.h"
#include "models/usdtext.h"

#include <QLocale>

namespace keybrake {

StatsModel::StatsModel(client::KeybrakeClient *client, QObject *parent)
    : QAbstractListModel(parent)
    , m_client(client)
{
}

StatsModel::~StatsModel() = default;

void StatsModel::setConnectionMonitor(ConnectionMonitor *monitor)
{
    m_monitor = monitor;
}

void StatsModel::setTimeFormatter(const TimeFormatter &formatter)
{
    m_time = formatter;
    Q_EMIT dataChanged(index(0), index(CardCount - 1), {DetailRole});
}

int StatsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : CardCount;
}

QVariant StatsModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const int card = index.row();
    switch (role) {
    case Qt::DisplayRole:
    case ValueRole:
        return value(card);
    case TitleRole:
        return title(card);
    case DetailRole:
        return detail(card);
    case RawValueRole:
        return raw(card);
    case WarningRole:
        return card == BlockedTodayCard && m_stats && m_stats->blockedToday > 0;
    case Qt::AccessibleTextRole:
        return tr("%1: %2. %3").arg(title(card), value(card), detail(card));
    default:
        return {};
    }
}

QHash<int, QByteArray> StatsModel::roleNames() const
{
    QHash<int, QByteArray> names = QAbstractListModel::roleNames();
    names.insert(TitleRole, "title");
    names.insert(ValueRole, "value");
    names.insert(DetailRole, "detail");
    names.insert(RawValueRole, "rawValue");
    names.insert(WarningRole, "warning");
    return names;
}

void StatsModel::refresh()
{
    if (m_inFlight)
        return;
    m_inFlight = true;
    client::ApiRequest *request =
        m_client->todayStats(this, [this](const client::Result<client::TodayStats> &result) {
            m_inFlight = false;
            if (!result) {
                m_lastError = result.error().message;
                if (m_monitor)
                    m_monitor->reportFailure(result.error());
                Q_EMIT loadFailed(m_lastError);
                return;
            }
            QStringList before;
            for (int card = 0; card < CardCount; ++card)
                before.append(value(card) + detail(card));
            m_stats = *result;
            m_asOf = QDateTime::currentDateTimeUtc();
            m_lastError.clear();
            for (int card = 0; card < CardCount; ++card) {
                // Only the cards whose figures moved are repainted.
                if (before.at(card) != value(card) + detail(card)) {
                    Q_EMIT dataChanged(index(card), index(card),
                                       {Qt::DisplayRole, ValueRole, DetailRole, RawValueRole,
                                        WarningRole, Qt::AccessibleTextRole});
                }
            }
            if (m_monitor)
                m_monitor->reportSuccess();
            Q_EMIT refreshed(m_asOf);
        });
    if (m_monitor)
        m_monitor->track(request);
}

QString StatsModel::title(int card) const
{
    switch (card) {
    case ActiveKeysCard:
        return tr("Active keys");
    case SpendTodayCard:
        return tr("Spent today");
    case CallsTodayCard:
        return tr("Calls today");
    case BlockedTodayCard:
        return tr("Blocked today");
    default:
        return {};
    }
}

QString StatsModel::value(int card) const
{
    if (!m_stats)
        return tr("—");
    const QLocale locale(QLocale::English);
    switch (card) {
    case ActiveKeysCard:
        return locale.toString(m_stats->activeKeys);
    case SpendTodayCard:
        return UsdText::display(m_stats->spendTodayUsd);
    case CallsTodayCard:
        return locale.toString(m_stats->callsToday);
    case BlockedTodayCard:
        return locale.toString(m_stats->blockedToday);
    default:
        return {};
    }
}

QString StatsModel::detail(int card) const
{
    if (!m_stats)
        return tr("Loading…");
    switch (card) {
    case ActiveKeysCard:
        return tr("vault keys that can make calls now");
    case SpendTodayCard: {
        // The window is a calendar day in the server's spend zone; say when it ends in the zone
        // the user reads times in, and name the spend zone only when it is another one.
        const QString zone =
            m_stats->spendTimezone.isEmpty() ? QStringLiteral("UTC") : m_stats->spendTimezone;
        const QString held = tr("+ %1 held").arg(UsdText::display(m_stats->heldUsd));
        if (!m_stats->resetsAt.isValid())
            return held;
        QString resets =
            tr("resets %1 %2 (%3)")
                .arg(m_time.clock(m_stats->resetsAt), m_time.zoneName(m_stats->resetsAt),
                     m_time.relative(m_stats->resetsAt, QDateTime::currentDateTimeUtc()));
        if (zone != m_time.zoneName(m_stats->resetsAt))
            resets += tr(", a day in %1").arg(zone);
        return tr("%1 · %2").arg(held, resets);
    }
    case CallsTodayCard:
        return tr("proxied requests, any verdict");
    case BlockedTodayCard:
        if (m_stats->callsToday > 0)
            return tr("%1 % of calls, refused by policy or cap")
                .arg(QString::number(
                    100.0 * double(m_stats->blockedToday) / double(m_stats->callsToday), 'f', 1));
        return tr("refused by policy or cap");
    default:
        return {};
    }
}

QVariant StatsModel::raw(int card) const
{
    if (!m_stats)
        return {};
    switch (card) {
    case ActiveKeysCard:
        return m_stats->activeKeys;
    case SpendTodayCard:
        return QVariant::fromValue<qint64>(m_stats->spendTodayUsd.micros());
    case CallsTodayCard:
        return m_stats->callsToday;
    case BlockedTodayCard:
        return m_stats->blockedToday;
    default:
        return {};
    }
}

} // namespace keybrake
