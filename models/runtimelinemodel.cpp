#include "models/runtimelinemodel.h"

#include "client/jsoncodec.h"
#include "client/keybrakeclient.h"
#include "models/connectionmonitor.h"
#include "models/usdtext.h"

#include <QLocale>

#include <algorithm>

namespace keybrake {

using client::Result;
using client::RunTimeline;
using client::TimelineBucket;

RunTimelineModel::RunTimelineModel(client::KeybrakeClient *client, QObject *parent)
    : QAbstractTableModel(parent)
    , m_client(client)
{
}

RunTimelineModel::~RunTimelineModel() = default;

void RunTimelineModel::setConnectionMonitor(ConnectionMonitor *monitor)
{
    m_monitor = monitor;
}

void RunTimelineModel::setTimeFormatter(const TimeFormatter &formatter)
{
    m_time = formatter;
    if (rowCount() > 0)
        Q_EMIT dataChanged(index(0, StartColumn), index(rowCount() - 1, EndColumn),
                           {Qt::DisplayRole});
}

void RunTimelineModel::load(const QString &label, const client::TimelineQuery &query)
{
    if (label == m_label && query == m_query && (m_loaded || m_inFlight)) {
        refresh();
        return;
    }
    ++m_generation;
    m_inFlight = false;
    const bool otherRun = label != m_label;
    m_label = label;
    m_query = query;
    if (otherRun) {
        beginResetModel();
        m_timeline = {};
        m_series = {};
        m_loaded = false;
        endResetModel();
    }
    if (!label.isEmpty())
        fetch(false);
}

void RunTimelineModel::clear()
{
    ++m_generation;
    beginResetModel();
    m_label.clear();
    m_query = {};
    m_timeline = {};
    m_series = {};
    m_loaded = false;
    m_inFlight = false;
    endResetModel();
    setLoading(false);
}

void RunTimelineModel::refresh()
{
    if (m_label.isEmpty() || m_inFlight)
        return;
    fetch(false);
}

void RunTimelineModel::fetch(bool fitted)
{
    m_inFlight = true;
    if (!m_loaded)
        setLoading(true);
    const quint64 generation = m_generation;
    client::ApiRequest *request = m_client->runTimeline(
        m_label, m_query, this, [this, generation, fitted](const Result<RunTimeline> &result) {
            if (generation != m_generation)
                return;
            m_inFlight = false;
            if (!result) {
                const QJsonValue fitting = result.error().details.value(u"fitting_bucket");
                if (!fitted && result.error().field == u"bucket" && fitting.isString()) {
                    m_query.bucket = fitting.toString();
                    Q_EMIT bucketAdjusted(m_query.bucket);
                    fetch(true);
                    return;
                }
                setLoading(false);
                m_lastError = result.error().message;
                if (m_monitor)
                    m_monitor->reportFailure(result.error());
                Q_EMIT loadFailed(m_lastError);
                return;
            }
            const RunTimeline &fresh = *result;
            const qsizetype before = m_timeline.buckets.size();
            const qsizetype after = fresh.buckets.size();
            const bool sameStart = m_loaded && before > 0 && after > 0
                && m_timeline.buckets.constFirst().start == fresh.buckets.constFirst().start
                && m_timeline.bucketSeconds == fresh.bucketSeconds;
            // The usual refresh of a running run only adds buckets at the end and changes the
            // last ones: rows are updated and appended in place. Anything else is a new table.
            if (sameStart && after >= before) {
                int firstChanged = int(before);
                for (qsizetype i = 0; i < before; ++i) {
                    if (!(m_timeline.buckets.at(i) == fresh.buckets.at(i))) {
                        firstChanged = int(i);
                        break;
                    }
                }
                if (after > before)
                    beginInsertRows({}, int(before), int(after) - 1);
                m_timeline = fresh;
                m_series = TimelineSeries::from(m_timeline);
                if (after > before)
                    endInsertRows();
                if (firstChanged < before)
                    Q_EMIT dataChanged(index(firstChanged, 0),
                                       index(int(before) - 1, ColumnCount - 1));
            } else {
                beginResetModel();
                m_timeline = fresh;
                m_series = TimelineSeries::from(m_timeline);
                endResetModel();
            }
            m_loaded = true;
            m_lastError.clear();
            m_asOf = QDateTime::currentDateTimeUtc();
            setLoading(false);
            if (m_monitor)
                m_monitor->reportSuccess();
            Q_EMIT loaded();
        });
    if (m_monitor)
        m_monitor->track(request);
}

int RunTimelineModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_timeline.buckets.size());
}

int RunTimelineModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant RunTimelineModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const TimelineBucket &bucket = m_timeline.buckets.at(index.row());
    const QDateTime end = bucket.start.addSecs(m_timeline.bucketSeconds);
    const QLocale locale(QLocale::English);
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case StartColumn:
            return m_time.clock(bucket.start);
        case EndColumn:
            return m_time.clock(end);
        case CallsColumn:
            return locale.toString(bucket.calls);
        case AllowedColumn:
            return locale.toString(bucket.allowed);
        case DeniedColumn:
            return locale.toString(bucket.denied);
        case SpendColumn:
            return UsdText::exact(bucket.spendUsd);
        case CumulativeColumn:
            return UsdText::exact(bucket.cumulativeSpendUsd);
        default:
            return {};
        }
    case Qt::ToolTipRole:
        if (index.column() == StartColumn || index.column() == EndColumn)
            return m_time.absolute(index.column() == StartColumn ? bucket.start : end);
        return {};
    case RawValueRole:
        switch (index.column()) {
        case StartColumn:
            return bucket.start.toMSecsSinceEpoch();
        case EndColumn:
            return end.toMSecsSinceEpoch();
        case CallsColumn:
            return bucket.calls;
        case AllowedColumn:
            return bucket.allowed;
        case DeniedColumn:
            return bucket.denied;
        case SpendColumn:
            return QVariant::fromValue<qint64>(bucket.spendUsd.micros());
        case CumulativeColumn:
            return QVariant::fromValue<qint64>(bucket.cumulativeSpendUsd.micros());
        default:
            return {};
        }
    case ExportRole:
        switch (index.column()) {
        case StartColumn:
            return client::JsonCodec::timeToJson(bucket.start).toString();
        case EndColumn:
            return client::JsonCodec::timeToJson(end).toString();
        case SpendColumn:
            return QString::fromStdString(bucket.spendUsd.toDecimal());
        case CumulativeColumn:
            return QString::fromStdString(bucket.cumulativeSpendUsd.toDecimal());
        default:
            return data(index, RawValueRole);
        }
    case Qt::TextAlignmentRole:
        if (index.column() >= CallsColumn)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return QVariant::fromValue(Qt::AlignLeft | Qt::AlignVCenter);
    default:
        return {};
    }
}

QVariant RunTimelineModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::DisplayRole) {
        switch (section) {
        case StartColumn:
            return tr("From (%1)").arg(m_time.zoneName());
        case EndColumn:
            return tr("To");
        case CallsColumn:
            return tr("Calls");
        case AllowedColumn:
            return tr("Allowed");
        case DeniedColumn:
            return tr("Denied");
        case SpendColumn:
            return tr("Spend");
        case CumulativeColumn:
            return tr("Run total");
        default:
            return {};
        }
    }
    if (role == ExportRole) {
        static const char *names[] = {
            "start", "end", "calls", "allowed", "denied", "spend_usd", "cumulative_spend_usd"};
        return section >= 0 && section < ColumnCount ? QString::fromLatin1(names[section])
                                                     : QString();
    }
    return {};
}

int RunTimelineModel::bucketAt(qint64 msSinceEpoch) const
{
    const qint64 length = m_timeline.bucketSeconds * 1000;
    if (m_timeline.buckets.isEmpty() || length <= 0)
        return -1;
    const qint64 first = m_timeline.buckets.constFirst().start.toMSecsSinceEpoch();
    if (msSinceEpoch < first)
        return -1;
    const qint64 row = (msSinceEpoch - first) / length;
    return row < m_timeline.buckets.size() ? int(row) : -1;
}

QList<client::TimelineDenial> RunTimelineModel::denialsIn(int row) const
{
    QList<client::TimelineDenial> found;
    if (row < 0 || row >= m_timeline.buckets.size())
        return found;
    const QDateTime start = m_timeline.buckets.at(row).start;
    const QDateTime end = start.addSecs(m_timeline.bucketSeconds);
    // Denials are oldest first: find the first at or after `start`.
    auto it = std::lower_bound(
        m_timeline.denials.cbegin(), m_timeline.denials.cend(), start,
        [](const client::TimelineDenial &denial, const QDateTime &at) { return denial.ts < at; });
    for (; it != m_timeline.denials.cend() && it->ts < end; ++it)
        found.append(*it);
    return found;
}

void RunTimelineModel::setLoading(bool loading)
{
    if (loading == m_loading)
        return;
    m_loading = loading;
    Q_EMIT loadingChanged(loading);
}

} // namespace keybrake
