#include "vendors/simids.h"

#include "crypto.h"

#include <openssl/rand.h>

#include <array>
#include <stdexcept>

namespace keybrake::sim {

namespace {

template<std::size_t N>
std::array<unsigned char, N> randomBytes()
{
    std::array<unsigned char, N> bytes {};
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1)
        throw std::runtime_error("the system's random generator failed");
    return bytes;
}

void appendHex(std::string &out, unsigned char byte)
{
    constexpr std::string_view digits = "0123456789abcdef";
    out += digits[byte >> 4];
    out += digits[byte & 0x0f];
}

} // namespace

std::string stripeId(std::string_view prefix)
{
    return std::string(prefix) + randomBase62(24);
}

std::string stripeRequestId()
{
    return "req_" + randomBase62(14);
}

std::string twilioSid(std::string_view prefix)
{
    std::string sid(prefix);
    for (unsigned char byte : randomBytes<16>())
        appendHex(sid, byte);
    return sid;
}

std::string uuidV4()
{
    auto bytes = randomBytes<16>();
    bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0f) | 0x40);
    bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3f) | 0x80);
    std::string uuid;
    uuid.reserve(36);
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            uuid += '-';
        appendHex(uuid, bytes[i]);
    }
    return uuid;
}

} // namespace keybrake::sim
