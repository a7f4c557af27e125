// UpstreamClient, the proxy's way to the vendors, against the real keybrake-sim and a scripted
// rude upstream (plain and TLS).
#include "net/upstreamclient.h"
#include "scriptedupstream.h"
#include "simprocess.h"
#include "testcertificate.h"

#include <QTest>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/parse.hpp>

#include <chrono>
#include <future>
#include <optional>
#include <thread>
#include <vector>

#if defined(__unix__) || defined(__APPLE__)
#include <sys/resource.h>
#endif

using namespace keybrake;
using namespace keybrake::test;
namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
namespace json = boost::json;

namespace {

UpstreamRequest stripeRequest(bhttp::verb method, std::string target, std::string form = {},
                              std::vector<std::pair<std::string, std::string>> headers = {})
{
    UpstreamRequest request;
    request.method = method;
    request.target = std::move(target);
    request.headers = std::move(headers);
    request.headers.emplace_back("Authorization", std::string("Bearer ") + kStripeKey);
    if (method == bhttp::verb::post)
        request.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    request.body = std::move(form);
    return request;
}

UpstreamRequest charge(std::vector<std::pair<std::string, std::string>> headers = {})
{
    return stripeRequest(bhttp::verb::post, "/v1/charges", "amount=2500&currency=usd",
                         std::move(headers));
}

std::uint16_t closedPort()
{
    asio::io_context io;
    asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
    return acceptor.local_endpoint().port(); // closed again when the acceptor goes
}

} // namespace

class UpstreamClientTest : public QObject
{
    Q_OBJECT

private:
    UpstreamResult send(UpstreamClient &client, UpstreamRequest request)
    {
        auto future = asio::co_spawn(m_io, client.send(std::move(request)), asio::use_future);
        if (future.wait_for(std::chrono::seconds(60)) != std::future_status::ready)
            qFatal("UpstreamClient::send did not finish within 60 s");
        return future.get();
    }
    std::vector<UpstreamResult> sendAll(UpstreamClient &client,
                                        const std::vector<UpstreamRequest> &requests)
    {
        std::vector<std::future<UpstreamResult>> futures;
        for (const auto &request : requests)
            futures.push_back(asio::co_spawn(m_io, client.send(request), asio::use_future));
        std::vector<UpstreamResult> results;
        for (auto &future : futures)
            results.push_back(future.get());
        return results;
    }
    json::object stats(const SimProcess &sim)
    {
        UpstreamClient client(m_io.get_executor(), sim.baseUrlString());
        const auto result = send(client, {bhttp::verb::get, "/_sim/stats", {}, {}});
        return json::parse(result.response.body()).as_object();
    }
    std::int64_t statsNumber(const SimProcess &sim, std::string_view name)
    {
        return stats(sim).at(name).as_int64();
    }

    asio::io_context m_io {2};
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> m_work;
    std::vector<std::thread> m_threads;
    std::unique_ptr<SimProcess> m_sim;

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void init();

    void reusesOneKeepAliveConnectionForSequentialCalls();
    void forwardsCallerHeadersButOwnsFraming();
    void appendsTheTargetToTheBasePath();
    void refusesAnInvalidBaseUrl();
    void refusedPortIsConnectFailed();
    void hangIsTimedOutAfterSend();
    void dropIsConnectionLostAfterSendAndNotRetried();
    void peerClosingIdleConnectionsCausesNoError();
    void unparsableOrOversizedAnswerIsBadResponse();
    void selfSignedCertificateIsTlsFailedWithTheReason();
    void trustedCertificateWorksOnlyForItsHost();
    void waitsForAFreeConnectionAtTheLimit();
    void givesUpWhenNoConnectionFreesInTime();
    void dropsIdleConnectionsAfterTheKeepAlive();
    void thousandConcurrentCallsOpenHundredsOfConnections();
};

void UpstreamClientTest::initTestCase()
{
#if defined(__unix__) || defined(__APPLE__)
    // A thousand concurrent connections need more than the usual 1024 open files.
    rlimit limit {};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
#endif
    m_work.emplace(m_io.get_executor());
    // Two io threads, as keybraked runs the proxy.
    for (int i = 0; i < 2; ++i)
        m_threads.emplace_back([this] { m_io.run(); });
    m_sim = std::make_unique<SimProcess>();
    QVERIFY2(m_sim->start(), qPrintable(m_sim->error()));
}

