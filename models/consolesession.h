#pragma once

#include "client/adminrole.h"
#include "client/vendorcatalog.h"
#include "client/whoami.h"
#include "models/serverprofile.h"
#include "models/timeformatter.h"

#include <QObject>

#include <optional>

namespace keybrake::client {
class KeybrakeClient;
struct ApiError;
} // namespace keybrake::client

namespace keybrake {

class AlertCenter;
class BlockListModel;
class ConnectionMonitor;
class LiveFeed;
class RunawayDetector;
class RunwayTracker;

// One signed-in server: the client (which alone holds the admin key), who the key is, the vendor
// catalog, the connection monitor and the user's time-zone choice. Pages and models share it;
// it answers "may the user do this now, and if not, why?" in one place, so every disabled
// action can say which role it needs or that the server is offline.
class ConsoleSession : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ConsoleSession)

public:
    ConsoleSession(const ServerProfile &profile, const QString &adminKey,
                   QObject *parent = nullptr);
    ~ConsoleSession() override;

    // Asks /v1/whoami and /v1/vendors and starts the connection monitor and the live event
    // stream (the one stream of this session).
    void start();

    client::KeybrakeClient *client() const { return m_client; }
    ConnectionMonitor *monitor() const { return m_monitor; }
    LiveFeed *live() const { return m_live; }
    // What the console derives from the live stream: runway per key and run, runaway flags, and
    // the notifications about both and about cap thresholds.
    RunwayTracker *runway() const { return m_runway; }
    RunawayDetector *runaway() const { return m_runaway; }
    AlertCenter *alerts() const { return m_alerts; }
    // The active prefix blocks, kept current from the live stream (keys table, details, Blocks).
    BlockListModel *blocks() const { return m_blocks; }
    // Where the alert centre remembers what it notified (per profile), so a restart of the
    // console notifies nothing twice.
    static QString alertStateFile(const ServerProfile &profile);
    const ServerProfile &profile() const { return m_profile; }

    std::optional<client::WhoAmI> whoAmI() const { return m_whoAmI; }
    // Until whoami answers the role is unknown and every write action stays disabled.
    std::optional<client::AdminRole> role() const;
    const client::VendorCatalog &catalog() const { return m_catalog; }
    bool hasCatalog() const { return m_hasCatalog; }
    void loadCatalog();

    TimeFormatter timeFormatter() const { return m_time; }
    void setTimeZoneDisplay(TimeZoneDisplay zone);

    // Empty when the action is allowed now; otherwise the sentence for its tooltip.
    QString blockedReason(client::AdminRole required) const;
    bool allows(client::AdminRole required) const { return blockedReason(required).isEmpty(); }

    static QString roleDisplayName(client::AdminRole role);

Q_SIGNALS:
    void identityChanged();
    void catalogChanged();
    void timeFormatterChanged(const keybrake::TimeFormatter &formatter);
    // Role or connectivity changed: actions re-check blockedReason().
    void permissionsChanged();
    void identityFailed(const keybrake::client::ApiError &error);

private:
    void loadIdentity();

    ServerProfile m_profile;
    client::KeybrakeClient *m_client;
    ConnectionMonitor *m_monitor;
    LiveFeed *m_live;
    RunwayTracker *m_runway;
    RunawayDetector *m_runaway;
    AlertCenter *m_alerts;
    BlockListModel *m_blocks;
    std::optional<client::WhoAmI> m_whoAmI;
    client::VendorCatalog m_catalog;
    bool m_hasCatalog = false;
    TimeFormatter m_time;
};

} // namespace keybrake
