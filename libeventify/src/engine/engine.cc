#include "eventify/engine.h"

#include "accounts/accounts_service.h"
#include "admin/admin_service.h"
#include "bookings/bookings_service.h"
#include "chat/chat_service.h"
#include "dashboards/dashboards_service.h"
#include "eventify/spi/account_maintenance_store.h"
#include "eventify/spi/admin_store.h"
#include "eventify/spi/booking_store.h"
#include "eventify/spi/chat_store.h"
#include "eventify/spi/event_store.h"
#include "eventify/spi/identity_store.h"
#include "eventify/spi/job_store.h"
#include "eventify/spi/review_store.h"
#include "eventify/spi/settlement_store.h"
#include "eventify/spi/waitlist_store.h"
#include "events/events_service.h"
#include "jobs/job_queue.h"
#include "jobs/jobs_service.h"
#include "ledger/ledger_service.h"
#include "ledger/transfer_batch.h"
#include "mail/mail_jobs.h"
#include "oidc/sign_in_service.h"
#include "reviews/reviews_service.h"
#include "settlements/settlements_service.h"
#include "storage/commit_pipeline.h"
#include "wallets/wallets_service.h"

namespace eventify {
namespace {

constexpr std::size_t kMinSecretBytes = 32;

class EngineImpl final : public Engine {
 public:
  EngineImpl(std::shared_ptr<spi::Storage> storage, std::shared_ptr<spi::MediaStore> media,
             std::shared_ptr<spi::Clock> clock, std::unique_ptr<Accounts> accounts,
             const CommitOptions& commit)
      : storage_(std::move(storage)),
        media_(std::move(media)),
        clock_(std::move(clock)),
        accounts_(std::move(accounts)),
        transfer_clock_(std::make_unique<ledger::TransferClock>(clock_)),
        pipeline_(std::make_unique<storage::CommitPipeline>(
            storage_,
            storage::CommitPipelineOptions{
                commit.max_batch, commit.max_queue,
                commit.writers > 0 ? commit.writers : storage_->parallel_writers()})),
        ledger_(ledger::MakeLedgerService(storage_, clock_, *transfer_clock_, *pipeline_)) {}

  // Wallets borrow the ledger, so they are built once the ledger has its final address.
  void set_wallets(std::unique_ptr<Wallets> wallets) { wallets_ = std::move(wallets); }
  // Jobs run the ledger's and the accounts' maintenance, so they come last too.
  void set_jobs(std::unique_ptr<jobs::JobsService> jobs) { jobs_ = std::move(jobs); }
  void set_events(std::unique_ptr<Events> events) { events_ = std::move(events); }
  void set_reviews(std::unique_ptr<Reviews> reviews) { reviews_ = std::move(reviews); }
  void set_sign_in(std::unique_ptr<SignIn> sign_in) { sign_in_ = std::move(sign_in); }
  // Bookings share the engine's pipeline and transfer clock with the ledger.
  // Bookings paid by card settle through `cards`, shared with the wallets.
  void set_bookings(std::shared_ptr<const mail::MailJobs> mail,
                    std::shared_ptr<spi::Mailer> mailer, std::string_view secret_key,
                    std::string_view product_name, BookingsOptions options,
                    std::shared_ptr<wallets::CardCharges> cards,
                    std::chrono::seconds topup_timeout) {
    bookings_ = bookings::MakeBookingsService(storage_, *transfer_clock_, *pipeline_,
                                              std::move(mail), std::move(mailer), secret_key,
                                              product_name, std::move(options), *ledger_,
                                              std::move(cards), topup_timeout);
  }
  // For the registration of the bookings' job handlers.
  bookings::BookingsInternals& bookings_internals() { return *bookings_; }

  // Dashboards list an organizer's upcoming events through the events service.
  void set_admin_and_dashboards(std::string currency, std::chrono::seconds settlement_delay) {
    admin_ = admin::MakeAdminService(storage_, clock_, currency,
                                     std::chrono::duration_cast<Duration>(settlement_delay));
    dashboards_ = dashboards::MakeDashboardsService(storage_, clock_, *events_, std::move(currency));
  }

  // Chat writes its messages through the engine's pipeline.
  void set_chat() { chat_ = chat::MakeChatService(storage_, media_, clock_, *pipeline_); }

  // Settlements move escrow money with the engine's transfer clock.
  void set_settlements(SettlementsOptions options) {
    settlements_ = settlements::MakeSettlementsService(storage_, *transfer_clock_, options);
  }

