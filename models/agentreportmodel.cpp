#include "models/agentreportmodel.h"

#include "client/jsoncodec.h"
#include "client/keybrakeclient.h"
#include "models/connectionmonitor.h"
#include "models/usdtext.h"

#include <QFontDatabase>
#include <QLocale>

namespace keybrake {

using client::AgentReport;
using client::AgentTotals;
using client::Result;

AgentReportModel::AgentReportModel(client::KeybrakeClient *client, QObject *parent)
    : ReportTableModel(client, parent)
{
}

AgentReportModel::~AgentReportModel() = default;

void AgentReportModel::setTimeFormatter(const TimeFormatter &formatter)
{
    m_time = formatter;
    if (rowCount() > 0)
        Q_EMIT dataChanged(index(0, LastCallColumn), index(rowCount() - 1, LastCallColumn));
}

void AgentReportModel::load(const client::ReportRange &range)
{
    if (range != m_range) {
        forgetPending();
        m_range = range;
    }
    refresh();
}

void AgentReportModel::refresh()
{
    // The same agents in the same order (the usual refresh): update in place.
    fetch(
        m_report,
        [this](auto done) { return client()->agentReport(m_range, this, std::move(done)); },
        [](const AgentTotals &a, const AgentTotals &b) { return a.labelPrefix == b.labelPrefix; });
}

int AgentReportModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_report.data.size());
}

int AgentReportModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant AgentReportModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const AgentTotals &row = m_report.data.at(index.row());
    const QLocale locale(QLocale::English);
    const int column = index.column();
    switch (role) {
    case Qt::DisplayRole:
        switch (column) {
        case PrefixColumn:
            return row.labelPrefix.isEmpty() ? tr("(labels without a prefix)") : row.labelPrefix;
        case RunsColumn:
            return locale.toString(row.runs);
        case KeysColumn:
            return locale.toString(row.keys);
        case SpendColumn:
            return UsdText::display(row.totals.spendUsd);
        case HeldColumn:
            return UsdText::display(row.totals.heldUsd);
        case CallsColumn:
            return locale.toString(row.totals.calls);
        case BlockedColumn:
            return locale.toString(row.totals.blocked);
        case LastCallColumn:
            return m_time.relative(row.totals.lastCallAt, QDateTime::currentDateTimeUtc());
        default:
            return {};
        }
    case Qt::ToolTipRole:
        switch (column) {
        case SpendColumn:
            return UsdText::exact(row.totals.spendUsd);
        case HeldColumn:
            return UsdText::exact(row.totals.heldUsd);
        case LastCallColumn:
            return tr("First call %1\nLast call %2")
                .arg(m_time.absolute(row.totals.firstCallAt),
                     m_time.absolute(row.totals.lastCallAt));
        default:
            return {};
        }
    case RawValueRole:
        switch (column) {
        case RunsColumn:
            return row.runs;
        case KeysColumn:
            return row.keys;
        case SpendColumn:
            return QVariant::fromValue<qint64>(row.totals.spendUsd.micros());
        case HeldColumn:
            return QVariant::fromValue<qint64>(row.totals.heldUsd.micros());
        case CallsColumn:
            return row.totals.calls;
        case BlockedColumn:
            return row.totals.blocked;
        case LastCallColumn:
            return row.totals.lastCallAt.toMSecsSinceEpoch();
        default:
            return row.labelPrefix;
        }
    case ExportRole:
        switch (column) {
        case PrefixColumn:
            return row.labelPrefix;
        case SpendColumn:
            return QString::fromStdString(row.totals.spendUsd.toDecimal());
        case HeldColumn:
            return QString::fromStdString(row.totals.heldUsd.toDecimal());
        case LastCallColumn:
            return client::JsonCodec::timeToJson(row.totals.lastCallAt).toString();
        default:
            return data(index, RawValueRole);
        }
    case LabelPrefixRole:
        return row.labelPrefix;
    case Qt::FontRole:
        if (column == PrefixColumn)
            return QFontDatabase::systemFont(QFontDatabase::FixedFont);
        return {};
    case Qt::TextAlignmentRole:
        if (column == PrefixColumn || column == LastCallColumn)
            return QVariant::fromValue(Qt::AlignLeft | Qt::AlignVCenter);
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    default:
        return {};
    }
}

QVariant AgentReportModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::DisplayRole) {
        switch (section) {
        case PrefixColumn:
            return tr("Agent (label prefix)");
        case RunsColumn:
            return tr("Runs");
        case KeysColumn:
            return tr("Keys");
        case SpendColumn:
            return tr("Spend");
        case HeldColumn:
            return tr("Held");
        case CallsColumn:
            return tr("Calls");
        case BlockedColumn:
            return tr("Blocked");
        case LastCallColumn:
            return tr("Last call");
        default:
            return {};
        }
    }
    if (role == ExportRole) {
        static const char *names[] = {"label_prefix", "runs",  "keys",    "spend_usd",
                                      "held_usd",     "calls", "blocked", "last_call_at"};
        return section >= 0 && section < ColumnCount ? QString::fromLatin1(names[section])
                                                     : QString();
    }
    return {};
}

} // namespace keybrake
