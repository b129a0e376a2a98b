// SignInService: the library's implementation of eventify::SignIn (eventify/sign_in.h) on the
// Storage SPI (spi/identity_store.h for identities, flows, nonces and pending links;
// spi/account_repository.h for the accounts), the provider directories (discovery and keys
// through spi::HttpFetcher) and the accounts service's sessions and password checks.
//
// Thread-safety: every method may run concurrently; the directories lock themselves.
#pragma once

#include <memory>
#include <string>

#include "accounts/accounts_service.h"
#include "eventify/sign_in.h"
#include "eventify/spi/http_fetcher.h"
#include "mail/mail_jobs.h"

namespace eventify::oidc {

struct SignInDependencies {
  std::shared_ptr<spi::Storage> storage;
  std::shared_ptr<const mail::MailJobs> mail;
  std::shared_ptr<spi::Clock> clock;
  std::shared_ptr<spi::HttpFetcher> fetcher;  // may be null when there is no provider
  accounts::AccountsInternals* accounts = nullptr;  // the engine's; outlives the service
  std::string secret_key;
  std::string product_name;
  SignInOptions options;
};

// Errors: kInvalidArgument (invalid_sign_in_options: a provider without name, issuer or client
// id, a name twice or not of [a-z0-9_-], a non-positive duration or attempt count;
// missing_http_fetcher: providers but no fetcher). Field "sign_in".
Status ValidateSignInOptions(const SignInOptions& options, bool has_fetcher);

std::unique_ptr<SignIn> MakeSignInService(SignInDependencies dependencies);

}  // namespace eventify::oidc
