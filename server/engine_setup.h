// Opening the engine the way the server configuration describes it: data folders, secret key,
// outbox mailer, filesystem media store and SOCI storage. Shared by serving and the admin
// command.
#pragma once

#include <memory>

#include "config.h"
#include "eventify/engine.h"

namespace eventify::server {

// Creates data_dir, outbox_dir and media_dir when missing, then opens the engine.
// Errors: kUnavailable (cannot_create_directory), those of LoadOrCreateSecretKey and
// Engine::Open.
Result<std::unique_ptr<Engine>> OpenEngine(const ServerConfig& config);

}  // namespace eventify::server