void UpstreamClientTest::cleanupTestCase()
{
    m_sim.reset();
    m_work.reset();
    m_io.stop();
    for (auto &thread : m_threads)
        thread.join();
}

void UpstreamClientTest::init()
{
    UpstreamClient client(m_io.get_executor(), m_sim->baseUrlString());
    QCOMPARE(send(client, {bhttp::verb::post, "/_sim/reset", {}, {}}).response.result_int(), 200u);
}

void UpstreamClientTest::reusesOneKeepAliveConnectionForSequentialCalls()
{
    UpstreamClient client(m_io.get_executor(), m_sim->baseUrlString());
    for (int i = 0; i < 20; ++i) {
        const auto result = send(client, charge());
        QCOMPARE(result.failure, UpstreamFailure::None);
        QCOMPARE(result.response.result_int(), 200u);
        QVERIFY(result.latencyMs > 0);
    }
    QCOMPARE(client.openConnections(), 1u);
    QCOMPARE(client.idleConnections(), 1u);
    // Twenty calls and this query, all on one connection.
    const auto result = send(client, {bhttp::verb::get, "/_sim/stats", {}, {}});
    QCOMPARE(json::parse(result.response.body()).at("open_connections").as_int64(), 1);
    QCOMPARE(client.openConnections(), 1u);
}

void UpstreamClientTest::forwardsCallerHeadersButOwnsFraming()
{
    UpstreamClient client(m_io.get_executor(), m_sim->baseUrlString());
    auto request = charge({{"Idempotency-Key", "retry-safe-1"},
                           {"Connection", "close"},
                           {"Content-Length", "3"},
                           {"Stripe-Account", "acct_123"}});
    const auto result = send(client, request);
    QCOMPARE(result.failure, UpstreamFailure::None);
    QCOMPARE(result.response.result_int(), 200u);
    QVERIFY(result.response["Request-Id"].starts_with("req_"));
    // The caller's "Connection: close" did not end the connection.
    QCOMPARE(client.idleConnections(), 1u);

    const auto log = send(client, {bhttp::verb::get, "/_sim/requests?limit=1", {}, {}});
    const auto entry = json::parse(log.response.body()).at("data").at(0).as_object();
    QCOMPARE(entry.at("idempotency_key").as_string(), "retry-safe-1");
    QCOMPARE(entry.at("body").as_string(), "amount=2500&currency=usd");
    QCOMPARE(entry.at("auth_scheme").as_string(), "bearer");
    QCOMPARE(entry.at("credential_ok").as_bool(), true);
}

void UpstreamClientTest::appendsTheTargetToTheBasePath()
{
    UpstreamClient client(m_io.get_executor(), m_sim->baseUrlString() + "/v1/");
    const auto result = send(client, stripeRequest(bhttp::verb::get, "/customers?limit=3"));
    QCOMPARE(result.failure, UpstreamFailure::None);
    QCOMPARE(result.response.result_int(), 200u);
    QCOMPARE(json::parse(result.response.body()).at("url").as_string(), "/v1/customers");
}

void UpstreamClientTest::refusesAnInvalidBaseUrl()
{
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
                             UpstreamClient(m_io.get_executor(), "ftp://example.com"));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
                             UpstreamClient(m_io.get_executor(), "not a url"));
    // https without a TLS context would mean no certificate check.
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
                             UpstreamClient(m_io.get_executor(), "https://api.stripe.com"));
}

void UpstreamClientTest::refusedPortIsConnectFailed()
{
    UpstreamClient client(m_io.get_executor(), "http://127.0.0.1:" + std::to_string(closedPort()));
    const auto result = send(client, charge());
    QCOMPARE(result.failure, UpstreamFailure::ConnectFailed);
    QVERIFY2(result.detail.find("refused") != std::string::npos, result.detail.c_str());
    QCOMPARE(client.openConnections(), 0u);
}

void UpstreamClientTest::hangIsTimedOutAfterSend()
{
    UpstreamOptions options;
    options.responseTimeout = std::chrono::milliseconds(300);
    UpstreamClient client(m_io.get_executor(), m_sim->baseUrlString(), options);
    const auto result = send(client, charge({{"X-Sim-Fault", "hang"}}));
    QCOMPARE(result.failure, UpstreamFailure::TimedOutAfterSend);
    QVERIFY2(result.detail.find("300 ms") != std::string::npos, result.detail.c_str());
    // The connection that timed out is not handed to the next call.
    QCOMPARE(client.openConnections(), 0u);
    QCOMPARE(send(client, charge()).failure, UpstreamFailure::None);
}

