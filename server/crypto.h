#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace keybrake {

// Random identifiers and secrets from OpenSSL's CSPRNG, and the hashes the store keeps instead of
// secrets.
std::string randomBase62(std::size_t length);
std::string randomBase32Lower(std::size_t length);

std::string newVaultKeyId(); // vk_ + 24 lowercase base32
std::string newVaultKeySecret(); // vault_key_ + 40 base62
std::string newAdminKeyId(); // ak_ + 24 lowercase base32
std::string newBlockId(); // blk_ + 24 lowercase base32
std::string newAdminKeySecret(); // kb_ + 48 base62
std::string newRequestId(); // req_ + 24 lowercase base32

// "vault_key_…a1b2": the prefix and the last four characters, for display.
std::string secretHint(std::string_view secret);

std::string sha256Hex(std::string_view data);
std::string base64Encode(std::string_view data);
std::optional<std::string> base64Decode(std::string_view text); // standard alphabet, padded
bool constantTimeEquals(std::string_view a, std::string_view b);

// AES-256-GCM under the server's master key, for the few secrets that must be recoverable for a
// while (an idempotent issuance replays the vault key it created). `associated` binds a ciphertext
// to its row. The output is nonce || ciphertext || tag.
using MasterKey = std::array<unsigned char, 32>;
std::string seal(const MasterKey &key, std::string_view plaintext, std::string_view associated);
std::optional<std::string> unseal(const MasterKey &key, std::string_view sealed,
                                  std::string_view associated);
MasterKey randomMasterKey();

} // namespace keybrake
