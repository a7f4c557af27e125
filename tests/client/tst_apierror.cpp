// The one mapping from a failed reply (network error, HTTP status, flat error body) to ApiError:
// the kind a caller branches on, the server's code/field/required_role, and a message that says
// what failed, why and what to do.

#include "client/apierror.h"

#include <QTest>

using namespace keybrake::client;
using Kind = ApiError::Kind;

namespace {

const QString kAction = QStringLiteral("Could not revoke the vault key vk_1.");
const QUrl kServer(QStringLiteral("https://ops:secret@keybrake.example.com:8443/base"));

ApiError map(QNetworkReply::NetworkError networkError, int status, const QByteArray &body = {},
             bool cancelled = false)
{
    ApiError::ReplyOutcome outcome;
    outcome.networkError = networkError;
    outcome.networkErrorString = QStringLiteral("qt says no");
    outcome.httpStatus = status;
    outcome.body = body;
    outcome.requestId = status ? QStringLiteral("req_7") : QString();
    outcome.cancelled = cancelled;
    return ApiError::fromReply(outcome, kAction, kServer, 10'000);
}

} // namespace

class TestApiError : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void statusesMapToKinds_data()
    {
        QTest::addColumn<int>("status");
        QTest::addColumn<QNetworkReply::NetworkError>("networkError");
        QTest::addColumn<Kind>("kind");
        QTest::addColumn<bool>("transient");
        QTest::newRow("400 invalid_json")
            << 400 << QNetworkReply::ProtocolInvalidOperationError << Kind::Validation << false;
        QTest::newRow("401") << 401 << QNetworkReply::AuthenticationRequiredError
                             << Kind::Unauthenticated << false;
        QTest::newRow("403") << 403 << QNetworkReply::ContentAccessDenied << Kind::Forbidden
                             << false;
        QTest::newRow("404") << 404 << QNetworkReply::ContentNotFoundError << Kind::NotFound
                             << false;
        QTest::newRow("409") << 409 << QNetworkReply::ContentConflictError << Kind::Conflict
                             << false;
        QTest::newRow("413") << 413 << QNetworkReply::UnknownContentError << Kind::Validation
                             << false;
        QTest::newRow("422") << 422 << QNetworkReply::UnknownContentError << Kind::Validation
                             << false;
        QTest::newRow("429") << 429 << QNetworkReply::UnknownContentError << Kind::RateLimited
                             << true;
        QTest::newRow("500") << 500 << QNetworkReply::InternalServerError << Kind::Server << true;
        QTest::newRow("503") << 503 << QNetworkReply::ServiceUnavailableError << Kind::Server
                             << true;
    }
    void statusesMapToKinds()
    {
        QFETCH(int, status);
        QFETCH(QNetworkReply::NetworkError, networkError);
        QFETCH(Kind, kind);
        QFETCH(bool, transient);
        const ApiError error = map(networkError, status, R"({"error": "Nope.", "code": "x"})");
        QCOMPARE(error.kind, kind);
        QCOMPARE(error.httpStatus, status);
        QCOMPARE(error.requestId, u"req_7");
        QCOMPARE(error.code, u"x");
        QCOMPARE(error.serverMessage, u"Nope.");
        QCOMPARE(error.isTransient(), transient);
        QVERIFY(error.message.startsWith(kAction));
    }

