// Engine: the root object of libeventify. It is opened from EngineOptions, owns the domain
// services (accounts, the ledger, wallets, events, bookings, reviews, chat, sign-in, admin,
// dashboards) and shares the injected services (storage, mailer, media store, clock) with them.
// There are no globals: two engines in one process are independent, which is how the tests run
// several "nodes" side by side.
//
// Ownership: Engine::Open hands the engine over as a unique_ptr; services returned by accessors
// are owned by the engine and valid while it lives. Injected services are shared_ptrs and may be
// shared with the host program.
// Thread-safety: every member function may be called from any number of threads at once.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "eventify/accounts.h"
#include "eventify/admin.h"
#include "eventify/bookings.h"
#include "eventify/chat.h"
#include "eventify/dashboards.h"
#include "eventify/events.h"
#include "eventify/export.h"
#include "eventify/jobs.h"
#include "eventify/ledger.h"
#include "eventify/reviews.h"
#include "eventify/settlements.h"
#include "eventify/sign_in.h"
#include "eventify/spi/clock.h"
#include "eventify/spi/http_fetcher.h"
#include "eventify/spi/mailer.h"
#include "eventify/spi/media_store.h"
#include "eventify/spi/payment_gateway.h"
#include "eventify/spi/storage.h"
#include "eventify/status.h"
#include "eventify/wallets.h"

namespace eventify {

// Cost of argon2id password hashing; kMinimum exists for tests only.
enum class PasswordHashCost { kMinimum, kInteractive, kModerate };

// One throttle of guesses: after `free_attempts` failures counted on a key (an account, an address,
// or one address on one account), the key is locked for `first_lockout`, and each further failure
// doubles the lock up to `max_lockout`. A key left without failures for `forget_after` (counted
// from the end of its last lock) starts over.
struct ThrottleRule {
  int free_attempts = 10;
  std::chrono::seconds first_lockout{60};
  std::chrono::seconds max_lockout{3600};
  std::chrono::seconds forget_after{3600};
};

// How guessing is throttled: failed logins and failed code checks (e-mail verification, password
// reset) are counted per account, per client address and per (account, address) pair; requests
// for code e-mails are counted per client address. See docs/accounts-api.md, "Throttling".
struct ThrottleOptions {
  // Every address together on one account. Short and gentle, so that an attacker cannot lock the
  // owner out for long; the pair and address rules stop a single guesser sooner.
  ThrottleRule per_account{20, std::chrono::seconds(5), std::chrono::seconds(60),
                           std::chrono::seconds(15 * 60)};
  // One address on one account. A successful login forgets it.
  ThrottleRule per_account_address{10, std::chrono::seconds(60), std::chrono::seconds(3600),
                                   std::chrono::seconds(3600)};
  // One address on every account (and every request for a code e-mail from it).
  ThrottleRule per_address{50, std::chrono::seconds(60), std::chrono::seconds(3600),
                           std::chrono::seconds(3600)};
  // Keys remembered at most; past this the entries that expire soonest are dropped first.
  std::size_t max_tracked_keys = 100'000;
};

struct AccountsOptions {
  std::chrono::seconds access_token_ttl{15 * 60};
  std::chrono::seconds refresh_token_ttl{30 * 24 * 3600};  // each token, renewed on rotation
  std::chrono::seconds session_max_age{90 * 24 * 3600};    // a login never outlives this
  std::chrono::seconds code_ttl{10 * 60};
  int code_max_attempts = 5;
  std::chrono::seconds code_resend_interval{60};
  int code_max_sends_per_hour = 5;
  PasswordHashCost password_hash_cost = PasswordHashCost::kInteractive;
  std::size_t avatar_max_bytes = 2 * 1024 * 1024;
  std::string product_name = "Eventify";  // used in e-mail subjects
  ThrottleOptions throttle;
};

struct WalletsOptions {
  std::chrono::seconds topup_timeout{30 * 60};  // a pending top-up expires after this
  std::int64_t max_topup_amount = 100'000'000;  // minor units per top-up
};

// How writes are grouped into transactions: new ledger transfers from all callers are queued and
// applied many per transaction and durable commit (see docs/performance.md).
struct CommitOptions {
  std::size_t max_batch = 1024;   // operations applied in one transaction
  std::size_t max_queue = 65536;  // waiting operations before calls answer pipeline_full
  // Batches in flight, each on its own database connection: the next batch is applied while the
  // previous one is being flushed. 0: what the storage suggests (Storage::parallel_writers(): 1
  // on SQLite, whose writes are serialised; more on PostgreSQL).
  int writers = 0;
};

struct EngineOptions {
  // Signing key for access tokens and keyed hashes of one-time codes: at least 32 random bytes.
  // Keep it secret and stable: changing it logs everybody out and voids pending codes.
  std::string secret_key;

