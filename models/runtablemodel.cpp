#include "models/runtablemodel.h"

#include "client/jsoncodec.h"
#include "client/keybrakeclient.h"
#include "models/connectionmonitor.h"
#include "models/runawaydetector.h"
#include "models/usdtext.h"
#include "models/vendortext.h"

#include <QColor>
#include <QFontDatabase>
#include <QLocale>

#include <algorithm>

namespace keybrake {

using client::Result;
using client::RunPage;
using client::RunStatus;
using client::RunSummary;

namespace {

constexpr int MaxServerPage = 1000;

const QList<int> &changedRoles()
{
    static const QList<int> roles = {
        Qt::DisplayRole,
        Qt::ToolTipRole,
        Qt::AccessibleTextRole,
        RunTableModel::RawValueRole,
        RunTableModel::DisplayStatusRole,
        RunTableModel::SettledMicrosRole,
        RunTableModel::HeldMicrosRole,
        RunTableModel::CapMicrosRole,
        RunTableModel::ExportRole,
        RunTableModel::RunStateRole,
    };
    return roles;
}

QString decimal(Usd amount)
{
    return QString::fromStdString(amount.toDecimal());
}

} // namespace

RunTableModel::RunTableModel(client::KeybrakeClient *client, QObject *parent)
    : QAbstractTableModel(parent)
    , m_client(client)
{
}

RunTableModel::~RunTableModel() = default;

void RunTableModel::setConnectionMonitor(ConnectionMonitor *monitor)
{
    m_monitor = monitor;
}

void RunTableModel::setRunawayDetector(RunawayDetector *detector)
{
    m_runaway = detector;
    if (!detector)
        return;
    connect(detector, &RunawayDetector::flagsChanged, this, [this] {
        if (!m_rows.isEmpty())
            Q_EMIT dataChanged(index(0, 0), index(int(m_rows.size()) - 1, ColumnCount - 1),
                               {Qt::DisplayRole, Qt::ToolTipRole, Qt::BackgroundRole,
                                Qt::AccessibleTextRole, RunawayRole});
    });
}

void RunTableModel::setBlocks(const QList<client::PrefixBlock> &blocks)
{
    QList<client::PrefixBlock> active;
    for (const client::PrefixBlock &block : blocks)
        if (block.isActive())
            active.append(block);
    if (active == m_blocks)
        return;
    m_blocks = active;
    if (!m_rows.isEmpty())
        Q_EMIT dataChanged(index(0, StatusColumn), index(int(m_rows.size()) - 1, StatusColumn),
                           changedRoles());
}

std::optional<client::PrefixBlock> RunTableModel::blockOf(const RunSummary &run) const
{
    for (const client::PrefixBlock &block : m_blocks) {
        if (!run.label.startsWith(block.labelPrefix))
            continue;
        // A block on one vendor stops the run only when that is all the run calls.
        if (block.vendor.isEmpty() || run.vendors == QStringList {block.vendor})
            return block;
    }
    return std::nullopt;
}

RunTableModel::RunState RunTableModel::runState(const RunSummary &run) const
{
    if (run.status == RunStatus::Unknown)
        return RunState::Unknown;
    if (run.status == RunStatus::Ended || run.activeKeys == 0)
        return run.revokedKeys > 0 ? RunState::Revoked : RunState::Expired;
    if (blockOf(run))
        return RunState::Blocked;
    // Every live key at its cap today (the server's count, the keys' own "capped" status): no
    // call of the run gets through until the window resets.
    if (run.cappedKeys >= run.activeKeys)
        return RunState::Capped;
    return RunState::Active;
}

QString RunTableModel::runStateText(RunState state)
{
    switch (state) {
    case RunState::Active:
        return tr("Active");
    case RunState::Capped:
        return tr("Capped");
    case RunState::Blocked:
        return tr("Blocked");
    case RunState::Revoked:
        return tr("Revoked");
    case RunState::Expired:
        return tr("Expired");
    case RunState::Unknown:
        break;
    }
    return tr("Unknown");
}

void RunTableModel::setHoldingChanges(bool hold)
{
    if (hold == m_holding)
        return;
    m_holding = hold;
    if (!hold)
        applyHeldChanges();
}

void RunTableModel::applyHeldChanges()
{
    if (m_heldRuns.isEmpty())
        return;
    const QList<RunSummary> held = std::exchange(m_heldRuns, {});
    const bool holding = std::exchange(m_holding, false);
    apply(held, false);
    m_holding = holding;
    Q_EMIT heldChangesChanged();
}

void RunTableModel::setTimeFormatter(const TimeFormatter &formatter)
{
    m_time = formatter;
    if (!m_rows.isEmpty())
        Q_EMIT dataChanged(index(0, FirstCallColumn), index(int(m_rows.size()) - 1, LastCallColumn),
                           {Qt::DisplayRole, Qt::ToolTipRole});
}

void RunTableModel::setPageSize(int rows)
{
    m_pageSize = std::clamp(rows, 1, MaxServerPage);
}

void RunTableModel::setQuery(const client::RunQuery &query)
{
    client::RunQuery filters = query;
    filters.cursor.clear();
    filters.limit = 0;
    if (filters == m_query && (m_loaded || m_loading))
        return;
    m_query = filters;
    reload();
}

int RunTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int RunTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString RunTableModel::statusText(RunStatus status)
{
    switch (status) {
    case RunStatus::Active:
        return tr("Active");
    case RunStatus::Ended:
        return tr("Ended");
    case RunStatus::Unknown:
        break;
    }
    return tr("Unknown");
}

QVariant RunTableModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const RunSummary &run = m_rows.at(index.row());
    const int column = index.column();
    switch (role) {
    case Qt::DisplayRole:
        return displayData(run, column);
    case Qt::ToolTipRole: {
        const QVariant tip = toolTipData(run, column);
        const auto flag = m_runaway ? m_runaway->flagForLabel(run.label) : std::nullopt;
        if (!flag)
            return tip;
        const QString text = tip.toString();
        return QString(tr("⚠ Runaway? %1").arg(flag->reason)
                       + (text.isEmpty() ? QString() : QLatin1Char('\n') + text));
    }
    case Qt::AccessibleTextRole:
        return tr("%1: %2").arg(headerData(column, Qt::Horizontal).toString(),
                                displayData(run, column).toString());
    case RawValueRole:
        return rawData(run, column);
    case ExportRole:
        return exportData(run, column);
    case LabelRole:
        return run.label;
    case DisplayStatusRole: {
        // A run is shown with the key shapes; a block takes the capped key's red square (no
        // call gets through either way), the word tells them apart.
        using Shape = VaultKeyTableModel::DisplayStatus;
        switch (runState(run)) {
        case RunState::Active:
            return int(Shape::Active);
        case RunState::Capped:
        case RunState::Blocked:
            return int(Shape::Capped);
        case RunState::Revoked:
            return int(Shape::Revoked);
        case RunState::Expired:
            return int(Shape::Expired);
        case RunState::Unknown:
            break;
        }
        return int(Shape::Unknown);
    }
    case RunStateRole:
        return int(runState(run));
    case RunawayRole: {
        if (!m_runaway)
            return QString();
        const auto flag = m_runaway->flagForLabel(run.label);
        return flag ? flag->reason : QString();
    }
    case Qt::BackgroundRole:
        // With the "⚠" before the label and the reason in its tooltip: a tint, never the only
        // sign (the same as on Vault Keys).
        if (m_runaway && m_runaway->flagForLabel(run.label))
            return QColor(240, 150, 0, 56);
        return {};
    case SettledMicrosRole:
        return QVariant::fromValue<qint64>(run.totals.spendUsd.micros());
    case HeldMicrosRole:
        return QVariant::fromValue<qint64>(run.totals.heldUsd.micros());
    case CapMicrosRole:
        return QVariant::fromValue<qint64>(run.totalCapUsd.micros());
    case MonospaceRole:
        return column == LabelColumn;
    case Qt::FontRole:
        if (column == LabelColumn)
            return QFontDatabase::systemFont(QFontDatabase::FixedFont);
        return {};
    case Qt::TextAlignmentRole:
        switch (column) {
        case KeysColumn:
        case SpendColumn:
        case CallsColumn:
        case BlockedColumn:
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        default:
            return QVariant::fromValue(Qt::AlignLeft | Qt::AlignVCenter);
        }
    default:
        return {};
    }
}