void UpstreamClientTest::dropIsConnectionLostAfterSendAndNotRetried()
{
    UpstreamClient client(m_io.get_executor(), m_sim->baseUrlString());
    QCOMPARE(send(client, charge()).failure, UpstreamFailure::None); // a pooled connection first
    const auto result = send(client, charge({{"X-Sim-Fault", "drop"}}));
    QCOMPARE(result.failure, UpstreamFailure::ConnectionLostAfterSend);
    QVERIFY(!result.detail.empty());
    // The vendor saw the request exactly once: a retry could charge twice.
    const auto counters = stats(*m_sim);
    QCOMPARE(counters.at("by_operation").at("stripe.charges.create").as_int64(), 2);
    QCOMPARE(counters.at("dropped").as_int64(), 1);
}

void UpstreamClientTest::peerClosingIdleConnectionsCausesNoError()
{
    ScriptedUpstream upstream;
    UpstreamClient client(m_io.get_executor(),
                          "http://127.0.0.1:" + std::to_string(upstream.port()));
    for (int i = 1; i <= 3; ++i) {
        const auto result = send(client, {bhttp::verb::get, "/ping", {}, {}});
        QCOMPARE(result.failure, UpstreamFailure::None);
        QCOMPARE(result.response.body(), std::string("{\"ok\":true}"));
        // The answer promised keep-alive, so the connection waits in the pool...
        QCOMPARE(client.idleConnections(), 1u);
        // ...until the server closes it; the next call must notice before writing.
        QVERIFY(upstream.waitUntilClosed(i, std::chrono::seconds(5)));
    }
    QCOMPARE(upstream.accepted(), 3);
}

void UpstreamClientTest::unparsableOrOversizedAnswerIsBadResponse()
{
    ScriptedUpstream garbage(nullptr, "SMTP ready\r\n\r\n");
    UpstreamClient client(m_io.get_executor(),
                          "http://127.0.0.1:" + std::to_string(garbage.port()));
    const auto result = send(client, {bhttp::verb::get, "/", {}, {}});
    QCOMPARE(result.failure, UpstreamFailure::BadResponse);

    UpstreamOptions small;
    small.maxResponseBytes = 64;
    UpstreamClient limited(m_io.get_executor(), m_sim->baseUrlString(), small);
    const auto large = send(limited, charge());
    QCOMPARE(large.failure, UpstreamFailure::BadResponse);
    QVERIFY2(large.detail.find("64 bytes") != std::string::npos, large.detail.c_str());
}

void UpstreamClientTest::selfSignedCertificateIsTlsFailedWithTheReason()
{
    const auto certificate = makeSelfSignedCertificate("localhost");
    auto serverTls = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
    serverTls->use_certificate_chain(asio::buffer(certificate.certificatePem));
    serverTls->use_private_key(asio::buffer(certificate.privateKeyPem), asio::ssl::context::pem);
    ScriptedUpstream upstream(serverTls);

    UpstreamClient client(m_io.get_executor(),
                          "https://localhost:" + std::to_string(upstream.port()), {},
                          makeVerifyingTlsContext());
    const auto result = send(client, {bhttp::verb::get, "/", {}, {}});
    QCOMPARE(result.failure, UpstreamFailure::TlsFailed);
    QVERIFY2(result.detail.starts_with("certificate verify failed: self-signed certificate")
                 || result.detail.starts_with("certificate verify failed: self signed"),
             result.detail.c_str());
    QCOMPARE(client.openConnections(), 0u);
}

void UpstreamClientTest::trustedCertificateWorksOnlyForItsHost()
{
    const auto certificate = makeSelfSignedCertificate("localhost");
    auto serverTls = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
    serverTls->use_certificate_chain(asio::buffer(certificate.certificatePem));
    serverTls->use_private_key(asio::buffer(certificate.privateKeyPem), asio::ssl::context::pem);
    ScriptedUpstream upstream(serverTls);
    auto trusting = makeVerifyingTlsContext();
    trusting->add_certificate_authority(asio::buffer(certificate.certificatePem));

    UpstreamClient client(m_io.get_executor(),
                          "https://localhost:" + std::to_string(upstream.port()), {}, trusting);
    const auto result = send(client, {bhttp::verb::get, "/", {}, {}});
    QCOMPARE(result.failure, UpstreamFailure::None);
    QCOMPARE(result.response.body(), std::string("{\"ok\":true}"));

    // The same trusted certificate presented for an address it does not name.
    UpstreamClient byAddress(m_io.get_executor(),
                             "https://127.0.0.1:" + std::to_string(upstream.port()), {}, trusting);
    const auto mismatch = send(byAddress, {bhttp::verb::get, "/", {}, {}});
    QCOMPARE(mismatch.failure, UpstreamFailure::TlsFailed);
    QVERIFY2(mismatch.detail.find("mismatch") != std::string::npos, mismatch.detail.c_str());
}

