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

std::unique_ptr<Accounts> MakeAccountsService(AccountsDependencies dependencies);

}  // namespace eventify::accounts
