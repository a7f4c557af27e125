// keybrake-sim: stand-ins for what keybraked talks to and what talks to it, for tests, demos and
// benchmarks. `vendors` serves Stripe-, Twilio- and Resend-shaped APIs.
#include "vendors/vendorscommand.h"

#include <iostream>
#include <string>
#include <vector>

namespace {

constexpr const char *kUsage = R"(Usage: keybrake-sim COMMAND [options]

Commands:
  vendors   serve Stripe-, Twilio- and Resend-shaped APIs (keybrake-sim vendors --help)

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
    std::cerr << "keybrake-sim: unknown command \"" << command << "\"\n\n" << kUsage;
    return 2;
}
