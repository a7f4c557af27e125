#include "models/vaultkeytablemodel.h"

#include "client/keybrakeclient.h"
#include "models/blocklistmodel.h"
#include "models/connectionmonitor.h"
#include "models/runawaydetector.h"
#include "models/runwaytracker.h"
#include "models/usdtext.h"
#include "models/vendortext.h"

#include <QColor>
#include <QFont>
#include <QFontDatabase>
#include <QLoggingCategory>
#include <QSet>

#include <algorithm>
#include <limits>

namespace keybrake {

Q_LOGGING_CATEGORY(lcVaultKeys, "keybrake.models.vaultkeys")

using client::ApiError;
using client::KeyPage;
using client::KeyStatus;
using client::Result;
using client::VaultKey;

namespace {

// The server's largest page; a refresh of many loaded rows reads the window in pages this big.
constexpr int MaxServerPage = 1000;

const QList<int> &changedRoles()
{
    static const QList<int> roles = {
        Qt::DisplayRole,
        Qt::ToolTipRole,
        VaultKeyTableModel::RawValueRole,
        VaultKeyTableModel::DisplayStatusRole,
        VaultKeyTableModel::SettledMicrosRole,
        VaultKeyTableModel::HeldMicrosRole,
        VaultKeyTableModel::CapMicrosRole,
        VaultKeyTableModel::RevokeStateRole,
        VaultKeyTableModel::RowActionRole,
        VaultKeyTableModel::SearchTextRole,
        Qt::AccessibleTextRole,
    };
    return roles;
}

} // namespace

VaultKeyTableModel::VaultKeyTableModel(client::KeybrakeClient *client, QObject *parent)
    : QAbstractTableModel(parent)
    , m_client(client)
{
}

VaultKeyTableModel::~VaultKeyTableModel() = default;

void VaultKeyTableModel::setConnectionMonitor(ConnectionMonitor *monitor)
{
    m_monitor = monitor;
}

void VaultKeyTableModel::setLiveAnnotations(RunwayTracker *runway, RunawayDetector *runaway)
{
    m_runway = runway;
    m_runaway = runaway;
    if (runway) {
        connect(runway, &RunwayTracker::updated, this, [this] {
            if (!m_rows.isEmpty())
                Q_EMIT dataChanged(index(0, RunwayColumn),
                                   index(int(m_rows.size()) - 1, RunwayColumn));
        });
    }
    if (runaway) {
        connect(runaway, &RunawayDetector::flagsChanged, this, [this] {
            if (!m_rows.isEmpty())
                Q_EMIT dataChanged(index(0, 0), index(int(m_rows.size()) - 1, ColumnCount - 1),
                                   {Qt::DisplayRole, Qt::ToolTipRole, Qt::BackgroundRole,
                                    Qt::AccessibleTextRole, RunawayRole});
        });
    }
}

void VaultKeyTableModel::setBlockList(BlockListModel *blocks)
{
    m_blocks = blocks;
    if (!blocks)
        return;
    connect(blocks, &BlockListModel::blocksChanged, this, [this] {
        if (!m_rows.isEmpty())
            Q_EMIT dataChanged(index(0, StatusColumn), index(int(m_rows.size()) - 1, StatusColumn));
    });
}

void VaultKeyTableModel::setTimeFormatter(const TimeFormatter &formatter)
{
    m_time = formatter;
    if (!m_rows.isEmpty()) {
        Q_EMIT dataChanged(index(0, 0), index(int(m_rows.size()) - 1, ColumnCount - 1),
                           {Qt::DisplayRole, Qt::ToolTipRole});
    }
}

void VaultKeyTableModel::setPageSize(int rows)
{
    m_pageSize = std::clamp(rows, 1, MaxServerPage);
}

void VaultKeyTableModel::setQuery(const client::KeyQuery &query)
{
    client::KeyQuery filters = query;
    filters.cursor.clear();
    filters.limit = 0;
    if (filters == m_query && (m_loaded || m_loading))
        return;
    m_query = filters;
    reload();
}

int VaultKeyTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int VaultKeyTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant VaultKeyTableModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row &row = m_rows.at(index.row());
    const VaultKey &key = row.key;
    const int column = index.column();
    switch (role) {
    case Qt::DisplayRole:
        return displayData(row, column);
    case Qt::ToolTipRole: {
        const QVariant tip = toolTipData(row, column);
        const QString runaway = data(index, RunawayRole).toString();
        if (runaway.isEmpty())
            return tip;
        const QString text = tip.toString();
        return QString(tr("⚠ Runaway? %1").arg(runaway)
                       + (text.isEmpty() ? QString() : QLatin1Char('\n') + text));
    }
    case RunawayRole: {
        if (!m_runaway)
            return QString();
        const auto flag = m_runaway->flagForKey(key.keyId);
        return flag ? flag->reason : QString();
    }
    case Qt::BackgroundRole:
        // With the "⚠" and the reason in the name: a tint, never the only sign.
        if (m_runaway && m_runaway->flagForKey(key.keyId))
            return QColor(240, 150, 0, 56);
        return {};
    case Qt::AccessibleTextRole: {
        const QVariant shown = displayData(row, column);
        if (column == UtilisationColumn)
            return UsdText::ofCap(key.committedUsd(), key.dailyUsdCap);
        return shown;
    }
    case RawValueRole:
        return rawData(row, column);
    case Qt::TextAlignmentRole:
        switch (column) {
        case CapColumn:
        case SpentTodayColumn:
        case CallsColumn:
        case BlockedColumn:
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        default:
            return QVariant::fromValue(Qt::AlignLeft | Qt::AlignVCenter);
        }
    case Qt::FontRole:
        if (column == KeyHintColumn || column == RunLabelColumn)
            return QFontDatabase::systemFont(QFontDatabase::FixedFont);
        return {};
    case MonospaceRole:
        return column == KeyHintColumn || column == RunLabelColumn;
    case KeyIdRole:
        return key.keyId;
    case DisplayStatusRole:
        return int(displayStatusOf(row));
    case SettledMicrosRole:
        return QVariant::fromValue<qint64>(key.spentTodayUsd.micros());
    case HeldMicrosRole:
        return QVariant::fromValue<qint64>(key.heldUsd.micros());
    case CapMicrosRole:
        return QVariant::fromValue<qint64>(key.dailyUsdCap.micros());
    case RevokeStateRole:
        return int(row.revoke);
    case RowActionRole:
        if (row.revoke == RevokeState::Revoking)
            return int(RowAction::Revoking);
        if (key.status == KeyStatus::Active || key.status == KeyStatus::Capped)
            return int(RowAction::Revoke);
        if (key.status == KeyStatus::Revoked || key.status == KeyStatus::Expired)
            return int(RowAction::IssueSimilar);
        return int(RowAction::None);
    case VendorRole:
        return key.vendor;
    case SearchTextRole:
        return QStringList {key.name, key.agentRunLabel, key.keyId, key.keyHint}.join(
            QLatin1Char('\n'));
    default:
        return {};
    }
}

