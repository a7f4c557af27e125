#include "models/vendordailymodel.h"

#include "client/keybrakeclient.h"
#include "models/connectionmonitor.h"
#include "models/usdtext.h"
#include "models/vendortext.h"

#include <QLocale>

namespace keybrake {

using client::Result;
using client::VendorDailyReport;
using client::VendorDay;

VendorDailyModel::VendorDailyModel(client::KeybrakeClient *client, QObject *parent)
    : ReportTableModel(client, parent)
{
}

VendorDailyModel::~VendorDailyModel() = default;

void VendorDailyModel::load(int days)
{
    if (days != m_days) {
        forgetPending();
        m_days = days;
    }
    refresh();
}

void VendorDailyModel::refresh()
{
    fetch(
        m_report,
        [this](auto done) { return client()->vendorDailyReport(m_days, this, std::move(done)); },
        [](const VendorDay &a, const VendorDay &b) { return a.day == b.day; });
}

int VendorDailyModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_report.data.size());
}

int VendorDailyModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString VendorDailyModel::vendorOfColumn(int column)
{
    switch (column) {
    case StripeColumn:
        return QStringLiteral("stripe");
    case TwilioColumn:
        return QStringLiteral("twilio");
    case ResendColumn:
        return QStringLiteral("resend");
    default:
        return {};
    }
}

QVariant VendorDailyModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const VendorDay &day = m_report.data.at(index.row());
    const int column = index.column();
    const QString vendor = vendorOfColumn(column);
    const Usd vendorSpend = vendor.isEmpty() ? Usd() : day.vendors.value(vendor).spendUsd;
    const QLocale locale(QLocale::English);
    switch (role) {
    case Qt::DisplayRole:
        switch (column) {
        case DayColumn:
            return day.day;
        case TotalColumn:
            return UsdText::display(day.totals.spendUsd);
        case HeldColumn:
            return UsdText::display(day.totals.heldUsd);
        case CallsColumn:
            return locale.toString(day.totals.calls);
        case BlockedColumn:
            return locale.toString(day.totals.blocked);
        default:
            return UsdText::display(vendorSpend);
        }
    case Qt::ToolTipRole:
        if (!vendor.isEmpty()) {
            const client::CallTotals totals = day.vendors.value(vendor);
            return tr("%1 on %2: %3 settled, %4 held, %n call(s), %5 blocked", nullptr,
                      int(totals.calls))
                .arg(VendorText::displayName(vendor), day.day, UsdText::exact(totals.spendUsd),
                     UsdText::exact(totals.heldUsd))
                .arg(totals.blocked);
        }
        if (column == DayColumn)
            return tr("Spend window %1 to %2 (%3)")
                .arg(day.windowStart.toString(Qt::ISODate), day.windowEnd.toString(Qt::ISODate),
                     m_report.spendTimezone);
        if (column == TotalColumn)
            return UsdText::exact(day.totals.spendUsd);
        return {};
    case RawValueRole:
        switch (column) {
        case DayColumn:
            return day.day;
        case TotalColumn:
            return QVariant::fromValue<qint64>(day.totals.spendUsd.micros());
        case HeldColumn:
            return QVariant::fromValue<qint64>(day.totals.heldUsd.micros());
        case CallsColumn:
            return day.totals.calls;
        case BlockedColumn:
            return day.totals.blocked;
        default:
            return QVariant::fromValue<qint64>(vendorSpend.micros());
        }
    case ExportRole:
        switch (column) {
        case DayColumn:
            return day.day;
        case TotalColumn:
            return QString::fromStdString(day.totals.spendUsd.toDecimal());
        case HeldColumn:
            return QString::fromStdString(day.totals.heldUsd.toDecimal());
        case CallsColumn:
            return day.totals.calls;
        case BlockedColumn:
            return day.totals.blocked;
        default:
            return QString::fromStdString(vendorSpend.toDecimal());
        }
    case Qt::TextAlignmentRole:
        if (column == DayColumn)
            return QVariant::fromValue(Qt::AlignLeft | Qt::AlignVCenter);
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    default:
        return {};
    }
}

QVariant VendorDailyModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::DisplayRole) {
        switch (section) {
        case DayColumn:
            return m_report.spendTimezone.isEmpty() ? tr("Day")
                                                    : tr("Day (%1)").arg(m_report.spendTimezone);
        case TotalColumn:
            return tr("Total");
        case HeldColumn:
            return tr("Held");
        case CallsColumn:
            return tr("Calls");
        case BlockedColumn:
            return tr("Blocked");
        default:
            return VendorText::displayName(vendorOfColumn(section));
        }
    }
    if (role == ExportRole) {
        static const char *names[] = {"day",
                                      "stripe_spend_usd",
                                      "twilio_spend_usd",
                                      "resend_spend_usd",
                                      "spend_usd",
                                      "held_usd",
                                      "calls",
                                      "blocked"};
        return section >= 0 && section < ColumnCount ? QString::fromLatin1(names[section])
                                                     : QString();
    }
    return {};
}

} // namespace keybrake
