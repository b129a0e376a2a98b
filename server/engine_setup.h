// Opening the engine the way the server configuration describes it: data folders, secret key,
// mailer (outbox or SMTP, as mail.transport says), filesystem media store, SOCI storage, the
// system clock and the payment gateway (the sandbox, with the webhook secret). Shared by serving
// and the operator commands.
#pragma once

#include <memory>

#include "config.h"
#include "eventify/engine.h"
#include "secret_key.h"

namespace eventify::server {

// Opens the engine: the database first, so that an installation that does not exist is reported
// as such (database_not_found), then the key files. kCreate (serving) creates data_dir, outbox_dir
// and media_dir, the database and the key files when missing; kRefuse (operator commands) creates
// nothing.
// Errors: kUnavailable (cannot_create_directory), kInvalidArgument (invalid_config: a bad smtp.*
// setting, named), those of LoadOrCreateSecretKey,
// LoadOrCreateWebhookSecret, spi::OpenSociStorage and Engine::Open.
Result<std::unique_ptr<Engine>> OpenEngine(const ServerConfig& config, WhenMissing when_missing);

}  // namespace eventify::server
