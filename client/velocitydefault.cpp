#include "client/velocitydefault.h"

#include "client/jsoncodec.h"

namespace keybrake::client {

QJsonObject VelocityDefault::toJson() const
{
    return JsonCodec::toJson(*this);
}

} // namespace keybrake::client