  // Injected services. The engine never opens a database itself: the host opens the storage
  // (the bundled one is eventify::soci, eventify/backends/soci.h) and hands it over. Storage,
  // mailer and media store are required (the server passes the SOCI storage and the outbox and
  // filesystem implementations); a null clock is the system clock.
  std::shared_ptr<spi::Storage> storage;
  std::shared_ptr<spi::Mailer> mailer;
  std::shared_ptr<spi::MediaStore> media_store;
  std::shared_ptr<spi::Clock> clock;
  // Charges cards for wallet top-ups. Null: top-ups answer gateway_unavailable.
  std::shared_ptr<spi::PaymentGateway> payment_gateway;

  // Reaches the OpenID Connect providers of `sign_in` (eventify::curl_fetcher bundles one,
  // eventify/backends/curl_http_fetcher.h). Required when sign_in has providers.
  std::shared_ptr<spi::HttpFetcher> http_fetcher;

  std::string currency = "INR";  // the platform currency of every wallet
  AccountsOptions accounts;
  // Sign-in with OpenID Connect providers (eventify/sign_in.h); none by default.
  SignInOptions sign_in;
  WalletsOptions wallets;
  CommitOptions commit;
  // Where event time zones are checked (eventify/events.h).
  EventsOptions events;
  // How long a hold keeps its seats (eventify/bookings.h).
  BookingsOptions bookings;
  // When an ended event is due for settlement and the platform's commission
  // (eventify/settlements.h).
  SettlementsOptions settlements;
  // Background jobs: worker threads (0: the host calls Jobs::RunDueJobs, and no mail leaves until
  // it does: the mailer is called only from mail jobs), leases, retries, the attempts of a mail
  // and the recurring schedules (eventify/jobs.h).
  JobsOptions jobs;
};

// What an engine has done since it opened, for monitoring (eventify-server's /metrics). Each
// value is read with a relaxed atomic load: exact by itself, the set is not one snapshot.
struct EngineStats {
  // Upper bounds of the commit pipeline's batch size buckets (operations per transaction).
  static constexpr std::array<std::uint64_t, 11> kBatchSizeBounds = {1,  2,   4,   8,   16,  32,
                                                                     64, 128, 256, 512, 1024};
  std::uint64_t pipeline_batches = 0;     // transactions of the commit pipeline, done or failed
  std::uint64_t pipeline_operations = 0;  // operations in them
  std::uint64_t pipeline_queued = 0;      // operations waiting for a batch now
  // Batches by size: [i] counts those of more than kBatchSizeBounds[i-1] and at most
  // kBatchSizeBounds[i] operations; the last, those larger than every bound.
  std::array<std::uint64_t, kBatchSizeBounds.size() + 1> pipeline_batch_sizes{};
  JobRunCounts jobs;
};

class EVENTIFY_EXPORT Engine {
 public:
  // Errors: kInvalidArgument (secret_key_too_short, missing_storage, missing_mailer,
  // missing_media_store, invalid_currency, invalid_commit_options, invalid_throttle_options,
  // invalid_jobs_options, invalid_bookings_options: a hold_ttl, card_payment_hold or
  // reminder_lead that is not positive, invalid_settlements_options: a negative delay or a
  // commission outside 0-10000 basis points, invalid_sign_in_options: a provider without name,
  // issuer or client id, a name twice, a non-positive duration; missing_http_fetcher: providers
  // without EngineOptions::http_fetcher), kFailedPrecondition (storage_lacks_area: the storage
  // does not Support a store the engine needs, named in the message; field "storage").
  static Result<std::unique_ptr<Engine>> Open(EngineOptions options);

  virtual ~Engine() = default;
  virtual Accounts& accounts() = 0;
  virtual Ledger& ledger() = 0;
  virtual Wallets& wallets() = 0;
  virtual Jobs& jobs() = 0;
  virtual Events& events() = 0;
  virtual Bookings& bookings() = 0;
  virtual Settlements& settlements() = 0;
  virtual Reviews& reviews() = 0;
  virtual Chat& chat() = 0;
  virtual SignIn& sign_in() = 0;
  virtual Admin& admin() = 0;
  virtual Dashboards& dashboards() = 0;
  virtual spi::Storage& storage() = 0;
  virtual spi::MediaStore& media_store() = 0;
  virtual const spi::Clock& clock() const = 0;
  // Thread-safe and cheap: a few relaxed atomic loads.
  virtual EngineStats stats() const = 0;
};

}  // namespace eventify