QVariant VaultKeyTableModel::displayData(const Row &row, int column) const
{
    const VaultKey &key = row.key;
    switch (column) {
    case NameColumn: {
        const QString name = key.name.isEmpty() ? key.agentRunLabel : key.name;
        if (m_runaway && m_runaway->flagForKey(key.keyId))
            return tr("⚠ Runaway · %1").arg(name);
        return name;
    }
    case RunwayColumn:
        if (!m_runway)
            return tr("—");
        return RunwayTracker::text(
            m_runway->keyMinutes(key.keyId, QDateTime::currentDateTimeUtc()));
    case KeyHintColumn: {
        // Every hint starts with "vault_key_"; the tail is what tells keys apart.
        const qsizetype ellipsis = key.keyHint.indexOf(QChar(0x2026));
        return ellipsis >= 0 ? key.keyHint.mid(ellipsis) : key.keyHint;
    }
    case StatusColumn: {
        const DisplayStatus status = displayStatusOf(row);
        if (status == DisplayStatus::NearCap)
            return tr("%1 %").arg(UsdText::percentOf(key.committedUsd(), key.dailyUsdCap));
        if (status == DisplayStatus::Revoked && key.revokedAt.isValid())
            return tr("Revoked %1").arg(m_time.clock(key.revokedAt));
        return statusText(status);
    }
    case VendorColumn:
        return VendorText::displayName(key.vendor);
    case RunLabelColumn:
        return key.agentRunLabel;
    case CapColumn:
        return UsdText::display(key.dailyUsdCap);
    case SpentTodayColumn:
        return UsdText::display(key.spentTodayUsd);
    case UtilisationColumn:
        return tr("%1 %").arg(UsdText::percentOf(key.committedUsd(), key.dailyUsdCap));
    case CallsColumn:
        return QString::number(key.callsToday);
    case BlockedColumn:
        return QString::number(key.blockedToday);
    case AllowedOperationsColumn:
        return key.allowedEndpoints.join(QStringLiteral(", "));
    case ExpiresColumn:
        if (key.status == KeyStatus::Revoked)
            return tr("—");
        return m_time.relative(key.expiresAt, QDateTime::currentDateTimeUtc());
    case ActionColumn:
        switch (row.revoke) {
        case RevokeState::Revoking:
            return tr("Revoking…");
        case RevokeState::Revoked:
            return tr("Revoked %1").arg(m_time.clock(key.revokedAt, true));
        case RevokeState::Failed:
        case RevokeState::Idle:
            break;
        }
        if (key.status == KeyStatus::Active || key.status == KeyStatus::Capped)
            return tr("Revoke");
        if (key.status == KeyStatus::Revoked || key.status == KeyStatus::Expired)
            return tr("Issue similar…");
        return {};
    default:
        return {};
    }
}

