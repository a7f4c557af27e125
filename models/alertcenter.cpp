#include "models/alertcenter.h"

#include "client/runsummary.h"
#include "models/runwaytracker.h"
#include "models/usdtext.h"

#include <QFont>
#include <QSettings>

#include <algorithm>
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
        // Unacknowledged ones carry a mark as well as bold type; the severity is a word.
        return tr("%1%2 · %3 · %4\n%5")
            .arg(alert.acknowledged ? QString() : QStringLiteral("● "),
                 severityName(alert.severity), alert.title, m_time.clock(alert.at), alert.body);
    case Qt::ToolTipRole:
        return tr("%1: %2\n%3\n%4")
            .arg(severityName(alert.severity), alert.title, alert.body, m_time.absolute(alert.at));
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
    case SeverityRole:
        return int(alert.severity);
    case PrefixRole:
        return alert.prefix;
    case CountRole:
        return int(alert.members.size());
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

QString AlertCenter::severityName(Severity severity)
{
    switch (severity) {
    case Severity::Info:
        return tr("Info");
    case Severity::Warning:
        return tr("Warning");
    case Severity::Critical:
        return tr("Critical");
    }
    return {};
}

bool AlertCenter::isPrefixMuted(const QString &prefix) const
{
    const auto found = m_snoozedUntil.constFind(QStringLiteral("prefix:") + prefix);
    return found != m_snoozedUntil.constEnd() && *found > QDateTime::currentDateTimeUtc();
}

bool AlertCenter::isSnoozed(const QString &keyId, const QString &label) const
{
    if (!label.isEmpty() && isPrefixMuted(client::labelPrefixOf(label)))
        return true;
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
    alert.kind = percent >= 100 ? Kind::Capped : Kind::Threshold;
    alert.severity = percent >= 100 ? Severity::Critical
        : percent >= 95             ? Severity::Warning
                                    : Severity::Info;
    alert.lowestPercent = percent;
    alert.keyId = d.value(QStringLiteral("key_id")).toString();
    alert.label = d.value(QStringLiteral("agent_run_label")).toString();
    // The spend window is part of the subject: a new day may notify again.
    alert.subject = QStringLiteral("threshold|%1|%2|%3")
                        .arg(alert.keyId)
                        .arg(percent)
                        .arg(d.value(QStringLiteral("window_start")).toString());
    const QString name = d.value(QStringLiteral("name")).toString();
    const QString body =
        tr("%1 settled of %2 · %3 · %4")
            .arg(UsdText::display(usdOf(d, QStringLiteral("spent_today_usd"))),
                 UsdText::display(usdOf(d, QStringLiteral("daily_usd_cap"))),
                 alert.label.isEmpty() ? tr("no run label") : alert.label, alert.keyId);
    alert.at = QDateTime::fromString(d.value(QStringLiteral("ts")).toString(), Qt::ISODateWithMs);
    add(alert, alert.keyId,
        tr("%1 at %2 % of its cap").arg(name.isEmpty() ? alert.keyId : name).arg(percent), body);
}

void AlertCenter::addRunwayShort(const QString &label, qint64 minutes, const QString &keyId,
                                 const QDateTime &windowEnds)
{
    if (!m_runway)
        return;
    Alert alert;
    alert.kind = Kind::Runway;
    alert.severity = Severity::Warning;
    alert.keyId = keyId;
    alert.label = label;
    alert.subject = QStringLiteral("runway|%1|%2").arg(label, windowEnds.toString(Qt::ISODate));
    add(alert, label,
        minutes <= 1 ? tr("%1 reaches its cap in under a minute").arg(label)
                     : tr("%1 reaches its cap in ~%2 min").arg(label).arg(minutes),
        tr("At the spend rate of the last 5 minutes. Revoke the run to stop it."));
}

void AlertCenter::addRunaway(const RunawayDetector::Flag &flag)
{
    if (!m_runaway)
        return;
    Alert alert;
    alert.kind = Kind::Runaway;
    alert.severity = Severity::Critical;
    alert.label = flag.label;
    if (!flag.keyIds.isEmpty()) {
        QStringList keys(flag.keyIds.cbegin(), flag.keyIds.cend());
        keys.sort();
        alert.keyId = keys.first();
    }
    alert.subject =
        QStringLiteral("runaway|%1|%2").arg(flag.label, RunawayDetector::ruleName(flag.rule));
    alert.at = flag.firstAt;
    add(alert, flag.label, tr("Runaway? %1").arg(flag.label), flag.reason);
}

