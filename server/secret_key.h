// The server's secrets — the engine's signing key and the payment gateway's webhook secret: where
// the server finds them, and how it makes one on first start.
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

// The same for the webhook secret that signs payment-gateway callbacks: config.webhook_secret, or
// config.webhook_secret_file (created when missing).
// Errors: kInvalidArgument (webhook_secret_too_short), kUnavailable (webhook_secret_unreadable).
Result<std::string> LoadOrCreateWebhookSecret(const ServerConfig& config);

// Fills `size` bytes with random data from the kernel. Errors: kUnavailable.
Status RandomBytes(void* out, std::size_t size);

}  // namespace eventify::server
