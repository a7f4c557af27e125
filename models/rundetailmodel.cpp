#include "models/rundetailmodel.h"

#include "client/keybrakeclient.h"
#include "models/connectionmonitor.h"
#include "models/usdtext.h"
#include "models/vendortext.h"

#include <QLocale>

namespace keybrake {

using client::KeyStatus;
using client::Result;
using client::RunDetail;
using client::RunKeyTotals;
using Status = VaultKeyTableModel::DisplayStatus;

RunDetailModel::RunDetailModel(client::KeybrakeClient *client, QObject *parent)
    : QAbstractTableModel(parent)
    , m_client(client)
{
}

RunDetailModel::~RunDetailModel() = default;

void RunDetailModel::setConnectionMonitor(ConnectionMonitor *monitor)
{
    m_monitor = monitor;
}

void RunDetailModel::setTimeFormatter(const TimeFormatter &formatter)
{
    m_time = formatter;
    if (rowCount() > 0)
        Q_EMIT dataChanged(index(0, ExpiresColumn), index(rowCount() - 1, ExpiresColumn));
}

void RunDetailModel::load(const QString &label, const QDateTime &since, const QDateTime &until)
{
    if (label == m_label && since == m_since && until == m_until && (m_loaded || m_inFlight)) {
        refresh();
        return;
    }
    ++m_generation;
    m_inFlight = false;
    beginResetModel();
    m_label = label;
    m_since = since;
    m_until = until;
    m_detail = {};
    m_loaded = false;
    endResetModel();
    if (!label.isEmpty())
        fetch();
}

void RunDetailModel::clear()
{
    load(QString());
}

void RunDetailModel::refresh()
{
    if (!m_label.isEmpty() && !m_inFlight)
        fetch();
}

void RunDetailModel::fetch()
{
    m_inFlight = true;
    const quint64 generation = m_generation;
    client::ApiRequest *request = m_client->run(
        m_label, m_since, m_until, this, [this, generation](const Result<RunDetail> &result) {
            if (generation != m_generation)
                return;
            m_inFlight = false;
            if (!result) {
                m_lastError = result.error().message;
                if (m_monitor)
                    m_monitor->reportFailure(result.error());
                Q_EMIT loadFailed(m_lastError);
                return;
            }
            // Keys are listed oldest first and a run's keys do not go away: rows are updated in
            // place and new keys appended, so a refresh keeps the selection.
            const RunDetail &fresh = *result;
            const qsizetype before = m_detail.keys.size();
            bool sameKeys = fresh.keys.size() >= before;
            for (qsizetype i = 0; sameKeys && i < before; ++i)
                sameKeys = fresh.keys.at(i).keyId == m_detail.keys.at(i).keyId;
            if (sameKeys) {
                if (fresh.keys.size() > before)
                    beginInsertRows({}, int(before), int(fresh.keys.size()) - 1);
                m_detail = fresh;
                if (fresh.keys.size() > before)
                    endInsertRows();
                if (before > 0)
                    Q_EMIT dataChanged(index(0, 0), index(int(before) - 1, ColumnCount - 1));
            } else {
                beginResetModel();
                m_detail = fresh;
                endResetModel();
            }
            m_loaded = true;
            m_lastError.clear();
            m_asOf = QDateTime::currentDateTimeUtc();
            if (m_monitor)
                m_monitor->reportSuccess();
            Q_EMIT loaded();
        });
    if (m_monitor)
        m_monitor->track(request);
}

int RunDetailModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_detail.keys.size());
}

int RunDetailModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

namespace {

Status displayStatusOf(const RunKeyTotals &key)
{
    switch (key.status) {
    case KeyStatus::Revoked:
        return Status::Revoked;
    case KeyStatus::Expired:
        return Status::Expired;
    case KeyStatus::Capped:
        return Status::Capped;
    case KeyStatus::Active:
        return UsdText::fractionOf(key.spentTodayUsd + key.heldTodayUsd, key.dailyUsdCap)
                >= VaultKeyTableModel::NearCapFraction
            ? Status::NearCap
            : Status::Active;
    case KeyStatus::Unknown:
        break;
    }
    return Status::Unknown;
}

} // namespace

