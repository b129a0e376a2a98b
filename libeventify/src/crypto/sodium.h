// Private wrappers over libsodium: randomness, keyed hashes, constant-time comparison, base64url.
// Thread-safety: all functions are thread-safe (libsodium is, once initialised).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "eventify/status.h"

namespace eventify::crypto {

// Initialises libsodium once per process; safe to call from any thread, any number of times.
void EnsureSodium();

std::string RandomBytes(std::size_t n);
// Uniform in [0, upper_bound).
std::uint32_t RandomUniform(std::uint32_t upper_bound);

std::string HmacSha256(std::string_view key, std::string_view message);  // 32 raw bytes
std::string Sha256Hex(std::string_view data);
bool ConstantTimeEquals(std::string_view a, std::string_view b);

std::string Base64UrlEncode(std::string_view bytes);  // no padding
Result<std::string> Base64UrlDecode(std::string_view text);
std::string HexEncode(std::string_view bytes);

}  // namespace eventify::crypto
