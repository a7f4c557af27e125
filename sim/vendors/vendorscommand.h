#pragma once

#include <string>
#include <vector>

namespace keybrake::sim {

// `keybrake-sim vendors ARGS...`: runs the simulated vendors until SIGINT or SIGTERM. Returns the
// process exit status.
int runVendorsCommand(const std::vector<std::string> &args);

} // namespace keybrake::sim