QVariant RunTableModel::displayData(const RunSummary &run, int column) const
{
    const QLocale locale(QLocale::English);
    switch (column) {
    case LabelColumn:
        if (m_runaway && m_runaway->flagForLabel(run.label))
            return tr("⚠ %1").arg(run.label);
        return run.label;
    case StatusColumn:
        return runStateText(runState(run));
    case VendorsColumn:
        return VendorText::displayNames(run.vendors);
    case KeysColumn:
        return run.activeKeys == run.keys
            ? locale.toString(run.keys)
            : tr("%1 (%2 active)").arg(locale.toString(run.keys), locale.toString(run.activeKeys));
    case SpendColumn:
        return UsdText::display(run.totals.spendUsd);
    case UtilisationColumn:
        return tr("%1 %").arg(UsdText::percentOf(run.totals.committedUsd(), run.totalCapUsd));
    case CallsColumn:
        return locale.toString(run.totals.calls);
    case BlockedColumn:
        return locale.toString(run.totals.blocked);
    case FirstCallColumn:
        return m_time.relative(run.totals.firstCallAt, QDateTime::currentDateTimeUtc());
    case LastCallColumn:
        return m_time.relative(run.totals.lastCallAt, QDateTime::currentDateTimeUtc());
    default:
        return {};
    }
}

