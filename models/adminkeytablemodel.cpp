#include "models/adminkeytablemodel.h"

#include "client/keybrakeclient.h"
#include "models/connectionmonitor.h"

#include <QFont>
#include <QFontDatabase>

#include <algorithm>
#include <utility>

namespace keybrake {

using client::AdminKeyInfo;
using client::Result;

AdminKeyTableModel::AdminKeyTableModel(client::KeybrakeClient *client, QObject *parent)
    : QAbstractTableModel(parent)
    , m_client(client)
{
}

AdminKeyTableModel::~AdminKeyTableModel() = default;

void AdminKeyTableModel::setConnectionMonitor(ConnectionMonitor *monitor)
{
    m_monitor = monitor;
}

int AdminKeyTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_keys.size());
}

int AdminKeyTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString AdminKeyTableModel::describeCreator(const QString &createdBy) const
{
    if (createdBy.isEmpty())
        return tr("—");
    if (const AdminKeyInfo *creator = findKey(createdBy))
        return tr("%1 (…%2)").arg(creator->name, createdBy.right(4));
    return createdBy; // "bootstrap", "cli" or a key no longer listed
}

QVariant AdminKeyTableModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_keys.size())
        return {};
    const AdminKeyInfo &key = m_keys.at(index.row());
    switch (role) {
    case IdRole:
        return key.id;
    case RevokedRole:
        return key.isRevoked();
    case RawValueRole:
        switch (index.column()) {
        case RoleColumn:
            return int(key.role);
        case CreatedColumn:
            return key.createdAt;
        case StatusColumn:
            return key.isRevoked() ? key.revokedAt : QDateTime();
        default:
            return data(index, Qt::DisplayRole);
        }
    case Qt::DisplayRole:
        switch (index.column()) {
        case NameColumn:
            return key.name;
        case RoleColumn:
            return client::adminRoleName(key.role);
        case KeyHintColumn:
            return key.keyHint;
        case StatusColumn:
            return key.isRevoked()
                ? tr("■ Revoked %1")
                      .arg(key.revokedAt.toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm 'UTC'")))
                : tr("● Active");
        case CreatedColumn:
            return key.createdAt.toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm 'UTC'"));
        case CreatedByColumn:
            return describeCreator(key.createdBy);
        default:
            return {};
        }
    case Qt::ToolTipRole:
        switch (index.column()) {
        case KeyHintColumn:
            return key.id;
        case CreatedByColumn:
            return key.createdBy;
        default:
            return {};
        }
    case Qt::FontRole:
        if (index.column() == KeyHintColumn)
            return QFontDatabase::systemFont(QFontDatabase::FixedFont);
        return {};
    case Qt::ForegroundRole:
        return {};
    default:
        return {};
    }
}

QVariant AdminKeyTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case NameColumn:
        return tr("Name");
    case RoleColumn:
        return tr("Role");
    case KeyHintColumn:
        return tr("Key");
    case StatusColumn:
        return tr("Status");
    case CreatedColumn:
        return tr("Created");
    case CreatedByColumn:
        return tr("Created by");
    default:
        return {};
    }
}

const AdminKeyInfo *AdminKeyTableModel::findKey(const QString &id) const
{
    const int row = rowOfKey(id);
    return row >= 0 ? &m_keys.at(row) : nullptr;
}

int AdminKeyTableModel::rowOfKey(const QString &id) const
{
    for (int row = 0; row < m_keys.size(); ++row) {
        if (m_keys.at(row).id == id)
            return row;
    }
    return -1;
}

void AdminKeyTableModel::refresh()
{
    if (m_refreshing)
        return;
    m_refreshing = true;
    if (!m_loaded) {
        m_loading = true;
        Q_EMIT loadingChanged(true);
    }
    auto *request = m_client->adminKeys(this, [this](const Result<QList<AdminKeyInfo>> &result) {
        m_refreshing = false;
        const bool wasLoading = std::exchange(m_loading, false);
        if (result) {
            apply(*result);
            m_loaded = true;
            m_lastError.clear();
            if (m_monitor)
                m_monitor->reportSuccess();
        } else {
            m_lastError = result.error().message;
            if (m_monitor)
                m_monitor->reportFailure(result.error());
        }
        if (wasLoading)
            Q_EMIT loadingChanged(false);
        if (result)
            Q_EMIT refreshed();
        else
            Q_EMIT loadFailed(m_lastError);
    });
    if (m_monitor)
        m_monitor->track(request);
}

void AdminKeyTableModel::apply(const QList<AdminKeyInfo> &keys)
{
    // A handful of keys: update in place by id, append new ones, remove the ones gone.
    for (int row = int(m_keys.size()) - 1; row >= 0; --row) {
        const QString &id = m_keys.at(row).id;
        const bool listed = std::any_of(keys.cbegin(), keys.cend(),
                                        [&id](const AdminKeyInfo &key) { return key.id == id; });
        if (!listed) {
            beginRemoveRows({}, row, row);
            m_keys.removeAt(row);
            endRemoveRows();
        }
    }
    for (const AdminKeyInfo &key : keys) {
        if (rowOfKey(key.id) >= 0) {
            updateRow(key);
            continue;
        }
        const int row = int(m_keys.size());
        beginInsertRows({}, row, row);
        m_keys.append(key);
        endInsertRows();
    }
    // Creator names may have become known.
    if (!m_keys.isEmpty())
        Q_EMIT dataChanged(index(0, CreatedByColumn),
                           index(int(m_keys.size()) - 1, CreatedByColumn));
}

void AdminKeyTableModel::updateRow(const AdminKeyInfo &key)
{
    const int row = rowOfKey(key.id);
    if (row < 0 || m_keys.at(row) == key)
        return;
    m_keys[row] = key;
    Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

void AdminKeyTableModel::revoke(const QString &id)
{
    auto *request =
        m_client->revokeAdminKey(id, this, [this, id](const Result<AdminKeyInfo> &result) {
            if (!result) {
                if (m_monitor)
                    m_monitor->reportFailure(result.error());
                Q_EMIT revokeFailed(id, result.error().message);
                return;
            }
            updateRow(*result);
            Q_EMIT revokeSucceeded(id);
        });
    if (m_monitor)
        m_monitor->track(request);
}

} // namespace keybrake
