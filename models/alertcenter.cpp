#include "models/alertcenter.h"

#include "models/usdtext.h"

#include <QFont>
#include <QSettings>

#include <cmath>

namespace keybrake {

namespace {

const QString kShownGroup = QStringLiteral("shown");

Usd usdOf(const QJsonObject &data, const QString &name)
{
    return Usd::fromJsonNumber(data.value(name).toDouble()).value_or(Usd());
}

} // namespace

AlertCenter::AlertCenter(const QString &stateFile, QObject *parent)
    : QAbstractListModel(parent)
    , m_stateFile(stateFile)
{
    qRegisterMetaType<Alert>();
    load();
}

AlertCenter::~AlertCenter() = default;

int AlertCenter::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_alerts.size());
}

QVariant AlertCenter::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_alerts.size())
        return {};
    const Alert &alert = m_alerts.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        // Unacknowledged ones carry a mark as well as bold type.
        return tr("%1%2 · %3\n%4")
            .arg(alert.acknowledged ? QString() : QStringLiteral("● "), alert.title,
                 m_time.clock(alert.at), alert.body);
    case Qt::ToolTipRole:
        return tr("%1\n%2\n%3").arg(alert.title, alert.body, m_time.absolute(alert.at));
    case Qt::FontRole: {
        QFont font;
        font.setBold(!alert.acknowledged);
        return font;
    }
    case KindRole:
        return int(alert.kind);
    case TitleRole:
        return alert.title;
    case BodyRole:
        return alert.body;
    case KeyIdRole:
        return alert.keyId;
    case LabelRole:
        return alert.label;
    case TimeRole:
        return alert.at;
    case AcknowledgedRole:
        return alert.acknowledged;
    case SerialRole:
        return alert.serial;
    default:
        return {};
    }
}

void AlertCenter::setTimeFormatter(const TimeFormatter &formatter)
{
    m_time = formatter;
    if (!m_alerts.isEmpty())
        Q_EMIT dataChanged(index(0), index(int(m_alerts.size()) - 1));
}

int AlertCenter::unacknowledgedCount() const
{
    return int(std::count_if(m_alerts.cbegin(), m_alerts.cend(),
                             [](const Alert &a) { return !a.acknowledged; }));
}

void AlertCenter::setThresholdPercents(const QList<int> &percents)
{
    m_thresholds = percents;
    save();
}

void AlertCenter::setRunwayAlerts(bool on)
{
    m_runway = on;
    save();
}

void AlertCenter::setRunawayAlerts(bool on)
{
    m_runaway = on;
    save();
}

bool AlertCenter::isSnoozed(const QString &keyId, const QString &label) const
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const auto until = [&](const QString &subject) {
        const auto found = m_snoozedUntil.constFind(subject);
        return found != m_snoozedUntil.constEnd() && *found > now;
    };
    return (!keyId.isEmpty() && until(QStringLiteral("key:") + keyId))
        || (!label.isEmpty() && until(QStringLiteral("run:") + label));
}

void AlertCenter::addEvent(const client::EventMessage &message)
{
    if (message.type != u"cap.threshold")
        return;
    const QJsonObject &d = message.data;
    const double threshold = d.value(QStringLiteral("threshold")).toDouble();
    const int percent = int(std::lround(threshold * 100));
    if (!m_thresholds.contains(percent))
        return;
    Alert alert;
    alert.kind = Kind::Threshold;
    alert.keyId = d.value(QStringLiteral("key_id")).toString();
    alert.label = d.value(QStringLiteral("agent_run_label")).toString();
    // The spend window is part of the subject: a new day may notify again.
    alert.subject = QStringLiteral("threshold|%1|%2|%3")
                        .arg(alert.keyId)
                        .arg(percent)
                        .arg(d.value(QStringLiteral("window_start")).toString());
    const QString name = d.value(QStringLiteral("name")).toString();
    alert.title = tr("%1 at %2 % of its cap").arg(name.isEmpty() ? alert.keyId : name).arg(percent);
    alert.body = tr("%1 settled of %2 · %3 · %4")
                     .arg(UsdText::display(usdOf(d, QStringLiteral("spent_today_usd"))),
                          UsdText::display(usdOf(d, QStringLiteral("daily_usd_cap"))),
                          alert.label.isEmpty() ? tr("no run label") : alert.label, alert.keyId);
    alert.at = QDateTime::fromString(d.value(QStringLiteral("ts")).toString(), Qt::ISODateWithMs);
    add(alert);
}

void AlertCenter::addRunwayShort(const QString &label, qint64 minutes, const QString &keyId,
                                 const QDateTime &windowEnds)
{
    if (!m_runway)
        return;
    Alert alert;
    alert.kind = Kind::Runway;
    alert.keyId = keyId;
    alert.label = label;
    alert.subject = QStringLiteral("runway|%1|%2").arg(label, windowEnds.toString(Qt::ISODate));
    alert.title = minutes <= 1 ? tr("%1 reaches its cap in under a minute").arg(label)
                               : tr("%1 reaches its cap in ~%2 min").arg(label).arg(minutes);
    alert.body = tr("At the spend rate of the last 5 minutes. Revoke the run to stop it.");
    add(alert);
}

