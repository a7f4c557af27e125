#pragma once

#include "eventsubscription.h"
#include "store/eventtypes.h"

#include <boost/asio/any_io_executor.hpp>

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

namespace keybrake {

// Fans the store's committed events out to the connected GET /v1/events clients. The store's
// writer calls publish() after each commit; that must never wait for a client, so each
// subscriber has a bounded queue (EventSubscription) and a client too far behind is cut off to
// resume from the store.
class EventHub
{
public:
    // Events a client may fall behind by before it is cut off; 10,000 call events are about
    // 10 MB, shared between clients (a batch is queued by reference).
    static constexpr std::size_t kDefaultQueueCapacity = 10'000;

    explicit EventHub(std::size_t queueCapacity = kDefaultQueueCapacity);

    // The store's EventSink (any thread; in practice the store's writer).
    void publish(std::vector<StoredEvent> events);

    // A subscriber receiving every event published from now on, for as long as the caller
    // holds it. Subscribe before reading the backlog from the store, so nothing committed in
    // between is missed (duplicates are then dropped by id).
    std::shared_ptr<EventSubscription> subscribe(boost::asio::any_io_executor executor);

    // Server shutdown: closes every subscription (and any later one) so streams end at once.
    void close();
    bool closed() const { return m_closed.load(); }

    std::size_t subscriberCount() const;

private:
    const std::size_t m_capacity;
    mutable std::mutex m_mutex;
    // Weak: a connection that ends just drops its subscription; publish() prunes it.
    std::vector<std::weak_ptr<EventSubscription>> m_subscribers;
    std::atomic<bool> m_closed {false};
};

} // namespace keybrake
