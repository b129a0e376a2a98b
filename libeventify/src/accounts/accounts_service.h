// AccountsService: the library's implementation of eventify::Accounts on the Storage SPI.
// Thread-safety: immutable after construction apart from the injected services, which are
// thread-safe themselves; every method may run concurrently.
#pragma once

#include <memory>

#include "accounts/access_token.h"
#include "accounts/password_hasher.h"
#include "accounts/throttle.h"
#include "eventify/accounts.h"
#include "eventify/engine.h"
#include "eventify/spi/account_repository.h"
#include "mail/mail_jobs.h"

namespace eventify::accounts {

struct AccountsDependencies {
  std::shared_ptr<spi::Storage> storage;
  std::shared_ptr<const mail::MailJobs> mail;  // the outbox: mails written as jobs
  std::shared_ptr<spi::MediaStore> media_store;
  std::shared_ptr<spi::Clock> clock;
  std::shared_ptr<AttemptStore> attempts;  // throttling counters
  std::string secret_key;
  AccountsOptions options;
};

// What the sign-in service (src/oidc) needs of the accounts service beyond eventify::Accounts, so
// that sessions, tokens and password checks have one implementation.
class AccountsInternals {
 public:
  virtual ~AccountsInternals() = default;
  // Opens a login session for `user` inside `tx` and issues its tokens. The caller has checked
  // that the account may sign in (not blocked).
  virtual Result<TokenPair> OpenSession(spi::Transaction& tx, const spi::UserRecord& user) = 0;
  // Checks `password` against `user`'s, counted as a login guess from `context` by the throttle.
  // An account without a password (created by a sign-in provider) never matches.
  // Errors: kUnauthenticated (invalid_credentials), kResourceExhausted (attempts_throttled).
  virtual Status ProvePassword(const RequestContext& context, const spi::UserRecord& user,
                               std::string_view password) = 0;
  // The public view of a stored user (the avatar key turned into a URL).
  virtual User ToPublicUser(const spi::UserRecord& user) const = 0;
};

class AccountsService : public Accounts, public AccountsInternals {};

std::unique_ptr<AccountsService> MakeAccountsService(AccountsDependencies dependencies);

}  // namespace eventify::accounts