QVariant VaultKeyTableModel::toolTipData(const Row &row, int column) const
{
    const VaultKey &key = row.key;
    switch (column) {
    case NameColumn:
        return tr("%1\nKey id: %2").arg(key.name, key.keyId);
    case KeyHintColumn:
        return tr("%1\nKey id: %2").arg(key.keyHint, key.keyId);
    case StatusColumn: {
        QString tip = statusText(displayStatusOf(row));
        if (key.revokedAt.isValid())
            tip = tr("Revoked at %1").arg(m_time.absolute(key.revokedAt));
        else if (key.status == KeyStatus::Expired)
            tip = tr("Expired at %1").arg(m_time.absolute(key.expiresAt));
        if (key.revokedAt.isValid() && key.revokedBy.isValid())
            tip += QLatin1Char(' ')
                + tr("by %1").arg(key.revokedBy.name.isEmpty() ? key.revokedBy.adminKeyId
                                                               : key.revokedBy.name);
        if (!key.revokeReason.isEmpty())
            tip += tr(" — %1").arg(key.revokeReason);
        if (const client::PrefixBlock *block =
                m_blocks ? m_blocks->blockFor(key.agentRunLabel, key.vendor) : nullptr;
            block && !key.revokedAt.isValid())
            tip = BlockListModel::describe(*block, m_time);
        if (row.revoke == RevokeState::Failed)
            tip += QLatin1Char('\n') + tr("Revoke failed: %1").arg(row.revokeMessage);
        return tip;
    }
    case RunLabelColumn:
        return key.agentRunLabel;
    case SpentTodayColumn:
    case UtilisationColumn:
    case CapColumn:
        return tr("Settled %1, held %2, cap %3 (%4 % used)\nResets at %5")
            .arg(UsdText::exact(key.spentTodayUsd), UsdText::exact(key.heldUsd),
                 UsdText::display(key.dailyUsdCap))
            .arg(UsdText::percentOf(key.committedUsd(), key.dailyUsdCap))
            .arg(m_time.absolute(key.resetsAt));
    case CallsColumn:
    case BlockedColumn:
        if (key.lastCallAt.isValid())
            return tr("%1 calls today, %2 blocked; last call at %3")
                .arg(key.callsToday)
                .arg(key.blockedToday)
                .arg(m_time.absolute(key.lastCallAt));
        return tr("No calls yet");
    case AllowedOperationsColumn:
        return key.allowedEndpoints.join(QLatin1Char('\n'));
    case ExpiresColumn:
        return tr("Expires at %1").arg(m_time.absolute(key.expiresAt));
    case RunwayColumn:
        if (m_runway) {
            const QDateTime now = QDateTime::currentDateTimeUtc();
            const Usd spent = m_runway->keySpentInWindow(key.keyId, now);
            if (spent > Usd())
                return tr("%1 spent in the last 5 minutes; %2 left of the cap")
                    .arg(UsdText::display(spent),
                         UsdText::display(std::max(Usd(), key.dailyUsdCap - key.committedUsd())));
        }
        return tr("No spend in the last 5 minutes");
    case ActionColumn:
        if (row.revoke == RevokeState::Failed)
            return tr("The last revoke failed: %1").arg(row.revokeMessage);
        if (row.revoke == RevokeState::Revoked)
            return tr("Revoked at %1 (the server's time)").arg(m_time.absolute(key.revokedAt));
        if (key.status == KeyStatus::Active || key.status == KeyStatus::Capped)
            return tr("Revoke this key now: the next call with it gets 401");
        if (key.status == KeyStatus::Revoked || key.status == KeyStatus::Expired)
            return tr("Open the Issue Key form with this key's policy");
        return {};
    default:
        return {};
    }
}

