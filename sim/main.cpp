// keybrake-sim: stand-ins for what keybraked talks to and what talks to it, for tests, demos and
// benchmarks. `vendors` serves Stripe-, Twilio- and Resend-shaped APIs; `agents` drives keybraked
// as agent deployments do.
#include "vendors/vendorscommand.h"
#ifdef KEYBRAKE_SIM_AGENTS
#include "agents/agentscommand.h"
#endif

#include <iostream>
#include <string>
#include <vector>

namespace {

constexpr const char *kUsage = R"(Usage: keybrake-sim COMMAND [options]

Commands:
  vendors   serve Stripe-, Twilio- and Resend-shaped APIs (keybrake-sim vendors --help)
  agents    drive keybraked like agent deployments do: SQS and EventBridge Lambdas, SMS and
            email agents, runaways (keybrake-sim agents --help)

Options:
  --help    show this text
)";

} // namespace

int main(int argc, char **argv)
{
    const std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty()) {
        std::cerr << kUsage;
        return 2;
    }
    const std::string &command = args.front();
    if (command == "--help" || command == "-h" || command == "help") {
        std::cout << kUsage;
        return 0;
    }
    const std::vector<std::string> rest(args.begin() + 1, args.end());
    if (command == "vendors")
        return keybrake::sim::runVendorsCommand(rest);
    if (command == "agents") {
#ifdef KEYBRAKE_SIM_AGENTS
        return keybrake::agents::runAgentsCommand(argc, argv);
#else
        std::cerr << "keybrake-sim: this build has no agents (configure with "
                     "KEYBRAKE_BUILD_CONSOLE=ON, which builds the Qt client they use)\n";
        return 2;
#endif
    }
    std::cerr << "keybrake-sim: unknown command \"" << command << "\"\n\n" << kUsage;
    return 2;
}
