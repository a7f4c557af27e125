#include "vendors/objectstore.h"

namespace keybrake::sim {

ObjectStore::ObjectStore(std::size_t capacity)
    : m_capacity(capacity)
{
}

void ObjectStore::put(const std::string &id, boost::json::object object)
{
    std::lock_guard lock(m_mutex);
    const auto [it, inserted] = m_objects.insert_or_assign(id, std::move(object));
    if (inserted)
        m_order.push_back(id);
    while (m_order.size() > m_capacity) {
        m_objects.erase(m_order.front());
        m_order.pop_front();
    }
}

std::optional<boost::json::object> ObjectStore::get(std::string_view id) const
{
    std::lock_guard lock(m_mutex);
    const auto it = m_objects.find(std::string(id));
    if (it == m_objects.end())
        return std::nullopt;
    return it->second;
}

std::optional<boost::json::object>
ObjectStore::update(std::string_view id, const std::function<bool(boost::json::object &)> &change)
{
    std::lock_guard lock(m_mutex);
    const auto it = m_objects.find(std::string(id));
    if (it == m_objects.end())
        return std::nullopt;
    boost::json::object changed = it->second;
    if (change(changed))
        it->second = changed;
    return changed;
}

std::vector<boost::json::object>
ObjectStore::newest(std::string_view prefix, std::size_t limit, std::string_view startingAfter,
                    const std::function<bool(const boost::json::object &)> &accept,
                    bool &more) const
{
    std::vector<boost::json::object> page;
    more = false;
    std::lock_guard lock(m_mutex);
    bool started = startingAfter.empty();
    for (auto it = m_order.rbegin(); it != m_order.rend(); ++it) {
        if (!started) {
            started = *it == startingAfter;
            continue;
        }
        if (!it->starts_with(prefix))
            continue;
        const auto found = m_objects.find(*it);
        if (found == m_objects.end() || !accept(found->second))
            continue;
        if (page.size() == limit) {
            more = true;
            break;
        }
        page.push_back(found->second);
    }
    return page;
}

void ObjectStore::clear()
{
    std::lock_guard lock(m_mutex);
    m_objects.clear();
    m_order.clear();
}

} // namespace keybrake::sim
