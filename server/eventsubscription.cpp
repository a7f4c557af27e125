#include "eventsubscription.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace keybrake {

namespace asio = boost::asio;

EventSubscription::EventSubscription(asio::any_io_executor executor, std::size_t capacity)
    : m_executor(executor)
    , m_timer(executor)
    , m_capacity(capacity)
{
}

void EventSubscription::deliver(const Batch &batch)
{
    std::lock_guard lock(m_mutex);
    if (m_overflowed || m_closed || batch->empty())
        return;
    if (m_queued + batch->size() > m_capacity) {
        // The client is this far behind: what it missed is in the store, and it will read it
        // from there on its next connection.
        m_overflowed = true;
        m_queue.clear();
        m_queued = 0;
    } else {
        m_queue.push_back(batch);
        m_queued += batch->size();
    }
    wakeLocked();
}

void EventSubscription::close()
{
    std::lock_guard lock(m_mutex);
    m_closed = true;
    wakeLocked();
}

void EventSubscription::wakeLocked()
{
    // One wake-up per take(): a burst of commits must not flood the connection's strand.
    if (m_wakePending)
        return;
    m_wakePending = true;
    wake();
}

void EventSubscription::wake()
{
    asio::post(m_executor, [weak = weak_from_this()] {
        if (auto self = weak.lock())
            self->m_timer.cancel();
    });
}

std::vector<EventSubscription::Batch> EventSubscription::take()
{
    std::lock_guard lock(m_mutex);
    std::vector<Batch> batches(std::make_move_iterator(m_queue.begin()),
                               std::make_move_iterator(m_queue.end()));
    m_queue.clear();
    m_queued = 0;
    m_wakePending = false;
    return batches;
}

bool EventSubscription::overflowed() const
{
    std::lock_guard lock(m_mutex);
    return m_overflowed;
}

bool EventSubscription::closed() const
{
    std::lock_guard lock(m_mutex);
    return m_closed;
}

asio::awaitable<void> EventSubscription::wait(std::chrono::steady_clock::time_point deadline)
{
    {
        std::lock_guard lock(m_mutex);
        if (!m_queue.empty() || m_closed || m_overflowed)
            co_return;
    }
    // No wake-up can slip in between the check and the wait: both run on m_executor (the
    // connection's strand), where wake-ups are posted too.
    m_timer.expires_at(deadline);
    co_await m_timer.async_wait(asio::as_tuple(asio::use_awaitable));
}

} // namespace keybrake
