#include "models/anomalymodel.h"

#include "client/keybrakeclient.h"
#include "models/connectionmonitor.h"
#include "models/usdtext.h"
#include "models/vendortext.h"

#include <QFontDatabase>
#include <QLocale>

namespace keybrake {

using client::Anomaly;
using client::AnomalyReport;
using client::Result;
using Status = VaultKeyTableModel::DisplayStatus;

AnomalyModel::AnomalyModel(client::KeybrakeClient *client, QObject *parent)
    : ReportTableModel(client, parent)
{
}

AnomalyModel::~AnomalyModel() = default;

void AnomalyModel::refresh()
{
    fetch(
        m_report, [this](auto done) { return client()->anomalies(this, std::move(done)); },
        [](const Anomaly &a, const Anomaly &b) {
            return a.kind == b.kind && a.label == b.label && a.keyId == b.keyId
                && a.period == b.period;
        });
}

int AnomalyModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_report.data.size());
}

int AnomalyModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString AnomalyModel::kindText(const QString &kind)
{
    if (kind == u"key_capped")
        return tr("Capped");
    if (kind == u"key_near_cap")
        return tr("Near cap");
    if (kind == u"denial_burst")
        return tr("Denial burst");
    if (kind == u"run_spend_rate")
        return tr("Run spending fast");
    if (kind == u"run_call_rate")
        return tr("Run calling fast");
    if (kind == u"key_spend_rate")
        return tr("Key spending fast");
    if (kind == u"key_call_rate")
        return tr("Key calling fast");
    return kind;
}

QString AnomalyModel::figure(const Anomaly &row) const
{
    const QLocale locale(QLocale::English);
    if (row.utilisation && row.dailyUsdCap) {
        const Usd used = row.spentTodayUsd.value_or(Usd()) + row.heldUsd.value_or(Usd());
        return UsdText::ofCap(used, *row.dailyUsdCap);
    }
    if (row.count)
        return tr("%1 in %2 min")
            .arg(locale.toString(*row.count))
            .arg(m_report.thresholds.burstWindowMinutes);
    if (row.valueUsd) {
        return row.peerMedianUsd
            ? tr("%1 vs %2 median")
                  .arg(UsdText::display(*row.valueUsd), UsdText::display(*row.peerMedianUsd))
            : UsdText::display(*row.valueUsd);
    }
    if (row.value) {
        return row.peerMedian
            ? tr("%1 vs %2 median calls")
                  .arg(locale.toString(*row.value), locale.toString(*row.peerMedian))
            : tr("%1 calls").arg(locale.toString(*row.value));
    }
    return {};
}

QVariant AnomalyModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Anomaly &row = m_report.data.at(index.row());
    const int column = index.column();
    switch (role) {
    case Qt::DisplayRole:
        switch (column) {
        case FindingColumn:
            return kindText(row.kind);
        case SubjectColumn:
            return row.isKeyRow()
                ? tr("%1 · %2").arg(row.keyName.isEmpty() ? row.keyId : row.keyName, row.label)
                : row.label;
        case FigureColumn:
            return figure(row);
        case PeriodColumn:
            return row.period == u"today" ? tr("today") : tr("last %1").arg(row.period);
        case ReasonColumn:
            return row.reason;
        default:
            return {};
        }
    case Qt::ToolTipRole:
        if (column == SubjectColumn)
            return row.isKeyRow()
                ? tr("Key %1 (%2) of run %3")
                      .arg(row.keyId, VendorText::displayName(row.vendor), row.label)
                : tr("Run %1").arg(row.label);
        return row.reason;
    case DisplayStatusRole:
        // Only the cap findings are a key's cap status; a burst or a rate is not "near cap".
        if (row.kind == u"key_capped")
            return int(Status::Capped);
        if (row.kind == u"key_near_cap")
            return int(Status::NearCap);
        return {};
    case RawValueRole:
        if (column == FigureColumn && row.utilisation)
            return *row.utilisation;
        return data(index, Qt::DisplayRole);
    case ExportRole:
        switch (column) {
        case FindingColumn:
            return row.kind;
        case SubjectColumn:
            return row.isKeyRow() ? row.keyId : row.label;
        case FigureColumn:
            return figure(row);
        case PeriodColumn:
            return row.period;
        default:
            return row.reason;
        }
    case KeyIdRole:
        return row.keyId;
    case LabelRole:
        return row.label;
    case KindRole:
        return row.kind;
    case Qt::FontRole:
        if (column == SubjectColumn)
            return QFontDatabase::systemFont(QFontDatabase::FixedFont);
        return {};
    default:
        return {};
    }
}

QVariant AnomalyModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::DisplayRole) {
        switch (section) {
        case FindingColumn:
            return tr("Finding");
        case SubjectColumn:
            return tr("Run or key");
        case FigureColumn:
            return tr("Figure");
        case PeriodColumn:
            return tr("Period");
        case ReasonColumn:
            return tr("Why");
        default:
            return {};
        }
    }
    if (role == ExportRole) {
        static const char *names[] = {"kind", "subject", "figure", "period", "reason"};
        return section >= 0 && section < ColumnCount ? QString::fromLatin1(names[section])
                                                     : QString();
    }
    return {};
}

QString AnomalyModel::thresholdsText() const
{
    const client::AnomalyThresholds &t = m_report.thresholds;
    if (!hasReport())
        return {};
    return tr("Flagged: keys at %1 % of their cap or more; runs refused %2 times for one reason "
              "within %3 min (last %4 min); runs and keys above %5× their peers' median (at "
              "least %6 peers) in the last %7 min or today.")
        .arg(qRound(t.capUtilisation * 100))
        .arg(t.burstDenials)
        .arg(t.burstWindowMinutes)
        .arg(t.burstLookbackMinutes)
        .arg(t.peerRatio)
        .arg(t.minPeers)
        .arg(t.recentWindowMinutes);
}

} // namespace keybrake