QVariant VaultKeyTableModel::rawData(const Row &row, int column) const
{
    const VaultKey &key = row.key;
    switch (column) {
    case NameColumn:
        return key.name;
    case KeyHintColumn:
        return key.keyHint;
    case StatusColumn:
        return int(displayStatusOf(row));
    case VendorColumn:
        return key.vendor;
    case RunLabelColumn:
        return key.agentRunLabel;
    case CapColumn:
        return QVariant::fromValue<qint64>(key.dailyUsdCap.micros());
    case SpentTodayColumn:
        return QVariant::fromValue<qint64>(key.spentTodayUsd.micros());
    case UtilisationColumn:
        return UsdText::fractionOf(key.committedUsd(), key.dailyUsdCap);
    case CallsColumn:
        return key.callsToday;
    case BlockedColumn:
        return key.blockedToday;
    case AllowedOperationsColumn:
        return qsizetype(key.allowedEndpoints.size());
    case ExpiresColumn:
        return key.expiresAt;
    case RunwayColumn: {
        // Sorted by minutes left; keys not spending last.
        const auto minutes = m_runway
            ? m_runway->keyMinutes(key.keyId, QDateTime::currentDateTimeUtc())
            : std::nullopt;
        return minutes ? *minutes : std::numeric_limits<qint64>::max();
    }
    case ActionColumn:
        return int(row.revoke);
    default:
        return {};
    }
}

QVariant VaultKeyTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::DisplayRole) {
        switch (section) {
        case NameColumn:
            return tr("Name");
        case KeyHintColumn:
            return tr("Key");
        case StatusColumn:
            return tr("Status");
        case VendorColumn:
            return tr("Vendor");
        case RunLabelColumn:
            return tr("Run label");
        case CapColumn:
            return tr("Cap");
        case SpentTodayColumn:
            return tr("Spent today");
        case UtilisationColumn:
            return tr("Cap utilisation");
        case CallsColumn:
            return tr("Calls");
        case BlockedColumn:
            return tr("Blocked");
        case AllowedOperationsColumn:
            return tr("Allowed operations");
        case RunwayColumn:
            return tr("Runway");
        case ExpiresColumn:
            return tr("Expires");
        case ActionColumn:
            return tr("Action");
        default:
            return {};
        }
    }
    if (role == Qt::ToolTipRole) {
        switch (section) {
        case SpentTodayColumn:
            return tr("Settled spend in the current spend window");
        case UtilisationColumn:
            return tr("Settled (solid) and held (hatched) spend against the daily cap");
        case BlockedColumn:
            return tr("Calls refused today by the key's policy or cap");
        case ExpiresColumn:
            return tr("Relative time; the tooltip shows the exact time");
        case RunwayColumn:
            return tr("Time until the cap at the spend rate of the last 5 minutes");
        default:
            return {};
        }
    }
    if (role == Qt::TextAlignmentRole) {
        switch (section) {
        case CapColumn:
        case SpentTodayColumn:
        case CallsColumn:
        case BlockedColumn:
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        default:
            return QVariant::fromValue(Qt::AlignLeft | Qt::AlignVCenter);
        }
    }
    return {};
}

Qt::ItemFlags VaultKeyTableModel::flags(const QModelIndex &index) const
{
    if (!index.isValid())
        return Qt::NoItemFlags;
    return Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemNeverHasChildren;
}

bool VaultKeyTableModel::canFetchMore(const QModelIndex &parent) const
{
    return !parent.isValid() && m_loaded && !m_nextCursor.isEmpty() && !m_fetching && !m_refreshing;
}

void VaultKeyTableModel::fetchMore(const QModelIndex &parent)
{
    if (!canFetchMore(parent))
        return;
    fetchPage();
}

int VaultKeyTableModel::rowOfKey(const QString &keyId) const
{
    return m_rowOfKey.value(keyId, -1);
}

const VaultKey *VaultKeyTableModel::keyAt(int row) const
{
    if (row < 0 || row >= m_rows.size())
        return nullptr;
    return &m_rows.at(row).key;
}

const VaultKey *VaultKeyTableModel::findKey(const QString &keyId) const
{
    return keyAt(rowOfKey(keyId));
}

VaultKeyTableModel::RevokeState VaultKeyTableModel::revokeState(const QString &keyId) const
{
    const int row = rowOfKey(keyId);
    return row < 0 ? RevokeState::Idle : m_rows.at(row).revoke;
}

VaultKeyTableModel::DisplayStatus VaultKeyTableModel::displayStatusOf(const VaultKey &key)
{
    switch (key.status) {
    case KeyStatus::Active:
        if (key.dailyUsdCap.micros() > 0
            && UsdText::fractionOf(key.committedUsd(), key.dailyUsdCap) >= NearCapFraction)
            return DisplayStatus::NearCap;
        return DisplayStatus::Active;
    case KeyStatus::Capped:
        return DisplayStatus::Capped;
    case KeyStatus::Revoked:
        return DisplayStatus::Revoked;
    case KeyStatus::Expired:
        return DisplayStatus::Expired;
    case KeyStatus::Unknown:
        break;
    }
    return DisplayStatus::Unknown;
}

