#include "client/serveraddress.h"

#include <QHostAddress>
#include <QRegularExpression>

namespace keybrake::client {

ServerAddress::Parsed ServerAddress::parse(const QString &typed, bool allowPlainHttp)
{
    const QString text = typed.trimmed();
    const auto refuse = [](const QString &why) { return Parsed {QUrl(), why}; };
    if (text.isEmpty()) {
        return refuse(
            tr("Enter the server's address, for example https://keybrake.example.internal."));
    }
    for (QChar c : text) {
        if (c.isSpace() || c.category() == QChar::Other_Control) {
            return refuse(tr("“%1” is not a server address: it contains a space. Enter it as "
                             "https://host or https://host:port.")
                              .arg(text));
        }
    }
    QString candidate = text;
    const qsizetype separator = text.indexOf(QLatin1String("://"));
    if (separator < 0) {
        // A bare host name or address, with an optional port and path: https is meant. Anything
        // else without "://" ("htps//host", "http:/host", "host:port:x") is a misspelt address;
        // read as a URL it would quietly become another host ("http://htps").
        static const QRegularExpression bareHost(QStringLiteral(
            R"(^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?)(:[0-9]{1,5})?(/([^/].*)?)?$)"));
        if (!bareHost.match(text).hasMatch()) {
            return refuse(tr("“%1” is not a server address: it does not start with https:// "
                             "(or http://) and is not a plain host name. Enter it as "
                             "https://host or https://host:port.")
                              .arg(text));
        }
        candidate = QStringLiteral("https://") + text;
    } else {
        const QString scheme = text.left(separator).toLower();
        if (scheme != QLatin1String("https") && scheme != QLatin1String("http")) {
            return refuse(tr("“%1” is not a server address: “%2://” is not a scheme the console "
                             "speaks. Use https:// (or http:// for a server on this machine).")
                              .arg(text, text.left(separator)));
        }
    }
    const QUrl url(candidate, QUrl::StrictMode);
    const QString why = problem(url, allowPlainHttp);
    if (!why.isEmpty())
        return refuse(why);
    return {url, {}};
}

QString ServerAddress::problem(const QUrl &url, bool allowPlainHttp)
{
    if (url.isEmpty())
        return tr("No server address is set; it must start with https:// (or http:// for a "
                  "server on this machine).");
    const QString shown = url.toDisplayString(QUrl::RemoveUserInfo);
    if (!url.isValid())
        return tr("“%1” is not a valid server address (%2).").arg(shown, url.errorString());
    const QString scheme = url.scheme();
    if (scheme != QLatin1String("https") && scheme != QLatin1String("http"))
        return tr("“%1” is not a server address: it must start with https:// (or http:// for a "
                  "server on this machine).")
            .arg(shown);
    if (url.host().isEmpty())
        return tr("“%1” has no host name. Enter it as https://host or https://host:port.")
            .arg(shown);
    if (!url.userInfo().isEmpty())
        return tr("The server address must not contain a user name or password; the admin key "
                  "is the only credential.");
    if (!allowPlainHttp && isPlainHttpAcrossNetwork(url))
        return tr("Plain http:// to %1 would send the admin key across the network unencrypted. "
                  "Use https://, or, only on a network you trust, allow plain HTTP in the "
                  "profile.")
            .arg(url.host());
    return {};
}

bool ServerAddress::isLoopback(const QUrl &url)
{
    const QString host = url.host();
    if (host.compare(QLatin1String("localhost"), Qt::CaseInsensitive) == 0)
        return true;
    const QHostAddress address(host);
    return !address.isNull() && address.isLoopback();
}

bool ServerAddress::isPlainHttpAcrossNetwork(const QUrl &url)
{
    return url.scheme() == QLatin1String("http") && !isLoopback(url);
}

} // namespace keybrake::client
