#pragma once

#include <boost/json/object.hpp>

#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace keybrake::sim {

// The objects the simulated vendors created, by id, so that reads, confirms and refunds find
// them. Bounded: the oldest are forgotten first, so a benchmark creating a million charges stays
// at a few tens of megabytes. Thread-safe.
class ObjectStore
{
public:
    explicit ObjectStore(std::size_t capacity = 20'000);

    void put(const std::string &id, boost::json::object object);
    std::optional<boost::json::object> get(std::string_view id) const;
    // Changes a stored object under the lock; returns the changed object, nullopt when unknown.
    // `change` returns false to leave the object as it was.
    std::optional<boost::json::object>
    update(std::string_view id, const std::function<bool(boost::json::object &)> &change);
    // The newest objects whose id starts with `prefix` and that `accept` takes, newest first, up
    // to `limit`; `more` says whether further ones exist. `startingAfter` continues a page.
    std::vector<boost::json::object>
    newest(std::string_view prefix, std::size_t limit, std::string_view startingAfter,
           const std::function<bool(const boost::json::object &)> &accept, bool &more) const;
    void clear();

private:
    std::size_t m_capacity;
    mutable std::mutex m_mutex;
    std::unordered_map<std::string, boost::json::object> m_objects;
    std::deque<std::string> m_order; // oldest first
};

} // namespace keybrake::sim
