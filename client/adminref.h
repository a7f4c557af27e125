#pragma once

#include <QString>

namespace keybrake::client {

// Who did something: an admin key's id and name, as the server names it beside a key, a block or
// an audit row ("issued_by", "revoked_by", "created_by", "lifted_by", "updated_by"). For keys
// created by the server itself the id is "bootstrap" or "cli" and names itself.
struct AdminRef
{
    QString adminKeyId; // empty: nobody (null on the wire)
    QString name;

    bool isValid() const { return !adminKeyId.isEmpty(); }
    friend bool operator==(const AdminRef &, const AdminRef &) = default;
};

} // namespace keybrake::client
