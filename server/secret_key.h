// The engine's signing key: where the server finds it, and how it makes one on first start.
#pragma once

#include <string>

#include "config.h"
#include "eventify/status.h"

namespace eventify::server {

// Returns config.secret_key when set; otherwise the contents of config.secret_key_file (trailing
// line breaks removed), creating that file with 32 random bytes (hex-encoded, mode 0600) when it
// does not exist. Two processes starting at once agree on one key: the file is published with
// link(2), which never overwrites.
// Errors: kInvalidArgument (secret_key_too_short) for a key under 32 bytes, kUnavailable
// (secret_key_unreadable) when the file cannot be read or created.
Result<std::string> LoadOrCreateSecretKey(const ServerConfig& config);

// Fills `size` bytes with random data from the kernel. Errors: kUnavailable.
Status RandomBytes(void* out, std::size_t size);

}  // namespace eventify::server
