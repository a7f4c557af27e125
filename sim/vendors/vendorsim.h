#pragma once

#include "http/httpserver.h"
#include "vendors/fault.h"
#include "vendors/idempotencycache.h"
#include "vendors/objectstore.h"
#include "vendors/resendsim.h"
#include "vendors/simstats.h"
#include "vendors/stripesim.h"
#include "vendors/twiliosim.h"
#include "vendors/vendorsimoptions.h"

#include <boost/asio/awaitable.hpp>

#include <functional>

namespace keybrake::sim {

// The request handler of `keybrake-sim vendors`: picks the vendor by path, then runs what all
// vendors share around it — credential check, idempotency, injected faults and latency, counters
// and the request log — and the /_sim routes. Safe to call from several io threads.
class VendorSim
{
public:
    explicit VendorSim(const VendorSimOptions &options);

    // Reports the server's open connections in /_sim/stats.
    void setConnectionCounter(std::function<std::size_t()> counter);

    boost::asio::awaitable<http::Response> handle(http::Request request);
    // Answers requests the HTTP server refuses before a handler runs (malformed, too large).
    http::Response serverRefusal(std::string_view target, unsigned status, std::string_view code,
                                 std::string_view message) const;

private:
    boost::asio::awaitable<http::Response> handleVendor(SimulatedVendor &vendor,
                                                        const http::Request &request,
                                                        std::string_view path,
                                                        std::string_view query);
    http::Response handleSimRoute(const http::Request &request, std::string_view path,
                                  std::string_view query);
    http::Response
    respond(const http::Request &request, unsigned status, std::string body,
            std::string_view contentType,
            const std::vector<std::pair<std::string, std::string>> &headers = {}) const;

    bool m_verbose;
    ObjectStore m_objects;
    IdempotencyCache m_idempotency;
    SimStats m_stats;
    FaultPlan m_faults;
    StripeSim m_stripe;
    TwilioSim m_twilio;
    ResendSim m_resend;
    std::function<std::size_t()> m_connectionCounter;
};

} // namespace keybrake::sim
