#include "eventtypes.h"

namespace keybrake {

const std::set<std::string, std::less<>> &knownEventTypes()
{
    static const std::set<std::string, std::less<>> types {
        std::string(eventtype::kKeyIssued),    std::string(eventtype::kKeyRevoked),
        std::string(eventtype::kKeyExpired),   std::string(eventtype::kKeyCapped),
        std::string(eventtype::kCall),         std::string(eventtype::kCapThreshold),
        std::string(eventtype::kBlockCreated), std::string(eventtype::kBlockLifted),
    };
    return types;
}

bool EventFilter::matches(const StoredEvent &event) const
{
    if (!types.empty() && !types.count(event.type))
        return false;
    if (!keyId.empty() && event.keyId != keyId)
        return false;
    // Byte-wise, as SQLite's BINARY collation compares the backlog's range scan.
    return event.label.compare(0, labelPrefix.size(), labelPrefix) == 0;
}

} // namespace keybrake