  Accounts& accounts() override { return *accounts_; }
  Ledger& ledger() override { return *ledger_; }
  Wallets& wallets() override { return *wallets_; }
  Jobs& jobs() override { return *jobs_; }
  Events& events() override { return *events_; }
  EngineStats stats() const override {
    EngineStats stats;
    pipeline_->AddStats(stats);
    stats.jobs = jobs_->run_counts();
    return stats;
  }
  Bookings& bookings() override { return *bookings_; }
  Settlements& settlements() override { return *settlements_; }
  Reviews& reviews() override { return *reviews_; }
  Chat& chat() override { return *chat_; }
  SignIn& sign_in() override { return *sign_in_; }
  Admin& admin() override { return *admin_; }
  Dashboards& dashboards() override { return *dashboards_; }
  spi::Storage& storage() override { return *storage_; }
  spi::MediaStore& media_store() override { return *media_; }
  const spi::Clock& clock() const override { return *clock_; }

 private:
  std::shared_ptr<spi::Storage> storage_;
  std::shared_ptr<spi::MediaStore> media_;
  std::shared_ptr<spi::Clock> clock_;
  std::unique_ptr<Accounts> accounts_;
  // Creation times of transfers, shared by every area that moves money (ledger/transfer_batch.h).
  std::unique_ptr<ledger::TransferClock> transfer_clock_;
  // Declared before the services that use it, so it is destroyed (drained, writer joined) after
  // them and before the storage.
  std::unique_ptr<storage::CommitPipeline> pipeline_;
  std::unique_ptr<Ledger> ledger_;
  std::unique_ptr<Wallets> wallets_;  // destroyed before the ledger it borrows
  std::unique_ptr<Events> events_;
  std::unique_ptr<Reviews> reviews_;
  std::unique_ptr<SignIn> sign_in_;  // borrows the accounts service
  // Destroyed before the pipeline it queues in.
  std::unique_ptr<bookings::BookingsInternals> bookings_;
  std::unique_ptr<Settlements> settlements_;
  std::unique_ptr<Chat> chat_;  // destroyed before the pipeline it queues in
  std::unique_ptr<Admin> admin_;
  std::unique_ptr<Dashboards> dashboards_;  // destroyed before the events it borrows
  // Declared last: its workers are stopped before anything their handlers use is destroyed.
  std::unique_ptr<jobs::JobsService> jobs_;
};

// The stores the engine reaches through Transaction::store (spi/storage.h, "One store per area").
constexpr spi::StoreArea kRequiredAreas[] = {
    spi::AccountRepository::kArea, spi::LedgerRepository::kArea, spi::WalletRepository::kArea,
    spi::JobStore::kArea, spi::AccountMaintenanceStore::kArea, spi::EventStore::kArea,
    spi::BookingStore::kArea, spi::SettlementStore::kArea, spi::ReviewStore::kArea,
    spi::WaitlistStore::kArea, spi::ChatStore::kArea, spi::IdentityStore::kArea,
    spi::AdminStore::kArea};

}  // namespace

Result<std::unique_ptr<Engine>> Engine::Open(EngineOptions options) {
  if (options.secret_key.size() < kMinSecretBytes) {
    return InvalidArgument("secret_key_too_short", "the secret key needs at least 32 bytes",
                           "secret_key");
  }
  if (!options.storage) {
    return InvalidArgument("missing_storage", "a storage is required", "storage");
  }
  if (!options.mailer) return InvalidArgument("missing_mailer", "a mailer is required", "mailer");
  if (!options.media_store) {
    return InvalidArgument("missing_media_store", "a media store is required", "media_store");
  }
  if (!IsValidCurrency(options.currency)) {
    return InvalidArgument("invalid_currency", "the currency must be an ISO 4217 code", "currency");
  }
  if (options.commit.max_batch == 0 || options.commit.max_queue == 0 ||
      options.commit.writers < 0) {
    return InvalidArgument("invalid_commit_options",
                           "batch and queue limits must be positive, writers not negative",
                           "commit");
  }
  const ThrottleOptions& throttle = options.accounts.throttle;
  for (const ThrottleRule* rule :
       {&throttle.per_account, &throttle.per_account_address, &throttle.per_address}) {
    if (rule->free_attempts < 1 || rule->first_lockout.count() < 1 ||
        rule->max_lockout < rule->first_lockout || rule->forget_after.count() < 1) {
      return InvalidArgument("invalid_throttle_options",
                             "throttle rules need a free attempt and positive, ordered durations",
                             "accounts.throttle");
    }
  }
  for (const spi::StoreArea area : kRequiredAreas) {
    if (!options.storage->Supports(area)) {
      return FailedPrecondition(
          "storage_lacks_area",
          "the storage has no store for the area '" + std::string(area.name()) + "'", "storage");
    }
  }
  if (Status jobs_options = jobs::ValidateJobsOptions(options.jobs); !jobs_options.ok()) {
    return jobs_options;
  }
  if (options.bookings.hold_ttl.count() <= 0) {
    return InvalidArgument("invalid_bookings_options", "the hold time must be positive",
                           "bookings.hold_ttl");
  }
  if (options.bookings.reminder_lead.count() <= 0) {
    return InvalidArgument("invalid_bookings_options", "the reminder lead time must be positive",
                           "bookings.reminder_lead");
  }
  if (options.bookings.waitlist_offer_ttl.count() <= 0) {
    return InvalidArgument("invalid_bookings_options", "the waitlist offer time must be positive",
                           "bookings.waitlist_offer_ttl");
  }
  if (options.bookings.card_payment_hold.count() <= 0) {
    return InvalidArgument("invalid_bookings_options", "the card payment hold must be positive",
                           "bookings.card_payment_hold");
  }
  if (Status settlements = settlements::ValidateSettlementsOptions(options.settlements);
      !settlements.ok()) {
    return settlements;
  }
  if (Status sign_in = oidc::ValidateSignInOptions(options.sign_in, options.http_fetcher != nullptr);
      !sign_in.ok()) {
    return sign_in;
  }
  if (!options.clock) options.clock = std::make_shared<spi::SystemClock>();
  // The queue every area writes its jobs through, in its own transactions; mail goes out as jobs.
  auto queue = std::make_shared<jobs::JobQueue>(options.clock, options.jobs.max_attempts);
  auto mail = std::make_shared<const mail::MailJobs>(queue, options.clock, options.secret_key,
                                                     options.jobs.mail_max_attempts);
  accounts::AccountsDependencies deps;
  deps.storage = options.storage;
  deps.mail = mail;
  deps.media_store = options.media_store;
  deps.clock = options.clock;
  deps.attempts = accounts::MakeInMemoryAttemptStore(options.accounts.throttle.max_tracked_keys);
  deps.secret_key = options.secret_key;
  deps.options = options.accounts;
  auto accounts = accounts::MakeAccountsService(std::move(deps));
  accounts::AccountsInternals& account_internals = *accounts;
  auto engine = std::make_unique<EngineImpl>(options.storage, options.media_store,
                                             options.clock, std::move(accounts), options.commit);
  // Card charges of wallet top-ups and of bookings paid by card, settled by one callback.
  auto cards = std::make_shared<wallets::CardCharges>(engine->ledger(), options.storage,
                                                      options.clock,
                                                      std::move(options.payment_gateway));
  wallets::WalletsDependencies wallet_deps;
  wallet_deps.ledger = &engine->ledger();
  wallet_deps.storage = options.storage;
  wallet_deps.clock = options.clock;
  wallet_deps.charges = cards;
  wallet_deps.currency = options.currency;
  wallet_deps.options = options.wallets;
  engine->set_wallets(wallets::MakeWalletsService(std::move(wallet_deps)));
  engine->set_events(events::MakeEventsService(options.storage, options.media_store,
                                               options.clock, options.currency, mail,
                                               options.accounts.product_name,
                                               std::move(options.events)));
  engine->set_reviews(reviews::MakeReviewsService(options.storage, options.clock));
  oidc::SignInDependencies sign_in_deps;
  sign_in_deps.storage = options.storage;
  sign_in_deps.mail = mail;
  sign_in_deps.clock = options.clock;
  sign_in_deps.fetcher = std::move(options.http_fetcher);
  sign_in_deps.accounts = &account_internals;
  sign_in_deps.secret_key = options.secret_key;
  sign_in_deps.product_name = options.accounts.product_name;
  sign_in_deps.options = std::move(options.sign_in);
  engine->set_sign_in(oidc::MakeSignInService(std::move(sign_in_deps)));
  engine->set_bookings(mail, options.mailer, options.secret_key, options.accounts.product_name,
                       std::move(options.bookings), cards, options.wallets.topup_timeout);
  engine->set_settlements(options.settlements);
  engine->set_chat();
  engine->set_admin_and_dashboards(options.currency, options.settlements.delay);
  auto jobs = jobs::MakeJobsService(options.storage, options.clock, queue, options.jobs);
  if (Status builtin = jobs::RegisterBuiltinJobs(*jobs, engine->ledger(), options.storage,
                                                 options.clock, options.jobs);
      !builtin.ok()) {
    return builtin;
  }
  if (Status mail_job = mail::RegisterMailJob(*jobs, mail, options.mailer); !mail_job.ok()) {
    return mail_job;
  }
  if (Status handler = events::RegisterEventsJobs(*jobs, engine->events()); !handler.ok()) {
    return handler;
  }
  if (Status handler = bookings::RegisterBookingsJobs(*jobs, engine->bookings_internals());
      !handler.ok()) {
    return handler;
  }
  if (Status handler = settlements::RegisterSettlementJobs(*jobs, engine->settlements());
      !handler.ok()) {
    return handler;
  }
  jobs->Start();
  engine->set_jobs(std::move(jobs));
  return std::unique_ptr<Engine>(std::move(engine));
}

}  // namespace eventify
