#pragma once

#include "client/keyquery.h"

#include <QCollator>
#include <QSortFilterProxyModel>

namespace keybrake {

// Search, status and vendor filters and sorting by raw values over VaultKeyTableModel.
//
// The same filters also go to the server (serverQuery()), so paging fetches matching keys; the
// proxy applies them again locally so a key whose status changes leaves the view at once. A key
// this console is revoking or has just revoked stays visible whatever the filter, so the user
// sees the answer to their click.
class VaultKeyFilterProxyModel : public QSortFilterProxyModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(VaultKeyFilterProxyModel)

public:
    enum class StatusFilter {
        All,
        Active, // live keys: active, near cap and capped
        Capped,
        Revoked,
        Expired,
        AtRisk, // at 80 % of the cap or more, capped included
    };
    Q_ENUM(StatusFilter)

    explicit VaultKeyFilterProxyModel(QObject *parent = nullptr);
    ~VaultKeyFilterProxyModel() override;

    void setSearchText(const QString &text);
    QString searchText() const { return m_search; }
    void setStatusFilter(StatusFilter filter);
    StatusFilter statusFilter() const { return m_status; }
    void setVendorFilter(const QString &vendor); // empty: all vendors
    QString vendorFilter() const { return m_vendor; }

    // The order the server lists keys in (KeyQuery::sort): "spend" or "utilisation", highest
    // first, ranked over every matching key; empty: newest first. Sorting by these columns
    // locally would rank only the rows loaded so far.
    void setServerSort(const QString &sort) { m_serverSort = sort; }
    QString serverSort() const { return m_serverSort; }

    // The filters (and the server's order) as GET /v1/keys parameters. "At risk" asks the
    // server for keys at 80 % of their cap or more, so the list does not depend on what was
    // loaded.
    client::KeyQuery serverQuery() const;

    static QString statusFilterName(StatusFilter filter);

    // While held, rows whose values change keep their place: no live re-sort or re-filter (a
    // click on a header still sorts). isOrderStale() says whether the values changed since, so
    // the order shown may be out of date; ending the hold or applyHeldOrder() sorts again.
    void setHoldingOrder(bool hold);
    bool isHoldingOrder() const { return m_holding; }
    bool isOrderStale() const { return m_orderStale; }
    void applyHeldOrder();

Q_SIGNALS:
    void orderStaleChanged(bool stale);

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;
    bool lessThan(const QModelIndex &left, const QModelIndex &right) const override;

private:
    QString m_search;
    StatusFilter m_status = StatusFilter::All;
    QString m_vendor;
    QString m_serverSort;
    QCollator m_collator;
    bool m_holding = false;
    bool m_orderStale = false;
};

} // namespace keybrake
