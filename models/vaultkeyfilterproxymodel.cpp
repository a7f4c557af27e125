#include "models/vaultkeyfilterproxymodel.h"

#include "models/vaultkeytablemodel.h"

#include <QDateTime>

namespace keybrake {

using Status = VaultKeyTableModel::DisplayStatus;

VaultKeyFilterProxyModel::VaultKeyFilterProxyModel(QObject *parent)
    : QSortFilterProxyModel(parent)
{
    setSortRole(VaultKeyTableModel::RawValueRole);
    setDynamicSortFilter(true);
    m_collator.setCaseSensitivity(Qt::CaseInsensitive);
    m_collator.setNumericMode(true);
    connect(this, &QSortFilterProxyModel::sourceModelChanged, this, [this] {
        if (!sourceModel())
            return;
        connect(sourceModel(), &QAbstractItemModel::dataChanged, this, [this] {
            const bool sortedOrFiltered = sortColumn() >= 0 || !m_search.isEmpty()
                || m_status != StatusFilter::All || !m_vendor.isEmpty();
            if (m_holding && sortedOrFiltered && !m_orderStale) {
                m_orderStale = true;
                Q_EMIT orderStaleChanged(true);
            }
        });
    });
}

VaultKeyFilterProxyModel::~VaultKeyFilterProxyModel() = default;

void VaultKeyFilterProxyModel::setHoldingOrder(bool hold)
{
    if (m_holding == hold)
        return;
    m_holding = hold;
    if (hold) {
        setDynamicSortFilter(false);
        return;
    }
    applyHeldOrder();
    setDynamicSortFilter(true);
}

void VaultKeyFilterProxyModel::applyHeldOrder()
{
    if (!m_orderStale)
        return;
    m_orderStale = false;
    invalidate();
    Q_EMIT orderStaleChanged(false);
}

void VaultKeyFilterProxyModel::setSearchText(const QString &text)
{
    const QString trimmed = text.trimmed();
    if (trimmed == m_search)
        return;
    m_search = trimmed;
    invalidateRowsFilter();
}

void VaultKeyFilterProxyModel::setStatusFilter(StatusFilter filter)
{
    if (filter == m_status)
        return;
    m_status = filter;
    invalidateRowsFilter();
}

void VaultKeyFilterProxyModel::setVendorFilter(const QString &vendor)
{
    if (vendor == m_vendor)
        return;
    m_vendor = vendor;
    invalidateRowsFilter();
}

client::KeyQuery VaultKeyFilterProxyModel::serverQuery() const
{
    client::KeyQuery query;
    query.q = m_search;
    query.vendor = m_vendor;
    query.sort = m_serverSort;
    switch (m_status) {
    case StatusFilter::All:
    case StatusFilter::Active: // the server's "active" leaves out capped keys, which are live too
        break;
    case StatusFilter::AtRisk: // near the cap is not a server status, but a utilisation floor
        query.minUtilisation = QStringLiteral("0.8");
        break;
    case StatusFilter::Capped:
        query.status = client::KeyStatus::Capped;
        break;
    case StatusFilter::Revoked:
        query.status = client::KeyStatus::Revoked;
        break;
    case StatusFilter::Expired:
        query.status = client::KeyStatus::Expired;
        break;
    }
    return query;
}

QString VaultKeyFilterProxyModel::statusFilterName(StatusFilter filter)
{
    switch (filter) {
    case StatusFilter::All:
        return tr("All");
    case StatusFilter::Active:
        return tr("Active");
    case StatusFilter::Capped:
        return tr("Capped");
    case StatusFilter::Revoked:
        return tr("Revoked");
    case StatusFilter::Expired:
        return tr("Expired");
    case StatusFilter::AtRisk:
        return tr("At risk");
    }
    return {};
}

bool VaultKeyFilterProxyModel::filterAcceptsRow(int sourceRow,
                                                const QModelIndex &sourceParent) const
{
    const QModelIndex index = sourceModel()->index(sourceRow, 0, sourceParent);
    const auto revoke =
        VaultKeyTableModel::RevokeState(index.data(VaultKeyTableModel::RevokeStateRole).toInt());
    const bool sticky = revoke == VaultKeyTableModel::RevokeState::Revoking
        || revoke == VaultKeyTableModel::RevokeState::Revoked;

    if (!m_vendor.isEmpty() && index.data(VaultKeyTableModel::VendorRole).toString() != m_vendor)
        return false;
    if (!m_search.isEmpty()
        && !index.data(VaultKeyTableModel::SearchTextRole)
                .toString()
                .contains(m_search, Qt::CaseInsensitive))
        return false;
    if (sticky)
        return true;
    const auto status = Status(index.data(VaultKeyTableModel::DisplayStatusRole).toInt());
    switch (m_status) {
    case StatusFilter::All:
        return true;
    case StatusFilter::Active:
        return status == Status::Active || status == Status::NearCap || status == Status::Capped;
    case StatusFilter::Capped:
        return status == Status::Capped;
    case StatusFilter::Revoked:
        return status == Status::Revoked;
    case StatusFilter::Expired:
        return status == Status::Expired;
    case StatusFilter::AtRisk:
        return status == Status::NearCap || status == Status::Capped;
    }
    return true;
}

bool VaultKeyFilterProxyModel::lessThan(const QModelIndex &left, const QModelIndex &right) const
{
    const QVariant a = left.data(sortRole());
    const QVariant b = right.data(sortRole());
    if (a.typeId() == QMetaType::QString && b.typeId() == QMetaType::QString)
        return m_collator.compare(a.toString(), b.toString()) < 0;
    if (a.typeId() == QMetaType::QDateTime && b.typeId() == QMetaType::QDateTime)
        return a.toDateTime() < b.toDateTime();
    if (a.typeId() == QMetaType::Double || b.typeId() == QMetaType::Double)
        return a.toDouble() < b.toDouble();
    return a.toLongLong() < b.toLongLong();
}

} // namespace keybrake
