#include "models/vendorspendtodaymodel.h"

#include "client/keybrakeclient.h"
#include "models/connectionmonitor.h"
#include "models/timelineseries.h"
#include "models/usdtext.h"
#include "models/vendortext.h"

#include <algorithm>

namespace keybrake {

using client::AuditEntry;
using client::AuditPage;
using client::Result;

VendorSpendTodayModel::VendorSpendTodayModel(client::KeybrakeClient *client, QObject *parent)
    : QAbstractTableModel(parent)
    , m_client(client)
    , m_vendors(VendorText::known())
{
}

VendorSpendTodayModel::~VendorSpendTodayModel() = default;

void VendorSpendTodayModel::setConnectionMonitor(ConnectionMonitor *monitor)
{
    m_monitor = monitor;
}

void VendorSpendTodayModel::setTimeFormatter(const TimeFormatter &formatter)
{
    m_time = formatter;
    if (m_rows > 0)
        Q_EMIT dataChanged(index(0, 0), index(m_rows - 1, 0));
}

void VendorSpendTodayModel::setWindow(const QDateTime &start, const QDateTime &end)
{
    if (start == m_start && end == m_end)
        return;
    ++m_generation;
    m_inFlight = false;
    beginResetModel();
    m_start = start;
    m_end = end;
    m_ids.clear();
    m_newest = {};
    m_loaded = false;
    m_partial = false;
    resetSteps();
    m_rows = visibleSteps();
    endResetModel();
    refresh();
}

void VendorSpendTodayModel::resetSteps()
{
    m_steps.clear();
    if (!m_start.isValid() || !m_end.isValid())
        return;
    const qint64 steps = std::max<qint64>(
        1, (m_end.toMSecsSinceEpoch() - m_start.toMSecsSinceEpoch() + StepMs - 1) / StepMs);
    for (const QString &vendor : std::as_const(m_vendors))
        m_steps.insert(vendor, QList<qint64>(steps, 0));
}

int VendorSpendTodayModel::visibleSteps() const
{
    if (!m_start.isValid())
        return 0;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const qint64 total = m_steps.isEmpty() ? 0 : m_steps.cbegin()->size();
    const qint64 elapsed = (now - m_start.toMSecsSinceEpoch()) / StepMs + 1;
    return int(std::clamp<qint64>(elapsed, 0, total));
}

void VendorSpendTodayModel::refresh()
{
    if (!m_start.isValid() || m_inFlight)
        return;
    // The newest call known is read again (since is inclusive): ids drop the repeat.
    fetch(QString(), m_loaded ? m_newest : m_start, MaxPages, !m_loaded);
}

void VendorSpendTodayModel::fetch(const QString &cursor, const QDateTime &since, int pagesLeft,
                                  bool firstLoad)
{
    client::AuditQuery query;
    query.verdict = QStringLiteral("allowed");
    query.since = since.isValid() ? since : m_start;
    query.until = m_end;
    query.limit = 1000;
    query.cursor = cursor;
    m_inFlight = true;
    const quint64 generation = m_generation;
    client::ApiRequest *request = m_client->audit(
        query, this,
        [this, generation, since, pagesLeft, firstLoad](const Result<AuditPage> &result) {
            if (generation != m_generation)
                return;
            if (!result) {
                m_inFlight = false;
                m_lastError = result.error().message;
                if (m_monitor)
                    m_monitor->reportFailure(result.error());
                Q_EMIT loadFailed(m_lastError);
                return;
            }
            bool metKnown = false;
            for (const AuditEntry &entry : result->data) {
                if (m_ids.contains(entry.id)) {
                    metKnown = true;
                    continue;
                }
                count(entry);
            }
            // Newest first: the next page is older. Stop at calls already counted.
            if (result->hasMore() && !metKnown) {
                if (pagesLeft > 1) {
                    fetch(result->nextCursor, since, pagesLeft - 1, firstLoad);
                    return;
                }
                if (firstLoad)
                    m_partial = true;
            }
            m_inFlight = false;
            m_loaded = true;
            m_lastError.clear();
            m_asOf = QDateTime::currentDateTimeUtc();
            const int rows = visibleSteps();
            if (rows > m_rows) {
                beginInsertRows({}, m_rows, rows - 1);
                m_rows = rows;
                endInsertRows();
            }
            if (m_rows > 0)
                Q_EMIT dataChanged(index(0, 1), index(m_rows - 1, columnCount() - 1));
            if (m_monitor)
                m_monitor->reportSuccess();
            Q_EMIT updated();
        });
    if (m_monitor)
        m_monitor->track(request);
}

bool VendorSpendTodayModel::count(const AuditEntry &entry)
{
    if (entry.verdict != u"allowed" || entry.kind != client::AuditKind::Call)
        return false;
    const qint64 at = entry.ts.toMSecsSinceEpoch();
    const qint64 step = (at - m_start.toMSecsSinceEpoch()) / StepMs;
    auto it = m_steps.find(entry.vendor);
    if (it == m_steps.end() || step < 0 || step >= it->size())
        return false;
    m_ids.insert(entry.id);
    (*it)[step] += entry.costUsd.micros();
    if (!m_newest.isValid() || entry.ts > m_newest)
        m_newest = entry.ts;
    return true;
}

bool VendorSpendTodayModel::addEntry(const AuditEntry &entry)
{
    if (!m_loaded || m_ids.contains(entry.id) || !count(entry))
        return false;
    const int rows = visibleSteps();
    if (rows > m_rows) {
        beginInsertRows({}, m_rows, rows - 1);
        m_rows = rows;
        endInsertRows();
    }
    const int step = stepAt(entry.ts.toMSecsSinceEpoch());
    if (step >= 0 && step < m_rows)
        Q_EMIT dataChanged(index(step, 1), index(m_rows - 1, columnCount() - 1));
    Q_EMIT updated();
    return true;
}

int VendorSpendTodayModel::stepAt(qint64 msSinceEpoch) const
{
    if (!m_start.isValid())
        return -1;
    const qint64 step = (msSinceEpoch - m_start.toMSecsSinceEpoch()) / StepMs;
    return step >= 0 && step < m_rows ? int(step) : -1;
}

Usd VendorSpendTodayModel::cumulativeAt(const QString &vendor, int step) const
{
    const QList<qint64> steps = m_steps.value(vendor);
    qint64 sum = 0;
    for (int i = 0; i <= step && i < steps.size(); ++i)
        sum += steps.at(i);
    return Usd::fromMicros(sum);
}

Usd VendorSpendTodayModel::totalOf(const QString &vendor) const
{
    const QList<qint64> steps = m_steps.value(vendor);
    qint64 sum = 0;
    for (const qint64 micros : steps)
        sum += micros;
    return Usd::fromMicros(sum);
}

QList<QPointF> VendorSpendTodayModel::series(const QString &vendor) const
{
    QList<QPointF> points;
    const QList<qint64> steps = m_steps.value(vendor);
    if (!m_start.isValid())
        return points;
    const qint64 start = m_start.toMSecsSinceEpoch();
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    points.reserve(m_rows + 1);
    points.append(QPointF(qreal(start), 0));
    qint64 sum = 0;
    for (int i = 0; i < m_rows && i < steps.size(); ++i) {
        sum += steps.at(i);
        const qint64 end = std::min(start + (i + 1) * StepMs, std::max(now, start));
        points.append(QPointF(qreal(end), TimelineSeries::dollars(Usd::fromMicros(sum))));
    }
    return points;
}

int VendorSpendTodayModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : m_rows;
}