QVariant RunTableModel::toolTipData(const RunSummary &run, int column) const
{
    switch (column) {
    case LabelColumn:
        return tr("%1\nLabel prefix: %2").arg(run.label, run.labelPrefix);
    case StatusColumn:
        switch (runState(run)) {
        case RunState::Capped:
            return tr("Capped: every live key of this run has reached its daily cap; further "
                      "calls are refused until the window resets");
        case RunState::Blocked: {
            const auto block = blockOf(run);
            return tr("Blocked: prefix “%1” is blocked (%2); no call of this run is admitted")
                .arg(block ? block->labelPrefix : QString(), block ? block->reason : QString());
        }
        case RunState::Revoked:
            return tr("Ended: %n of its key(s) revoked, the rest expired", nullptr,
                      int(run.revokedKeys));
        case RunState::Expired:
            return tr("Ended: every key of this run expired");
        case RunState::Active:
        case RunState::Unknown:
            break;
        }
        if (run.cappedKeys > 0)
            return tr("%1 of its %n live key(s) capped today; the others can still make calls",
                      nullptr, int(run.activeKeys))
                .arg(run.cappedKeys);
        return tr("%n key(s) of this run can still make calls", nullptr, int(run.activeKeys));
    case SpendColumn:
        return tr("%1 settled, %2 held")
            .arg(UsdText::exact(run.totals.spendUsd), UsdText::exact(run.totals.heldUsd));
    case UtilisationColumn:
        return tr("%1 settled + %2 held of %3, the sum of the keys' daily caps (caps are per key "
                  "and per day: a run over several days can pass 100 %)")
            .arg(UsdText::exact(run.totals.spendUsd), UsdText::exact(run.totals.heldUsd),
                 UsdText::exact(run.totalCapUsd));
    case BlockedColumn:
        return tr("Calls refused by the policy or the cap");
    case FirstCallColumn:
        return m_time.absolute(run.totals.firstCallAt);
    case LastCallColumn:
        return m_time.absolute(run.totals.lastCallAt);
    default:
        return {};
    }
}

QVariant RunTableModel::rawData(const RunSummary &run, int column) const
{
    switch (column) {
    case KeysColumn:
        return run.keys;
    case SpendColumn:
        return QVariant::fromValue<qint64>(run.totals.spendUsd.micros());
    case UtilisationColumn:
        return UsdText::fractionOf(run.totals.committedUsd(), run.totalCapUsd);
    case CallsColumn:
        return run.totals.calls;
    case BlockedColumn:
        return run.totals.blocked;
    // Milliseconds since the epoch: a descending sort of LastCallColumn is the server's order.
    case FirstCallColumn:
        return run.totals.firstCallAt.toMSecsSinceEpoch();
    case LastCallColumn:
        return run.totals.lastCallAt.toMSecsSinceEpoch();
    default:
        return displayData(run, column);
    }
}

