#include "client/prefixblock.h"

#include "client/jsoncodec.h"

namespace keybrake::client {

QJsonObject CreateBlockRequest::toJson() const
{
    return JsonCodec::toJson(*this);
}

} // namespace keybrake::client
