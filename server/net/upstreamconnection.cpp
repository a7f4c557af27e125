#include "net/upstreamconnection.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

namespace keybrake {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kAsTuple = asio::as_tuple(asio::use_awaitable);
// Vendors' headers are small; this only bounds a misbehaving upstream.
constexpr std::uint32_t kResponseHeaderLimit = 64 * 1024;

bool isIpLiteral(const std::string &host)
{
    boost::system::error_code error;
    asio::ip::make_address(host, error);
    return !error;
}

std::string millis(std::chrono::milliseconds duration)
{
    return std::to_string(duration.count()) + " ms";
}

// Why a handshake failed, in the words an operator can act on: "certificate verify failed:
// self-signed certificate" rather than OpenSSL's bare "certificate verify failed".
std::string handshakeFailure(SSL *ssl, const boost::system::error_code &error)
{
    const long verifyResult = SSL_get_verify_result(ssl);
    if (verifyResult != X509_V_OK)
        return std::string("certificate verify failed: ")
            + X509_verify_cert_error_string(verifyResult);
    return "TLS handshake failed: " + error.message();
}

bool isHttpParseError(const boost::system::error_code &error)
{
    return error.category() == bhttp::make_error_code(bhttp::error::bad_method).category();
}

} // namespace

UpstreamConnection::UpstreamConnection(const asio::any_io_executor &executor,
                                       std::shared_ptr<ssl::context> tls)
    : m_strand(asio::make_strand(executor))
    , m_context(std::move(tls))
{
    if (m_context)
        m_tls.emplace(m_strand, *m_context);
    else
        m_plain.emplace(m_strand);
}

UpstreamConnection::~UpstreamConnection() = default;

beast::tcp_stream &UpstreamConnection::tcp()
{
    return m_tls ? beast::get_lowest_layer(*m_tls) : *m_plain;
}

asio::awaitable<UpstreamConnection::ConnectOutcome>
UpstreamConnection::connect(std::vector<tcp::endpoint> endpoints, std::string host,
                            std::string authority, std::chrono::milliseconds timeout)
{
    ConnectOutcome outcome;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    tcp().expires_at(deadline);
    auto [connectError, endpoint] = co_await tcp().async_connect(endpoints, kAsTuple);
    if (connectError) {
        outcome.failure = UpstreamFailure::ConnectFailed;
        outcome.detail = connectError == beast::error::timeout
            ? "could not connect to " + authority + " within " + millis(timeout)
            : "could not connect to " + authority + ": " + connectError.message();
        co_return outcome;
    }
    boost::system::error_code ignored;
    tcp().socket().set_option(tcp::no_delay(true), ignored);
    if (!m_tls)
        co_return outcome;

    SSL *ssl = m_tls->native_handle();
    // SNI carries names only (RFC 6066); an IP literal is matched against the certificate's IP
    // addresses instead.
    if (isIpLiteral(host)) {
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str());
    } else {
        SSL_set_tlsext_host_name(ssl, host.c_str());
        // OpenSSL's own check records X509_V_ERR_HOSTNAME_MISMATCH, so the failure can say why.
        SSL_set1_host(ssl, host.c_str());
    }
    // Verification is switched on here whatever context the caller passed: a certificate error
    // is never ignored.
    m_tls->set_verify_mode(ssl::verify_peer);
    m_tls->set_verify_callback(ssl::host_name_verification(host));
    tcp().expires_at(deadline);
    auto [handshakeError] = co_await m_tls->async_handshake(ssl::stream_base::client, kAsTuple);
    tcp().expires_never();
    if (handshakeError) {
        outcome.failure = UpstreamFailure::TlsFailed;
        outcome.detail = handshakeError == beast::error::timeout
            ? "TLS handshake with " + authority + " did not finish within " + millis(timeout)
            : handshakeFailure(ssl, handshakeError) + " (" + authority + ")";
    }
    co_return outcome;
}

