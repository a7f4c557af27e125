#pragma once

#include "admin/admincall.h"
#include "servercontext.h"

#include <boost/asio/awaitable.hpp>

namespace keybrake {

// GET/POST /v1/admin-keys, DELETE /v1/admin-keys/{id}; and the bootstrap and command-line
// creation of admin keys, which share the same rules.
class AdminKeyRoutes
{
public:
    explicit AdminKeyRoutes(ServerContext &context)
        : m_context(context)
    {
    }

    boost::asio::awaitable<http::Response> list(const AdminCall &call);
    boost::asio::awaitable<http::Response> create(const AdminCall &call);
    boost::asio::awaitable<http::Response> revoke(const AdminCall &call, std::string id);

private:
    ServerContext &m_context;
};

// A new admin key record for `secret` (kb_...).
AdminKey makeAdminKey(const std::string &secret, std::string name, Role role, TimePoint now,
                      std::string createdBy);
// kb_ followed by at least 40 base62 characters.
bool looksLikeAdminKeySecret(std::string_view text);
AuditEntry adminKeyAudit(const AdminKey &key, std::string action, std::string actor,
                         std::string requestId, TimePoint now);

} // namespace keybrake
