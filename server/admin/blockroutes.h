#pragma once

#include "admin/admincall.h"
#include "servercontext.h"

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <variant>

namespace keybrake {

// Prefix blocks (POST/GET /v1/blocks, DELETE /v1/blocks/{id}) and velocity defaults
// (GET/PUT/DELETE /v1/velocity-defaults): contract, "Stopping an agent, not only its keys".
class BlockRoutes
{
public:
    explicit BlockRoutes(ServerContext &context)
        : m_context(context)
    {
    }

    boost::asio::awaitable<http::Response> create(const AdminCall &call);
    boost::asio::awaitable<http::Response> list(const AdminCall &call);
    boost::asio::awaitable<http::Response> lift(const AdminCall &call, std::string id);

    boost::asio::awaitable<http::Response> listDefaults(const AdminCall &call);
    boost::asio::awaitable<http::Response> putDefault(const AdminCall &call);
    boost::asio::awaitable<http::Response> deleteDefault(const AdminCall &call);

private:
    ServerContext &m_context;
};

// The operator's optional reason for a revoke, a block or a lift: "reason" in the JSON body or
// the query (at most 500 characters; the body wins). An empty body is no body.
std::variant<std::string, http::Response> readReason(const AdminCall &call);

// A block from {label_prefix, vendor?, reason, expires_in?}-shaped members of `body` (the bulk
// revoke's prefix and vendor are passed in), created by the caller at `now`.
std::variant<PrefixBlock, FieldError> readBlock(const boost::json::object &body,
                                                const std::string &labelPrefix,
                                                std::optional<Vendor> vendor, const AdminCall &call,
                                                TimePoint now, std::chrono::seconds maxLifetime);

// 403 prefix_blocked on an admin route, naming the block and its reason.
http::Response prefixBlockedError(const PrefixBlock &block);

} // namespace keybrake
