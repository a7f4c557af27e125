#include "models/auditlogmodel.h"

#include "client/keybrakeclient.h"
#include "models/connectionmonitor.h"
#include "models/keyauditmodel.h"
#include "models/usdtext.h"
#include "models/vendortext.h"

#include <QFontDatabase>

#include <algorithm>

namespace keybrake {

using client::AuditEntry;
using client::AuditPage;
using client::Result;

namespace {

constexpr int MaxServerPage = 1000;
// How many pages a refresh reads to meet the rows it has before it starts over instead.
constexpr int MaxCatchUpPages = 20;

qint64 idNumber(const QString &id)
{
    return id.toLongLong();
}

} // namespace

AuditLogModel::AuditLogModel(client::KeybrakeClient *client, QObject *parent)
    : QAbstractTableModel(parent)
    , m_client(client)
{
}

AuditLogModel::~AuditLogModel() = default;

void AuditLogModel::setConnectionMonitor(ConnectionMonitor *monitor)
{
    m_monitor = monitor;
}

void AuditLogModel::setTimeFormatter(const TimeFormatter &formatter)
{
    m_time = formatter;
    Q_EMIT headerDataChanged(Qt::Horizontal, TimeColumn, TimeColumn);
    if (!m_entries.empty())
        Q_EMIT dataChanged(index(0, TimeColumn), index(int(m_entries.size()) - 1, TimeColumn),
                           {Qt::DisplayRole, Qt::ToolTipRole});
}

void AuditLogModel::setPageSize(int rows)
{
    m_pageSize = std::clamp(rows, 1, MaxServerPage);
}

void AuditLogModel::setQuery(const client::AuditQuery &query, bool autoLoad)
{
    client::AuditQuery filters = query;
    filters.cursor.clear();
    filters.limit = 0;
    if (filters == m_query && (m_loaded || m_loading))
        return;
    m_query = filters;
    if (autoLoad)
        reload();
    else
        clearRows();
}

void AuditLogModel::setStatusClass(HttpStatusClass::Value status, bool autoLoad)
{
    if (status == m_status && (m_loaded || m_loading))
        return;
    m_status = status;
    if (autoLoad)
        reload();
    else
        clearRows();
}

void AuditLogModel::clearRows()
{
    ++m_generation;
    beginResetModel();
    m_entries.clear();
    m_ids.clear();
    m_readTop = 0;
    m_nextCursor.clear();
    m_loaded = false;
    m_fetching = false;
    m_refreshing = false;
    endResetModel();
    setLoading(false);
}

int AuditLogModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_entries.size());
}

int AuditLogModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant AuditLogModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const AuditEntry &entry = m_entries.at(index.row());
    const int column = index.column();
    switch (role) {
    case Qt::DisplayRole:
        switch (column) {
        case TimeColumn:
            // The log spans days: the date is part of every row, to the millisecond.
            return m_time.format(entry.ts, QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz"));
        case VerdictColumn:
            if (entry.kind == client::AuditKind::Admin)
                return actionText(entry.action);
            return KeyAuditModel::verdictText(entry.verdict);
        case ActorColumn:
            return entry.actorName.isEmpty() ? entry.actor : entry.actorName;
        case ReasonColumn:
            return entry.reason;
        case KeyColumn:
            return entry.keyName.isEmpty() ? entry.keyId : entry.keyName;
        case RunLabelColumn:
            return entry.agentRunLabel;
        case VendorColumn:
            return VendorText::displayName(entry.vendor);
        case OperationColumn:
            return entry.operation.isEmpty() ? tr("%1 %2").arg(entry.method, entry.path)
                                             : entry.operation;
        case CostColumn:
            return entry.costSource == QLatin1String("estimated")
                ? tr("%1 (est.)").arg(UsdText::display(entry.costUsd))
                : UsdText::display(entry.costUsd);
        case HttpStatusColumn:
            return entry.httpStatus ? QString::number(entry.httpStatus) : QString();
        case LatencyColumn:
            return entry.latencyMs ? tr("%1 ms").arg(QString::number(*entry.latencyMs, 'f', 0))
                                   : QString();
        case RequestIdColumn:
            return entry.requestId;
        default:
            return {};
        }
    case Qt::ToolTipRole:
        switch (column) {
        case TimeColumn:
            return m_time.absolute(entry.ts);
        case ActorColumn:
            return entry.actor;
        case ReasonColumn:
            return entry.reason;
        case VerdictColumn:
            return entry.reason.isEmpty()
                ? KeyAuditModel::verdictText(entry.verdict)
                : tr("%1 (%2)").arg(KeyAuditModel::verdictText(entry.verdict), entry.reason);
        case KeyColumn:
            return entry.keyId.isEmpty() ? tr("No vault key was recognised")
                                         : tr("%1\n%2").arg(entry.keyName, entry.keyId);
        case RunLabelColumn:
            return entry.agentRunLabel;
        case OperationColumn:
            return tr("%1 %2").arg(entry.method, entry.path);
        case CostColumn: {
            QString text =
                tr("%1, cost source: %2").arg(UsdText::exact(entry.costUsd), entry.costSource);
            if (entry.capUsageAfterUsd)
                text += tr("\nCap usage after the call: %1")
                            .arg(UsdText::exact(*entry.capUsageAfterUsd));
            return text;
        }
        case HttpStatusColumn:
            return entry.upstreamStatus ? tr("Vendor answered %1").arg(*entry.upstreamStatus)
                                        : tr("Not forwarded to the vendor");
        case RequestIdColumn:
            return entry.vendorRequestId.isEmpty()
                ? entry.requestId
                : tr("%1\nVendor request: %2").arg(entry.requestId, entry.vendorRequestId);
        default:
            return {};
        }
    case Qt::AccessibleTextRole:
        return tr("%1: %2").arg(headerData(column, Qt::Horizontal).toString(),
                                data(index, Qt::DisplayRole).toString());
    case RawValueRole:
        switch (column) {
        case TimeColumn:
            return entry.ts.toMSecsSinceEpoch();
        case CostColumn:
            return QVariant::fromValue<qint64>(entry.costUsd.micros());
        case HttpStatusColumn:
            return entry.httpStatus;
        case LatencyColumn:
            return entry.latencyMs.value_or(0.0);
        default:
            return data(index, Qt::DisplayRole);
        }
    case VerdictRole:
        // Admin rows have no verdict: "admin" gives them their own, neutral mark.
        return entry.kind == client::AuditKind::Admin ? QStringLiteral("admin") : entry.verdict;
    case DeniedRole:
        return entry.isDenied();
    case EntryIdRole:
        return entry.id;
    case KeyIdRole:
        return entry.keyId;
    case LabelRole:
        return entry.agentRunLabel;
    case Qt::FontRole:
        if (column == RunLabelColumn || column == RequestIdColumn)
            return QFontDatabase::systemFont(QFontDatabase::FixedFont);
        return {};
    case Qt::TextAlignmentRole:
        if (column == CostColumn || column == HttpStatusColumn || column == LatencyColumn)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return QVariant::fromValue(Qt::AlignLeft | Qt::AlignVCenter);
    default:
        return {};
    }
}

QVariant AuditLogModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case TimeColumn:
        return tr("Time (%1)").arg(m_time.zoneName());
    case VerdictColumn:
        return tr("Verdict");
    case KeyColumn:
        return tr("Key");
    case RunLabelColumn:
        return tr("Run label");
    case VendorColumn:
        return tr("Vendor");
    case OperationColumn:
        return tr("Operation");
    case CostColumn:
        return tr("Cost");
    case HttpStatusColumn:
        return tr("HTTP");
    case LatencyColumn:
        return tr("Latency");
    case RequestIdColumn:
        return tr("Request id");
    case ActorColumn:
        return tr("By");
    case ReasonColumn:
        return tr("Reason");
    default:
        return {};
    }
}

QString AuditLogModel::actionText(const QString &action)
{
    static const QHash<QString, const char *> words = {
        {QStringLiteral("key.issued"), QT_TR_NOOP("Issued key")},
        {QStringLiteral("key.revoked"), QT_TR_NOOP("Revoked key")},
        {QStringLiteral("key.revoke_reason"), QT_TR_NOOP("Gave revoke reason")},
        {QStringLiteral("admin_key.created"), QT_TR_NOOP("Created admin key")},
        {QStringLiteral("admin_key.revoked"), QT_TR_NOOP("Revoked admin key")},
        {QStringLiteral("block.created"), QT_TR_NOOP("Blocked prefix")},
        {QStringLiteral("block.lifted"), QT_TR_NOOP("Lifted block")},
        {QStringLiteral("velocity_default.set"), QT_TR_NOOP("Set velocity default")},
        {QStringLiteral("velocity_default.deleted"), QT_TR_NOOP("Removed velocity default")},
    };
    const auto it = words.constFind(action);
    return it == words.cend() ? action : tr(*it);
}

bool AuditLogModel::canFetchMore(const QModelIndex &parent) const
{
    return !parent.isValid() && m_loaded && !m_nextCursor.isEmpty() && !m_fetching;
}

void AuditLogModel::fetchMore(const QModelIndex &parent)
{
    if (canFetchMore(parent))
        fetchPage();
}

