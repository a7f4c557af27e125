#include "models/keyauditmodel.h"

#include "client/keybrakeclient.h"
#include "models/connectionmonitor.h"
#include "models/usdtext.h"

namespace keybrake {

using client::AuditEntry;

KeyAuditModel::KeyAuditModel(client::KeybrakeClient *client, QObject *parent)
    : QAbstractTableModel(parent)
    , m_client(client)
{
}

KeyAuditModel::~KeyAuditModel() = default;

void KeyAuditModel::setConnectionMonitor(ConnectionMonitor *monitor)
{
    m_monitor = monitor;
}

void KeyAuditModel::setTimeFormatter(const TimeFormatter &formatter)
{
    m_time = formatter;
    if (!m_entries.isEmpty())
        Q_EMIT dataChanged(index(0, TimeColumn), index(int(m_entries.size()) - 1, TimeColumn),
                           {Qt::DisplayRole, Qt::ToolTipRole});
}

void KeyAuditModel::setKeyId(const QString &keyId)
{
    if (keyId == m_keyId && (m_loaded || m_loading))
        return;
    ++m_generation;
    beginResetModel();
    m_keyId = keyId;
    m_entries.clear();
    m_ids.clear();
    m_nextCursor.clear();
    m_loaded = false;
    m_inFlight = false;
    endResetModel();
    if (!keyId.isEmpty())
        fetch(QString(), true);
}

int KeyAuditModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_entries.size());
}

int KeyAuditModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant KeyAuditModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const AuditEntry &entry = m_entries.at(index.row());
    const int column = index.column();
    if (role == Qt::DisplayRole) {
        switch (column) {
        case TimeColumn:
            return m_time.clock(entry.ts, true);
        case OperationColumn:
            return entry.operation.isEmpty() ? tr("%1 %2").arg(entry.method, entry.path)
                                             : entry.operation;
        case VerdictColumn:
            return verdictText(entry.verdict);
        case CostColumn:
            return entry.costSource == QLatin1String("estimated")
                ? tr("%1 (est.)").arg(UsdText::display(entry.costUsd))
                : UsdText::display(entry.costUsd);
        case StatusColumn:
            return entry.httpStatus ? QString::number(entry.httpStatus) : QString();
        case LatencyColumn:
            return entry.latencyMs ? tr("%1 ms").arg(QString::number(*entry.latencyMs, 'f', 0))
                                   : QString();
        default:
            return {};
        }
    }
    if (role == Qt::ToolTipRole) {
        switch (column) {
        case TimeColumn:
            return m_time.absolute(entry.ts);
        case OperationColumn:
            return tr("%1 %2").arg(entry.method, entry.path);
        case VerdictColumn:
            return entry.reason.isEmpty()
                ? verdictText(entry.verdict)
                : tr("%1: %2").arg(verdictText(entry.verdict), entry.reason);
        case CostColumn:
            if (entry.capUsageAfterUsd)
                return tr("Cost source: %1\nCap usage after the call: %2")
                    .arg(entry.costSource, UsdText::display(*entry.capUsageAfterUsd));
            return tr("Cost source: %1").arg(entry.costSource);
        case StatusColumn:
            return entry.upstreamStatus ? tr("Vendor answered %1").arg(*entry.upstreamStatus)
                                        : tr("Not forwarded to the vendor");
        default:
            return {};
        }
    }
    if (role == RawValueRole) {
        switch (column) {
        case TimeColumn:
            return entry.ts;
        case CostColumn:
            return QVariant::fromValue<qint64>(entry.costUsd.micros());
        case StatusColumn:
            return entry.httpStatus;
        case LatencyColumn:
            return entry.latencyMs.value_or(0.0);
        default:
            return data(index, Qt::DisplayRole);
        }
    }
    if (role == DeniedRole)
        return entry.isDenied();
    if (role == Qt::TextAlignmentRole) {
        if (column == CostColumn || column == StatusColumn || column == LatencyColumn)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return QVariant::fromValue(Qt::AlignLeft | Qt::AlignVCenter);
    }
    return {};
}

QVariant KeyAuditModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case TimeColumn:
        return tr("Time");
    case OperationColumn:
        return tr("Operation");
    case VerdictColumn:
        return tr("Verdict");
    case CostColumn:
        return tr("Cost");
    case StatusColumn:
        return tr("HTTP");
    case LatencyColumn:
        return tr("Latency");
    default:
        return {};
    }
}

