#include "http/servertls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <stdexcept>

namespace keybrake::http {

namespace ssl = boost::asio::ssl;

namespace {

std::string openSslError()
{
    const unsigned long code = ERR_get_error();
    ERR_clear_error();
    if (code == 0)
        return "unknown error";
    char text[256];
    ERR_error_string_n(code, text, sizeof text);
    return text;
}

} // namespace

std::shared_ptr<ssl::context> makeServerTlsContext(const std::string &certificateFile,
                                                   const std::string &keyFile)
{
    auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
    SSL_CTX *native = context->native_handle();
    // TLS 1.0 and 1.1 are deprecated (RFC 8996); say so explicitly rather than rely on OpenSSL's
    // security level, which a system-wide configuration may lower.
    SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
    context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2
                         | ssl::context::no_sslv3 | ssl::context::no_tlsv1
                         | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
    SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    ERR_clear_error();
    if (SSL_CTX_use_certificate_chain_file(native, certificateFile.c_str()) != 1)
        throw std::runtime_error("KEYBRAKE_TLS_CERT: cannot use " + certificateFile
                                 + " as a PEM certificate chain (" + openSslError() + ")");
    if (SSL_CTX_use_PrivateKey_file(native, keyFile.c_str(), SSL_FILETYPE_PEM) != 1)
        throw std::runtime_error("KEYBRAKE_TLS_KEY: cannot use " + keyFile
                                 + " as a PEM private key (" + openSslError() + ")");
    if (SSL_CTX_check_private_key(native) != 1)
        throw std::runtime_error("KEYBRAKE_TLS_KEY: " + keyFile
                                 + " is not the private key of the certificate in "
                                 + certificateFile);
    return context;
}

} // namespace keybrake::http