QList<AuditEntry> AuditLogModel::entries() const
{
    return QList<AuditEntry>(m_entries.cbegin(), m_entries.cend());
}

const AuditEntry *AuditLogModel::entryAt(int row) const
{
    return row >= 0 && row < qsizetype(m_entries.size()) ? &m_entries.at(row) : nullptr;
}

bool AuditLogModel::matches(const client::AuditQuery &query, const AuditEntry &entry)
{
    using Kind = client::AuditQuery::Kind;
    if (query.kind == Kind::Call && entry.kind != client::AuditKind::Call)
        return false;
    if (query.kind == Kind::Admin && entry.kind != client::AuditKind::Admin)
        return false;
    if (!query.keyId.isEmpty() && entry.keyId != query.keyId)
        return false;
    if (!query.actor.isEmpty() && entry.actor != query.actor)
        return false;
    if (!query.label.isEmpty() && entry.agentRunLabel != query.label)
        return false;
    if (!query.labelPrefix.isEmpty() && !entry.agentRunLabel.startsWith(query.labelPrefix))
        return false;
    if (!query.vendor.isEmpty() && entry.vendor != query.vendor)
        return false;
    if (!query.verdict.isEmpty() && entry.verdict != query.verdict)
        return false;
    if (query.since.isValid() && entry.ts < query.since)
        return false;
    if (query.until.isValid() && entry.ts >= query.until)
        return false;
    return true;
}

bool AuditLogModel::accepts(const AuditEntry &entry) const
{
    return matches(m_query, entry) && HttpStatusClass::matches(m_status, entry.httpStatus);
}

bool AuditLogModel::addEntry(const AuditEntry &entry)
{
    if (!m_loaded || m_ids.contains(idNumber(entry.id)) || !accepts(entry))
        return false;
    if (!m_entries.empty() && idNumber(entry.id) < topId())
        return false;
    insertOnTop({entry});
    return true;
}

bool AuditLogModel::isNewer(const AuditEntry &a, const AuditEntry &b)
{
    if (a.ts != b.ts)
        return a.ts > b.ts;
    return idNumber(a.id) > idNumber(b.id);
}

qint64 AuditLogModel::topId() const
{
    // The highest id listed. Rows are newest call first, and a call is written (gets its id)
    // when it completes, so the highest id is among the first rows, not always the first.
    qint64 top = 0;
    const std::size_t near = std::min<std::size_t>(m_entries.size(), 64);
    for (std::size_t i = 0; i < near; ++i)
        top = std::max(top, idNumber(m_entries.at(i).id));
    return top;
}

void AuditLogModel::reload()
{
    clearRows();
    setLoading(true);
    fetchPage();
}

void AuditLogModel::fetchPage()
{
    client::AuditQuery query = m_query;
    query.limit = m_pageSize;
    query.cursor = m_nextCursor;
    m_fetching = true;
    const quint64 generation = m_generation;
    track(m_client->audit(query, this, [this, generation](const Result<AuditPage> &result) {
        if (generation != m_generation)
            return;
        m_fetching = false;
        if (!result) {
            onFailure(result.error());
            return;
        }
        if (!result->data.isEmpty())
            m_readTop = std::max(m_readTop, idNumber(result->data.constFirst().id));
        QList<AuditEntry> fresh;
        fresh.reserve(result->data.size());
        for (const AuditEntry &entry : result->data) {
            if (!m_ids.contains(idNumber(entry.id))
                && HttpStatusClass::matches(m_status, entry.httpStatus))
                fresh.append(entry);
        }
        m_nextCursor = result->nextCursor;
        // Every row of this page was filtered out by the console: a view would see no new rows
        // and never ask again, so read on now.
        if (fresh.isEmpty() && !m_nextCursor.isEmpty()) {
            fetchPage();
            return;
        }
        const bool first = !m_loaded;
        // The server pages by id (the order rows were written, at completion); the rows show
        // their call time, so within what arrives they are put newest call first: a slow call
        // written after a quick one is listed below it (11:36:27.511 above .373).
        std::stable_sort(fresh.begin(), fresh.end(), &AuditLogModel::isNewer);
        if (!fresh.isEmpty()) {
            const int at = int(m_entries.size());
            beginInsertRows({}, at, at + int(fresh.size()) - 1);
            for (const AuditEntry &entry : std::as_const(fresh))
                m_ids.insert(idNumber(entry.id));
            m_entries.insert(m_entries.end(), fresh.cbegin(), fresh.cend());
            endInsertRows();
        }
        m_loaded = true;
        m_lastError.clear();
        m_asOf = QDateTime::currentDateTimeUtc();
        setLoading(false);
        if (m_monitor)
            m_monitor->reportSuccess();
        Q_EMIT pageLoaded(int(fresh.size()));
        if (first)
            Q_EMIT refreshed(m_asOf);
    }));
}

