// The HTTP request reader as keybraked's connections run it: Beast's request parser with the
// server's header and body limits, reading from a stream that hands over the bytes in pieces
// (byte 0 of the input is the piece size), then the proxy's header examination, the admin
// routes' Host check and, for a proxy target, the request preparation it leads to. Checked beyond
// "no crash": a request read is within the limits; written out again it reads back as the same
// method, target, fields and body; a request the header examination accepts carries at most one
// Idempotency-Key and one Content-Type and no method override; and the vendor call it makes
// holds the invariants of vendorfuzz.h.
#include "http/admissionhost.h"
#include "http/transferencoding.h"
#include "proxy/requestheaders.h"
#include "vendorfuzz.h"

#include <boost/asio/io_context.hpp>
#include <boost/beast/_experimental/test/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <sstream>

using namespace keybrake;
namespace bhttp = boost::beast::http;

namespace {

constexpr std::size_t kHeaderLimit = 16 * 1024; // http::ServerLimits
constexpr std::uint64_t kBodyLimit = 1024 * 1024;

std::string lower(std::string_view text)
{
    std::string out(text);
    for (char &c : out)
        if (c >= 'A' && c <= 'Z')
            c = static_cast<char>(c - 'A' + 'a');
    return out;
}

// Reads one request the way HttpServer's session does: header first, then the body.
std::optional<http::Request> readRequest(boost::asio::io_context &io, std::string_view bytes,
                                         std::size_t pieceSize)
{
    boost::beast::test::stream stream(io);
    boost::beast::test::stream peer(io);
    stream.connect(peer);
    stream.read_size(pieceSize);
    stream.append(bytes);
    peer.close();
    boost::beast::flat_buffer buffer;
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(kHeaderLimit));
    parser.body_limit(kBodyLimit);
    boost::beast::error_code error;
    bhttp::read_header(stream, buffer, parser, error);
    if (error)
        return std::nullopt;
    if (const auto length = parser.content_length(); length && *length > kBodyLimit)
        return std::nullopt;
    if (!http::transferEncodingAccepted(parser.get()))
        return std::nullopt; // 501 unsupported_transfer_encoding
    if (!parser.is_done())
        bhttp::read(stream, buffer, parser, error);
    if (error)
        return std::nullopt;
    return parser.release();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    if (size == 0)
        return 0;
    const std::size_t pieceSize = 1 + data[0];
    const std::string_view bytes(reinterpret_cast<const char *>(data) + 1, size - 1);
    static boost::asio::io_context io;
    const auto request = readRequest(io, bytes, pieceSize);
    if (!request)
        return 0;
    fuzz::require(request->body().size() <= kBodyLimit, "a body is within the limit");

    // Written out and read again, the request is the same request.
    std::ostringstream written;
    written << *request;
    const auto again = readRequest(io, written.str(), 4096);
    fuzz::require(again.has_value(), "a request read is written out readable");
    fuzz::require(again->method_string() == request->method_string(), "the same method");
    fuzz::require(again->target() == request->target(), "the same target");
    fuzz::require(again->body() == request->body(), "the same body");
    fuzz::require(std::distance(again->begin(), again->end())
                      >= std::distance(request->begin(), request->end()),
                  "no field lost");

    const auto refusal = examineRequestHeaders(*request);
    std::size_t idempotencyKeys = 0;
    std::size_t contentTypes = 0;
    for (const auto &field : *request) {
        const std::string name = lower(field.name_string());
        idempotencyKeys += name == "idempotency-key";
        contentTypes += name == "content-type";
        if (!refusal)
            fuzz::require(name != "x-http-method-override" && name != "x-http-method"
                              && name != "x-method-override",
                          "a method override is refused");
        (void)dropRequestHeader(field.name_string());
    }
    if (refusal)
        fuzz::require(refusal->status >= 400 && refusal->status <= 499 && !refusal->code.empty(),
                      "a header refusal is a 4xx with a code");
    else
        fuzz::require(idempotencyKeys <= 1 && contentTypes <= 1,
                      "one Idempotency-Key and one Content-Type at most");
    for (const char *name : {"Authorization", "Connection", "Transfer-Encoding", "Content-Length",
                             "Forwarded", "X-Forwarded-For", "Proxy-Authorization"})
        fuzz::require(dropRequestHeader(name),
                      "credential, hop-by-hop and forwarding headers "
                      "are never forwarded");

    static const http::AdminHostCheck hosts(
        http::AdminHostCheck::defaultNames({"127.0.0.1", "0.0.0.0"}));
    if (!hosts.check(*request)) {
        const std::string host = http::hostWithoutPort((*request)[bhttp::field::host]);
        fuzz::require(!host.empty(), "an admitted admin request names a host");
        fuzz::require(request->find(bhttp::field::origin) == request->end(),
                      "an admitted admin request carries no Origin");
    }

    // A proxy route: what Proxy::handle hands to prepareCall.
    const std::string target(request->target());
    if (refusal)
        return 0;
    for (Vendor vendor : {Vendor::Stripe, Vendor::Twilio, Vendor::Resend}) {
        const std::string prefix = "/" + std::string(vendorName(vendor));
        if (target.rfind(prefix + "/", 0) != 0)
            continue;
        const std::string vendorTarget = target.substr(prefix.size());
        const auto question = vendorTarget.find('?');
        VendorRequest call;
        call.vendor = vendor;
        call.method = std::string(request->method_string());
        call.path = vendorTarget.substr(0, question);
        call.query = question == std::string::npos ? "" : vendorTarget.substr(question + 1);
        call.contentType = std::string((*request)[bhttp::field::content_type]);
        call.body = request->body();
        call.stripeAccount = std::string((*request)["Stripe-Account"]);
        call.stripeAccountHeaders = request->count("Stripe-Account");
        call.stripeContext = std::string((*request)["Stripe-Context"]);
        call.stripeContextHeaders = request->count("Stripe-Context");
        (void)fuzz::prepareAndCheck(call, fuzz::fuzzPricing(false));
    }
    return 0;
}
