// Opening the engine the way the server configuration describes it: data folders, secret key,
// mailer (outbox or SMTP, as mail.transport says), filesystem media store, SOCI storage, the
// system clock and the payment gateway (the sandbox, with the webhook secret). Shared by serving
// and the operator commands.
#pragma once

#include <memory>

#include "config.h"
#include "eventify/engine.h"

namespace eventify::server {

// Creates data_dir, outbox_dir and media_dir when missing, then opens the engine.
// Errors: kUnavailable (cannot_create_directory), kInvalidArgument (invalid_config: a bad smtp.*
// setting, named), those of LoadOrCreateSecretKey,
// LoadOrCreateWebhookSecret, spi::OpenSociStorage and Engine::Open.
Result<std::unique_ptr<Engine>> OpenEngine(const ServerConfig& config);

}  // namespace eventify::server
