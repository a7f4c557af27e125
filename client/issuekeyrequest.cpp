#include "client/issuekeyrequest.h"

#include "client/jsoncodec.h"

namespace keybrake::client {

QJsonObject IssueKeyRequest::toJson() const
{
    return JsonCodec::toJson(*this);
}

} // namespace keybrake::client
