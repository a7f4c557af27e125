#include "httpburst.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <algorithm>
#include <memory>

namespace keybrake::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kAsTuple = asio::as_tuple(asio::use_awaitable);

struct Gate
{
    explicit Gate(asio::io_context &io, std::size_t parties)
        : timer(io, std::chrono::steady_clock::time_point::max())
        , waiting(parties)
    {
    }
    asio::steady_timer timer; // cancelled once every connection is established
    std::size_t waiting;
};

asio::awaitable<void> one(tcp::endpoint endpoint, const BurstRequest &request,
                          BurstResponse &response, std::shared_ptr<Gate> gate,
                          std::chrono::milliseconds timeout)
{
    beast::tcp_stream stream(co_await asio::this_coro::executor);
    stream.expires_after(timeout);
    auto [connectError] = co_await stream.async_connect(endpoint, kAsTuple);
    if (--gate->waiting == 0)
        gate->timer.cancel();
    else
        co_await gate->timer.async_wait(kAsTuple);
    if (connectError) {
        response.error = connectError.message();
        co_return;
    }
    bhttp::request<bhttp::string_body> message {bhttp::string_to_verb(request.method),
                                                request.target, 11};
    message.set(bhttp::field::host, endpoint.address().to_string());
    for (const auto &[name, value] : request.headers)
        message.set(name, value);
    message.body() = request.body;
    message.prepare_payload();
    response.sent = std::chrono::steady_clock::now();
    stream.expires_after(timeout);
    auto [writeError, written] = co_await bhttp::async_write(stream, message, kAsTuple);
    if (writeError) {
        response.error = writeError.message();
        co_return;
    }
    beast::flat_buffer buffer;
    bhttp::response<bhttp::string_body> answer;
    auto [readError, read] = co_await bhttp::async_read(stream, buffer, answer, kAsTuple);
    response.answered = std::chrono::steady_clock::now();
    if (readError) {
        response.error = readError.message();
        co_return;
    }
    response.status = static_cast<int>(answer.result_int());
    response.body = std::move(answer.body());
    for (const auto &field : answer) {
        std::string name(field.name_string());
        std::transform(name.begin(), name.end(), name.begin(), ::tolower);
        response.headers[name] = std::string(field.value());
    }
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
}

} // namespace

std::vector<BurstResponse> sendBurst(const std::string &host, std::uint16_t port,
                                     const std::vector<BurstRequest> &requests,
                                     std::chrono::milliseconds timeout)
{
    asio::io_context io;
    std::vector<BurstResponse> responses(requests.size());
    auto gate = std::make_shared<Gate>(io, requests.size());
    const tcp::endpoint endpoint(asio::ip::make_address(host), port);
    for (std::size_t i = 0; i < requests.size(); ++i)
        asio::co_spawn(io, one(endpoint, requests[i], responses[i], gate, timeout), asio::detached);
    io.run();
    return responses;
}

} // namespace keybrake::test
