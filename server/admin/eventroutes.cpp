#include "admin/eventroutes.h"

#include "admin/keyroutes.h"
#include "admin/wirejson.h"
#include "http/jsonresponse.h"
#include "json.h"
#include "store/storeawait.h"

#include <boost/asio/this_coro.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/json/object.hpp>

#include <charconv>

namespace keybrake {

namespace bhttp = boost::beast::http;
using boost::asio::awaitable;

namespace {

std::optional<std::int64_t> parseEventId(std::string_view text)
{
    std::int64_t id = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (text.empty() || error != std::errc {} || end != text.data() + text.size() || id < 0)
        return std::nullopt;
    return id;
}

// The handler's RAII end of ResponseStream::watchHangUp: the watch must not outlive the handler,
// whichever way it returns.
class HangUpWatch
{
public:
    HangUpWatch(http::ResponseStream &stream, std::function<void()> onHangUp)
        : m_stream(stream)
    {
        m_stream.watchHangUp(std::move(onHangUp));
    }
    ~HangUpWatch() { m_stream.stopWatchingHangUp(); }
    HangUpWatch(const HangUpWatch &) = delete;
    HangUpWatch &operator=(const HangUpWatch &) = delete;

private:
    http::ResponseStream &m_stream;
};

} // namespace

std::variant<EventRoutes::Query, FieldError> EventRoutes::readQuery(const AdminCall &call)
{
    if (auto error = checkQueryNames(call, {"types", "key_id", "label_prefix", "last_event_id"}))
        return *error;
    Query query;
    if (auto it = call.query.find("types"); it != call.query.end()) {
        std::string_view rest = it->second;
        while (true) {
            const auto comma = rest.find(',');
            const std::string_view name = rest.substr(0, comma);
            // Pings come regardless; naming them is allowed and changes nothing.
            if (name != "ping") {
                if (!knownEventTypes().count(name))
                    return FieldError {"types",
                                       "types must be a comma-separated list of key.issued, "
                                       "key.revoked, key.expired, key.capped, call, "
                                       "cap.threshold"};
                query.filter.types.emplace(name);
            }
            if (comma == std::string_view::npos)
                break;
            rest.remove_prefix(comma + 1);
        }
    }
    if (auto it = call.query.find("key_id"); it != call.query.end()) {
        if (it->second.empty() || it->second.size() > 64)
            return FieldError {"key_id", "key_id must be a vault key id (vk_...)"};
        query.filter.keyId = it->second;
    }
    if (auto it = call.query.find("label_prefix"); it != call.query.end()) {
        if (it->second.size() > 200)
            return FieldError {"label_prefix", "label_prefix must be at most 200 characters"};
        query.filter.labelPrefix = it->second;
    }
    // The header wins: an EventSource reconnecting sends the newest id there while its URL still
    // carries the id it first started from.
    const auto header = call.request.find("Last-Event-ID");
    if (header != call.request.end() && !header->value().empty()) {
        query.lastEventId = parseEventId(header->value());
        if (!query.lastEventId)
            return FieldError {"Last-Event-ID",
                               "Last-Event-ID must be an event id from this stream (a whole "
                               "number)"};
    } else if (auto it = call.query.find("last_event_id"); it != call.query.end()) {
        query.lastEventId = parseEventId(it->second);
        if (!query.lastEventId)
            return FieldError {"last_event_id",
                               "last_event_id must be an event id from this stream (a whole "
                               "number)"};
    }
    return query;
}

void EventRoutes::appendEvent(std::string &out, std::int64_t id, std::string_view type,
                              std::string_view data)
{
    // Always an id, 0 included: an empty log's "0" makes a later resume replay everything.
    out += "id: ";
    out += std::to_string(id);
    out += '\n';
    out += "event: ";
    out += type;
    out += '\n';
    // Our JSON has no raw line breaks, but a data field must never carry one.
    for (;;) {
        const auto newline = data.find('\n');
        out += "data: ";
        out += data.substr(0, newline);
        out += '\n';
        if (newline == std::string_view::npos)
            break;
        data.remove_prefix(newline + 1);
    }
    out += '\n';
}

awaitable<http::Response> EventRoutes::stream(const AdminCall &call)
{
    auto parsed = readQuery(call);
    if (auto *error = std::get_if<FieldError>(&parsed))
        co_return fieldError(*error);
    const Query query = std::move(std::get<Query>(parsed));
    if (!call.stream || !m_context.events)
        co_return http::adminError(500, "internal", "This listener cannot stream a response.");

    // First the subscription, then the store: whatever commits in between is in both, and the
    // copy from the hub is dropped by id.
    const auto subscription =
        m_context.events->subscribe(co_await boost::asio::this_coro::executor);
    Store &store = m_context.store;
    // The store call starts only when awaited: everything it uses is captured by value or
    // outlives the coroutine's wait.
    const auto readPage = [&store, &query](std::int64_t after, int limit) {
        return awaitStore<EventPage>([&store, &query, after, limit](auto done) {
            store.readEvents(after, query.filter, limit, std::move(done));
        });
    };
    const std::optional<std::int64_t> resume = query.lastEventId;
    auto page = co_await readPage(resume.value_or(0), resume ? kReplayPage : 0);
    if (!page)
        co_return storeUnavailable();

    bhttp::response_header<> header;
    header.result(bhttp::status::ok);
    header.set(bhttp::field::content_type, "text/event-stream; charset=utf-8");
    header.set(bhttp::field::cache_control, "no-cache");
    // nginx and similar proxies would otherwise hold events back to fill their buffers.
    header.set("X-Accel-Buffering", "no");
    header.set("X-Content-Type-Options", "nosniff");
    header.set("X-Request-Id", call.requestId);
    header.set(bhttp::field::server, "keybraked/" + m_context.version);
    http::ResponseStream &stream = *call.stream;
    http::Response sent {bhttp::status::ok, 11}; // what the router counts; never sent itself
    if (!co_await stream.begin(std::move(header)))
        co_return sent;

    // Shared: the hang-up callback may already be queued when this coroutine ends. Touched on
    // this connection's strand only.
    const auto peerGone = std::make_shared<bool>(false);
    const HangUpWatch watch(stream, [peerGone, weak = std::weak_ptr(subscription)] {
        *peerGone = true;
        if (const auto subscription = weak.lock())
            subscription->wake();
    });
    const auto ending = [&] { return *peerGone || stream.closing() || subscription->closed(); };

    // Everything up to `cursor` has been sent to this client or does not match its filters.
    std::int64_t cursor = page->latestId;
    std::string out = "retry: " + std::to_string(kRetryMs) + "\n\n";
    if (resume) {
        const std::int64_t after = *resume;
        const bool unknown = after > page->latestId;
        const bool trimmed =
            page->oldestId > 0 ? after + 1 < page->oldestId : after < page->latestId;
        if (unknown || trimmed) {
            boost::json::object reset;
            reset["reason"] = unknown ? "unknown_event_id" : "events_expired";
            reset["last_event_id"] = std::to_string(after);
            reset["oldest_event_id"] = std::to_string(page->oldestId);
            reset["latest_event_id"] = std::to_string(page->latestId);
            appendEvent(out, page->latestId, "reset", toJsonText(reset));
        } else {
            for (;;) {
                for (const StoredEvent &event : page->events)
                    appendEvent(out, event.id, event.type, event.payload);
                cursor = page->scannedThrough;
                if (!co_await stream.write(out))
                    co_return sent;
                out.clear();
                if (static_cast<int>(page->events.size()) < kReplayPage || ending())
                    break;
                page = co_await readPage(cursor, kReplayPage);
                if (!page)
                    co_return sent; // an unterminated stream: the client reconnects from cursor
            }
        }
    }

    using SteadyClock = std::chrono::steady_clock;
    const auto ping = [&] {
        boost::json::object data;
        data["ts"] = timeJson(m_context.clock.now());
        appendEvent(out, cursor, "ping", toJsonText(data));
    };
    // The first ping says the stream is live and where the client stands.
    ping();
    auto nextPing = SteadyClock::now() + kPingInterval;
    for (;;) {
        if (!out.empty() && !co_await stream.write(out))
            co_return sent;
        out.clear();
        if (ending())
            break;
        const auto batches = subscription->take();
        if (subscription->overflowed())
            break; // too far behind: the client resumes from the store with Last-Event-ID
        for (const auto &batch : batches) {
            for (const StoredEvent &event : *batch) {
                if (event.id <= cursor)
                    continue;
                cursor = event.id;
                if (query.filter.matches(event))
                    appendEvent(out, event.id, event.type, event.payload);
            }
        }
        if (SteadyClock::now() >= nextPing) {
            ping();
            nextPing = SteadyClock::now() + kPingInterval;
        }
        if (batches.empty() && out.empty())
            co_await subscription->wait(nextPing);
    }
    if (!*peerGone)
        co_await stream.end();
    co_return sent;
}

} // namespace keybrake