void AlertCenter::addRunaway(const RunawayDetector::Flag &flag)
{
    if (!m_runaway)
        return;
    Alert alert;
    alert.kind = Kind::Runaway;
    alert.label = flag.label;
    if (!flag.keyIds.isEmpty()) {
        QStringList keys(flag.keyIds.cbegin(), flag.keyIds.cend());
        keys.sort();
        alert.keyId = keys.first();
    }
    alert.subject =
        QStringLiteral("runaway|%1|%2").arg(flag.label, RunawayDetector::ruleName(flag.rule));
    alert.title = tr("Runaway? %1").arg(flag.label);
    alert.body = flag.reason;
    alert.at = flag.firstAt;
    add(alert);
}

bool AlertCenter::add(Alert alert)
{
    if (m_shown.contains(alert.subject))
        return false;
    const QDateTime now = QDateTime::currentDateTimeUtc();
    if (!alert.at.isValid())
        alert.at = now;
    m_shown.insert(alert.subject, now);
    alert.serial = m_nextSerial++;
    alert.snoozed = isSnoozed(alert.keyId, alert.label);
    alert.acknowledged = alert.snoozed;
    beginInsertRows({}, 0, 0);
    m_alerts.prepend(alert);
    endInsertRows();
    save();
    if (!alert.snoozed) {
        Q_EMIT raised(alert);
        Q_EMIT unacknowledgedCountChanged(unacknowledgedCount());
    }
    return true;
}

int AlertCenter::rowOfSerial(quint64 serial) const
{
    for (int row = 0; row < m_alerts.size(); ++row) {
        if (m_alerts.at(row).serial == serial)
            return row;
    }
    return -1;
}

void AlertCenter::acknowledge(quint64 serial)
{
    const int row = rowOfSerial(serial);
    if (row < 0 || m_alerts.at(row).acknowledged)
        return;
    m_alerts[row].acknowledged = true;
    Q_EMIT dataChanged(index(row), index(row));
    Q_EMIT unacknowledgedCountChanged(unacknowledgedCount());
}

void AlertCenter::acknowledgeAll()
{
    for (int row = 0; row < m_alerts.size(); ++row)
        m_alerts[row].acknowledged = true;
    if (!m_alerts.isEmpty())
        Q_EMIT dataChanged(index(0), index(int(m_alerts.size()) - 1));
    Q_EMIT unacknowledgedCountChanged(0);
}

void AlertCenter::snooze(quint64 serial, int minutes)
{
    const int row = rowOfSerial(serial);
    if (row < 0)
        return;
    const Alert &alert = m_alerts.at(row);
    const QDateTime until = QDateTime::currentDateTimeUtc().addSecs(qint64(minutes) * 60);
    // A run's notifications are about the run; a key's threshold about the key.
    if (alert.kind == Kind::Threshold || alert.label.isEmpty())
        m_snoozedUntil.insert(QStringLiteral("key:") + alert.keyId, until);
    else
        m_snoozedUntil.insert(QStringLiteral("run:") + alert.label, until);
    save();
    acknowledge(serial);
}

void AlertCenter::load()
{
    if (m_stateFile.isEmpty())
        return;
    QSettings state(m_stateFile, QSettings::IniFormat);
    const QDateTime forgetBefore = QDateTime::currentDateTimeUtc().addDays(-ShownMemoryDays);
    const int size = state.beginReadArray(kShownGroup);
    for (int i = 0; i < size; ++i) {
        state.setArrayIndex(i);
        const QDateTime at = state.value(QStringLiteral("at")).toDateTime();
        if (at >= forgetBefore)
            m_shown.insert(state.value(QStringLiteral("subject")).toString(), at);
    }
    state.endArray();
    const int snoozes = state.beginReadArray(QStringLiteral("snoozed"));
    for (int i = 0; i < snoozes; ++i) {
        state.setArrayIndex(i);
        m_snoozedUntil.insert(state.value(QStringLiteral("subject")).toString(),
                              state.value(QStringLiteral("until")).toDateTime());
    }
    state.endArray();
    if (state.contains(QStringLiteral("preferences/thresholds"))) {
        m_thresholds.clear();
        for (const QVariant &v : state.value(QStringLiteral("preferences/thresholds")).toList())
            m_thresholds.append(v.toInt());
    }
    m_runway = state.value(QStringLiteral("preferences/runway"), true).toBool();
    m_runaway = state.value(QStringLiteral("preferences/runaway"), true).toBool();
}

void AlertCenter::save() const
{
    if (m_stateFile.isEmpty())
        return;
    QSettings state(m_stateFile, QSettings::IniFormat);
    state.remove(kShownGroup);
    state.beginWriteArray(kShownGroup, int(m_shown.size()));
    int i = 0;
    for (auto it = m_shown.constBegin(); it != m_shown.constEnd(); ++it, ++i) {
        state.setArrayIndex(i);
        state.setValue(QStringLiteral("subject"), it.key());
        state.setValue(QStringLiteral("at"), it.value());
    }
    state.endArray();
    state.remove(QStringLiteral("snoozed"));
    state.beginWriteArray(QStringLiteral("snoozed"), int(m_snoozedUntil.size()));
    i = 0;
    for (auto it = m_snoozedUntil.constBegin(); it != m_snoozedUntil.constEnd(); ++it, ++i) {
        state.setArrayIndex(i);
        state.setValue(QStringLiteral("subject"), it.key());
        state.setValue(QStringLiteral("until"), it.value());
    }
    state.endArray();
    QVariantList thresholds;
    for (const int t : m_thresholds)
        thresholds.append(t);
    state.setValue(QStringLiteral("preferences/thresholds"), thresholds);
    state.setValue(QStringLiteral("preferences/runway"), m_runway);
    state.setValue(QStringLiteral("preferences/runaway"), m_runaway);
}

} // namespace keybrake