void AlertCenter::retitle(Alert &group, const QString &singleTitle) const
{
    const int n = int(group.members.size());
    if (n <= 1) {
        group.title = singleTitle;
        return;
    }
    const QString prefix = group.prefix.isEmpty() ? tr("(no agent prefix)") : group.prefix;
    switch (group.kind) {
    case Kind::Threshold:
        group.title = tr("%1 keys of %2 crossed %3 %").arg(n).arg(prefix).arg(group.lowestPercent);
        break;
    case Kind::Capped:
        group.title = tr("%1 keys of %2 at their cap").arg(n).arg(prefix);
        break;
    case Kind::Runway:
        group.title = tr("%1 runs of %2 reach their cap within %3 min")
                          .arg(n)
                          .arg(prefix)
                          .arg(RunwayTracker::ShortRunwayMinutes);
        break;
    case Kind::Runaway:
        group.title = tr("%1 runaway runs under %2").arg(n).arg(prefix);
        break;
    }
}

bool AlertCenter::add(Alert alert, const QString &member, const QString &singleTitle,
                      const QString &body)
{
    if (m_shown.contains(alert.subject))
        return false;
    const QDateTime now = QDateTime::currentDateTimeUtc();
    if (!alert.at.isValid())
        alert.at = now;
    m_shown.insert(alert.subject, now);
    save();
    alert.prefix = client::labelPrefixOf(alert.label);
    // Keys without a run label have no agent: each key is its own group.
    alert.group = QStringLiteral("%1|%2")
                      .arg(int(alert.kind))
                      .arg(alert.prefix.isEmpty() && alert.label.isEmpty()
                               ? QStringLiteral("key:") + alert.keyId
                               : alert.prefix);
    const bool muted = isSnoozed(alert.keyId, alert.label);

    int row = -1;
    for (int i = 0; i < m_alerts.size(); ++i) {
        if (m_alerts.at(i).group == alert.group) {
            row = i;
            break;
        }
    }
    bool raise = false;
    Alert group;
    if (row < 0) {
        group = alert;
        group.serial = m_nextSerial++;
        group.subjects = {alert.subject};
        group.members = {member};
        group.body = body;
        group.snoozed = muted;
        group.acknowledged = muted;
        retitle(group, singleTitle);
        raise = !muted;
        beginInsertRows({}, 0, 0);
        m_alerts.prepend(group);
        endInsertRows();
    } else {
        group = m_alerts.at(row);
        const bool newMember = !group.members.contains(member);
        const bool worse = alert.severity > group.severity;
        group.subjects.append(alert.subject);
        if (newMember)
            group.members.append(member);
        group.severity = std::max(group.severity, alert.severity);
        group.lowestPercent = group.kind == Kind::Threshold
            ? std::min(group.lowestPercent, alert.lowestPercent)
            : group.lowestPercent;
        group.subject = alert.subject;
        group.keyId = alert.keyId;
        group.label = alert.label;
        group.at = alert.at;
        group.body = group.members.size() > 1 ? tr("Latest: %1 · %2").arg(singleTitle, body) : body;
        retitle(group, singleTitle);
        // The tray and the bell hear of it again only when it got worse or is another runaway.
        raise = !muted && (worse || (newMember && group.kind == Kind::Runaway));
        if (raise)
            group.acknowledged = false;
        group.snoozed = muted;
        // The newest notification's row comes first.
        beginRemoveRows({}, row, row);
        m_alerts.removeAt(row);
        endRemoveRows();
        beginInsertRows({}, 0, 0);
        m_alerts.prepend(group);
        endInsertRows();
    }
    if (raise) {
        Q_EMIT raised(m_alerts.first());
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
    // The whole agent prefix goes quiet; a key without a run label has no agent.
    if (alert.label.isEmpty())
        m_snoozedUntil.insert(QStringLiteral("key:") + alert.keyId, until);
    else
        m_snoozedUntil.insert(QStringLiteral("prefix:") + alert.prefix, until);
    save();
    if (alert.label.isEmpty()) {
        acknowledge(serial);
        return;
    }
    // Every row of that prefix, whatever its kind.
    const QString prefix = alert.prefix;
    for (int i = 0; i < m_alerts.size(); ++i) {
        Alert &other = m_alerts[i];
        if (other.label.isEmpty() || other.prefix != prefix)
            continue;
        other.acknowledged = true;
        other.snoozed = true;
        Q_EMIT dataChanged(index(i), index(i));
    }
    Q_EMIT unacknowledgedCountChanged(unacknowledgedCount());
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