bool KeyAuditModel::canFetchMore(const QModelIndex &parent) const
{
    return !parent.isValid() && m_loaded && !m_nextCursor.isEmpty() && !m_inFlight;
}

void KeyAuditModel::fetchMore(const QModelIndex &parent)
{
    if (canFetchMore(parent))
        fetch(m_nextCursor, true);
}

const AuditEntry *KeyAuditModel::entryAt(int row) const
{
    return row >= 0 && row < m_entries.size() ? &m_entries.at(row) : nullptr;
}

QString KeyAuditModel::verdictText(const QString &verdict)
{
    static const QHash<QString, const char *> words = {
        {QStringLiteral("allowed"), QT_TR_NOOP("Allowed")},
        {QStringLiteral("replayed"), QT_TR_NOOP("Replayed")},
        {QStringLiteral("denied_invalid_key"), QT_TR_NOOP("Denied: invalid key")},
        {QStringLiteral("denied_revoked"), QT_TR_NOOP("Denied: revoked")},
        {QStringLiteral("denied_expired"), QT_TR_NOOP("Denied: expired")},
        {QStringLiteral("denied_vendor"), QT_TR_NOOP("Denied: wrong vendor")},
        {QStringLiteral("denied_endpoint"), QT_TR_NOOP("Denied: operation not allowed")},
        {QStringLiteral("denied_scope"), QT_TR_NOOP("Denied: outside scope")},
        {QStringLiteral("denied_cost_unknown"), QT_TR_NOOP("Denied: cost unknown")},
        {QStringLiteral("denied_cap"), QT_TR_NOOP("Denied: cap reached")},
        {QStringLiteral("denied_idempotency"), QT_TR_NOOP("Denied: idempotency conflict")},
        {QStringLiteral("denied_rate"), QT_TR_NOOP("Denied: too fast (velocity limit)")},
        {QStringLiteral("denied_blocked"), QT_TR_NOOP("Denied: prefix blocked")},
        {QStringLiteral("upstream_error"), QT_TR_NOOP("Vendor error")},
    };
    const auto it = words.constFind(verdict);
    return it == words.cend() ? verdict : tr(*it);
}

void KeyAuditModel::refresh()
{
    if (m_keyId.isEmpty() || m_inFlight)
        return;
    fetch(QString(), false);
}

void KeyAuditModel::fetch(const QString &cursor, bool append)
{
    client::AuditQuery query;
    query.keyId = m_keyId;
    query.limit = m_pageSize;
    query.cursor = cursor;
    m_inFlight = true;
    if (!m_loaded)
        setLoading(true);
    const quint64 generation = m_generation;
    client::ApiRequest *request = m_client->audit(
        query, this, [this, generation, append](const client::Result<client::AuditPage> &r) {
            if (generation != m_generation)
                return;
            m_inFlight = false;
            setLoading(false);
            if (!r) {
                m_lastError = r.error().message;
                if (m_monitor)
                    m_monitor->reportFailure(r.error());
                Q_EMIT loadFailed(m_lastError);
                return;
            }
            m_lastError.clear();
            QList<AuditEntry> fresh;
            for (const AuditEntry &entry : r->data) {
                if (!m_ids.contains(entry.id))
                    fresh.append(entry);
            }
            if (!fresh.isEmpty()) {
                const int first = append ? int(m_entries.size()) : 0;
                beginInsertRows({}, first, first + int(fresh.size()) - 1);
                for (const AuditEntry &entry : std::as_const(fresh))
                    m_ids.insert(entry.id);
                if (append)
                    m_entries.append(fresh);
                else
                    m_entries = fresh + m_entries;
                endInsertRows();
            }
            if (append || !m_loaded)
                m_nextCursor = r->nextCursor;
            m_loaded = true;
            if (m_monitor)
                m_monitor->reportSuccess();
            Q_EMIT refreshed();
        });
    if (m_monitor)
        m_monitor->track(request);
}

void KeyAuditModel::setLoading(bool loading)
{
    if (loading == m_loading)
        return;
    m_loading = loading;
    Q_EMIT loadingChanged(loading);
}

} // namespace keybrake
