#pragma once

#include <QLoggingCategory>

namespace keybrake::client {

// "keybrake.client": method, path, status, latency and request id of each request (info level,
// off unless enabled by a logging rule). Never headers, bodies, query values or anything else that
// could carry a secret.
Q_DECLARE_LOGGING_CATEGORY(lcClient)

} // namespace keybrake::client