int VendorSpendTodayModel::columnCount(const QModelIndex &parent) const
{
    // Time, each vendor, the total.
    return parent.isValid() ? 0 : int(m_vendors.size()) + 2;
}

QVariant VendorSpendTodayModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const int step = index.row();
    const int column = index.column();
    const QDateTime end = m_start.addMSecs((step + 1) * StepMs);
    Usd value;
    if (column >= 1 && column <= m_vendors.size()) {
        value = cumulativeAt(m_vendors.at(column - 1), step);
    } else if (column == m_vendors.size() + 1) {
        for (const QString &vendor : m_vendors)
            value += cumulativeAt(vendor, step);
    }
    switch (role) {
    case Qt::DisplayRole:
        return column == 0 ? m_time.clock(end) : UsdText::exact(value);
    case Qt::ToolTipRole:
        return column == 0 ? m_time.absolute(end) : QVariant();
    case RawValueRole:
        return column == 0 ? QVariant(end.toMSecsSinceEpoch())
                           : QVariant::fromValue<qint64>(value.micros());
    case Qt::TextAlignmentRole:
        return column == 0 ? QVariant::fromValue(Qt::AlignLeft | Qt::AlignVCenter)
                           : QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    default:
        return {};
    }
}

QVariant VendorSpendTodayModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    if (section == 0)
        return tr("Until (%1)").arg(m_time.zoneName());
    if (section >= 1 && section <= m_vendors.size())
        return tr("%1 so far").arg(VendorText::displayName(m_vendors.at(section - 1)));
    return tr("All vendors");
}

} // namespace keybrake
