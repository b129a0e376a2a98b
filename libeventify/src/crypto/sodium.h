// Private wrappers over libsodium: randomness, keyed hashes, key derivation, sealing with a secret
// key, constant-time comparison, base64url.
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

// A key of 32 bytes for one use (`purpose`, e.g. "eventify/one-time-code/v1") derived from the
// engine's secret, so that what one use reveals says nothing about another.
std::string DeriveKey(std::string_view secret, std::string_view purpose);

// Encrypts and authenticates `plain` under a 32-byte `key` (libsodium's secretbox: XSalsa20 and
// Poly1305) with a fresh random nonce; returns the nonce followed by the box.
std::string Seal(std::string_view key, std::string_view plain);
// The text sealed by Seal under `key`. Errors: kInvalidArgument (unsealable) when the bytes were
// not sealed under this key, are truncated or were altered.
Result<std::string> Open(std::string_view key, std::string_view sealed);

std::string Base64UrlEncode(std::string_view bytes);  // no padding
Result<std::string> Base64UrlDecode(std::string_view text);
std::string HexEncode(std::string_view bytes);

}  // namespace eventify::crypto
