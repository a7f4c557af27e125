#include "client/bulkrevokerequest.h"

#include "client/jsoncodec.h"

namespace keybrake::client {

QJsonObject BulkRevokeRequest::toJson() const
{
    return JsonCodec::toJson(*this);
}

} // namespace keybrake::client
