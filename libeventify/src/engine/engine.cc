#include "eventify/engine.h"

#include "accounts/accounts_service.h"
#include "core/status_macros.h"

namespace eventify {
namespace {

constexpr std::size_t kMinSecretBytes = 32;

class EngineImpl final : public Engine {
 public:
  EngineImpl(std::shared_ptr<spi::Storage> storage, std::shared_ptr<spi::MediaStore> media,
             std::shared_ptr<spi::Clock> clock, std::unique_ptr<Accounts> accounts)
      : storage_(std::move(storage)),
        media_(std::move(media)),
        clock_(std::move(clock)),
        accounts_(std::move(accounts)) {}

  Accounts& accounts() override { return *accounts_; }
  spi::Storage& storage() override { return *storage_; }
  spi::MediaStore& media_store() override { return *media_; }
  const spi::Clock& clock() const override { return *clock_; }

 private:
  std::shared_ptr<spi::Storage> storage_;
  std::shared_ptr<spi::MediaStore> media_;
  std::shared_ptr<spi::Clock> clock_;
  std::unique_ptr<Accounts> accounts_;
};

}  // namespace

Result<std::unique_ptr<Engine>> Engine::Open(EngineOptions options) {
  if (options.secret_key.size() < kMinSecretBytes) {
    return InvalidArgument("secret_key_too_short", "the secret key needs at least 32 bytes",
                           "secret_key");
  }
  if (!options.mailer) return InvalidArgument("missing_mailer", "a mailer is required", "mailer");
  if (!options.media_store) {
    return InvalidArgument("missing_media_store", "a media store is required", "media_store");
  }
  if (!options.clock) options.clock = std::make_shared<spi::SystemClock>();
  if (!options.storage) {
    EV_ASSIGN_OR_RETURN(options.storage, spi::OpenSociStorage(options.storage_options));
  }
  accounts::AccountsDependencies deps;
  deps.storage = options.storage;
  deps.mailer = options.mailer;
  deps.media_store = options.media_store;
  deps.clock = options.clock;
  deps.secret_key = options.secret_key;
  deps.options = options.accounts;
  auto accounts = accounts::MakeAccountsService(std::move(deps));
  return std::unique_ptr<Engine>(std::make_unique<EngineImpl>(
      std::move(options.storage), std::move(options.media_store), std::move(options.clock),
      std::move(accounts)));
}

}  // namespace eventify
