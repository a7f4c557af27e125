#pragma once

#include <boost/asio/ssl/context.hpp>

#include <memory>
#include <string>

namespace keybrake::http {

// A server TLS context from a PEM certificate chain and private key: TLS 1.2 and 1.3 only.
// Throws std::runtime_error with a sentence naming the file that could not be used.
std::shared_ptr<boost::asio::ssl::context> makeServerTlsContext(const std::string &certificateFile,
                                                                const std::string &keyFile);

} // namespace keybrake::http
