#pragma once

#include "admin/admincall.h"
#include "servercontext.h"

#include <boost/asio/awaitable.hpp>

#include <cstddef>
#include <optional>
#include <string_view>

namespace keybrake {

// POST/GET /v1/keys, GET/DELETE /v1/keys/{id}, POST /v1/keys/revoke (and the /vault/keys aliases).
class KeyRoutes
{
public:
    explicit KeyRoutes(ServerContext &context)
        : m_context(context)
    {
    }

    boost::asio::awaitable<http::Response> issue(const AdminCall &call);
    boost::asio::awaitable<http::Response> list(const AdminCall &call);
    boost::asio::awaitable<http::Response> get(const AdminCall &call, std::string keyId);
    boost::asio::awaitable<http::Response> revoke(const AdminCall &call, std::string keyId);
    boost::asio::awaitable<http::Response> bulkRevoke(const AdminCall &call);

private:
    ServerContext &m_context;
};

bool looksLikeVaultKeyId(std::string_view text);
// An Idempotency-Key header: 1 to 255 visible ASCII characters.
bool validIdempotencyKey(std::string_view text);
http::Response storeUnavailable();
// A ranked listing's cursor ("r<position>": GET /v1/keys and /v1/runs with sort=spend).
std::optional<std::size_t> parseRankCursor(std::string_view text);

} // namespace keybrake
