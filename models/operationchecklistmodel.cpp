#include "models/operationchecklistmodel.h"

namespace keybrake {

OperationChecklistModel::OperationChecklistModel(QObject *parent)
    : QAbstractListModel(parent)
{
}

OperationChecklistModel::~OperationChecklistModel() = default;

void OperationChecklistModel::setVendor(const client::VendorInfo &vendor)
{
    beginResetModel();
    m_items.clear();
    for (const client::VendorOperation &operation : vendor.operations)
        m_items.append(Item {operation, false, false});
    endResetModel();
    Q_EMIT checkedChanged();
}

bool OperationChecklistModel::addCustom(const QString &endpoint)
{
    const QString entry = endpoint.trimmed();
    for (int row = 0; row < m_items.size(); ++row) {
        Item &item = m_items[row];
        if (item.operation.name == entry) {
            if (item.checked)
                return false;
            item.checked = true;
            Q_EMIT dataChanged(index(row), index(row), {Qt::CheckStateRole});
            Q_EMIT checkedChanged();
            return true;
        }
    }
    client::VendorOperation operation;
    operation.name = entry;
    const qsizetype space = entry.indexOf(QLatin1Char(' '));
    operation.method = entry.left(space);
    operation.path = entry.mid(space + 1);
    const int row = int(m_items.size());
    beginInsertRows({}, row, row);
    m_items.append(Item {operation, true, true});
    endInsertRows();
    Q_EMIT checkedChanged();
    return true;
}

void OperationChecklistModel::setCheckedEndpoints(const QStringList &endpoints)
{
    for (int row = 0; row < m_items.size(); ++row) {
        const bool checked = endpoints.contains(m_items.at(row).operation.name);
        if (m_items.at(row).checked != checked) {
            m_items[row].checked = checked;
            Q_EMIT dataChanged(index(row), index(row), {Qt::CheckStateRole});
        }
    }
    for (const QString &endpoint : endpoints) {
        bool known = false;
        for (const Item &item : std::as_const(m_items))
            known = known || item.operation.name == endpoint;
        if (!known)
            addCustom(endpoint);
    }
    Q_EMIT checkedChanged();
}

QStringList OperationChecklistModel::checkedOperations() const
{
    QStringList names;
    for (const Item &item : m_items) {
        if (item.checked && !item.custom)
            names.append(item.operation.name);
    }
    return names;
}

QStringList OperationChecklistModel::checkedCustom() const
{
    QStringList names;
    for (const Item &item : m_items) {
        if (item.checked && item.custom)
            names.append(item.operation.name);
    }
    return names;
}

bool OperationChecklistModel::anyMoneyMovingChecked() const
{
    for (const Item &item : m_items) {
        if (item.checked && item.operation.moneyMoving)
            return true;
    }
    return false;
}

int OperationChecklistModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_items.size());
}

QVariant OperationChecklistModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Item &item = m_items.at(index.row());
    const QString route = QStringLiteral("%1 %2").arg(item.operation.method, item.operation.path);
    switch (role) {
    case Qt::DisplayRole:
        if (item.custom)
            return item.operation.name;
        if (item.operation.moneyMoving)
            return tr("%1  —  %2  · moves money").arg(item.operation.name, route);
        return tr("%1  —  %2").arg(item.operation.name, route);
    case Qt::ToolTipRole:
        if (item.custom)
            return tr("A custom endpoint; {id} matches one path segment");
        if (item.operation.moneyMoving)
            return tr("Moves money. Hold estimated as: %1").arg(item.operation.costRule);
        return tr("Does not move money; costs $0.00");
    case Qt::AccessibleTextRole:
        return item.operation.moneyMoving ? tr("%1, moves money").arg(item.operation.name)
                                          : item.operation.name;
    case Qt::CheckStateRole:
        return item.checked ? Qt::Checked : Qt::Unchecked;
    case NameRole:
        return item.operation.name;
    case RouteRole:
        return route;
    case MoneyMovingRole:
        return item.operation.moneyMoving;
    case CustomRole:
        return item.custom;
    default:
        return {};
    }
}

bool OperationChecklistModel::setData(const QModelIndex &index, const QVariant &value, int role)
{
    if (role != Qt::CheckStateRole
        || !checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return false;
    const bool checked = value.value<Qt::CheckState>() == Qt::Checked;
    Item &item = m_items[index.row()];
    if (item.checked == checked)
        return true;
    item.checked = checked;
    Q_EMIT dataChanged(index, index, {Qt::CheckStateRole});
    Q_EMIT checkedChanged();
    return true;
}

Qt::ItemFlags OperationChecklistModel::flags(const QModelIndex &index) const
{
    if (!index.isValid())
        return Qt::NoItemFlags;
    return Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemIsUserCheckable
        | Qt::ItemNeverHasChildren;
}

} // namespace keybrake
