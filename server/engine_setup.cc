#include "engine_setup.h"

#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <system_error>

#include "eventify/backends/curl_http_fetcher.h"
#include "eventify/backends/smtp_mailer.h"
#include "eventify/backends/soci.h"
#include "eventify/spi/clock.h"
#include "eventify/spi/media_object_store.h"
#include "eventify/spi/payment_gateway.h"
#include "media_routes.h"
#include "secret_key.h"

namespace eventify::server {
namespace {

Status CreateDirectory(const std::string& path) {
  std::error_code error;
  std::filesystem::create_directories(path, error);
  if (!error) return Status::Ok();
  return Unavailable("cannot_create_directory",
                     fmt::format("cannot create {}: {}", path, error.message()));
}

// The mailer mail.transport names. A bad SMTP setting is reported with the key that holds it.
Result<std::shared_ptr<spi::Mailer>> OpenMailer(const ServerConfig& config) {
  auto open = [&]() -> Result<std::shared_ptr<spi::Mailer>> {
    Status from = spi::CheckMailFrom(config.smtp.from);
    if (!from.ok()) return from;  // the outbox writes it too
    if (config.mail_transport == MailTransport::kOutbox) {
      return spi::MakeOutboxMailer(config.outbox_dir, config.smtp.from);
    }
    return spi::MakeSmtpMailer(config.smtp);
  };
  auto mailer = open();
  if (mailer.ok() || mailer.status().code() != StatusCode::kInvalidArgument) return mailer;
  return InvalidArgument("invalid_config",
                         fmt::format("invalid value for smtp.{}: {}", mailer.status().field(),
                                     mailer.status().message()));
}

}  // namespace

Result<std::unique_ptr<Engine>> OpenEngine(const ServerConfig& config, WhenMissing when_missing) {
  if (when_missing == WhenMissing::kCreate) {
    for (const std::string* dir : {&config.data_dir, &config.outbox_dir}) {
      Status created = CreateDirectory(*dir);
      if (!created.ok()) return created;
    }
    if (config.media_store == MediaStoreKind::kFilesystem) {
      Status created = CreateDirectory(config.media_dir);
      if (!created.ok()) return created;
    }
  }
  auto mailer = OpenMailer(config);  // configuration errors first
  if (!mailer.ok()) return mailer.status();
  // The database before the keys, so that an installation that does not exist is reported as such.
  spi::SociStorageOptions storage_options;
  storage_options.url = config.database_url;
  storage_options.pool_size = config.database_pool_size;
  storage_options.create_if_missing = when_missing == WhenMissing::kCreate;
  auto storage = spi::OpenSociStorage(storage_options);
  if (!storage.ok()) return storage.status();
  auto secret_key = LoadOrCreateSecretKey(config, when_missing);
  if (!secret_key.ok()) return secret_key.status();
  auto webhook_secret = LoadOrCreateWebhookSecret(config, when_missing);
  if (!webhook_secret.ok()) return webhook_secret.status();

  // One clock for the engine and the gateway, so that signature ages and hold expiries agree.
  auto clock = std::make_shared<spi::SystemClock>();
  EngineOptions options;
  options.secret_key = std::move(secret_key).value();
  options.clock = clock;
  options.storage = std::move(storage).value();
  options.mailer = std::move(mailer).value();
  if (config.media_store == MediaStoreKind::kDatabase) {
    auto media = spi::MakeStorageMediaStore(options.storage, std::string(kMediaUrlPrefix));
    if (!media.ok()) return media.status();
    options.media_store = std::move(media).value();
  } else {
    options.media_store = spi::MakeFilesystemMediaStore(config.media_dir, kMediaUrlPrefix);
  }
  options.accounts = config.accounts;
  options.sign_in = config.sign_in;
  if (!config.sign_in.providers.empty()) options.http_fetcher = spi::MakeCurlHttpFetcher({});
  options.currency = config.currency;
  options.wallets = config.wallets;
  options.bookings = config.bookings;
  options.jobs.worker_threads = config.jobs_worker_threads;
  options.jobs.mail_max_attempts = config.jobs_mail_max_attempts;
  options.jobs.backoff = config.jobs_backoff;
  options.jobs.max_backoff = config.jobs_max_backoff;
  // Approved events become completed within a minute of their end (docs/events-api.md).
  options.jobs.schedules.push_back({std::string(kCompleteEndedEventsJob), std::chrono::seconds(60)});
  // Lapsed holds return their seats and cancelled events are refunded within a minute
  // (docs/bookings.md).
  options.jobs.schedules.push_back({std::string(kExpireHoldsJob), std::chrono::seconds(60)});
  options.jobs.schedules.push_back(
      {std::string(kRefundCancelledEventsJob), std::chrono::seconds(60)});
  // Reminders leave within a minute of their window opening (docs/mail.md).
  options.jobs.schedules.push_back({std::string(kSendRemindersJob), std::chrono::seconds(60)});
  options.settlements = config.settlements;
  // Due events are settled within a minute, when the operator wants it (docs/settlement.md).
  if (config.settlement_automatic) {
    options.jobs.schedules.push_back({std::string(kSettleDueEventsJob), std::chrono::seconds(60)});
  }
  // payments.gateway accepts only "sandbox" (config.cc).
  options.payment_gateway =
      spi::MakeSandboxPaymentGateway(std::move(webhook_secret).value(), clock);
  return Engine::Open(std::move(options));
}

}  // namespace eventify::server
