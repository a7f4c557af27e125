#include "models/consolesession.h"

#include "client/keybrakeclient.h"
#include "models/alertcenter.h"
#include "models/blocklistmodel.h"
#include "models/connectionmonitor.h"
#include "models/livefeed.h"
#include "models/runawaydetector.h"
#include "models/runwaytracker.h"

#include <QDir>
#include <QStandardPaths>

namespace keybrake {

using client::AdminRole;

ConsoleSession::ConsoleSession(const ServerProfile &profile, const QString &adminKey,
                               QObject *parent)
    : QObject(parent)
    , m_profile(profile)
    , m_client(new client::KeybrakeClient(this))
    , m_monitor(new ConnectionMonitor(m_client, this))
    , m_live(new LiveFeed(m_client, m_monitor, this))
    , m_runway(new RunwayTracker(this))
    , m_runaway(new RunawayDetector(this))
    , m_alerts(new AlertCenter(alertStateFile(profile), this))
    , m_blocks(new BlockListModel(m_client, this))
{
    m_blocks->setConnectionMonitor(m_monitor);
    m_blocks->setTimeFormatter(m_time);
    connect(m_live, &LiveFeed::eventReceived, m_blocks, &BlockListModel::addEvent);
    connect(m_monitor, &ConnectionMonitor::refreshDue, m_blocks, &BlockListModel::refresh);
    m_runaway->setClient(m_client);
    m_alerts->setTimeFormatter(m_time);
    connect(m_live, &LiveFeed::callReceived, m_runway, &RunwayTracker::addCall);
    connect(m_live, &LiveFeed::callReceived, m_runaway, &RunawayDetector::addCall);
    connect(m_live, &LiveFeed::eventReceived, m_alerts, &AlertCenter::addEvent);
    connect(m_live, &LiveFeed::resetReceived, m_runway, &RunwayTracker::clear);
    connect(m_live, &LiveFeed::resetReceived, m_runaway, &RunawayDetector::clear);
    connect(m_runway, &RunwayTracker::runRunwayShort, m_alerts, &AlertCenter::addRunwayShort);
    connect(m_runaway, &RunawayDetector::flagged, m_alerts, &AlertCenter::addRunaway);
    m_client->setBaseUrl(profile.url);
    m_client->setAdminKey(adminKey);
    m_client->setPinnedCertificateSha256(profile.pinnedCertificateSha256);
    m_client->setAllowPlainHttp(profile.allowPlainHttp);
    connect(m_monitor, &ConnectionMonitor::stateChanged, this, &ConsoleSession::permissionsChanged);
    // Each reconnection asks again who the key is: it may have been replaced or re-roled.
    connect(m_monitor, &ConnectionMonitor::stateChanged, this, [this](ConnectionMonitor::State s) {
        if (s == ConnectionMonitor::State::Live && !m_whoAmI)
            loadIdentity();
        if (s == ConnectionMonitor::State::Live && !m_hasCatalog)
            loadCatalog();
    });
}

ConsoleSession::~ConsoleSession() = default;

QString ConsoleSession::alertStateFile(const ServerProfile &profile)
{
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    if (dir.isEmpty())
        return {};
    QDir().mkpath(dir);
    return QDir(dir).filePath(QStringLiteral("alerts-%1.ini").arg(profile.id));
}

void ConsoleSession::start()
{
    loadIdentity();
    loadCatalog();
    m_monitor->start();
    m_live->start();
    m_blocks->refresh();
}

std::optional<AdminRole> ConsoleSession::role() const
{
    if (!m_whoAmI)
        return std::nullopt;
    return m_whoAmI->role;
}

void ConsoleSession::loadCatalog()
{
    m_monitor->track(
        m_client->vendors(this, [this](const client::Result<client::VendorCatalog> &r) {
            if (!r)
                return;
            m_catalog = *r;
            m_hasCatalog = true;
            Q_EMIT catalogChanged();
        }));
}

void ConsoleSession::setTimeZoneDisplay(TimeZoneDisplay zone)
{
    if (zone == m_time.zone())
        return;
    m_time.setZone(zone);
    m_alerts->setTimeFormatter(m_time);
    m_blocks->setTimeFormatter(m_time);
    Q_EMIT timeFormatterChanged(m_time);
}

QString ConsoleSession::blockedReason(AdminRole required) const
{
    if (!m_whoAmI)
        return tr("Waiting for the server to say what this admin key may do.");
    if (!m_whoAmI->can(required)) {
        return tr("Needs the %1 role; this admin key (%2) is a %3.")
            .arg(roleDisplayName(required), m_whoAmI->name, roleDisplayName(m_whoAmI->role));
    }
    if (required != AdminRole::Viewer && !m_monitor->writesAllowed())
        return m_monitor->writesBlockedReason();
    return {};
}

QString ConsoleSession::roleDisplayName(AdminRole role)
{
    switch (role) {
    case AdminRole::Viewer:
        return tr("viewer");
    case AdminRole::Issuer:
        return tr("issuer");
    case AdminRole::Operator:
        return tr("operator");
    case AdminRole::Admin:
        return tr("admin");
    }
    return {};
}

void ConsoleSession::loadIdentity()
{
    m_monitor->track(m_client->whoAmI(this, [this](const client::Result<client::WhoAmI> &r) {
        if (!r) {
            Q_EMIT identityFailed(r.error());
            return;
        }
        const bool changed = !m_whoAmI || !(*m_whoAmI == *r);
        m_whoAmI = *r;
        if (changed) {
            Q_EMIT identityChanged();
            Q_EMIT permissionsChanged();
        }
    }));
}

} // namespace keybrake