asio::awaitable<UpstreamConnection::ExchangeOutcome>
UpstreamConnection::exchange(const HttpRequest &request, std::chrono::milliseconds timeout,
                             std::size_t maxResponseBytes)
{
    ExchangeOutcome outcome;
    tcp().expires_after(timeout);
    boost::system::error_code writeError;
    std::size_t written = 0;
    if (m_tls)
        std::tie(writeError, written) = co_await bhttp::async_write(*m_tls, request, kAsTuple);
    else
        std::tie(writeError, written) = co_await bhttp::async_write(*m_plain, request, kAsTuple);
    outcome.anyByteWritten = written > 0 || writeError == beast::error::timeout;
    if (writeError) {
        tcp().expires_never();
        if (writeError == beast::error::timeout) {
            outcome.failure = UpstreamFailure::TimedOutAfterSend;
            outcome.detail = "the request could not be written within " + millis(timeout);
        } else {
            outcome.failure = UpstreamFailure::ConnectionLostAfterSend;
            outcome.detail =
                "the connection failed while writing the request: " + writeError.message();
        }
        co_return outcome;
    }

    bhttp::response_parser<bhttp::string_body> parser;
    parser.header_limit(kResponseHeaderLimit);
    parser.body_limit(maxResponseBytes);
    if (request.method() == bhttp::verb::head)
        parser.skip(true);
    boost::system::error_code readError;
    if (m_tls)
        std::tie(readError, std::ignore) =
            co_await bhttp::async_read(*m_tls, m_buffer, parser, kAsTuple);
    else
        std::tie(readError, std::ignore) =
            co_await bhttp::async_read(*m_plain, m_buffer, parser, kAsTuple);
    tcp().expires_never();
    if (readError) {
        if (readError == beast::error::timeout) {
            outcome.failure = UpstreamFailure::TimedOutAfterSend;
            outcome.detail = "no answer within " + millis(timeout) + " after sending the request";
        } else if (readError == bhttp::error::end_of_stream) {
            outcome.failure = UpstreamFailure::ConnectionLostAfterSend;
            outcome.detail = "the upstream closed the connection without answering";
        } else if (readError == bhttp::error::partial_message) {
            outcome.failure = UpstreamFailure::ConnectionLostAfterSend;
            outcome.detail = "the upstream closed the connection in the middle of its answer";
        } else if (readError == bhttp::error::body_limit) {
            outcome.failure = UpstreamFailure::BadResponse;
            outcome.detail =
                "the answer is larger than " + std::to_string(maxResponseBytes) + " bytes";
        } else if (isHttpParseError(readError)) {
            outcome.failure = UpstreamFailure::BadResponse;
            outcome.detail = "the answer is not valid HTTP/1.1: " + readError.message();
        } else {
            outcome.failure = UpstreamFailure::ConnectionLostAfterSend;
            outcome.detail =
                "the connection failed while reading the answer: " + readError.message();
        }
        co_return outcome;
    }
    // Leftover bytes would be the start of an answer nobody asked for.
    outcome.reusable = parser.keep_alive() && m_buffer.size() == 0;
    outcome.response = parser.release();
    co_return outcome;
}

bool UpstreamConnection::peerClosed()
{
    auto &socket = tcp().socket();
    if (!socket.is_open())
        return true;
    boost::system::error_code error;
    socket.non_blocking(true, error);
    if (error)
        return true;
    char byte = 0;
    socket.receive(asio::buffer(&byte, 1), tcp::socket::message_peek, error);
    boost::system::error_code ignored;
    socket.non_blocking(false, ignored);
    // Only "nothing to read yet" means the peer still holds the connection open; end of file, a
    // reset or unexpected bytes (a 408, a TLS close_notify) all mean it is gone.
    return error != asio::error::would_block && error != asio::error::try_again;
}

void UpstreamConnection::close()
{
    boost::system::error_code ignored;
    auto &socket = tcp().socket();
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
}

} // namespace keybrake
