#pragma once

#include "loadoptions.h"

#include <boost/json/object.hpp>

namespace keybrake::bench {

// Runs the load the options describe and returns what it measured: the request counts, statuses
// and errors, the latency percentiles (milliseconds), throughput, and the generator's own CPU
// time. Throws std::runtime_error when the target cannot be resolved.
boost::json::object runLoad(const LoadOptions &options);

} // namespace keybrake::bench