QVariant RunDetailModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const RunKeyTotals &key = m_detail.keys.at(index.row());
    const QLocale locale(QLocale::English);
    const Usd committed = key.spentTodayUsd + key.heldTodayUsd;
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case NameColumn:
            return key.name.isEmpty() ? key.keyId : key.name;
        case StatusColumn: {
            const Status status = displayStatusOf(key);
            if (status == Status::NearCap)
                return tr("%1 %").arg(UsdText::percentOf(committed, key.dailyUsdCap));
            return VaultKeyTableModel::statusText(status);
        }
        case VendorColumn:
            return VendorText::displayName(key.vendor);
        case TodayColumn:
            return tr("%1 %").arg(UsdText::percentOf(committed, key.dailyUsdCap));
        case SpendColumn:
            return UsdText::display(key.totals.spendUsd);
        case CallsColumn:
            return locale.toString(key.totals.calls);
        case BlockedColumn:
            return locale.toString(key.totals.blocked);
        case ExpiresColumn:
            if (key.revokedAt.isValid())
                return tr("revoked %1").arg(m_time.clock(key.revokedAt));
            return m_time.relative(key.expiresAt, QDateTime::currentDateTimeUtc());
        default:
            return {};
        }
    case Qt::ToolTipRole:
        switch (index.column()) {
        case NameColumn:
            return tr("%1\n%2").arg(key.name, key.keyId);
        case TodayColumn:
            return tr("Today: %1 settled + %2 held of the %3 daily cap")
                .arg(UsdText::exact(key.spentTodayUsd), UsdText::exact(key.heldTodayUsd),
                     UsdText::exact(key.dailyUsdCap));
        case SpendColumn:
            return tr("%1 settled, %2 held")
                .arg(UsdText::exact(key.totals.spendUsd), UsdText::exact(key.totals.heldUsd));
        case ExpiresColumn:
            return key.revokedAt.isValid() ? tr("Revoked %1").arg(m_time.absolute(key.revokedAt))
                                           : tr("Expires %1").arg(m_time.absolute(key.expiresAt));
        default:
            return {};
        }
    case RawValueRole:
        switch (index.column()) {
        case TodayColumn:
            return UsdText::fractionOf(committed, key.dailyUsdCap);
        case SpendColumn:
            return QVariant::fromValue<qint64>(key.totals.spendUsd.micros());
        case CallsColumn:
            return key.totals.calls;
        case BlockedColumn:
            return key.totals.blocked;
        case ExpiresColumn:
            return key.expiresAt.toMSecsSinceEpoch();
        default:
            return data(index, Qt::DisplayRole);
        }
    case KeyIdRole:
        return key.keyId;
    case DisplayStatusRole:
        return int(displayStatusOf(key));
    case SettledMicrosRole:
        return QVariant::fromValue<qint64>(key.spentTodayUsd.micros());
    case HeldMicrosRole:
        return QVariant::fromValue<qint64>(key.heldTodayUsd.micros());
    case CapMicrosRole:
        return QVariant::fromValue<qint64>(key.dailyUsdCap.micros());
    case Qt::TextAlignmentRole:
        if (index.column() == SpendColumn || index.column() == CallsColumn
            || index.column() == BlockedColumn)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return QVariant::fromValue(Qt::AlignLeft | Qt::AlignVCenter);
    default:
        return {};
    }
}

QVariant RunDetailModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case NameColumn:
        return tr("Key");
    case StatusColumn:
        return tr("Status");
    case VendorColumn:
        return tr("Vendor");
    case TodayColumn:
        return tr("Today vs cap");
    case SpendColumn:
        return tr("Spend");
    case CallsColumn:
        return tr("Calls");
    case BlockedColumn:
        return tr("Blocked");
    case ExpiresColumn:
        return tr("Expires");
    default:
        return {};
    }
}

QString RunDetailModel::summaryText() const
{
    if (!m_loaded)
        return {};
    const QLocale locale(QLocale::English);
    QString text = tr("%1 spent").arg(UsdText::display(m_detail.totals.spendUsd));
    if (m_detail.totals.heldUsd.micros() > 0)
        text += tr(" + %1 held").arg(UsdText::display(m_detail.totals.heldUsd));
    text += tr(" · %n call(s)", nullptr, int(m_detail.totals.calls));
    if (m_detail.totals.blocked > 0) {
        QStringList reasons;
        for (auto it = m_detail.denialsByReason.cbegin(); it != m_detail.denialsByReason.cend();
             ++it)
            reasons.append(tr("%1 %2").arg(it.key(), locale.toString(it.value())));
        text += tr(" · %1 blocked (%2)")
                    .arg(locale.toString(m_detail.totals.blocked), reasons.join(u", "));
    } else {
        text += tr(" · none blocked");
    }
    return text;
}

} // namespace keybrake
