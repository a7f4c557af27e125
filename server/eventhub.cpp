#include "eventhub.h"

#include <algorithm>

namespace keybrake {

EventHub::EventHub(std::size_t queueCapacity)
    : m_capacity(std::max<std::size_t>(1, queueCapacity))
{
}

void EventHub::publish(std::vector<StoredEvent> events)
{
    if (events.empty())
        return;
    const auto batch = std::make_shared<const std::vector<StoredEvent>>(std::move(events));
    std::lock_guard lock(m_mutex);
    std::erase_if(m_subscribers, [&batch](const std::weak_ptr<EventSubscription> &weak) {
        const auto subscriber = weak.lock();
        if (!subscriber)
            return true;
        subscriber->deliver(batch);
        return false;
    });
}

std::shared_ptr<EventSubscription> EventHub::subscribe(boost::asio::any_io_executor executor)
{
    auto subscription = std::make_shared<EventSubscription>(std::move(executor), m_capacity);
    std::lock_guard lock(m_mutex);
    if (m_closed.load())
        subscription->close();
    std::erase_if(m_subscribers, [](const auto &weak) { return weak.expired(); });
    m_subscribers.push_back(subscription);
    return subscription;
}

void EventHub::close()
{
    std::lock_guard lock(m_mutex);
    m_closed.store(true);
    for (const auto &weak : m_subscribers) {
        if (const auto subscriber = weak.lock())
            subscriber->close();
    }
}

std::size_t EventHub::subscriberCount() const
{
    std::lock_guard lock(m_mutex);
    return static_cast<std::size_t>(
        std::count_if(m_subscribers.begin(), m_subscribers.end(),
                      [](const auto &weak) { return !weak.expired(); }));
}

} // namespace keybrake
