#pragma once

#include "vendors/fault.h"
#include "vendors/twiliosim.h"

#include <cstdint>
#include <string>
#include <vector>

namespace keybrake::sim {

// The configuration of `keybrake-sim vendors`: the keybraked variables for the vendor
// credentials, then command-line flags, flags winning.
struct VendorSimOptions
{
    std::string listenHost = "127.0.0.1";
    std::uint16_t listenPort = 12111;
    unsigned threads = 0; // 0: one per core

    std::string stripeSecretKey = "sk_test_keybrake_sim";
    std::string twilioAccountSid = "AC00000000000000000000000000000000";
    std::string twilioAuthToken = "keybrake_sim_twilio_token";
    std::string resendApiKey = "re_keybrake_sim";

    FaultRates faults;
    std::uint64_t seed = 0;
    bool seedGiven = false;
    TwilioPricing twilioPricing;
    bool verbose = false;
};

struct VendorSimArguments
{
    VendorSimOptions options;
    bool help = false;
    std::string error; // non-empty when the arguments are invalid
};

// `args` are the words after "vendors".
VendorSimArguments parseVendorSimArguments(const std::vector<std::string> &args);
std::string vendorSimUsage();

} // namespace keybrake::sim
