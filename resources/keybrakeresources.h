#pragma once

namespace keybrake {

// Registers the console's icons under ":/icons"; safe to call more than once.
void initResources();

} // namespace keybrake
