#include "vendors/simulatedvendor.h"

namespace keybrake::sim {

std::string_view SimCall::header(std::string_view name) const
{
    const auto it = request->find(name);
    return it == request->end() ? std::string_view {} : std::string_view(it->value());
}

} // namespace keybrake::sim
