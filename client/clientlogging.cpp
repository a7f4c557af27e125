#include "client/clientlogging.h"

namespace keybrake::client {

Q_LOGGING_CATEGORY(lcClient, "keybrake.client")

} // namespace keybrake::client