void AuditLogModel::refresh()
{
    if (!m_loaded) {
        if (!m_loading && !m_fetching)
            reload();
        return;
    }
    if (m_refreshing)
        return;
    m_refreshing = true;
    catchUp(QString(), {}, MaxCatchUpPages);
}

void AuditLogModel::catchUp(const QString &cursor, QList<AuditEntry> newer, int pagesLeft)
{
    client::AuditQuery query = m_query;
    query.limit = m_pageSize;
    query.cursor = cursor;
    const quint64 generation = m_generation;
    // What the server has already listed to this model, not topId(): a row added by addEntry may
    // be newer than rows a refresh has still to read.
    const qint64 known = m_readTop;
    track(m_client->audit(query, this,
                          [this, generation, known, pagesLeft,
                           newer = std::move(newer)](const Result<AuditPage> &result) mutable {
                              if (generation != m_generation)
                                  return;
                              if (!result) {
                                  m_refreshing = false;
                                  onFailure(result.error());
                                  return;
                              }
                              const bool wasEmpty = known == 0;
                              bool met = wasEmpty;
                              for (const AuditEntry &entry : result->data) {
                                  if (idNumber(entry.id) <= known) {
                                      met = true;
                                      break;
                                  }
                                  newer.append(entry);
                              }
                              if (!met && result->hasMore()) {
                                  if (pagesLeft > 1) {
                                      catchUp(result->nextCursor, std::move(newer), pagesLeft - 1);
                                      return;
                                  }
                                  // More arrived than a refresh reads: start over rather than leave
                                  // a gap.
                                  m_refreshing = false;
                                  reload();
                                  return;
                              }
                              m_refreshing = false;
                              if (!newer.isEmpty())
                                  m_readTop = std::max(m_readTop, idNumber(newer.constFirst().id));
                              newer.removeIf([this](const AuditEntry &entry) {
                                  return !HttpStatusClass::matches(m_status, entry.httpStatus);
                              });
                              if (!newer.isEmpty())
                                  insertOnTop(newer);
                              // An empty list just got its first page: its cursor leads on.
                              if (wasEmpty)
                                  m_nextCursor = result->nextCursor;
                              m_lastError.clear();
                              m_asOf = QDateTime::currentDateTimeUtc();
                              if (m_monitor)
                                  m_monitor->reportSuccess();
                              Q_EMIT refreshed(m_asOf);
                          }));
}

void AuditLogModel::insertOnTop(const QList<AuditEntry> &rows)
{
    QList<AuditEntry> fresh;
    for (const AuditEntry &entry : rows) {
        if (!m_ids.contains(idNumber(entry.id)))
            fresh.append(entry);
    }
    if (fresh.isEmpty())
        return;
    for (const AuditEntry &entry : std::as_const(fresh))
        m_ids.insert(idNumber(entry.id));
    std::stable_sort(fresh.begin(), fresh.end(), &AuditLogModel::isNewer);
    // The usual case: everything is newer than the top row, one block on top. A deque: prepending
    // never moves the 100,000 rows behind.
    if (m_entries.empty() || isNewer(fresh.constLast(), m_entries.front())) {
        beginInsertRows({}, 0, int(fresh.size()) - 1);
        for (qsizetype i = fresh.size() - 1; i >= 0; --i)
            m_entries.push_front(fresh.at(i));
        endInsertRows();
        return;
    }
    // A row that came another way (addEntry) got ahead of older ones a refresh now brings, or a
    // slow call was written after quicker ones that started later: each goes where its call
    // time puts it, so the list stays newest first.
    for (qsizetype i = fresh.size() - 1; i >= 0; --i) {
        int at = 0;
        while (at < int(m_entries.size()) && isNewer(m_entries.at(at), fresh.at(i)))
            ++at;
        beginInsertRows({}, at, at);
        m_entries.insert(m_entries.begin() + at, fresh.at(i));
        endInsertRows();
    }
}

void AuditLogModel::onFailure(const client::ApiError &error)
{
    m_lastError = error.message;
    setLoading(false);
    if (m_monitor)
        m_monitor->reportFailure(error);
    Q_EMIT loadFailed(m_lastError);
}

void AuditLogModel::setLoading(bool loading)
{
    if (loading == m_loading)
        return;
    m_loading = loading;
    Q_EMIT loadingChanged(loading);
}

void AuditLogModel::track(client::ApiRequest *request)
{
    if (m_monitor)
        m_monitor->track(request);
}

} // namespace keybrake