    void forbiddenNamesTheRequiredRole()
    {
        const ApiError error = map(QNetworkReply::ContentAccessDenied, 403, R"({
            "error": "This admin key has the role viewer; revoking needs operator.",
            "code": "forbidden", "required_role": "operator"})");
        QCOMPARE(error.kind, Kind::Forbidden);
        QCOMPARE(error.code, u"forbidden");
        QCOMPARE(error.requiredRole, u"operator");
        QVERIFY(error.message.contains(u"\"operator\""));
    }

    void validationNamesTheField()
    {
        const ApiError error = map(QNetworkReply::UnknownContentError, 422, R"({
            "error": "daily_usd_cap must be at most 10000", "code": "invalid_field",
            "field": "daily_usd_cap", "max": 10000})");
        QCOMPARE(error.kind, Kind::Validation);
        QCOMPARE(error.field, u"daily_usd_cap");
        QCOMPARE(error.details.value(u"max").toInt(), 10000);
        // What failed, why (the server's sentence), what to do (the field).
        QVERIFY(error.message.startsWith(kAction));
        QVERIFY(error.message.contains(u"daily_usd_cap must be at most 10000."));
        QVERIFY(error.message.contains(u"Correct the field \"daily_usd_cap\""));
    }

    void serverErrorPointsAtTheRequestId()
    {
        const ApiError error =
            map(QNetworkReply::ServiceUnavailableError, 503,
                R"({"error": "The store is unavailable.", "code": "store_unavailable"})");
        QCOMPARE(error.kind, Kind::Server);
        QVERIFY(error.message.contains(u"req_7"));
    }

    void nonJsonErrorBodyStillMapsByStatus()
    {
        const ApiError error = map(QNetworkReply::UnknownServerError, 502,
                                   "<html><body>502 Bad Gateway</body></html>");
        QCOMPARE(error.kind, Kind::Server);
        QVERIFY(error.code.isEmpty());
        QVERIFY(error.serverMessage.isEmpty());
        QVERIFY(error.message.contains(u"502"));
    }

    void redirectIsReportedNotFollowed()
    {
        ApiError::ReplyOutcome outcome;
        outcome.httpStatus = 301;
        outcome.redirectTarget = QUrl(QStringLiteral("https://keybrake.example.com/v1/keys"));
        const ApiError error = ApiError::fromReply(outcome, kAction, kServer, 10'000);
        QCOMPARE(error.kind, Kind::Server);
        QVERIFY(error.message.contains(u"https://keybrake.example.com/v1/keys"));
    }

    void transportFailures_data()
    {
        QTest::addColumn<QNetworkReply::NetworkError>("networkError");
        QTest::addColumn<int>("status");
        QTest::addColumn<bool>("cancelled");
        QTest::addColumn<Kind>("kind");
        QTest::newRow("refused") << QNetworkReply::ConnectionRefusedError << 0 << false
                                 << Kind::Network;
        QTest::newRow("dns") << QNetworkReply::HostNotFoundError << 0 << false << Kind::Network;
        QTest::newRow("closed") << QNetworkReply::RemoteHostClosedError << 0 << false
                                << Kind::Network;
        // A 200 whose body was cut off is a transport failure, not a server answer.
        QTest::newRow("cut after headers")
            << QNetworkReply::RemoteHostClosedError << 200 << false << Kind::Network;
        // Qt 6.4 aborts a reply whose transfer timeout fired: OperationCanceledError without
        // cancel() is a timeout; with cancel() it is a cancellation.
        QTest::newRow("timeout (6.4)")
            << QNetworkReply::OperationCanceledError << 0 << false << Kind::Timeout;
        QTest::newRow("timeout") << QNetworkReply::TimeoutError << 0 << false << Kind::Timeout;
        QTest::newRow("cancelled")
            << QNetworkReply::OperationCanceledError << 0 << true << Kind::Cancelled;
        QTest::newRow("cancelled mid-body")
            << QNetworkReply::OperationCanceledError << 200 << true << Kind::Cancelled;
        QTest::newRow("tls") << QNetworkReply::SslHandshakeFailedError << 0 << false << Kind::Tls;
    }
    void transportFailures()
    {
        QFETCH(QNetworkReply::NetworkError, networkError);
        QFETCH(int, status);
        QFETCH(bool, cancelled);
        QFETCH(Kind, kind);
        const ApiError error = map(networkError, status, {}, cancelled);
        QCOMPARE(error.kind, kind);
        QVERIFY(error.message.startsWith(kAction));
        // The server is named without its user info.
        QVERIFY(!error.message.contains(u"secret"));
    }

    void timeoutSaysHowLong()
    {
        ApiError::ReplyOutcome outcome;
        outcome.networkError = QNetworkReply::OperationCanceledError;
        const ApiError error = ApiError::fromReply(outcome, kAction, kServer, 2'500);
        QVERIFY2(error.message.contains(u"within 3 second"), qPrintable(error.message));
        QVERIFY(error.message.contains(u"https://keybrake.example.com:8443"));
    }

    void tlsCarriesTheFingerprint()
    {
        ApiError::ReplyOutcome outcome;
        outcome.networkError = QNetworkReply::SslHandshakeFailedError;
        outcome.certificateSha256 = QStringLiteral("AB:CD:EF");
        outcome.tlsErrors = {QStringLiteral("The certificate is self-signed, and untrusted")};
        const ApiError error = ApiError::fromReply(outcome, kAction, kServer, 10'000);
        QCOMPARE(error.kind, Kind::Tls);
        QCOMPARE(error.certificateSha256, u"AB:CD:EF");
        QVERIFY(error.message.contains(u"AB:CD:EF"));
        QVERIFY(error.message.contains(u"self-signed"));
        QVERIFY(!error.isTransient());
    }
};

QTEST_APPLESS_MAIN(TestApiError)
#include "tst_apierror.moc"
