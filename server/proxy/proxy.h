#pragma once

#include "http/httpserver.h"
#include "net/upstreamclient.h"
#include "proxy/invalidkeyaudit.h"
#include "servercontext.h"
#include "vendors/vendorcall.h"

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <array>
#include <memory>

namespace keybrake {

// The proxy routes: authenticate the vault key, check its policy in the contract's order, take
// the hold atomically, forward with the real vendor credential, settle from the vendor's answer,
// and write one audit row per request.
class Proxy
{
public:
    // `upstreams` is indexed by Vendor.
    Proxy(ServerContext &context, std::array<std::unique_ptr<UpstreamClient>, 3> upstreams);

    // `vendorTarget` is the request target after the "/stripe", "/twilio" or "/resend" prefix.
    // `source` is the client's address, for the aggregated audit of unknown vault keys.
    boost::asio::awaitable<http::Response> handle(http::Request request, Vendor vendor,
                                                  std::string vendorTarget, std::string requestId,
                                                  std::string source = {});

    // Writes the summary rows of unknown-key refusals whose minute is over (all, when
    // `everything`: at shutdown). Called every second by the server.
    void flushInvalidKeyAudit(bool everything = false);

    const UpstreamClient &upstream(Vendor vendor) const
    {
        return *m_upstreams[static_cast<std::size_t>(vendor)];
    }

private:
    struct Call; // one request's state, defined in proxy.cpp

    boost::asio::awaitable<http::Response> admitAndForward(Call &call, const VaultKey &key,
                                                           const PreparedCall &prepared);
    boost::asio::awaitable<http::Response> forward(Call &call, const VaultKey &key,
                                                   const PreparedCall &prepared,
                                                   const AdmissionResult &admission);
    boost::asio::awaitable<http::Response> refuse(Call &call, unsigned status, Verdict verdict,
                                                  std::string_view code, std::string_view message,
                                                  boost::json::object details = {});
    http::Response refusalResponse(Call &call, unsigned status, std::string_view code,
                                   std::string_view message, const boost::json::object &details,
                                   std::optional<std::pair<Usd, KeySpend>> spend);
    void finish(Call &call, http::Response &response, Verdict verdict);
    std::vector<std::pair<std::string, std::string>> credentialHeaders(Vendor vendor) const;
    bool credentialConfigured(Vendor vendor) const;

    ServerContext &m_context;
    std::array<std::unique_ptr<UpstreamClient>, 3> m_upstreams;
    InvalidKeyAudit m_invalidKeyAudit;
};

// Where a proxied request's vault key comes from: Authorization: Bearer, or the password of
// Basic auth (what Twilio's SDKs send). Empty when absent or malformed.
std::string vaultKeySecretFrom(const http::Request &request);

} // namespace keybrake
