#pragma once

#include <QCoreApplication>
#include <QJsonObject>
#include <QNetworkReply>
#include <QString>
#include <QStringList>
#include <QUrl>

namespace keybrake::client {

// Why an admin API call produced no value. Built in exactly one place (fromReply) from what the
// network layer, the HTTP status and the server's flat error body say, so every caller sees the
// same kinds for the same failures.
//
// `message` is for people: translated, it says what failed, why, and what to do next. It never
// contains the admin key (the client never hands it to this class). The other fields are for code:
// `kind` to decide (retry, re-authenticate, show on a field), `code`/`field`/`requiredRole` as the
// server sent them, `requestId` to find the request in the server log.
struct ApiError
{
    Q_DECLARE_TR_FUNCTIONS(ApiError)

public:
    enum class Kind {
        Network, // no HTTP answer: refused, DNS, reset, no route, bad base URL
        Timeout, // the transfer timeout fired (no byte moved for that long)
        Tls, // the server's certificate was not trusted (see certificateSha256)
        Unauthenticated, // 401: missing, unknown or revoked admin key
        Forbidden, // 403: the key's role is too low (see requiredRole)
        NotFound, // 404
        Conflict, // 409
        Validation, // 400, 413, 422 and other 4xx: the request was refused as written
        RateLimited, // 429
        Server, // 5xx, an unexpected redirect or status
        Parse, // a 2xx whose body is not what the contract says
        Cancelled, // ApiRequest::cancel(), or the context object died
    };

    Kind kind = Kind::Network;
    int httpStatus = 0; // 0 when no HTTP response arrived
    QString code; // the server's machine code ("invalid_field", "forbidden", ...)
    QString message; // translated: what failed, why, what to do
    QString field; // 422 invalid_field: the request field at fault ("daily_usd_cap")
    QString requiredRole; // 403 forbidden: the role the action needs ("operator")
    QString requestId; // the response's X-Request-Id, when there was a response
    QJsonObject details; // the whole error body as the server sent it (or parse details)
    QString serverMessage; // the server's own sentence ("error"), untranslated
    // Kind Tls: SHA-256 of the peer's certificate as colon-separated upper-case hex
    // ("AB:12:..."), so the UI can show it and offer to pin it. Empty when the handshake failed
    // before a certificate was seen.
    QString certificateSha256;
    // The answer did not come from keybraked: an HTTP error without the contract's error body
    // (`code`), such as a web server's 404 page. The profile's address is probably wrong.
    bool notKeybrake = false;

    // True for failures that may go away by themselves (Network, Timeout, RateLimited, Server):
    // worth an automatic refresh with back-off. Never a reason to resend a POST.
    bool isTransient() const;

    // "network", "timeout", "tls", ... (for logs and tests; not translated).
    static QString kindName(Kind kind);

    // Everything a finished QNetworkReply tells about a failure, gathered by ApiRequest.
    struct ReplyOutcome
    {
        QNetworkReply::NetworkError networkError = QNetworkReply::NoError;
        QString networkErrorString; // Qt's own text, kept in details for the log
        int httpStatus = 0;
        QByteArray body;
        QString requestId;
        bool cancelled = false; // cancel() was called: OperationCanceledError means Cancelled
        QString certificateSha256; // peer certificate of a failed TLS verification
        QStringList tlsErrors; // QSslError::errorString() of each verification error
        // The handshake succeeded with a certificate other than the pinned one, and the request
        // was aborted before anything was sent (certificateSha256 is the certificate seen).
        bool pinMismatch = false;
        QString contentType; // of the answer, for saying what a non-Keybrake server sent
        QUrl redirectTarget; // Location of a 3xx (redirects are never followed)
    };

    // The one mapping from a failed reply to an ApiError. `failedAction` is the translated first
    // sentence ("Could not load the vault keys."); `server` names the server in messages (its user
    // info is dropped); `timeoutMs` is quoted in Timeout messages.
    static ApiError fromReply(const ReplyOutcome &outcome, const QString &failedAction,
                              const QUrl &server, int timeoutMs);
    // A 2xx whose body did not decode; `detail` says where ("data[3].daily_usd_cap: expected a
    // number").
    static ApiError parseFailure(const QString &failedAction, const QString &detail,
                                 int httpStatus = 0, const QString &requestId = {});
    // A request that could not be sent at all (no or invalid base URL).
    static ApiError notSent(const QString &failedAction, const QString &why);
};

} // namespace keybrake::client