VaultKeyTableModel::DisplayStatus VaultKeyTableModel::displayStatusOf(const Row &row) const
{
    if (row.revoke == RevokeState::Revoking)
        return DisplayStatus::Revoking;
    const DisplayStatus status = displayStatusOf(row.key);
    // A blocked key's calls are all refused, whatever its spend: that is what matters now.
    if (m_blocks
        && (status == DisplayStatus::Active || status == DisplayStatus::NearCap
            || status == DisplayStatus::Capped)
        && m_blocks->blockFor(row.key.agentRunLabel, row.key.vendor))
        return DisplayStatus::Blocked;
    return status;
}

QString VaultKeyTableModel::statusText(DisplayStatus status)
{
    switch (status) {
    case DisplayStatus::Active:
        return tr("Active");
    case DisplayStatus::NearCap:
        return tr("Near cap");
    case DisplayStatus::Capped:
        return tr("Capped");
    case DisplayStatus::Revoking:
        return tr("Revoking…");
    case DisplayStatus::Revoked:
        return tr("Revoked");
    case DisplayStatus::Expired:
        return tr("Expired");
    case DisplayStatus::Blocked:
        return tr("Blocked");
    case DisplayStatus::Unknown:
        break;
    }
    return tr("Unknown");
}

void VaultKeyTableModel::refresh()
{
    if (!m_loaded) {
        if (!m_loading)
            reload();
        return;
    }
    if (m_refreshing || m_fetching) {
        // One more pass after the current one, rather than two reads racing.
        m_refreshPending = true;
        return;
    }
    m_refreshing = true;
    m_refreshPending = false;
    m_refreshBuffer.clear();
    // Read a little past the loaded rows, so keys pushed down by new ones are not mistaken for
    // removed ones.
    m_refreshTarget = std::max<int>(m_pageSize, int(m_rows.size()) + 50);
    refreshStep(QString());
}

void VaultKeyTableModel::reload()
{
    ++m_generation;
    m_fetching = false;
    m_refreshing = false;
    m_refreshPending = false;
    m_refreshBuffer.clear();
    m_heldWindow.reset();
    if (m_heldNew != 0 || m_heldGone != 0) {
        m_heldNew = 0;
        m_heldGone = 0;
        Q_EMIT heldChangesChanged();
    }
    beginResetModel();
    m_rows.clear();
    m_rowOfKey.clear();
    m_nextCursor.clear();
    m_loaded = false;
    endResetModel();
    setLoading(true);
    fetchPage();
}

client::KeyQuery VaultKeyTableModel::pageQuery(const QString &cursor, int limit) const
{
    client::KeyQuery query = m_query;
    query.cursor = cursor;
    query.limit = limit;
    return query;
}

void VaultKeyTableModel::fetchPage()
{
    m_fetching = true;
    const quint64 generation = m_generation;
    track(m_client->listKeys(pageQuery(m_nextCursor, m_pageSize), this,
                             [this, generation](const Result<KeyPage> &result) {
                                 if (generation != m_generation)
                                     return;
                                 m_fetching = false;
                                 if (result)
                                     onPage(*result);
                                 else
                                     onFailure(result.error());
                                 if (m_refreshPending && !m_fetching)
                                     refresh();
                             }));
}

void VaultKeyTableModel::onPage(const KeyPage &page)
{
    QList<VaultKey> fresh;
    fresh.reserve(page.data.size());
    for (const VaultKey &key : page.data) {
        if (!m_rowOfKey.contains(key.keyId))
            fresh.append(key);
    }
    if (!fresh.isEmpty()) {
        const int first = int(m_rows.size());
        beginInsertRows({}, first, first + int(fresh.size()) - 1);
        for (const VaultKey &key : std::as_const(fresh)) {
            m_rowOfKey.insert(key.keyId, int(m_rows.size()));
            m_rows.append(Row {key, RevokeState::Idle, {}});
        }
        endInsertRows();
    }
    m_nextCursor = page.nextCursor;
    m_lastError.clear();
    m_asOf = QDateTime::currentDateTimeUtc();
    m_loaded = true;
    setLoading(false);
    if (m_monitor)
        m_monitor->reportSuccess();
    Q_EMIT refreshed(m_asOf);
}

