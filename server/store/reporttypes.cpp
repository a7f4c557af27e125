#include "reporttypes.h"

#include <algorithm>

namespace keybrake {

void CallTotals::add(const CallTotals &other)
{
    spent += other.spent;
    held += other.held;
    calls += other.calls;
    blocked += other.blocked;
    if (other.firstCall && (!firstCall || *other.firstCall < *firstCall))
        firstCall = other.firstCall;
    if (other.lastCall && (!lastCall || *other.lastCall > *lastCall))
        lastCall = other.lastCall;
}

std::string labelPrefixOf(std::string_view label)
{
    const auto last = label.find_last_of("/:");
    return last == std::string_view::npos ? std::string() : std::string(label.substr(0, last + 1));
}

} // namespace keybrake
