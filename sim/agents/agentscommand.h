#pragma once

namespace keybrake::agents {

// `keybrake-sim agents SCENARIO [options]`: `argv` is the whole command line (Qt's application
// object needs it); the words after "agents" are the options. Returns the exit status.
int runAgentsCommand(int argc, char **argv);

} // namespace keybrake::agents