void VaultKeyTableModel::refreshStep(const QString &cursor)
{
    const quint64 generation = m_generation;
    const int wanted = std::min(MaxServerPage, m_refreshTarget - int(m_refreshBuffer.size()));
    track(m_client->listKeys(pageQuery(cursor, std::max(1, wanted)), this,
                             [this, generation](const Result<KeyPage> &result) {
                                 if (generation != m_generation)
                                     return;
                                 if (!result) {
                                     m_refreshing = false;
                                     m_refreshBuffer.clear();
                                     onFailure(result.error());
                                     return;
                                 }
                                 m_refreshBuffer.append(result->data);
                                 if (result->hasMore()
                                     && m_refreshBuffer.size() < m_refreshTarget) {
                                     refreshStep(result->nextCursor);
                                     return;
                                 }
                                 const QList<VaultKey> window = std::exchange(m_refreshBuffer, {});
                                 m_refreshing = false;
                                 applyWindow(window, !result->hasMore(), result->nextCursor);
                                 m_lastError.clear();
                                 m_asOf = QDateTime::currentDateTimeUtc();
                                 if (m_monitor)
                                     m_monitor->reportSuccess();
                                 Q_EMIT refreshed(m_asOf);
                                 if (m_refreshPending)
                                     refresh();
                             }));
}

void VaultKeyTableModel::applyWindow(const QList<VaultKey> &fetched, bool reachedEnd,
                                     const QString &nextCursor)
{
    QHash<QString, int> fetchedIndex;
    fetchedIndex.reserve(fetched.size());
    for (int i = 0; i < fetched.size(); ++i)
        fetchedIndex.insert(fetched.at(i).keyId, i);

    if (m_holding) {
        holdWindow(fetched, reachedEnd, nextCursor);
        return;
    }
    int windowEnd = windowEndFor(fetched, reachedEnd, fetchedIndex);

    // 1. Keys gone from the window: remove them, bottom up, one signal per contiguous run. A key
    // this console just revoked stays (with its revocation time) even when the query no longer
    // lists it, so the user sees the result of the click.
    const auto keep = [&](const Row &row) {
        return fetchedIndex.contains(row.key.keyId) || row.revoke == RevokeState::Revoked
            || row.revoke == RevokeState::Revoking;
    };
    for (int row = windowEnd - 1; row >= 0;) {
        if (keep(m_rows.at(row))) {
            --row;
            continue;
        }
        int first = row;
        while (first > 0 && !keep(m_rows.at(first - 1)))
            --first;
        beginRemoveRows({}, first, row);
        m_rows.remove(first, row - first + 1);
        endRemoveRows();
        windowEnd -= row - first + 1;
        row = first - 1;
    }
    rebuildIndex();

    // 2. Walk the server's order: update rows in place, insert new keys where they appear.
    int position = 0;
    int changedFirst = -1;
    int changedLast = -1;
    const auto flushChanged = [&] {
        if (changedFirst >= 0) {
            Q_EMIT dataChanged(index(changedFirst, 0), index(changedLast, ColumnCount - 1),
                               changedRoles());
        }
        changedFirst = changedLast = -1;
    };
    for (qsizetype i = 0; i < fetched.size(); ++i) {
        const VaultKey &key = fetched.at(i);
        while (position < windowEnd && !fetchedIndex.contains(m_rows.at(position).key.keyId))
            ++position; // a kept row the server no longer lists
        const int existing = m_rowOfKey.value(key.keyId, -1);
        if (existing < 0) {
            // New keys arrive in runs (newest first, at the top): one insert per run.
            qsizetype last = i;
            while (last + 1 < fetched.size() && !m_rowOfKey.contains(fetched.at(last + 1).keyId))
                ++last;
            const int count = int(last - i + 1);
            flushChanged();
            beginInsertRows({}, position, position + count - 1);
            QList<Row> block;
            block.reserve(count);
            for (qsizetype j = i; j <= last; ++j)
                block.append(Row {fetched.at(j), RevokeState::Idle, {}});
            m_rows.insert(position, count, Row {});
            std::move(block.begin(), block.end(), m_rows.begin() + position);
            endInsertRows();
            rebuildIndex();
            windowEnd += count;
            position += count;
            i = last;
            continue;
        }
        Row &row = m_rows[existing];
        if (!(row.key == key)) {
            row.key = key;
            // The server's word wins once it agrees a revoke happened, or says the key moved on.
            if (row.revoke == RevokeState::Failed && key.status != KeyStatus::Active
                && key.status != KeyStatus::Capped) {
                row.revoke = RevokeState::Idle;
                row.revokeMessage.clear();
            }
            if (changedFirst >= 0 && existing == changedLast + 1) {
                changedLast = existing;
            } else {
                flushChanged();
                changedFirst = changedLast = existing;
            }
        }
        if (existing >= position)
            position = existing + 1;
    }
    flushChanged();
    if (reachedEnd)
        m_nextCursor.clear();
    else if (windowEnd >= m_rows.size())
        m_nextCursor = nextCursor;
}