QVariant RunTableModel::exportData(const RunSummary &run, int column) const
{
    switch (column) {
    case LabelColumn:
        return run.label;
    case StatusColumn:
        return runStatusName(run.status);
    case VendorsColumn:
        return run.vendors.join(u' ');
    case KeysColumn:
        return run.keys;
    case SpendColumn:
        return decimal(run.totals.spendUsd);
    case UtilisationColumn:
        return decimal(run.totalCapUsd);
    case CallsColumn:
        return run.totals.calls;
    case BlockedColumn:
        return run.totals.blocked;
    case FirstCallColumn:
        return client::JsonCodec::timeToJson(run.totals.firstCallAt).toString();
    case LastCallColumn:
        return client::JsonCodec::timeToJson(run.totals.lastCallAt).toString();
    default:
        return {};
    }
}

QVariant RunTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::DisplayRole) {
        switch (section) {
        case LabelColumn:
            return tr("Run label");
        case StatusColumn:
            return tr("Status");
        case VendorsColumn:
            return tr("Vendors");
        case KeysColumn:
            return tr("Keys");
        case SpendColumn:
            return tr("Spend");
        case UtilisationColumn:
            return tr("Of caps");
        case CallsColumn:
            return tr("Calls");
        case BlockedColumn:
            return tr("Blocked");
        case FirstCallColumn:
            return tr("First call");
        case LastCallColumn:
            return tr("Last call");
        default:
            return {};
        }
    }
    // Column names for a file: stable, snake_case, the server's words.
    if (role == ExportRole) {
        switch (section) {
        case LabelColumn:
            return QStringLiteral("label");
        case StatusColumn:
            return QStringLiteral("status");
        case VendorsColumn:
            return QStringLiteral("vendors");
        case KeysColumn:
            return QStringLiteral("keys");
        case SpendColumn:
            return QStringLiteral("spend_usd");
        case UtilisationColumn:
            return QStringLiteral("total_cap_usd");
        case CallsColumn:
            return QStringLiteral("calls");
        case BlockedColumn:
            return QStringLiteral("blocked");
        case FirstCallColumn:
            return QStringLiteral("first_call_at");
        case LastCallColumn:
            return QStringLiteral("last_call_at");
        default:
            return {};
        }
    }
    return {};
}

bool RunTableModel::canFetchMore(const QModelIndex &parent) const
{
    return !parent.isValid() && m_loaded && !m_nextCursor.isEmpty() && !m_fetching;
}

void RunTableModel::fetchMore(const QModelIndex &parent)
{
    if (canFetchMore(parent))
        fetchPage();
}

const RunSummary *RunTableModel::runAt(int row) const
{
    return row >= 0 && row < m_rows.size() ? &m_rows.at(row) : nullptr;
}

void RunTableModel::upsertRun(const RunSummary &run)
{
    apply({run}, false);
}

void RunTableModel::reload()
{
    ++m_generation;
    m_fetching = false;
    m_refreshing = false;
    beginResetModel();
    m_rows.clear();
    m_rowOfLabel.clear();
    m_heldRuns.clear();
    m_nextCursor.clear();
    m_loaded = false;
    endResetModel();
    setLoading(true);
    fetchPage();
}

void RunTableModel::refresh()
{
    if (!m_loaded) {
        if (!m_loading && !m_fetching)
            reload();
        return;
    }
    if (m_refreshing || m_fetching)
        return;
    m_refreshing = true;
    refreshStep(QString(), std::max(int(m_rows.size()), m_pageSize));
}

client::RunQuery RunTableModel::pageQuery(const QString &cursor, int limit) const
{
    client::RunQuery query = m_query;
    query.cursor = cursor;
    query.limit = limit;
    return query;
}

