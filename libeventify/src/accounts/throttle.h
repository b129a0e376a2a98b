// Throttling of guesses (passwords, e-mailed codes) and of code e-mails.
//
// Counters live in an AttemptStore: in memory on one node today; the interface is narrow enough
// for a store on Redis (WATCH/MULTI around Update, or a script) to share them between nodes later.
// Every key is throttled the same way whether or not an account exists behind it, so that the
// throttle reveals nothing about which addresses are registered.
//
// Thread-safety: AttemptStore implementations and Throttle may be used from any number of threads;
// a PendingGuess belongs to the call that began it.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "eventify/accounts.h"
#include "eventify/engine.h"
#include "eventify/spi/clock.h"
#include "eventify/status.h"
#include "eventify/types.h"

namespace eventify::accounts {

// What throttling remembers of one key (an account, a client address, or both).
struct AttemptWindow {
  int count = 0;             // attempts counted since started_at
  Timestamp started_at{};    // the first of them
  Timestamp last_at{};       // the latest of them
  Timestamp locked_until{};  // attempts are refused before this
  Timestamp expires_at{};    // from then on the window is forgotten and reads as empty
};

class AttemptStore {
 public:
  virtual ~AttemptStore() = default;
  // Runs `update` on the window of `key` (an empty one when the key is unknown or its window has
  // expired at `now`) and keeps the result, atomically with respect to other calls on that key.
  // A window left empty or already expired is not kept.
  virtual void Update(std::string_view key, Timestamp now,
                      const std::function<void(AttemptWindow&)>& update) = 0;
  // Forgets `key`.
  virtual void Erase(std::string_view key) = 0;
};

// Keeps at most `max_keys` windows; when full, drops the expired ones and then those that expire
// soonest (a locked key expires last, so flooding the store with new keys frees locks last).
std::unique_ptr<AttemptStore> MakeInMemoryAttemptStore(std::size_t max_keys);

// The rule on code e-mails to one address: one every `code_resend_interval`, at most
// `code_max_sends_per_hour` in an hour. The wait before the next send may go out (zero: now).
Duration CodeSendWait(const AttemptWindow& sent, Timestamp now, const AccountsOptions& options);
// Counts a send in `sent`.
void CountCodeSend(AttemptWindow& sent, Timestamp now, const AccountsOptions& options);
// kResourceExhausted resend_throttled, retry after `wait`.
Status ResendThrottled(Duration wait);

class Throttle;

// A key and the rule it is counted under.
struct CountedKey {
  std::string key;
  const ThrottleRule* rule;  // owned by the Throttle
};

// One guess in progress, counted as a failure from the start (so that concurrent guesses cannot
// slip past the limit) until Right() refunds it. Destroyed without Wrong() or Right() (a storage
// error, a state check after the right password), it is refunded too: only wrong guesses count.
class PendingGuess {
 public:
  PendingGuess(PendingGuess&& other) noexcept;
  PendingGuess& operator=(PendingGuess&&) = delete;
  ~PendingGuess();

  void Wrong();  // keeps the counts
  void Right();  // refunds, and forgets the failures of the (account, address) pair

 private:
  friend class Throttle;
  PendingGuess(Throttle* throttle, std::vector<CountedKey> keys, std::string pair_key);
  void Refund();

  Throttle* throttle_;  // null once settled
  std::vector<CountedKey> keys_;
  std::string pair_key_;  // empty without a client address
};

// The rules of AccountsOptions (throttle, and the code e-mail limits) applied on an AttemptStore.
// A guess's `kind` names what is guessed ("login", "verify_email", "reset_password"): each kind is
// counted apart on the account and on the pair, while the client address counts all of them.
// PendingGuesses point into it: it outlives them.
class Throttle {
 public:
  Throttle(std::shared_ptr<AttemptStore> store, AccountsOptions options,
           std::shared_ptr<spi::Clock> clock);

  // Starts a guess of `kind` at the account of `email` (normalised; registered or not).
  // Errors: kResourceExhausted (attempts_throttled) while the account, the client address or the
  // pair is locked; nothing is counted then.
  Result<PendingGuess> BeginGuess(std::string_view kind, std::string_view email,
                                  const RequestContext& context);

  // Counts a request for a code e-mail from the client address.
  // Errors: kResourceExhausted (attempts_throttled) while the address is locked.
  Status CountMailRequest(const RequestContext& context);

  // Applies the code e-mail rule to an address that gets no e-mail (unknown, or not eligible),
  // so that it is throttled exactly like an address that does.
  // Errors: kResourceExhausted (resend_throttled).
  Status CountUnsentCode(std::string_view purpose, std::string_view email);

 private:
  friend class PendingGuess;
  // Counts an attempt on each key unless one is locked; then refunds those counted and returns
  // attempts_throttled.
  Status CountAll(const std::vector<CountedKey>& keys);
  // Takes back one attempt counted on `counted`.
  void Refund(const CountedKey& counted);

  const std::shared_ptr<AttemptStore> store_;
  const AccountsOptions options_;
  const std::shared_ptr<spi::Clock> clock_;
};

}  // namespace eventify::accounts