int VaultKeyTableModel::windowEndFor(const QList<VaultKey> &fetched, bool reachedEnd,
                                     const QHash<QString, int> &fetchedIndex) const
{
    // Old rows form two parts: the window the server just listed (newest first, down to the
    // oldest key fetched) and, when the read stopped early, older rows past it, left as they are.
    int windowEnd = int(m_rows.size());
    if (!reachedEnd && !fetched.isEmpty()) {
        const QDateTime oldestFetched = fetched.last().createdAt;
        windowEnd = 0;
        while (windowEnd < m_rows.size()) {
            const VaultKey &key = m_rows.at(windowEnd).key;
            if (!fetchedIndex.contains(key.keyId) && key.createdAt < oldestFetched)
                break;
            ++windowEnd;
        }
    }
    return windowEnd;
}

void VaultKeyTableModel::holdWindow(const QList<VaultKey> &fetched, bool reachedEnd,
                                    const QString &nextCursor)
{
    // Numbers change in place; rows neither come nor go until the hold ends.
    QHash<QString, int> fetchedIndex;
    fetchedIndex.reserve(fetched.size());
    int fresh = 0;
    for (int i = 0; i < fetched.size(); ++i) {
        const VaultKey &key = fetched.at(i);
        fetchedIndex.insert(key.keyId, i);
        const int existing = m_rowOfKey.value(key.keyId, -1);
        if (existing < 0) {
            ++fresh;
            continue;
        }
        Row &row = m_rows[existing];
        if (row.key == key)
            continue;
        row.key = key;
        if (row.revoke == RevokeState::Failed && key.status != KeyStatus::Active
            && key.status != KeyStatus::Capped) {
            row.revoke = RevokeState::Idle;
            row.revokeMessage.clear();
        }
        emitRowChanged(existing);
    }
    const int windowEnd = windowEndFor(fetched, reachedEnd, fetchedIndex);
    int gone = 0;
    for (int row = 0; row < windowEnd; ++row) {
        const Row &entry = m_rows.at(row);
        if (!fetchedIndex.contains(entry.key.keyId) && entry.revoke != RevokeState::Revoked
            && entry.revoke != RevokeState::Revoking)
            ++gone;
    }
    m_heldWindow = HeldWindow {fetched, reachedEnd, nextCursor};
    if (fresh != m_heldNew || gone != m_heldGone) {
        m_heldNew = fresh;
        m_heldGone = gone;
        Q_EMIT heldChangesChanged();
    }
}

void VaultKeyTableModel::setHoldingChanges(bool hold)
{
    if (m_holding == hold)
        return;
    m_holding = hold;
    if (!hold)
        applyHeldChanges();
}

void VaultKeyTableModel::applyHeldChanges()
{
    const std::optional<HeldWindow> window = std::exchange(m_heldWindow, std::nullopt);
    const bool holding = std::exchange(m_holding, false);
    if (window)
        applyWindow(window->fetched, window->reachedEnd, window->nextCursor);
    m_holding = holding;
    if (m_heldNew != 0 || m_heldGone != 0) {
        m_heldNew = 0;
        m_heldGone = 0;
        Q_EMIT heldChangesChanged();
    }
}

void VaultKeyTableModel::onFailure(const ApiError &error)
{
    m_lastError = error.message;
    qCInfo(lcVaultKeys) << "listing keys failed:" << ApiError::kindName(error.kind);
    const bool firstLoad = !m_loaded;
    if (firstLoad)
        setLoading(false);
    if (m_monitor)
        m_monitor->reportFailure(error);
    Q_EMIT loadFailed(error.message);
}

void VaultKeyTableModel::setLoading(bool loading)
{
    if (m_loading == loading)
        return;
    m_loading = loading;
    Q_EMIT loadingChanged(loading);
}

void VaultKeyTableModel::emitRowChanged(int row)
{
    Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1), changedRoles());
}

void VaultKeyTableModel::rebuildIndex()
{
    m_rowOfKey.clear();
    m_rowOfKey.reserve(m_rows.size());
    for (int i = 0; i < m_rows.size(); ++i)
        m_rowOfKey.insert(m_rows.at(i).key.keyId, i);
}

void VaultKeyTableModel::track(client::ApiRequest *request)
{
    if (m_monitor)
        m_monitor->track(request);
}

