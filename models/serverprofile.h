#pragma once

#include <QByteArray>
#include <QList>
#include <QString>
#include <QUrl>

#include <optional>

namespace keybrake {

// Which kind of server a profile points at. The console shows it as a coloured band and, for
// production, in the window title, so nobody revokes on the wrong server.
enum class ServerEnvironment {
    Development,
    Staging,
    Production,
    Demo,
};

QString environmentDisplayName(ServerEnvironment environment); // "Production" (translated)
QString environmentSettingsName(ServerEnvironment environment); // "production" (stable)
std::optional<ServerEnvironment> parseEnvironment(const QString &name);
QList<ServerEnvironment> allEnvironments();

// A saved server the console can open. The admin key is deliberately not a member: it lives in
// the OS keychain under secretAccount(), never next to the rest of the profile.
struct ServerProfile
{
    QString id; // stable across renames, so the keychain entry follows the profile
    QString name;
    QUrl url;
    ServerEnvironment environment = ServerEnvironment::Development;
    // SHA-256 of the server's DER certificate (lowercase hex, no separators), pinned by the user
    // for a self-signed server; empty means "trust the system CA store only".
    QByteArray pinnedCertificateSha256;
    // Let http:// reach a server that is not on this machine: the admin key then crosses the
    // network unencrypted. Off unless the user ticks it; the console's band says so while it is
    // in use.
    bool allowPlainHttp = false;

    static ServerProfile create(const QString &name, const QUrl &url,
                                ServerEnvironment environment);

    bool isValid() const { return !id.isEmpty() && !name.isEmpty() && url.isValid(); }
    QString secretAccount() const;
    // "acme-prod · https://keybrake.acme.internal"
    QString displayTitle() const;

    friend bool operator==(const ServerProfile &, const ServerProfile &) = default;
};

// "ab:cd:..." upper-case groups of two, the form browsers and openssl show to people.
QString formatFingerprint(const QByteArray &sha256Hex);

} // namespace keybrake
