// The server's secrets — the engine's signing key and the payment gateway's webhook secret: where
// the server finds them, and how it makes one on first start.
#pragma once

#include <string>

#include "config.h"
#include "eventify/status.h"

namespace eventify::server {

// What to do about parts of an installation (folders, key files, the database) that do not exist
// yet: serving creates them; operator commands work on an existing installation and refuse.
enum class WhenMissing { kCreate, kRefuse };

// Returns config.secret_key when set; otherwise the contents of config.secret_key_file (trailing
// line breaks removed). A missing file is created with 32 random bytes (hex-encoded, mode 0600)
// under kCreate. Two processes starting at once agree on one key: the file is published with
// link(2), which never overwrites.
// Errors: kInvalidArgument (secret_key_too_short) for a key under 32 bytes, kUnavailable
// (secret_key_unreadable) when the file cannot be read or created, kFailedPrecondition
// (secret_key_missing) for a missing file under kRefuse.
Result<std::string> LoadOrCreateSecretKey(const ServerConfig& config, WhenMissing when_missing);

// The same for the webhook secret that signs payment-gateway callbacks: config.webhook_secret, or
// config.webhook_secret_file.
// Errors: kInvalidArgument (webhook_secret_too_short), kUnavailable (webhook_secret_unreadable),
// kFailedPrecondition (webhook_secret_missing).
Result<std::string> LoadOrCreateWebhookSecret(const ServerConfig& config, WhenMissing when_missing);

// Fills `size` bytes with random data from the kernel. Errors: kUnavailable.
Status RandomBytes(void* out, std::size_t size);

}  // namespace eventify::server
