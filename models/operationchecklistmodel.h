#pragma once

#include "client/vendorcatalog.h"

#include <QAbstractListModel>
#include <QStringList>

namespace keybrake {

// The Issue Key form's operations checklist: the vendor's catalog operations from
// GET /v1/vendors (money-moving ones marked) plus free "METHOD /path" entries the user adds.
class OperationChecklistModel : public QAbstractListModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(OperationChecklistModel)

public:
    enum Role {
        NameRole = Qt::UserRole + 1, // "charges.create" or "POST /v1/refunds"
        RouteRole, // "POST /v1/charges"
        MoneyMovingRole,
        CustomRole, // added by the user, not from the catalog
    };
    Q_ENUM(Role)

    explicit OperationChecklistModel(QObject *parent = nullptr);
    ~OperationChecklistModel() override;

    // Replaces the list with `vendor`'s operations, none checked.
    void setVendor(const client::VendorInfo &vendor);
    // Adds a checked custom entry (or checks the catalog entry of that name); false when it is
    // already there.
    bool addCustom(const QString &endpoint);
    // Checks exactly these names, adding unknown ones as custom entries.
    void setCheckedEndpoints(const QStringList &endpoints);
    QStringList checkedOperations() const; // catalog names, in catalog order
    QStringList checkedCustom() const;
    bool anyMoneyMovingChecked() const;

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    bool setData(const QModelIndex &index, const QVariant &value, int role) override;
    Qt::ItemFlags flags(const QModelIndex &index) const override;

Q_SIGNALS:
    void checkedChanged();

private:
    struct Item
    {
        client::VendorOperation operation;
        bool custom = false;
        bool checked = false;
    };
    QList<Item> m_items;
};

} // namespace keybrake