void RunTableModel::fetchPage()
{
    m_fetching = true;
    const quint64 generation = m_generation;
    track(m_client->listRuns(pageQuery(m_nextCursor, m_pageSize), this,
                             [this, generation](const Result<RunPage> &result) {
                                 if (generation != m_generation)
                                     return;
                                 m_fetching = false;
                                 if (!result) {
                                     onFailure(result.error());
                                     return;
                                 }
                                 const bool first = !m_loaded;
                                 m_nextCursor = result->nextCursor;
                                 m_spendTimezone = result->spendTimezone;
                                 apply(result->data, true);
                                 m_loaded = true;
                                 m_lastError.clear();
                                 m_asOf = QDateTime::currentDateTimeUtc();
                                 setLoading(false);
                                 if (m_monitor)
                                     m_monitor->reportSuccess();
                                 if (first)
                                     Q_EMIT refreshed(m_asOf);
                             }));
}

void RunTableModel::refreshStep(const QString &cursor, int remaining)
{
    const quint64 generation = m_generation;
    const int wanted = std::clamp(remaining, 1, MaxServerPage);
    track(m_client->listRuns(pageQuery(cursor, wanted), this,
                             [this, generation, remaining](const Result<RunPage> &result) {
                                 if (generation != m_generation)
                                     return;
                                 if (!result) {
                                     m_refreshing = false;
                                     onFailure(result.error());
                                     return;
                                 }
                                 // Runs never disappear from the list (its filters are about the
                                 // past), so a refresh only updates and inserts; the rows past the
                                 // re-read window stay as they were.
                                 apply(result->data, false);
                                 const int left = remaining - int(result->data.size());
                                 if (result->hasMore() && left > 0) {
                                     refreshStep(result->nextCursor, left);
                                     return;
                                 }
                                 m_refreshing = false;
                                 m_spendTimezone = result->spendTimezone;
                                 m_lastError.clear();
                                 m_asOf = QDateTime::currentDateTimeUtc();
                                 if (m_monitor)
                                     m_monitor->reportSuccess();
                                 Q_EMIT refreshed(m_asOf);
                             }));
}

void RunTableModel::apply(const QList<RunSummary> &runs, bool append)
{
    QList<RunSummary> fresh;
    for (const RunSummary &run : runs) {
        const int row = m_rowOfLabel.value(run.label, -1);
        if (row < 0) {
            fresh.append(run);
            continue;
        }
        if (m_rows.at(row) == run)
            continue;
        m_rows[row] = run;
        Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1), changedRoles());
    }
    if (fresh.isEmpty())
        return;
    if (m_holding && !append) {
        // Arriving runs would go on top and push the rows under the pointer down: they wait.
        for (const RunSummary &run : std::as_const(fresh)) {
            auto held = std::find_if(m_heldRuns.begin(), m_heldRuns.end(),
                                     [&run](const RunSummary &r) { return r.label == run.label; });
            if (held != m_heldRuns.end())
                *held = run;
            else
                m_heldRuns.append(run);
        }
        Q_EMIT heldChangesChanged();
        return;
    }
    // New pages go below; runs that appear on a refresh are the newest activity and go on top.
    const int first = append ? int(m_rows.size()) : 0;
    beginInsertRows({}, first, first + int(fresh.size()) - 1);
    if (append) {
        m_rows.append(fresh);
    } else {
        m_rows = fresh + m_rows;
    }
    m_rowOfLabel.clear();
    for (int row = 0; row < m_rows.size(); ++row)
        m_rowOfLabel.insert(m_rows.at(row).label, row);
    endInsertRows();
}

void RunTableModel::onFailure(const client::ApiError &error)
{
    m_lastError = error.message;
    setLoading(false);
    if (m_monitor)
        m_monitor->reportFailure(error);
    Q_EMIT loadFailed(m_lastError);
}

void RunTableModel::setLoading(bool loading)
{
    if (loading == m_loading)
        return;
    m_loading = loading;
    Q_EMIT loadingChanged(loading);
}

void RunTableModel::track(client::ApiRequest *request)
{
    if (m_monitor)
        m_monitor->track(request);
}

} // namespace keybrake
