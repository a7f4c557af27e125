#pragma once

#include "domain.h"
#include "spendcalendar.h"
#include "store/store.h"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

namespace keybrake {

// The wire form of the server's objects (contract: "The key object", "The audit log").
boost::json::value usdJson(Usd amount);
boost::json::value timeJson(std::optional<TimePoint> when);
boost::json::object keyJson(const KeyView &view, const SpendWindow &window, TimePoint now);
boost::json::object scopeJson(const Scope &scope);
boost::json::object auditJson(const AuditEntry &entry);
boost::json::object adminKeyJson(const AdminKey &key);
// {"admin_key_id", "name"} of an admin key, null without an id ("who did it").
boost::json::value adminRefJson(const std::string &id, const std::string &name);
// A prefix block; its status ("active", "expired", "lifted") is the one at `now`.
boost::json::object blockJson(const PrefixBlock &block, TimePoint now);
boost::json::object velocityDefaultJson(const VelocityDefault &value);
// {"data": [...], "next_cursor": "..." | null}: one page of a list route.
boost::json::object pageJson(boost::json::array data, const std::string &nextCursor);

} // namespace keybrake
