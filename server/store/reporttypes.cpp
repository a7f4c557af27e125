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
    // The contract's report 2 rule (revised 2026-12-05): up to the last '/'; a label without '/'
    // up to its first ':'. The earlier "last '/' or ':'" cut ISO timestamps apart
    // ("scheduler/invoice-renewals/2026-12-05T11:34:") and made every minute its own agent.
    auto cut = label.rfind('/');
    if (cut == std::string_view::npos)
        cut = label.find(':');
    return cut == std::string_view::npos ? std::string() : std::string(label.substr(0, cut + 1));
}

} // namespace keybrake