void UpstreamClientTest::waitsForAFreeConnectionAtTheLimit()
{
    UpstreamOptions options;
    options.maxConnections = 2;
    UpstreamClient client(m_io.get_executor(), m_sim->baseUrlString(), options);
    // Calls that earlier tests left hanging still count as in flight at the simulator.
    const auto hanging = statsNumber(*m_sim, "in_flight");
    const std::vector<UpstreamRequest> requests(6, charge({{"X-Sim-Fault", "delay=150"}}));
    for (const auto &result : sendAll(client, requests)) {
        QCOMPARE(result.failure, UpstreamFailure::None);
        QCOMPARE(result.response.result_int(), 200u);
    }
    QCOMPARE(client.openConnections(), 2u);
    QCOMPARE(statsNumber(*m_sim, "max_in_flight"), hanging + 2);
    QCOMPARE(statsNumber(*m_sim, "requests_total"), 6);
}

void UpstreamClientTest::givesUpWhenNoConnectionFreesInTime()
{
    UpstreamOptions options;
    options.maxConnections = 1;
    options.connectTimeout = std::chrono::milliseconds(200);
    options.responseTimeout = std::chrono::milliseconds(3000);
    UpstreamClient client(m_io.get_executor(), m_sim->baseUrlString(), options);
    auto hanging =
        asio::co_spawn(m_io, client.send(charge({{"X-Sim-Fault", "hang"}})), asio::use_future);
    // Once the only connection carries the hanging call, the next one has to wait.
    QTRY_COMPARE(statsNumber(*m_sim, "in_flight") >= 1 && client.idleConnections() == 0, true);
    const auto starved = send(client, charge());
    QCOMPARE(starved.failure, UpstreamFailure::ConnectFailed);
    QVERIFY2(starved.detail.find("busy") != std::string::npos, starved.detail.c_str());
    QCOMPARE(hanging.get().failure, UpstreamFailure::TimedOutAfterSend);
}

void UpstreamClientTest::dropsIdleConnectionsAfterTheKeepAlive()
{
    UpstreamOptions options;
    options.idleKeepAlive = std::chrono::seconds(1);
    UpstreamClient client(m_io.get_executor(), m_sim->baseUrlString(), options);
    QCOMPARE(send(client, charge()).failure, UpstreamFailure::None);
    QCOMPARE(client.idleConnections(), 1u);
    QTRY_COMPARE_WITH_TIMEOUT(client.openConnections(), 0u, 5000);
    QCOMPARE(client.idleConnections(), 0u);
    QCOMPARE(send(client, charge()).failure, UpstreamFailure::None);
}

void UpstreamClientTest::thousandConcurrentCallsOpenHundredsOfConnections()
{
    SimProcess slow({QStringLiteral("--latency-ms"), QStringLiteral("300")});
    QVERIFY2(slow.start(), qPrintable(slow.error()));
    UpstreamClient client(m_io.get_executor(), slow.baseUrlString());
    const std::vector<UpstreamRequest> requests(1000, charge());

    const auto started = std::chrono::steady_clock::now();
    const auto results = sendAll(client, requests);
    const auto wall =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started);
    int succeeded = 0;
    for (const auto &result : results)
        succeeded += result.failure == UpstreamFailure::None && result.response.result_int() == 200;
    QCOMPARE(succeeded, 1000);

    const auto maxInFlight = statsNumber(slow, "max_in_flight");
    qInfo("1000 concurrent calls to a 300 ms upstream: %.0f ms wall, %zu pooled connections, "
          "at most %lld in flight at the upstream",
          wall.count(), client.openConnections(), static_cast<long long>(maxInFlight));
    QVERIFY2(maxInFlight >= 500, qPrintable(QString::number(maxInFlight)));
    QVERIFY(client.openConnections() >= 500);
}

QTEST_GUILESS_MAIN(UpstreamClientTest)
#include "tst_upstreamclient.moc"
