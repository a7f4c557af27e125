#include "models/blocklistmodel.h"

#include "client/eventmessage.h"
#include "client/keybrakeclient.h"
#include "models/connectionmonitor.h"
#include "models/vendortext.h"

#include <algorithm>

namespace keybrake {

using client::PrefixBlock;

BlockListModel::BlockListModel(client::KeybrakeClient *client, QObject *parent)
    : QAbstractTableModel(parent)
    , m_client(client)
{
}

BlockListModel::~BlockListModel()
{
    if (m_request)
        m_request->cancel();
}

void BlockListModel::setConnectionMonitor(ConnectionMonitor *monitor)
{
    m_monitor = monitor;
}

void BlockListModel::setTimeFormatter(const TimeFormatter &formatter)
{
    m_time = formatter;
    if (!m_blocks.isEmpty())
        Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
}

int BlockListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_blocks.size());
}

int BlockListModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant BlockListModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (Column(section)) {
    case PrefixColumn:
        return tr("Prefix");
    case VendorColumn:
        return tr("Vendor");
    case CreatedByColumn:
        return tr("By");
    case ReasonColumn:
        return tr("Reason");
    case SinceColumn:
        return tr("Since");
    case EndsColumn:
        return tr("Ends");
    case RefusedColumn:
        return tr("Refused");
    case ColumnCount:
        break;
    }
    return {};
}

QVariant BlockListModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_blocks.size())
        return {};
    const PrefixBlock &block = m_blocks.at(index.row());
    const QDateTime now = QDateTime::currentDateTimeUtc();
    if (role == IdRole)
        return block.id;
    if (role == MonospaceRole)
        return index.column() == PrefixColumn;
    if (role == Qt::TextAlignmentRole && index.column() == RefusedColumn)
        return int(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::DisplayRole) {
        switch (Column(index.column())) {
        case PrefixColumn:
            return block.labelPrefix;
        case VendorColumn:
            return block.vendor.isEmpty() ? tr("every vendor")
                                          : VendorText::displayName(block.vendor);
        case CreatedByColumn:
            return block.createdBy.name.isEmpty() ? block.createdBy.adminKeyId
                                                  : block.createdBy.name;
        case ReasonColumn:
            return block.reason;
        case SinceColumn:
            return m_time.relative(block.createdAt, now);
        case EndsColumn:
            return block.endsAt.isValid()
                ? tr("%1 (%2)").arg(m_time.clock(block.endsAt), m_time.relative(block.endsAt, now))
                : tr("until lifted");
        case RefusedColumn:
            return QString(tr("%n call(s)", nullptr, int(block.refusedCalls))
                           + (block.refusedIssuances > 0
                                  ? tr(", %n issuance(s)", nullptr, int(block.refusedIssuances))
                                  : QString()));
        case ColumnCount:
            break;
        }
    }
    if (role == Qt::ToolTipRole) {
        switch (Column(index.column())) {
        case PrefixColumn:
            return tr("%1\n%2").arg(block.labelPrefix, block.id);
        case CreatedByColumn:
            return block.createdBy.adminKeyId;
        case ReasonColumn:
            return block.reason;
        case SinceColumn:
            return m_time.absolute(block.createdAt);
        case EndsColumn:
            return block.endsAt.isValid() ? m_time.absolute(block.endsAt)
                                          : tr("Lasts until someone lifts it");
        default:
            return describe(block, m_time);
        }
    }
    return {};
}

const PrefixBlock *BlockListModel::findBlock(const QString &id) const
{
    for (const PrefixBlock &block : m_blocks) {
        if (block.id == id)
            return &block;
    }
    return nullptr;
}

const PrefixBlock *BlockListModel::blockFor(const QString &label, const QString &vendor,
                                            const QDateTime &now) const
{
    const PrefixBlock *oldest = nullptr;
    for (const PrefixBlock &block : m_blocks) {
        if (!block.isActive() || (block.endsAt.isValid() && block.endsAt <= now))
            continue;
        if (!label.startsWith(block.labelPrefix))
            continue;
        if (!block.vendor.isEmpty() && block.vendor != vendor)
            continue;
        if (!oldest || block.createdAt < oldest->createdAt)
            oldest = &block;
    }
    return oldest;
}

QString BlockListModel::describe(const PrefixBlock &block, const TimeFormatter &time)
{
    const QString who =
        block.createdBy.name.isEmpty() ? block.createdBy.adminKeyId : block.createdBy.name;
    const QString until = block.endsAt.isValid()
        ? tr("until %1 %2").arg(time.clock(block.endsAt), time.zoneName(block.endsAt))
        : tr("until lifted");
    QString text = tr("Blocked by prefix `%1`").arg(block.labelPrefix);
    if (!block.vendor.isEmpty())
        text += tr(" (%1 only)").arg(VendorText::displayName(block.vendor));
    text += QLatin1Char(' ') + until;
    if (!who.isEmpty())
        text += tr(" — by %1").arg(who);
    if (!block.reason.isEmpty())
        text += (who.isEmpty() ? tr(" — %1") : tr(": %1")).arg(block.reason);
    return text;
}

void BlockListModel::refresh()
{
    if (m_request) {
        m_again = true; // an event arrived while reading: read once more afterwards
        return;
    }
    m_request =
        m_client->blocks(false, this, [this](const client::Result<QList<PrefixBlock>> &result) {
            m_request.clear();
            if (!result) {
                m_lastError = result.error().message;
                if (m_monitor)
                    m_monitor->reportFailure(result.error());
                Q_EMIT loadFailed(m_lastError);
            } else {
                m_lastError.clear();
                if (m_monitor)
                    m_monitor->reportSuccess();
                apply(*result);
            }
            if (m_again) {
                m_again = false;
                refresh();
            }
        });
}

void BlockListModel::addEvent(const client::EventMessage &message)
{
    if (message.type == u"block.created" || message.type == u"block.lifted")
        refresh();
}

void BlockListModel::lift(const QString &blockId, const QString &reason)
{
    m_client->liftBlock(
        blockId, reason, this, [this, blockId](const client::Result<PrefixBlock> &result) {
            if (!result) {
                Q_EMIT liftFinished(blockId, result.error().message);
                return;
            }
            QList<PrefixBlock> blocks = m_blocks;
            blocks.removeIf([&](const PrefixBlock &b) { return b.id == result->id; });
            apply(blocks);
            Q_EMIT liftFinished(blockId, QString());
            refresh();
        });
}

void BlockListModel::dropEnded()
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    for (int row = int(m_blocks.size()) - 1; row >= 0; --row) {
        const PrefixBlock &block = m_blocks.at(row);
        if (block.isActive() && (!block.endsAt.isValid() || block.endsAt > now))
            continue;
        beginRemoveRows({}, row, row);
        m_blocks.removeAt(row);
        endRemoveRows();
    }
}

void BlockListModel::apply(QList<PrefixBlock> blocks)
{
    // Few rows, rarely changed: a reset is simplest, and the page keeps the selection by id.
    beginResetModel();
    m_blocks = std::move(blocks);
    endResetModel();
    dropEnded();
    m_loaded = true;
    Q_EMIT blocksChanged();
}

} // namespace keybrake
