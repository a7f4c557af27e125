#pragma once

#include "vendors/objectstore.h"
#include "vendors/simulatedvendor.h"

#include <boost/json/object.hpp>

#include <optional>
#include <string>

namespace keybrake::sim {

// Resend's API shape: Bearer re_... keys, JSON bodies, {"id": uuid} answers, errors as
// {statusCode, message, name}, and idempotency keys on sends.
class ResendSim final : public SimulatedVendor
{
public:
    ResendSim(std::string apiKey, ObjectStore &objects);

    std::string_view name() const override { return "resend"; }
    RouteMatch route(const SimCall &call) const override;
    bool accepts(const PresentedCredential &credential, const SimCall &call) const override;
    SimReply unauthorized(const PresentedCredential &credential) const override;
    SimReply notFound(const SimCall &call) const override;
    SimReply failure(unsigned status, const SimCall &call, const RouteMatch &match) const override;
    bool honoursIdempotencyKey(const SimCall &call) const override;
    SimReply idempotencyMismatch(std::string_view key) const override;
    SimReply idempotencyInProgress(std::string_view key) const override;
    SimReply execute(const SimCall &call, const RouteMatch &match) override;

private:
    // The stored email for a valid send request, or the 422 Resend answers.
    std::optional<SimReply> validate(const boost::json::value &email, std::string_view where) const;
    boost::json::object store(const boost::json::object &email, std::int64_t nowSeconds);

    std::string m_apiKey;
    ObjectStore &m_objects;
};

} // namespace keybrake::sim
