#pragma once

#include "admin/admincall.h"
#include "servercontext.h"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace keybrake {

// GET /v1/events: the live event stream as server-sent events (docs/api.md, "Live events").
//
// A client first gets what it missed (everything after its Last-Event-ID that matches its
// filters, read from the store page by page), then live events from the EventHub, with no gap
// and no duplicate: the subscription to the hub is taken before the store is read, and live
// events the backlog already covered are dropped by id. A ping every 15 s carries the newest id
// the client is up to date with, so a filtered client resumes from there too.
class EventRoutes
{
public:
    static constexpr std::chrono::seconds kPingInterval {15};
    static constexpr int kReplayPage = 500;
    static constexpr int kRetryMs = 3000; // the reconnection delay suggested to EventSource

    explicit EventRoutes(ServerContext &context)
        : m_context(context)
    {
    }

    boost::asio::awaitable<http::Response> stream(const AdminCall &call);

    struct Query
    {
        EventFilter filter;
        std::optional<std::int64_t> lastEventId; // the Last-Event-ID header, else last_event_id
    };
    static std::variant<Query, FieldError> readQuery(const AdminCall &call);

    // One event in the text/event-stream format.
    static void appendEvent(std::string &out, std::int64_t id, std::string_view type,
                            std::string_view data);

private:
    ServerContext &m_context;
};

} // namespace keybrake