void VaultKeyTableModel::revoke(const QString &keyId)
{
    const int row = rowOfKey(keyId);
    if (row < 0)
        return;
    Row &entry = m_rows[row];
    if (entry.revoke == RevokeState::Revoking)
        return;
    if (entry.key.status != KeyStatus::Active && entry.key.status != KeyStatus::Capped)
        return;
    entry.revoke = RevokeState::Revoking;
    entry.revokeMessage.clear();
    emitRowChanged(row);
    m_client->revokeKey(keyId, this, [this, keyId](const Result<client::RevokeResult> &result) {
        const int current = rowOfKey(keyId);
        if (result) {
            if (current >= 0) {
                Row &done = m_rows[current];
                done.revoke = RevokeState::Revoked;
                done.key.status = KeyStatus::Revoked;
                done.key.revokedAt = result->revokedAt;
                emitRowChanged(current);
            }
            if (m_monitor)
                m_monitor->reportSuccess();
            Q_EMIT revokeSucceeded(keyId, result->revokedAt);
            return;
        }
        const ApiError &error = result.error();
        if (current >= 0) {
            Row &failed = m_rows[current];
            failed.revoke = RevokeState::Failed;
            failed.revokeMessage = error.message;
            emitRowChanged(current);
        }
        if (m_monitor)
            m_monitor->reportFailure(error);
        Q_EMIT revokeFailed(keyId, error.message);
    });
}

void VaultKeyTableModel::addRevokeReason(const QString &keyId, const QString &reason)
{
    m_client->revokeKey(keyId, reason, this,
                        [this, keyId, reason](const Result<client::RevokeResult> &result) {
                            if (!result) {
                                if (m_monitor)
                                    m_monitor->reportFailure(result.error());
                                Q_EMIT revokeReasonFinished(keyId, result.error().message);
                                return;
                            }
                            if (m_monitor)
                                m_monitor->reportSuccess();
                            // The server keeps the first reason a key was given; the next refresh
                            // shows which.
                            if (const int row = rowOfKey(keyId);
                                row >= 0 && m_rows[row].key.revokeReason.isEmpty()) {
                                m_rows[row].key.revokeReason = reason;
                                emitRowChanged(row);
                            }
                            Q_EMIT revokeReasonFinished(keyId, QString());
                        });
}

void VaultKeyTableModel::revokeMany(const QStringList &keyIds)
{
    QStringList ids;
    for (const QString &keyId : keyIds) {
        const int row = rowOfKey(keyId);
        if (row < 0)
            continue;
        Row &entry = m_rows[row];
        if (entry.revoke == RevokeState::Revoking
            || (entry.key.status != KeyStatus::Active && entry.key.status != KeyStatus::Capped))
            continue;
        entry.revoke = RevokeState::Revoking;
        entry.revokeMessage.clear();
        emitRowChanged(row);
        ids.append(keyId);
    }
    if (ids.isEmpty()) {
        Q_EMIT bulkRevokeFinished(0, 0, tr("None of the selected keys is active."));
        return;
    }
    if (ids.size() == 1) {
        // One key: the single route answers with its own revocation time.
        m_rows[rowOfKey(ids.first())].revoke = RevokeState::Idle;
        revoke(ids.first());
        return;
    }
    m_client->revokeKeys(
        client::BulkRevokeRequest::byIds(ids), this,
        [this, ids](const Result<client::BulkRevokeResult> &result) {
            int revoked = 0;
            int failed = 0;
            const QSet<QString> done = result
                ? QSet<QString>(result->keyIds.cbegin(), result->keyIds.cend())
                : QSet<QString>();
            for (const QString &keyId : ids) {
                const int row = rowOfKey(keyId);
                if (row < 0)
                    continue;
                Row &entry = m_rows[row];
                if (result && done.contains(keyId)) {
                    entry.revoke = RevokeState::Revoked;
                    entry.key.status = KeyStatus::Revoked;
                    entry.key.revokedAt = result->revokedAt;
                    ++revoked;
                } else if (result && !result->notFound.contains(keyId)) {
                    // Not revoked by this call and not unknown: it was revoked already (or
                    // expired) when the request arrived; the next refresh shows its state.
                    entry.revoke = RevokeState::Idle;
                } else {
                    entry.revoke = RevokeState::Failed;
                    entry.revokeMessage =
                        result ? tr("the server does not know this key") : result.error().message;
                    ++failed;
                }
                emitRowChanged(row);
            }
            if (m_monitor) {
                if (result)
                    m_monitor->reportSuccess();
                else
                    m_monitor->reportFailure(result.error());
            }
            Q_EMIT bulkRevokeFinished(revoked, failed, result ? QString() : result.error().message);
            if (result)
                refresh();
        });
}

} // namespace keybrake
