#pragma once

#include "store/eventtypes.h"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

namespace keybrake {

// One GET /v1/events client's view of the EventHub: a bounded queue that the store's writer
// fills and the client's connection drains. Filling never blocks and never waits for the
// client: a queue that would exceed its capacity is marked overflowed and takes nothing more,
// and the connection then ends the stream so the client resumes from the store with
// Last-Event-ID.
class EventSubscription : public std::enable_shared_from_this<EventSubscription>
{
public:
    using Batch = std::shared_ptr<const std::vector<StoredEvent>>;

    // `executor` is the connection's strand: wait() runs there and wake-ups are posted to it.
    EventSubscription(boost::asio::any_io_executor executor, std::size_t capacity);

    // Everything delivered since the last take, oldest first.
    std::vector<Batch> take();
    bool overflowed() const;
    bool closed() const; // the hub closed: the server is shutting down

    // On the executor: returns when events are waiting, the subscription is closed or
    // overflowed, wake() was called, or `deadline` passed; spurious returns are possible.
    boost::asio::awaitable<void> wait(std::chrono::steady_clock::time_point deadline);
    // From any thread: ends the current (or next) wait early.
    void wake();

private:
    friend class EventHub;
    // From the store's writer thread (through the hub).
    void deliver(const Batch &batch);
    void close();
    void wakeLocked();

    boost::asio::any_io_executor m_executor;
    boost::asio::steady_timer m_timer; // touched on m_executor only
    const std::size_t m_capacity;

    mutable std::mutex m_mutex;
    std::deque<Batch> m_queue;
    std::size_t m_queued = 0; // events in m_queue
    bool m_overflowed = false;
    bool m_closed = false;
    bool m_wakePending = false; // a wake-up is posted and not yet followed by a take()
};

} // namespace keybrake
