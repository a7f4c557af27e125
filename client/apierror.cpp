#include "client/apierror.h"

#include <QJsonDocument>
#include <QJsonValue>

namespace keybrake::client {

namespace {

using Kind = ApiError::Kind;

Kind kindForStatus(int status)
{
    switch (status) {
    case 401:
        return Kind::Unauthenticated;
    case 403:
        return Kind::Forbidden;
    case 404:
        return Kind::NotFound;
    case 409:
        return Kind::Conflict;
    case 429:
        return Kind::RateLimited;
    default:
        break;
    }
    if (status >= 400 && status < 500)
        return Kind::Validation;
    // 5xx, and anything a JSON API should not answer (1xx, 3xx, odd codes).
    return Kind::Server;
}

// Failures of the transport itself, before or instead of an HTTP answer.
bool isTlsError(QNetworkReply::NetworkError error)
{
    return error == QNetworkReply::SslHandshakeFailedError;
}

// Errors below 200 are about the connection (1-99) or a proxy (101-199); the rest are Qt's
// reading of an HTTP status, which the status itself says better.
bool isTransportError(QNetworkReply::NetworkError error)
{
    return error > QNetworkReply::NoError && error < QNetworkReply::ContentAccessDenied;
}

bool isTimeoutError(QNetworkReply::NetworkError error)
{
    // Qt 6.4 reports a fired transfer timeout as OperationCanceledError (the reply aborts itself);
    // newer versions may say TimeoutError. Either is a timeout unless cancel() was called.
    return error == QNetworkReply::OperationCanceledError || error == QNetworkReply::TimeoutError;
}

QString serverName(const QUrl &server)
{
    if (!server.isValid() || server.host().isEmpty())
        return ApiError::tr("the server");
    return server
        .adjusted(QUrl::RemoveUserInfo | QUrl::RemovePath | QUrl::RemoveQuery
                  | QUrl::RemoveFragment)
        .toDisplayString();
}

// The server's own sentence, quoted as the reason when it sent one.
QString because(const ApiError &error, const QString &fallback)
{
    if (error.serverMessage.isEmpty())
        return fallback;
    QString sentence = error.serverMessage;
    if (!sentence.endsWith(u'.') && !sentence.endsWith(u'!') && !sentence.endsWith(u'?'))
        sentence += u'.';
    return ApiError::tr("The server says: %1").arg(sentence);
}

QString join(const QStringList &sentences)
{
    QStringList present;
    for (const QString &sentence : sentences) {
        if (!sentence.isEmpty())
            present << sentence;
    }
    return present.join(u' ');
}

} // namespace

bool ApiError::isTransient() const
{
    switch (kind) {
    case Kind::Network:
    case Kind::Timeout:
    case Kind::RateLimited:
    case Kind::Server:
        return true;
    default:
        return false;
    }
}

QString ApiError::kindName(Kind kind)
{
    switch (kind) {
    case Kind::Network:
        return QStringLiteral("network");
    case Kind::Timeout:
        return QStringLiteral("timeout");
    case Kind::Tls:
        return QStringLiteral("tls");
    case Kind::Unauthenticated:
        return QStringLiteral("unauthenticated");
    case Kind::Forbidden:
        return QStringLiteral("forbidden");
    case Kind::NotFound:
        return QStringLiteral("not_found");
    case Kind::Conflict:
        return QStringLiteral("conflict");
    case Kind::Validation:
        return QStringLiteral("validation");
    case Kind::RateLimited:
        return QStringLiteral("rate_limited");
    case Kind::Server:
        return QStringLiteral("server");
    case Kind::Parse:
        return QStringLiteral("parse");
    case Kind::Cancelled:
        return QStringLiteral("cancelled");
    }
    return {};
}

ApiError ApiError::fromReply(const ReplyOutcome &outcome, const QString &failedAction,
                             const QUrl &server, int timeoutMs)
{
    ApiError error;
    error.httpStatus = outcome.httpStatus;
    error.requestId = outcome.requestId;
    const QString where = serverName(server);

    if (outcome.cancelled) {
        error.kind = Kind::Cancelled;
        error.message = join({failedAction, tr("The request was cancelled.")});
        return error;
    }
    if (outcome.pinMismatch) {
        error.kind = Kind::Tls;
        error.certificateSha256 = outcome.certificateSha256;
        error.details.insert(u"pin_mismatch", true);
        error.message = join(
            {failedAction,
             tr("The certificate of %1 is not the one pinned for this profile (it has the "
                "SHA-256 fingerprint %2). With a pin, only the pinned certificate is accepted, "
                "even if a certificate authority vouches for another.")
                 .arg(where, outcome.certificateSha256),
             tr("If the server's certificate was replaced on purpose, compare the new "
                "fingerprint with the one its operator gives you, then forget the old pin and "
                "pin the new certificate.")});
        return error;
    }
    if (isTimeoutError(outcome.networkError)) {
        error.kind = Kind::Timeout;
        error.message =
            join({failedAction,
                  tr("%1 did not answer within %n second(s).", nullptr,
                     qMax(1, (timeoutMs + 999) / 1000))
                      .arg(where),
                  tr("Check that the server is running and reachable, then try again.")});
        return error;
    }
    if (isTlsError(outcome.networkError)) {
        error.kind = Kind::Tls;
        error.certificateSha256 = outcome.certificateSha256;
        if (!outcome.tlsErrors.isEmpty())
            error.details.insert(u"tls_errors", QJsonValue::fromVariant(outcome.tlsErrors));
        if (!outcome.networkErrorString.isEmpty())
            error.details.insert(u"network_error", outcome.networkErrorString);
        const QString why = outcome.tlsErrors.isEmpty()
            ? tr("The secure connection to %1 could not be established.").arg(where)
            : tr("The certificate of %1 is not trusted (%2).")
                  .arg(where, outcome.tlsErrors.join(QStringLiteral("; ")));
        const QString todo = outcome.certificateSha256.isEmpty()
            ? tr("Check the server's TLS configuration.")
            : tr("Its SHA-256 fingerprint is %1. If you trust this server, compare the "
                 "fingerprint with the one its operator gives you and pin it in the profile.")
                  .arg(outcome.certificateSha256);
        error.message = join({failedAction, why, todo});
        return error;
    }
    if (outcome.httpStatus == 0 || isTransportError(outcome.networkError)) {
        error.kind = Kind::Network;
        if (!outcome.networkErrorString.isEmpty())
            error.details.insert(u"network_error", outcome.networkErrorString);
        QString why;
        switch (outcome.networkError) {
        case QNetworkReply::ConnectionRefusedError:
            why = tr("%1 refused the connection.").arg(where);
            break;
        case QNetworkReply::HostNotFoundError:
            why = tr("The host of %1 was not found.").arg(where);
            break;
        case QNetworkReply::RemoteHostClosedError:
            why = tr("%1 closed the connection before answering.").arg(where);
            break;
        default:
            why = tr("%1 could not be reached (%2).").arg(where, outcome.networkErrorString);
            break;
        }
        error.message = join(
            {failedAction, why, tr("Check the server address and that keybraked is running.")});
        return error;
    }

    // An HTTP answer that is not a 2xx: the server's flat error body says why.
    error.kind = kindForStatus(outcome.httpStatus);
    const QJsonDocument document = QJsonDocument::fromJson(outcome.body);
    if (document.isObject()) {
        error.details = document.object();
        const auto text = [&error](QStringView key) {
            const QJsonValue value = error.details.value(key);
            return value.isString() ? value.toString() : QString();
        };
        error.serverMessage = text(u"error");
        if (error.serverMessage.isEmpty())
            error.serverMessage = text(u"message");
        error.code = text(u"code");
        error.field = text(u"field");
        error.requiredRole = text(u"required_role");
    }

    // Every refusal of keybraked's admin API carries a JSON object with a `code` (the contract's
    // flat error shape). A 4xx without one came from something else at that address: a web
    // server, a proxy's error page, another API. Saying "the key was refused" would mislead.
    if (outcome.httpStatus >= 400 && outcome.httpStatus < 500 && error.code.isEmpty()) {
        error.notKeybrake = true;
        const QString sent = outcome.contentType.isEmpty()
            ? tr("HTTP %1").arg(outcome.httpStatus)
            : tr("HTTP %1 (%2)").arg(outcome.httpStatus).arg(outcome.contentType);
        error.message = join({failedAction,
                              tr("%1 does not look like a Keybrake server: it answered %2 "
                                 "without Keybrake's error body.")
                                  .arg(where, sent),
                              tr("Check the server address (https or http, host, port and path "
                                 "prefix) and that keybraked is what listens there.")});
        return error;
    }

    QString why;
    QString todo;
    switch (error.kind) {
    case Kind::Unauthenticated:
        // Not the server's sentence ("This route needs an admin API key: send ..."): it is
        // written for a request without a key, and reads as nonsense after a mistyped one.
        why = tr("The server did not accept the admin key: it is not a key of this server, was "
                 "mistyped, or has been revoked.");
        todo = tr("Check the admin key of this profile, or ask an administrator for a new one.");
        break;
    case Kind::Forbidden:
        why = error.requiredRole.isEmpty()
            ? because(error, tr("This admin key may not do that."))
            : tr("This needs an admin key with the role \"%1\".").arg(error.requiredRole);
        todo = tr("Ask an administrator for a key with that role.");
        break;
    case Kind::NotFound:
        why = because(error, tr("The server does not know it."));
        todo = tr("Refresh: it may have been removed.");
        break;
    case Kind::Conflict:
        why = because(error, tr("It conflicts with a request still in progress."));
        todo = tr("Wait a moment, refresh, and try again.");
        break;
    case Kind::Validation:
        why =
            because(error, tr("The server refused the request (HTTP %1).").arg(outcome.httpStatus));
        todo = error.field.isEmpty()
            ? QString()
            : tr("Correct the field \"%1\" and try again.").arg(error.field);
        break;
    case Kind::RateLimited:
        why = because(error, tr("The server is limiting requests."));
        todo = tr("Wait a moment and try again.");
        break;
    default:
        if (outcome.httpStatus >= 300 && outcome.httpStatus < 400) {
            // Redirects are not followed: the Authorization header must not travel to another
            // origin, and a reverse proxy that redirects usually means the profile's URL is off.
            why = outcome.redirectTarget.isValid()
                ? tr("%1 redirected the request to %2.")
                      .arg(where, outcome.redirectTarget.toDisplayString(QUrl::RemoveUserInfo))
                : tr("%1 redirected the request.").arg(where);
            todo = tr("Check the server address in the profile (http or https, path).");
        } else {
            why = because(error, tr("%1 failed (HTTP %2).").arg(where).arg(outcome.httpStatus));
            todo = error.requestId.isEmpty()
                ? tr("Try again later; the server log has the details.")
                : tr("Try again later; the server log has the details under request id %1.")
                      .arg(error.requestId);
        }
        break;
    }
    error.message = join({failedAction, why, todo});
    return error;
}

ApiError ApiError::parseFailure(const QString &failedAction, const QString &detail, int httpStatus,
                                const QString &requestId)
{
    ApiError error;
    error.kind = Kind::Parse;
    error.httpStatus = httpStatus;
    error.requestId = requestId;
    error.details.insert(u"parse_error", detail);
    error.message =
        join({failedAction, tr("The server's answer could not be read (%1).").arg(detail),
              tr("Check that the console and the server versions match.")});
    return error;
}

ApiError ApiError::notSent(const QString &failedAction, const QString &why)
{
    ApiError error;
    error.kind = Kind::Network;
    error.message = join({failedAction, why});
    return error;
}

} // namespace keybrake::client
