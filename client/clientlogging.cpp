#include "client/clientlogging.h"

namespace keybrake::client {

// Quiet by default (warnings only): a console polling every few seconds would otherwise fill its
// log. QT_LOGGING_RULES="keybrake.client.info=true" shows every request, in release builds too.
Q_LOGGING_CATEGORY(lcClient, "keybrake.client", QtWarningMsg)

} // namespace keybrake::client
