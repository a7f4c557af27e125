#pragma once

#include <string>

namespace keybrake::test {

struct TestCertificate
{
    std::string certificatePem;
    std::string privateKeyPem;
};

// A self-signed P-256 certificate for `dnsName` (subjectAltName DNS only), valid for an hour.
TestCertificate makeSelfSignedCertificate(const std::string &dnsName);

} // namespace keybrake::test
