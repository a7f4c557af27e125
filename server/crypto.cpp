#include "crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <memory>
#include <stdexcept>
#include <vector>

namespace keybrake {

namespace {

void fillRandom(unsigned char *out, std::size_t length)
{
    if (RAND_bytes(out, static_cast<int>(length)) != 1)
        throw std::runtime_error("the system random number generator failed");
}

// Unbiased: rejection sampling on bytes.
std::string randomFromAlphabet(std::string_view alphabet, std::size_t length)
{
    const unsigned limit = 256 - (256 % alphabet.size());
    std::string out;
    out.reserve(length);
    unsigned char buffer[64];
    while (out.size() < length) {
        fillRandom(buffer, sizeof buffer);
        for (unsigned char b : buffer) {
            if (b < limit && out.size() < length)
                out.push_back(alphabet[b % alphabet.size()]);
        }
    }
    return out;
}

constexpr std::string_view kBase62 =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
constexpr std::string_view kBase32Lower = "abcdefghijklmnopqrstuvwxyz234567";

struct CipherContextDeleter
{
    void operator()(EVP_CIPHER_CTX *context) const { EVP_CIPHER_CTX_free(context); }
};
using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, CipherContextDeleter>;

constexpr int kNonceLength = 12;
constexpr int kTagLength = 16;

} // namespace

std::string randomBase62(std::size_t length)
{
    return randomFromAlphabet(kBase62, length);
}

std::string randomBase32Lower(std::size_t length)
{
    return randomFromAlphabet(kBase32Lower, length);
}

std::string newVaultKeyId()
{
    return "vk_" + randomBase32Lower(24);
}

std::string newVaultKeySecret()
{
    return "vault_key_" + randomBase62(40);
}

std::string newAdminKeyId()
{
    return "ak_" + randomBase32Lower(24);
}

std::string newBlockId()
{
    return "blk_" + randomBase32Lower(24);
}

std::string newAdminKeySecret()
{
    return "kb_" + randomBase62(48);
}

std::string newRequestId()
{
    return "req_" + randomBase32Lower(24);
}

std::string secretHint(std::string_view secret)
{
    const auto underscore = secret.rfind('_');
    const std::string_view prefix = underscore == std::string_view::npos
        ? std::string_view {}
        : secret.substr(0, underscore + 1);
    const std::string_view tail = secret.size() >= 4 ? secret.substr(secret.size() - 4) : secret;
    return std::string(prefix) + "\xE2\x80\xA6" + std::string(tail); // U+2026 HORIZONTAL ELLIPSIS
}

std::string sha256Hex(std::string_view data)
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr) != 1)
        throw std::runtime_error("SHA-256 failed");
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(length * 2);
    for (unsigned int i = 0; i < length; ++i) {
        out.push_back(kHex[digest[i] >> 4]);
        out.push_back(kHex[digest[i] & 0xf]);
    }
    return out;
}

std::string base64Encode(std::string_view data)
{
    std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
    const int length = EVP_EncodeBlock(reinterpret_cast<unsigned char *>(out.data()),
                                       reinterpret_cast<const unsigned char *>(data.data()),
                                       static_cast<int>(data.size()));
    out.resize(static_cast<std::size_t>(length));
    return out;
}

std::optional<std::string> base64Decode(std::string_view text)
{
    if (text.size() % 4 != 0 || text.size() > 64 * 1024)
        return std::nullopt;
    std::string out(3 * text.size() / 4 + 1, '\0');
    const int length = EVP_DecodeBlock(reinterpret_cast<unsigned char *>(out.data()),
                                       reinterpret_cast<const unsigned char *>(text.data()),
                                       static_cast<int>(text.size()));
    if (length < 0)
        return std::nullopt;
    // EVP_DecodeBlock counts the padding as zero bytes; drop them.
    std::size_t padding = 0;
    if (!text.empty() && text.back() == '=')
        padding = text.size() >= 2 && text[text.size() - 2] == '=' ? 2 : 1;
    out.resize(static_cast<std::size_t>(length) - padding);
    return out;
}

bool constantTimeEquals(std::string_view a, std::string_view b)
{
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

MasterKey randomMasterKey()
{
    MasterKey key {};
    fillRandom(key.data(), key.size());
    return key;
}

std::string seal(const MasterKey &key, std::string_view plaintext, std::string_view associated)
{
    std::string out(kNonceLength + plaintext.size() + kTagLength, '\0');
    auto *bytes = reinterpret_cast<unsigned char *>(out.data());
    fillRandom(bytes, kNonceLength);
    CipherContext context(EVP_CIPHER_CTX_new());
    int length = 0;
    if (!context
        || EVP_EncryptInit_ex(context.get(), EVP_aes_256_gcm(), nullptr, key.data(), bytes) != 1
        || EVP_EncryptUpdate(context.get(), nullptr, &length,
                             reinterpret_cast<const unsigned char *>(associated.data()),
                             static_cast<int>(associated.size()))
            != 1
        || EVP_EncryptUpdate(context.get(), bytes + kNonceLength, &length,
                             reinterpret_cast<const unsigned char *>(plaintext.data()),
                             static_cast<int>(plaintext.size()))
            != 1
        || EVP_EncryptFinal_ex(context.get(), bytes + kNonceLength + length, &length) != 1
        || EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_GET_TAG, kTagLength,
                               bytes + kNonceLength + plaintext.size())
            != 1)
        throw std::runtime_error("AES-256-GCM encryption failed");
    return out;
}

std::optional<std::string> unseal(const MasterKey &key, std::string_view sealed,
                                  std::string_view associated)
{
    if (sealed.size() < kNonceLength + kTagLength)
        return std::nullopt;
    const auto *bytes = reinterpret_cast<const unsigned char *>(sealed.data());
    const std::size_t cipherLength = sealed.size() - kNonceLength - kTagLength;
    std::string plain(cipherLength, '\0');
    std::vector<unsigned char> tag(bytes + kNonceLength + cipherLength, bytes + sealed.size());
    CipherContext context(EVP_CIPHER_CTX_new());
    int length = 0;
    if (!context
        || EVP_DecryptInit_ex(context.get(), EVP_aes_256_gcm(), nullptr, key.data(), bytes) != 1
        || EVP_DecryptUpdate(context.get(), nullptr, &length,
                             reinterpret_cast<const unsigned char *>(associated.data()),
                             static_cast<int>(associated.size()))
            != 1
        || EVP_DecryptUpdate(context.get(), reinterpret_cast<unsigned char *>(plain.data()),
                             &length, bytes + kNonceLength, static_cast<int>(cipherLength))
            != 1
        || EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_SET_TAG, kTagLength, tag.data()) != 1)
        return std::nullopt;
    int finalLength = 0;
    if (EVP_DecryptFinal_ex(context.get(), reinterpret_cast<unsigned char *>(plain.data()) + length,
                            &finalLength)
        != 1)
        return std::nullopt; // wrong key, wrong row, or tampered
    return plain;
}

} // namespace keybrake
