#pragma once

#include <QCoreApplication>
#include <QString>
#include <QUrl>

namespace keybrake::client {

// The address of a keybraked admin API, as people type it and as the client accepts it.
//
// Accepted: "https://host[:port][/prefix]"; "http://…" only to this machine (localhost,
// 127.0.0.0/8, ::1) unless plain HTTP is allowed explicitly, since the admin key would otherwise
// cross the network readable by anyone on the path; and a bare "host[:port][/prefix]", which
// means https://. Anything else (a misspelt scheme such as "htps//host", a space, a user name) is
// refused with a sentence saying why, never guessed into some other URL.
class ServerAddress
{
    Q_DECLARE_TR_FUNCTIONS(ServerAddress)

public:
    struct Parsed
    {
        QUrl url; // valid when `problem` is empty
        QString problem; // translated sentence: what is wrong and what to type instead
    };

    // What was typed into a profile or given to --server.
    static Parsed parse(const QString &typed, bool allowPlainHttp);
    // Why `url` cannot be used as a server address; empty when it can.
    static QString problem(const QUrl &url, bool allowPlainHttp);
    // localhost, 127.0.0.0/8 or ::1: plain HTTP never leaves the machine.
    static bool isLoopback(const QUrl &url);
    // http:// to anything but this machine.
    static bool isPlainHttpAcrossNetwork(const QUrl &url);
};

} // namespace keybrake::client
